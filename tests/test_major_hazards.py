"""Major accident hazards (重大事故隐患): two reported values and one rate, declared once each
(docs/domain.md, the safety table and "Rates"), in every file format, the API, the figures and the
pages; bad input refused with the row and column named, nothing written."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation

from accounts.services import api_client_create
from common.months import Period
from dashboard.figures import district_figures
from districts.models import District
from enterprises.models import SafetyReport
from imports.models import ImportBatch
from imports.services import import_file
from tests.factories import login_as, make_enterprise
from tests.import_files import csv_bytes, xls_bytes, xlsx_bytes

NANXUN_A = "91330503375583185N"
D = datetime.date
HEADERS = [
    "统一社会信用代码",
    "月份",
    "安全检查次数",
    "发现隐患数",
    "整改隐患数",
    "重大隐患数",
    "重大隐患整改数",
    "事故起数",
]
FILES = {"csv": csv_bytes, "xlsx": xlsx_bytes, "xls": xls_bytes}


@pytest.fixture
def enterprise(db):
    """One Nanxun enterprise with January 2017 stored: 10 hazards found, 8 fixed, 3 major, 2 fixed."""
    enterprise = make_enterprise("nanxun", credit_code=NANXUN_A, name="南浔甲企业", employees=50)
    SafetyReport.objects.create(
        enterprise=enterprise,
        month=D(2017, 1, 1),
        inspections=4,
        accidents=0,
        hazards_found=10,
        hazards_fixed=8,
        major_hazards_found=3,
        major_hazards_fixed=2,
    )
    return enterprise


def stored():
    return list(
        SafetyReport.objects.order_by("month").values_list(
            "month", "hazards_found", "hazards_fixed", "major_hazards_found", "major_hazards_fixed"
        )
    )


def refused(tmp_path, capsys, content, *, name="file.csv", language="en"):
    """import_data on `content`: the errors it printed, having checked that nothing moved."""
    before = (stored(), ImportBatch.objects.count())
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=r"nothing was imported|未导入任何数据|什么也没有导入"):
        call_command("import_data", "safety", str(path), "--language", language)
    assert (stored(), ImportBatch.objects.count()) == before
    return capsys.readouterr().err.splitlines()


def imported(tmp_path, rows, name="file.csv"):
    path = tmp_path / name
    path.write_bytes(FILES[name.rsplit(".", 1)[1]](rows))
    call_command("import_data", "safety", str(path), "--language", "en")


@pytest.mark.parametrize("extension", ["csv", "xlsx", "xls"])
def test_each_format_imports_major_hazards_under_each_accepted_header(enterprise, tmp_path, extension):
    rows = [
        [
            "统一社会信用代码",
            "月份",
            "安全检查次数",
            "发现隐患数",
            "整改隐患数",
            "重大事故隐患数",
            "重大隐患整改数",
            "事故起数",
        ],
        [NANXUN_A, "2017-02", 3, 6, 5, 2, 1, 0],
    ]
    imported(tmp_path, rows, f"file.{extension}")
    english = [
        [
            "credit_code",
            "month",
            "inspections",
            "hazards_found",
            "hazards_fixed",
            "major_hazards_found",
            "major_hazards_fixed",
            "accidents",
        ],
        [NANXUN_A, "2017-03", 3, 4, 4, 1, 1, 0],
    ]
    imported(tmp_path, english, f"english.{extension}")
    assert stored() == [
        (D(2017, 1, 1), 10, 8, 3, 2),
        (D(2017, 2, 1), 6, 5, 2, 1),
        (D(2017, 3, 1), 4, 4, 1, 1),
    ]


@pytest.mark.parametrize("extension", ["csv", "xlsx", "xls"])
@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            [NANXUN_A, "2017-02", 1, 2, 1, 3, None, 0],
            "Row 2, column 重大隐患数, value '3': Major hazards found (3) cannot be more than hazards found (2).",
        ),
        (
            [NANXUN_A, "2017-02", 1, 5, 4, 2, 3, 0],
            "Row 2, column 重大隐患整改数, value '3': "
            "Major hazards fixed (3) cannot be more than major hazards found (2).",
        ),
        (
            [NANXUN_A, "2017-02", 1, 5, 1, 3, 2, 0],
            "Row 2, column 重大隐患整改数, value '2': Major hazards fixed (2) cannot be more than hazards fixed (1).",
        ),
        (
            [NANXUN_A, "2017-02", 1, 5, 1, -1, None, 0],
            "Row 2, column 重大隐患数, value '-1': Cannot be negative.",
        ),
        (
            [NANXUN_A, "2017-02", 1, 5, 1, 1.5, None, 0],
            "Row 2, column 重大隐患数, value '1.5': Expected a whole number, not a fraction.",
        ),
        (
            [NANXUN_A, "2017-02", 1, 5, 1, 1, "两", 0],
            "Row 2, column 重大隐患整改数, value '两': Expected a whole number.",
        ),
    ],
)
def test_bad_major_hazards_are_refused_in_every_format(enterprise, tmp_path, capsys, extension, row, message):
    errors = refused(tmp_path, capsys, FILES[extension]([HEADERS, row]), name=f"file.{extension}")
    assert errors[0] == message


def test_the_errors_are_in_the_users_language(enterprise, tmp_path, capsys):
    rows = [HEADERS, [NANXUN_A, "2017-02", "1", "2", "1", "3", "", "0"]]
    errors = refused(tmp_path, capsys, csv_bytes(rows), language="zh-hans")
    assert errors[0] == "第 2 行，“重大隐患数”列，值 '3'：重大事故隐患数（3）不能大于发现隐患数（2）。"


def test_a_file_without_major_columns_may_not_leave_hazards_below_the_stored_major_ones(
    enterprise, tmp_path, capsys
):
    # January has 3 major hazards found and 2 fixed stored: 2 found or 1 fixed would undercut them.
    old_headers = ["统一社会信用代码", "月份", "安全检查次数", "发现隐患数", "整改隐患数", "事故起数"]
    rows = [old_headers, [NANXUN_A, "2017-01", "4", "2", "1", "0"]]
    errors = refused(tmp_path, capsys, csv_bytes(rows))
    assert errors[:2] == [
        "Row 2, column 发现隐患数, value '2': Hazards found (2) cannot be fewer than the 3 major hazards "
        "found already stored for this month; give the major hazards in the same row.",
        "Row 2, column 整改隐患数, value '1': Hazards fixed (1) cannot be fewer than the 2 major hazards "
        "fixed already stored for this month; give the major hazards in the same row.",
    ]
    # Emptied, the same.
    rows = [old_headers, [NANXUN_A, "2017-01", "4", "", "", "0"]]
    errors = refused(tmp_path, capsys, csv_bytes(rows))
    assert errors[0].startswith("Row 2, column 发现隐患数, value '': Hazards found (—) cannot be fewer")


def test_a_file_without_major_columns_imports_as_before_and_keeps_the_stored_ones(enterprise, tmp_path):
    old_headers = ["统一社会信用代码", "月份", "安全检查次数", "发现隐患数", "整改隐患数", "事故起数"]
    rows = [old_headers, [NANXUN_A, "2017-01", "4", "3", "2", "0"], [NANXUN_A, "2017-02", "1", "1", "", "0"]]
    imported(tmp_path, rows)
    assert stored() == [(D(2017, 1, 1), 3, 2, 3, 2), (D(2017, 2, 1), 1, None, None, None)]


def test_the_database_refuses_major_hazards_beyond_their_bounds(enterprise):
    cases = [
        {"hazards_found": 2, "major_hazards_found": 3},
        {"hazards_found": None, "major_hazards_found": 1},
        {"hazards_found": 5, "hazards_fixed": 4, "major_hazards_found": 2, "major_hazards_fixed": 3},
        {"hazards_found": 5, "hazards_fixed": 1, "major_hazards_found": 3, "major_hazards_fixed": 2},
        {"hazards_found": 5, "hazards_fixed": None, "major_hazards_found": 3, "major_hazards_fixed": 1},
    ]
    for values in cases:
        with pytest.raises(IntegrityError), transaction.atomic():
            SafetyReport.objects.filter(month=D(2017, 1, 1)).update(
                **{"hazards_fixed": None, "major_hazards_fixed": None, **values}
            )


def writer(language="en"):
    token = api_client_create(name=f"writer-{language}", district_codes=["nanxun"], may_write=True)[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": language}


def test_the_api_refuses_bad_major_hazards_in_the_clients_language(enterprise):
    rows = [
        {
            "credit_code": NANXUN_A,
            "month": "2017-02",
            "inspections": 1,
            "accidents": 0,
            "hazards_found": 5,
            "hazards_fixed": 4,
            "major_hazards_found": 2,
            "major_hazards_fixed": 3,
        },
        {
            "credit_code": NANXUN_A,
            "month": "2017-03",
            "inspections": 1,
            "accidents": 0,
            "hazards_found": 1,
            "major_hazards_found": -2,
        },
        {"credit_code": NANXUN_A, "month": "2017-01", "inspections": 1, "accidents": 0, "hazards_found": 1},
    ]
    response = Client().post(
        "/api/v1/imports/safety/",
        json.dumps({"rows": rows}),
        content_type="application/json",
        **writer("zh-hans"),
    )
    assert response.status_code == 400
    # Rows 1 and 2 fail their own values; row 3 is checked against the stored January only once
    # those pass, as a file's would be.
    assert [(e["row"], e["field"], e["value"], e["message"]) for e in response.json()["errors"]] == [
        (1, "major_hazards_fixed", "3", "重大事故隐患整改数（3）不能大于重大事故隐患数（2）。"),
        (2, "major_hazards_found", "-2", "不能为负数。"),
    ]
    assert stored() == [(D(2017, 1, 1), 10, 8, 3, 2)]
    response = Client().post(
        "/api/v1/imports/safety/",
        json.dumps({"rows": rows[2:]}),
        content_type="application/json",
        **writer("en"),
    )
    assert response.status_code == 400
    # 1 hazard found is below both the 8 fixed and the 3 major ones stored: both are said.
    assert [(e["row"], e["field"], e["message"][:40]) for e in response.json()["errors"]] == [
        (1, "hazards_found", "Hazards found (1) cannot be fewer than t"),
        (1, "hazards_found", "Hazards found (1) cannot be fewer than t"),
    ]
    assert [e["message"] for e in response.json()["errors"]][0].endswith(
        "8 hazards fixed already stored for this month; give the hazards fixed in the same row."
    )
    assert stored() == [(D(2017, 1, 1), 10, 8, 3, 2)]


def test_the_api_writes_and_reads_major_hazards(enterprise):
    rows = [
        {
            "credit_code": NANXUN_A,
            "month": "2017-02",
            "inspections": 1,
            "accidents": 0,
            "hazards_found": 5,
            "hazards_fixed": 4,
            "major_hazards_found": 2,
            "major_hazards_fixed": 1,
        },
    ]
    headers = writer()
    response = Client().post(
        "/api/v1/imports/safety/", json.dumps({"rows": rows}), content_type="application/json", **headers
    )
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0, "ignored_fields": []}
    body = Client().get("/api/v1/safety-reports/", **headers).json()
    assert [(r["month"], r["major_hazards_found"], r["major_hazards_fixed"]) for r in body["results"]] == [
        ("2017-01", 3, 2),
        ("2017-02", 2, 1),
    ]
    schema = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schema["SafetyReport"]["properties"]["major_hazards_found"]["type"] == "integer"
    assert schema["Figures"]["properties"]["major_hazard_fix_pct"]["type"] == "number"


@pytest.fixture
def two_months(enterprise):
    """January as stored (3 major found, 2 fixed) and February: 6 found, 5 fixed, 2 major, 2 fixed."""
    SafetyReport.objects.create(
        enterprise=enterprise,
        month=D(2017, 2, 1),
        inspections=3,
        accidents=0,
        hazards_found=6,
        hazards_fixed=5,
        major_hazards_found=2,
        major_hazards_fixed=2,
    )
    return enterprise


def test_the_figures_sum_major_hazards_and_pool_their_fix_rate(two_months):
    rows, total = district_figures(District.objects.order_by("pk"), Period(D(2017, 1, 1), D(2017, 12, 1)))
    nanxun = dict((d.code, f) for d, f in rows)["nanxun"]
    # 3 + 2 = 5 found, 2 + 2 = 4 fixed: 4 × 100 ÷ 5 = 80.0 %.
    assert (nanxun.major_hazards_found, nanxun.major_hazards_fixed, nanxun.major_hazard_fix_pct) == (
        5,
        4,
        80.0,
    )
    assert (total.major_hazards_found, total.major_hazards_fixed, total.major_hazard_fix_pct) == (5, 4, 80.0)
    anji = dict((d.code, f) for d, f in rows)["anji"]
    assert (anji.major_hazards_found, anji.major_hazard_fix_pct) == (0, None)


def test_the_summary_api_page_and_downloads_show_major_hazards(two_months, client):
    login_as(client, "city_official")
    body = client.get("/dashboard/api/summary/", {"from": "2017-01", "to": "2017-12"}).json()
    assert {
        key: body["total"][key]
        for key in ("major_hazards_found", "major_hazards_fixed", "major_hazard_fix_pct")
    } == {
        "major_hazards_found": 5,
        "major_hazards_fixed": 4,
        "major_hazard_fix_pct": 80.0,
    }
    html = client.get("/dashboard/", {"from": "2017-01", "to": "2017-12"}).content.decode()
    assert 'data-figure="major_hazard_fix_pct"' in html
    assert "重大事故隐患整改率" in html
    assert "4 ÷ 5" in html
    csv_text = client.get(
        "/dashboard/export/districts.csv", {"from": "2017-01", "to": "2017-12"}
    ).content.decode("utf-8-sig")
    header, *lines = csv_text.splitlines()
    columns, total = header.split(","), lines[-1].split(",")
    first = columns.index("重大事故隐患数")
    assert columns[first : first + 3] == ["重大事故隐患数", "重大事故隐患整改数", "重大事故隐患整改率（%）"]
    assert total[first : first + 3] == ["5", "4", "80.0"]  # the total


def test_a_file_without_hazards_fixed_may_not_put_hazards_found_below_the_stored_fixed(db):
    """Found in use (2026-12-07): such a file reached the database's check and was reported as a
    conflict with another import; the row now says what is wrong."""
    firm = make_enterprise("nanxun")
    SafetyReport.objects.create(
        enterprise=firm,
        month=datetime.date(2016, 1, 1),
        inspections=3,
        hazards_found=6,
        hazards_fixed=5,
        accidents=0,
    )
    content = csv_bytes(
        [
            ["统一社会信用代码", "月份", "安全检查次数", "发现隐患数", "事故起数"],
            [firm.credit_code, "2016-01", 3, 4, 0],
        ]
    )
    with translation.override("en"):
        _batch, plan = import_file(kind="safety", file_name="a.csv", content=content)
    assert [(p.row, p.column, p.message) for p in plan.errors] == [
        (
            2,
            "发现隐患数",
            "Hazards found (4) cannot be fewer than the 5 hazards fixed already stored for this month; "
            "give the hazards fixed in the same row.",
        )
    ]
    assert SafetyReport.objects.get(enterprise=firm).hazards_found == 6
