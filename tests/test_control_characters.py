"""Control characters: one rule for text entering the portal by any path (common.text), exports
that write whatever is stored, and the data migration that cleaned the tables."""

import csv
import datetime
import importlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from openpyxl import load_workbook

from common.spreadsheets import spreadsheet
from common.text import TextRefused, TextRule, text_cleaned, text_entered
from enterprises.models import Enterprise
from imports import values
from imports.engine import import_plan
from imports.kinds import import_kind
from imports.models import ImportBatch
from imports.values import CellError
from improvements.models import ImprovementProject, Suggestion
from score_portal.apps import PORTAL_APPS
from tests.exports import xlsx_rows
from tests.factories import attend, make_enterprise, make_participant, make_user, make_workshop
from tests.import_files import csv_bytes, xls_bytes, xlsx_bytes
from training.forms import WorkshopForm
from training.models import Participant, Workshop
from training.services import AttendanceInvalid, AttendanceRow, attendance_save

NANXUN_A = "91330503375583185N"
NANXUN_B = "91330503968301438Y"

# Every C0 control but tab, line feed and carriage return; DEL; C1 controls from both ends and the
# middle (U+0085 is NEL, U+009B CSI); lone surrogates (a Python str, such as a JSON API's, can
# hold one).
C0 = [chr(code) for code in range(0x20) if chr(code) not in "\t\n\r"]
C1 = ["\x80", "\x85", "\x9b", "\x9f"]
SURROGATES = ["\ud800", "\udfff"]
REFUSED = [*C0, "\x7f", *C1, *SURROGATES]
# What a file or an HTTP form can carry: UTF-8 holds no lone surrogate.
IN_FILES = [*C0, "\x7f", *C1]


def code(character):
    return f"U+{ord(character):04X}"


def refusal(character):
    return (
        f"Contains a control character ({code(character)}) that cannot be stored; delete it "
        "(it may be invisible: type the text again)."
    )


def form_refusal(character):
    """A form's error: Django's forms refuse NUL themselves, before the model's rule is asked."""
    return "Null characters are not allowed." if character == "\x00" else refusal(character)


# --- The rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize("character", REFUSED, ids=code)
@pytest.mark.parametrize("multi_line", [False, True])
def test_the_rule_refuses_every_other_control_character_and_names_it(character, multi_line):
    with translation.override("en"), pytest.raises(TextRefused) as refused:
        text_entered(f"湖州{character}企业", multi_line=multi_line)
    assert str(refused.value) == refusal(character)


def test_the_refusal_is_in_chinese_by_default():
    with (
        translation.override("zh-hans"),
        pytest.raises(TextRefused, match=r"^含有无法保存的控制字符（U\+001B）"),
    ):
        text_entered("A\x1bB", multi_line=False)


@pytest.mark.parametrize(
    ("typed", "one_line", "multi_line"),
    [
        ("南浔\t甲企业", "南浔 甲企业", "南浔\t甲企业"),
        ("镇西路 1 号\r\n二楼", "镇西路 1 号 二楼", "镇西路 1 号\r\n二楼"),  # CR LF: one space
        ("a\nb\rc", "a b c", "a\nb\rc"),
        ("\t\n", "  ", "\t\n"),
        # Not controls: kept as they are (NBSP, ideographic space, zero-width joiner, U+FFFD).
        ("a\xa0b\u3000c\u200dd\ufffd", "a\xa0b\u3000c\u200dd\ufffd", "a\xa0b\u3000c\u200dd\ufffd"),
    ],
)
def test_tabs_and_line_breaks_are_kept_in_multi_line_text_and_become_spaces_in_one_line(
    typed, one_line, multi_line
):
    assert text_entered(typed, multi_line=False) == one_line
    assert text_entered(typed, multi_line=True) == multi_line


@pytest.mark.parametrize(
    ("stored", "one_line", "multi_line"),
    [
        ("湖州\x1b[31m企业", "湖州 [31m企业", "湖州[31m企业"),
        ("a\x00b\x07c\x7fd", "a b c d", "abcd"),
        ("a\x85b\x9fc\x80", "a b c ", "abc"),
        ("路\r\n1 号\t\x0b二楼", "路  1 号  二楼", "路\r\n1 号\t二楼"),
        ("a\ud800b", "a b", "ab"),
        ("正常的名字", "正常的名字", "正常的名字"),
    ],
)
def test_the_migrations_cleaning_of_stored_text(stored, one_line, multi_line):
    assert text_cleaned(stored, multi_line=False) == one_line
    assert text_cleaned(stored, multi_line=True) == multi_line


def test_every_text_field_of_the_portals_models_is_under_the_rule():
    from django.apps import apps
    from django.db import models

    fields = [
        field
        for label in PORTAL_APPS
        for model in apps.get_app_config(label).get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
    ]
    rules = {
        f"{f.model.__name__}.{f.name}": [v for v in f.validators if isinstance(v, TextRule)] for f in fields
    }
    assert all(len(found) == 1 for found in rules.values()), rules
    multi_line = sorted(name for name, (rule,) in rules.items() if rule.multi_line)
    assert multi_line == [
        "Enterprise.address",
        # Written by people as paragraphs (self-reporting): an exemption's reason and the decision's
        # comment, a lock override's reason, the enterprise's explanation and the reviewer's comment.
        "Exemption.comment",
        "Exemption.reason",
        "ImportBatch.override_reason",
        "RecordChange.comment",
        "SafetyReport.explanation",
        "SafetyReport.review_comment",
        "Suggestion.text",
    ]
    assert "Participant.name" in rules and "Workshop.place" in rules and "ImportBatch.file_name" in rules


def test_a_save_turns_tabs_and_line_breaks_of_one_line_fields_into_spaces(db):
    enterprise = make_enterprise("nanxun", name="南浔\t甲企业\r\n二厂", address="镇西路\r\n1 号")
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.address) == ("南浔 甲企业 二厂", "镇西路\r\n1 号")


# --- Imports: every refused character, CSV and XLSX, with the row and the header ------------------


def run_import(tmp_path, capsys, kind, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    before = (Enterprise.objects.count(), ImportBatch.objects.count())
    with pytest.raises(CommandError, match=r"nothing was imported"):
        call_command("import_data", kind, str(path), "--language", "en")
    assert (Enterprise.objects.count(), ImportBatch.objects.count()) == before
    return capsys.readouterr().err.splitlines()


ENTERPRISE_HEADERS = ["credit_code", "name", "district", "employees", "score_start", "address"]


@pytest.mark.parametrize("character", IN_FILES, ids=code)
def test_an_imported_csv_refuses_the_character_naming_row_and_column(db, tmp_path, capsys, character):
    rows = [
        ENTERPRISE_HEADERS,
        [NANXUN_A, "南浔甲企业", "南浔", "10", "2016-01-01", "镇西路\r\n1 号"],
        [NANXUN_B, f"南浔{character}乙企业", "南浔", "10", "2016-01-01", f"镇西路{character}2 号"],
    ]
    errors = run_import(tmp_path, capsys, "enterprises", csv_bytes(rows), "e.csv")
    assert errors[:2] == [
        f"Row 3, column name, value {'南浔' + character + '乙企业'!r}: {refusal(character)}",
        f"Row 3, column address, value {'镇西路' + character + '2 号'!r}: {refusal(character)}",
    ]


@pytest.mark.parametrize("character", IN_FILES, ids=code)
def test_an_imported_xlsx_refuses_the_character_naming_row_and_column(db, tmp_path, capsys, character):
    # Excel keeps a control character in a cell as _xHHHH_ (Office Open XML's escape), which the
    # reader turns back into the character.
    escaped = f"_x{ord(character):04X}_"
    rows = [
        ENTERPRISE_HEADERS,
        [NANXUN_A, f"南浔{escaped}甲企业", "南浔", 10, datetime.date(2016, 1, 1), ""],
    ]
    errors = run_import(tmp_path, capsys, "enterprises", xlsx_bytes(rows), "e.xlsx")
    assert errors[0] == f"Row 2, column name, value {'南浔' + character + '甲企业'!r}: {refusal(character)}"


# Every free-text column of every kind, with a header as the file may write it.
TEXT_COLUMNS = [
    ("enterprises", "企业名称"),
    ("enterprises", "sector"),
    ("enterprises", "批次"),
    ("enterprises", "地址"),
    ("enterprises", "contact"),
    ("enterprises", "联系电话"),
    ("suggestions", "编号"),
    ("suggestions", "建议内容"),
    ("suggestions", "submitted_by"),
    ("projects", "reference"),
    ("projects", "项目名称"),
]
VALID_ROWS = {
    "enterprises": {
        "统一社会信用代码": NANXUN_B,
        "企业名称": "乙",
        "区县": "南浔",
        "职工人数": "10",
        "开始日期": "2016-01-01",
    },
    "safety": {"统一社会信用代码": NANXUN_A, "月份": "2017-01", "检查次数": "1", "事故起数": "0"},
    "suggestions": {"统一社会信用代码": NANXUN_A, "编号": "S1", "提交日期": "2017-01-05", "建议内容": "建议"},
    "projects": {
        "统一社会信用代码": NANXUN_A,
        "reference": "P1",
        "项目名称": "项目",
        "开始日期": "2017-01-05",
    },
}


def plan_of(kind, row):
    headers = list(row)
    return import_plan(import_kind(kind), content=csv_bytes([headers, list(row.values())]), file_name="f.csv")


@pytest.mark.parametrize(("kind", "header"), TEXT_COLUMNS)
@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f", "\x85"], ids=code)
def test_every_text_column_of_every_kind_refuses_the_character(db, kind, header, character):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    row = {**VALID_ROWS[kind], header: f"文字{character}"}
    with translation.override("en"):
        errors = plan_of(kind, row).errors
    assert [(e.row, e.column, e.message) for e in errors] == [(2, header, refusal(character))]


@pytest.mark.parametrize("multi_line", [False, True])
@pytest.mark.parametrize("character", SURROGATES, ids=code)
def test_the_engines_text_cells_refuse_a_lone_surrogate(character, multi_line):
    """What the engine would be handed by a JSON API (a file, being bytes, cannot hold one)."""
    with translation.override("en"), pytest.raises(CellError) as refused:
        values.text(f"文字{character}", max_length=50, multi_line=multi_line)
    assert str(refused.value) == refusal(character)


@pytest.mark.parametrize(("kind", "header", "limit"), [
    ("enterprises", "企业名称", 200), ("enterprises", "sector", 100), ("enterprises", "批次", 50),
    ("enterprises", "地址", 300), ("enterprises", "contact", 100), ("enterprises", "联系电话", 50),
    ("suggestions", "编号", 50), ("suggestions", "submitted_by", 100),
    ("projects", "reference", 50), ("projects", "项目名称", 300),
])  # fmt: skip
def test_every_text_column_of_every_kind_is_checked_against_its_stored_length(db, kind, header, limit):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    row = {**VALID_ROWS[kind], header: "字" * limit}
    assert plan_of(kind, row).errors == []
    row[header] = "字" * (limit + 1)
    with translation.override("en"):
        errors = plan_of(kind, row).errors
    assert [(e.row, e.column, e.message) for e in errors] == [
        (2, header, f"At most {limit} characters; this has {limit + 1}.")
    ]


@pytest.mark.parametrize("kind", ["enterprises", "safety", "suggestions", "projects"])
def test_a_nul_in_any_cell_of_any_kind_is_an_error_at_the_preview(role_client, kind):
    """NUL, which PostgreSQL cannot store nor even compare, put into each column in turn: always an
    error of that cell at the preview, never a fault at the confirm (nor at the preview)."""
    make_enterprise("nanxun", credit_code=NANXUN_A)
    client = role_client("programme_admin")
    client.cookies["django_language"] = "en"
    from django.core.files.uploadedfile import SimpleUploadedFile

    for header in VALID_ROWS[kind]:
        row = dict(VALID_ROWS[kind])
        row[header] = row[header][:3] + "\x00" + row[header][3:]
        content = csv_bytes([list(row), list(row.values())])
        response = client.post("/imports/", {"kind": kind, "file": SimpleUploadedFile("f.csv", content)})
        batch = ImportBatch.objects.latest("pk")
        assert response["Location"] == f"/imports/{batch.pk}/"
        page = client.get(response["Location"])
        assert batch.status == "invalid", header
        assert [(e.row, e.column) for e in page.context["errors"]] == [(2, header)]
        assert client.post(f"/imports/{batch.pk}/confirm/").status_code == 302
    assert Enterprise.objects.count() == 1


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x1f"], ids=code)
def test_the_error_sheet_of_a_refused_xls_writes_the_character_it_was_refused_for(role_client, character):
    """An .xls comes back as .xlsx, whose XML cannot hold the character: it is shown as U+FFFD."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = role_client("programme_admin")
    client.cookies["django_language"] = "en"
    rows = [
        ENTERPRISE_HEADERS,
        [NANXUN_A, f"南浔{character}甲企业", "南浔", 10, datetime.date(2016, 1, 1), ""],
    ]
    client.post("/imports/", {"kind": "enterprises", "file": SimpleUploadedFile("e.xls", xls_bytes(rows))})
    batch = ImportBatch.objects.get()
    response = client.get(f"/imports/{batch.pk}/errors/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [sheet["B2"].value, sheet["G2"].value] == ["南浔\ufffd甲企业", f"name: {refusal(character)}"]


# --- Forms: the workshop form, the admin, the attendance grid ------------------------------------


@pytest.fixture
def workshop(db):
    a = make_enterprise("nanxun", name="湖州绿源纺织有限公司")
    return make_workshop("nanxun", module=2, date=datetime.date(2024, 4, 12), enterprises=[a])


@pytest.mark.parametrize("character", IN_FILES, ids=code)
def test_the_workshop_form_refuses_the_character_as_the_fields_error(role_client, workshop, character):
    client = role_client("trainer")
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/training/workshops/{workshop.pk}/edit/",
        {"district": workshop.district_id, "module": workshop.module_id, "kind": "classroom", "date": "2024-04-12",
         "place": f"培训{character}室", "enterprises": [e.pk for e in workshop.enterprises.all()]},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors == {"place": [form_refusal(character)]}
    workshop.refresh_from_db()
    assert workshop.place == "培训室"
    assert form_refusal(character) in response.content.decode()  # shown beside the field


@pytest.mark.parametrize("character", SURROGATES, ids=code)
def test_the_workshop_form_refuses_a_lone_surrogate(workshop, character):
    """What a JSON API could hand a form (HTTP form posts are UTF-8, which holds no surrogate)."""
    form = WorkshopForm(
        {"district": workshop.district_id, "module": workshop.module_id, "kind": "walkthrough",
         "date": "2024-04-12", "place": "", "enterprises": [e.pk for e in workshop.enterprises.all()],
         "inspector": f"张{character}"},
        instance=Workshop(), districts=type(workshop.district).objects.filter(pk=workshop.district_id),
    )  # fmt: skip
    with translation.override("en"):
        assert form.errors["inspector"] == [refusal(character)]


@pytest.mark.parametrize("character", IN_FILES, ids=code)
def test_the_admin_refuses_the_character_as_the_fields_error(client, db, character):
    enterprise = make_enterprise("anji", name="安吉乙企业", employees=100)
    client.force_login(make_user("programme_admin"))
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/admin/enterprises/enterprise/{enterprise.pk}/change/",
        {"credit_code": enterprise.credit_code, "name": f"安吉{character}乙企业", "district": enterprise.district_id,
         "score_start": "2016-01-15", "employees": "100", "address": f"路{character}1 号",
         "safety_reports-TOTAL_FORMS": "0", "safety_reports-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "name": [form_refusal(character)],
        "address": [form_refusal(character)],
    }
    enterprise.refresh_from_db()
    assert enterprise.name == "安吉乙企业"


def test_the_admin_keeps_line_breaks_in_an_address_and_joins_a_names_lines(client, db):
    enterprise = make_enterprise("anji", name="安吉乙企业", employees=100)
    client.force_login(make_user("programme_admin"))
    response = client.post(
        f"/admin/enterprises/enterprise/{enterprise.pk}/change/",
        {"credit_code": enterprise.credit_code, "name": "安吉\t乙企业", "district": enterprise.district_id,
         "score_start": "2016-01-15", "employees": "100", "address": "路\r\n1 号",
         "safety_reports-TOTAL_FORMS": "0", "safety_reports-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.address) == ("安吉 乙企业", "路\r\n1 号")


def grid(*rows):
    data = {}
    for index, (name, enterprise, role, sex, phone) in enumerate(rows):
        data.update(
            {f"row-{index}-name": name, f"row-{index}-enterprise": enterprise, f"row-{index}-role": role,
             f"row-{index}-sex": sex, f"row-{index}-phone": phone, f"row-{index}-participant": "",
             f"row-{index}-present": "on"}
        )  # fmt: skip
    return data


@pytest.mark.parametrize("character", IN_FILES, ids=code)
def test_the_attendance_grid_refuses_the_character_in_its_cell_keeping_the_grid(
    role_client, workshop, character
):
    client = role_client("trainer")
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/training/workshops/{workshop.pk}/attendance/",
        grid(
            ("王芳", "绿源", "经理", "女", ""),
            (f"李{character}强", "绿源", "worker", "male", "13800000002"),
            ("赵敏", "绿源", "worker", "female", f"138{character}0000"),
        ),
    )
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.errors for row in rows[:3]] == [
        {},
        {"name": refusal(character)},
        {"phone": refusal(character)},
    ]
    # Everything typed is still on the page; nothing was saved.
    assert [row.name for row in rows[:3]] == ["王芳", f"李{character}强", "赵敏"]
    assert Participant.objects.count() == 0


@pytest.mark.parametrize("character", SURROGATES, ids=code)
def test_the_attendance_service_refuses_a_lone_surrogate(workshop, character):
    rows = [AttendanceRow(name=f"李{character}强", enterprise="绿源", role="经理", sex="男")]
    with translation.override("en"), pytest.raises(AttendanceInvalid):
        attendance_save(workshop=workshop, rows=rows, user=make_user("trainer"))
    assert rows[0].errors == {"name": refusal(character)}


def test_the_attendance_grid_joins_a_names_tabs_and_line_breaks(role_client, workshop):
    role_client("trainer").post(
        f"/training/workshops/{workshop.pk}/attendance/", grid(("李\t强", "绿源", "经理", "男", ""))
    )
    assert list(Participant.objects.values_list("name", flat=True)) == ["李 强"]


# --- Exports write whatever is stored ------------------------------------------------------------

# Stored behind the portal's back (before the rule, or by hand in the database). NUL only on
# SQLite: PostgreSQL cannot store it. U+FFFE and U+FFFF are no controls, but XML cannot hold them.
STORED = [*C0, "\x7f", *C1, "\ufffe", "\uffff"]


def stored_behind_the_portals_back(model, pk, **values):
    """Write `values` into the row with raw SQL: no validation, no signal."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} SET {columns} WHERE {quote(model._meta.pk.column)} = %s",
            [*values.values(), pk],
        )


def characters_storable():
    return [c for c in STORED if not (c == "\x00" and connection.vendor == "postgresql")]


def xlsx_safe(text):
    """What the XLSX export shows for `text`: characters XML cannot hold become U+FFFD."""
    return "".join("\ufffd" if c < " " or c in "\ufffe\uffff" else c for c in text)


def test_an_attendance_export_writes_stored_control_characters(role_client, workshop):
    enterprise = workshop.enterprises.get()
    names = [f"人{character}名{index}" for index, character in enumerate(characters_storable())]
    people = [
        make_participant(enterprise, f"人{index}", role="worker", sex="male") for index in range(len(names))
    ]
    attend(workshop, *people)
    for person, name in zip(people, names, strict=True):
        stored_behind_the_portals_back(Participant, person.pk, name=name, phone=f"138\x1b{person.pk}")
    stored_behind_the_portals_back(Workshop, workshop.pk, place="培训\x07室\x9b")
    client = role_client("district_official")
    response = client.get(f"/training/workshops/{workshop.pk}/export.xlsx")
    assert response.status_code == 200
    rows = xlsx_rows(response.content)
    assert sorted(row[7] for row in rows[1:]) == sorted(map(xlsx_safe, names))
    assert rows[1][3] == "培训\ufffd室\x9b"
    response = client.get(f"/training/workshops/{workshop.pk}/export.csv")
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:], newline="")))
    assert sorted(line[7] for line in lines[1:]) == sorted(names)


def test_a_dashboard_export_writes_stored_control_characters(client, db):
    enterprise = make_enterprise("nanxun", name="南浔甲企业", sector="纺织")
    name = "南浔" + "".join(characters_storable()) + "企业"
    stored_behind_the_portals_back(Enterprise, enterprise.pk, name=name, sector="纺\x1b织")
    client.force_login(make_user("city_official"))
    response = client.get("/dashboard/districts/nanxun/export.xlsx", {"to": "2017-12"})
    assert response.status_code == 200
    rows = xlsx_rows(response.content)
    assert xlsx_safe(name) in rows[1] and "纺\ufffd织" in rows[1]
    response = client.get("/dashboard/districts/nanxun/export.csv", {"to": "2017-12"})
    assert response.status_code == 200
    assert name in response.content.decode("utf-8")


def test_the_spreadsheet_writer_writes_any_string():
    every = "".join(chr(c) for c in range(0x20)) + "\x7f\x85\x9f\ud800\udfff\ufffe\uffff"
    for file_format in ("xlsx", "csv"):
        body = spreadsheet(headers=["h\x1b"], rows=[[every, 1, None]], file_format=file_format, sheet="s")
        if file_format == "xlsx":
            sheet = load_workbook(io.BytesIO(body)).active
            assert sheet["A1"].value == "h\ufffd"
            # Tab, line feed and carriage return are kept (CR comes back as LF: XML reads it so).
            expected = (
                "\ufffd" * 9 + "\t\n" + "\ufffd" * 2 + "\n" + "\ufffd" * 18 + "\x7f\x85\x9f" + "\ufffd" * 4
            )
            assert sheet["A2"].value == expected
        else:
            text = body.decode("utf-8")
            assert "\x1b" in text and "\ud800" not in text and "\ufffd\ufffd\ufffe\uffff" in text


# --- The data migration -----------------------------------------------------------------------


def test_the_migration_cleans_every_text_column_of_the_portals_tables(db):
    migration = importlib.import_module("score_portal.migrations.0007_text_cleaned")
    from django.apps import apps

    nul = "" if connection.vendor == "postgresql" else "\x00"
    enterprise = make_enterprise("nanxun", name="南浔甲企业")
    stored_behind_the_portals_back(
        Enterprise,
        enterprise.pk,
        name=f"南浔{nul}\x1b甲\t企业",
        address="镇西路\r\n\x07 1 号\x85",
        cohort="2016\n",
    )
    suggestion = Suggestion.objects.create(
        enterprise=enterprise, reference="S1", submitted_on="2017-01-05", text="x"
    )
    stored_behind_the_portals_back(Suggestion, suggestion.pk, text="第一\r\n第二\x0c\t", reference="S\x7f1")
    project = ImprovementProject.objects.create(
        enterprise=enterprise, reference="P1", title="t", started_on="2017-01-05", status="planned"
    )
    stored_behind_the_portals_back(ImprovementProject, project.pk, title="\x9b节能\x1b")
    workshop = make_workshop("nanxun", module=1, date=datetime.date(2024, 1, 5), enterprises=[enterprise])
    stored_behind_the_portals_back(Workshop, workshop.pk, place="会议\x08室", inspector="张\x01三")
    untouched = make_enterprise("nanxun", name="南浔乙企业", address="路\t2 号")
    changed = sum(
        migration.rows_cleaned(model)
        for label in PORTAL_APPS
        for model in apps.get_app_config(label).get_models()
    )
    assert changed == 4  # the enterprise, the suggestion, the project, the workshop
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.address, enterprise.cohort) == (
        f"南浔{' ' if nul else ''} 甲 企业",
        "镇西路\r\n 1 号",
        "2016 ",
    )
    suggestion.refresh_from_db()
    assert (suggestion.text, suggestion.reference) == ("第一\r\n第二\t", "S 1")
    project.refresh_from_db()
    assert project.title == " 节能 "
    workshop.refresh_from_db()
    assert (workshop.place, workshop.inspector) == ("会议 室", "张 三")
    untouched.refresh_from_db()
    assert (untouched.name, untouched.address) == ("南浔乙企业", "路\t2 号")


def test_the_migration_leaves_a_row_that_cleaned_would_take_another_ones_key(db):
    enterprise = make_enterprise("nanxun")
    make_participant(enterprise, "李 强", role="worker", sex="male")
    twin = make_participant(enterprise, "李强", role="worker", sex="male")
    stored_behind_the_portals_back(Participant, twin.pk, name="李\x1b强")
    migration = importlib.import_module("score_portal.migrations.0007_text_cleaned")
    assert migration.rows_cleaned(Participant) == 0
    twin.refresh_from_db()
    assert twin.name == "李\x1b强"
