"""One door for every write (docs/domain.md, "History of every value"): the rule of rights asked
on the rows as they will be written, under lock; the history of every value, by every path; no
stale save over newer values."""

import datetime
import json
import re
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from accounts.scoping import (
    RIGHTS,
    Action,
    Facts,
    Kind,
    can,
    rights_table,
)
from dashboard import rollup
from enterprises.models import Enterprise, SafetyReport
from imports import engine, history
from imports.models import RecordChange
from imports.services import import_file
from tests.factories import make_enterprise, make_reports, make_user, month_range
from tests.import_files import csv_bytes
from tests.test_api import ANJI_A, NANXUN_A, Api, token_for

SAFETY_HEADERS = ["统一社会信用代码", "月份", "安全检查次数", "事故起数"]


@pytest.fixture
def two_districts(db):
    nanxun = make_enterprise("nanxun", credit_code=NANXUN_A, name="南浔甲企业", phone="0572-1234567")
    anji = make_enterprise("anji", credit_code=ANJI_A, name="安吉乙企业", employees=20)
    make_reports(nanxun, month_range(datetime.date(2016, 1, 1), 3), inspections=3, accidents=1)
    return nanxun, anji


# The rule of rights, as a table


def facts(kind, district, enterprise=None, state=None):
    from districts.models import District

    return Facts(kind, District.objects.get(code=district).pk, enterprise, state)


@pytest.mark.parametrize(
    ("role", "action", "kind", "district", "expected"),
    [
        ("programme_admin", Action.WRITE, Kind.ENTERPRISE, "anji", True),
        ("programme_admin", Action.OVERRIDE_LOCK, Kind.REPORT, "anji", False),  # not approved: no lock
        ("city_official", Action.READ, Kind.REPORT, "anji", True),
        ("city_official", Action.WRITE, Kind.REPORT, "anji", False),
        ("district_official", Action.READ, Kind.REPORT, "nanxun", True),
        ("district_official", Action.READ, Kind.REPORT, "anji", False),
        ("district_official", Action.WRITE, Kind.REPORT, "nanxun", False),
        # It corrects the suggestions and projects its enterprises enter themselves.
        ("district_official", Action.WRITE, Kind.SUGGESTION, "nanxun", True),
        ("district_official", Action.WRITE, Kind.PROJECT, "nanxun", True),
        ("district_official", Action.WRITE, Kind.PROJECT, "anji", False),
        ("district_official", Action.WRITE, Kind.ENTERPRISE, "nanxun", False),
        ("district_official", Action.APPROVE, Kind.REPORT, "anji", False),
        ("district_official", Action.FILE_FOR, Kind.REPORT, "nanxun", True),
        ("district_official", Action.FILE_FOR, Kind.REPORT, "anji", False),
        ("district_official", Action.EXEMPT_DECIDE, Kind.ENTERPRISE, "nanxun", True),
        ("trainer", Action.WRITE, Kind.WORKSHOP, "nanxun", True),
        ("trainer", Action.WRITE, Kind.WORKSHOP, "anji", False),
        ("trainer", Action.WRITE, Kind.REPORT, "nanxun", False),
    ],
)
def test_the_rule_answers_per_role_action_and_record(db, role, action, kind, district, expected):
    user = make_user(role, district="nanxun")
    assert can(user, action, facts(kind, district)) is expected


def test_review_actions_depend_on_the_reports_state(db):
    official = make_user("district_official", district="nanxun")
    assert can(official, Action.APPROVE, facts(Kind.REPORT, "nanxun", state="submitted")) is True
    assert can(official, Action.APPROVE, facts(Kind.REPORT, "nanxun", state="approved")) is False
    assert can(official, Action.REOPEN, facts(Kind.REPORT, "nanxun", state="approved")) is True
    assert can(official, Action.RETURN, facts(Kind.REPORT, "nanxun", state="returned")) is False
    admin = make_user("programme_admin")
    # An approved report is locked for every writer; only the override lifts it.
    assert can(admin, Action.WRITE, facts(Kind.REPORT, "anji", state="approved")) is False
    assert can(admin, Action.OVERRIDE_LOCK, facts(Kind.REPORT, "anji", state="approved")) is True


def test_an_enterprise_account_writes_its_own_enterprises_records_only(two_districts):
    nanxun, anji = two_districts
    user = make_user("programme_admin", username="officer")
    user.is_superuser = False
    user.save()
    user.profile.role, user.profile.enterprise = "enterprise", nanxun
    user.profile.save()
    user.refresh_from_db()
    assert can(user, Action.WRITE, facts(Kind.REPORT, "nanxun", nanxun.pk)) is True
    assert can(user, Action.WRITE, facts(Kind.REPORT, "anji", anji.pk)) is False
    assert can(user, Action.WRITE, facts(Kind.ENTERPRISE, "nanxun", nanxun.pk)) is False
    assert can(user, Action.EXEMPT_REQUEST, facts(Kind.ENTERPRISE, "nanxun", nanxun.pk)) is True
    assert can(user, Action.READ, facts(Kind.REPORT, "nanxun", anji.pk)) is False


def test_the_readmes_roles_table_is_the_rule(db):
    with open("README.md", encoding="utf-8") as readme:
        assert rights_table() in readme.read()
    assert set(RIGHTS) >= {"programme_admin", "city_official", "district_official", "trainer", "enterprise"}


# Rights checked on what is written


def test_a_deqing_writer_cannot_take_over_an_anji_enterprise_by_its_code(two_districts):
    deqing = Api(token_for("deqing-writer", ["deqing"], write=True))
    row = {
        "credit_code": ANJI_A,
        "name": "改名",
        "district": "deqing",
        "employees": 5,
        "score_start": "2016-01-15",
    }
    response = deqing.post("/api/v1/imports/enterprises/", {"rows": [row]})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": 1,
            "field": "credit_code",
            "value": ANJI_A,
            "message": "This record belongs to Anji, outside the districts this client may write (Deqing).",
        }
    ]
    anji = Enterprise.objects.get(credit_code=ANJI_A)
    assert (anji.district.code, anji.name) == ("anji", "安吉乙企业")


def test_a_user_importing_with_by_gets_that_users_rights(two_districts, tmp_path):
    official = make_user("district_official", district="nanxun", username="nanxun-official")
    content = csv_bytes([SAFETY_HEADERS, [ANJI_A, "2016-01", 9, 0]])
    _batch, plan = import_file(kind="safety", file_name="a.csv", content=content, user=official)
    # A district official writes no report but by filing one for an enterprise (代填报): refused, row 2.
    assert [(p.row, p.column) for p in plan.errors] == [(2, "统一社会信用代码")]
    assert not SafetyReport.objects.filter(enterprise__credit_code=ANJI_A).exists()


# Transactional (the other write commits on its own connection); serialized_rollback gives the
# districts back to the tests after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_code_created_by_another_district_while_a_write_plans_is_not_taken_over():
    """The race: an Anji client creates the code after the Deqing client's write started and before
    its plan reads the stored enterprises (made deterministic by running the Anji write, committed on
    a connection of its own, at the moment the plan compares with the database)."""
    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: PostgreSQL (SQLite takes one lock for the whole file)")
    deqing = Api(token_for("deqing-writer", ["deqing"], write=True))
    anji_token = token_for("anji-writer", ["anji"], write=True)
    anji_row = {
        "credit_code": ANJI_A,
        "name": "安吉乙企业",
        "district": "anji",
        "employees": 20,
        "score_start": "2016-01-15",
    }
    compare = engine._compare_with_database
    done = []

    def anji_writes_first(plan):
        if not done:
            done.append(True)

            def other():
                Api(anji_token).post("/api/v1/imports/enterprises/", {"rows": [anji_row]})
                connections.close_all()

            thread = threading.Thread(target=other)
            thread.start()
            thread.join()
        return compare(plan)

    engine._compare_with_database = anji_writes_first
    try:
        row = {**anji_row, "name": "改名", "district": "deqing"}
        response = deqing.post("/api/v1/imports/enterprises/", {"rows": [row]})
    finally:
        engine._compare_with_database = compare
    assert response.status_code in (400, 409)
    anji = Enterprise.objects.get(credit_code=ANJI_A)
    assert (anji.district.code, anji.name) == ("anji", "安吉乙企业")


# History of every value, by every path


def test_an_import_keeps_the_history_of_each_value_with_its_author(two_districts):
    admin = make_user("programme_admin", username="chen")
    content = csv_bytes([SAFETY_HEADERS, [NANXUN_A, "2016-01", 7, 1], [NANXUN_A, "2016-04", 2, 0]])
    import_file(kind="safety", file_name="a.csv", content=content, user=admin)
    changes = {
        (c.record_key, c.action): (c.by, c.path, c.changes)
        for c in RecordChange.objects.filter(credit_code=NANXUN_A, kind="safety")
    }
    assert changes == {
        # 2016-01 was 3 inspections, 1 accident: only the inspections changed
        ("2016-01", "update"): ("chen", "import", {"inspections": [3, 7]}),
        ("2016-04", "create"): ("chen", "import", {"inspections": [None, 2], "accidents": [None, 0]}),
    }


def test_the_api_keeps_the_history_and_answers_it_oldest_first(two_districts):
    writer = Api(token_for("nanxun-writer", ["nanxun"], write=True))
    row = {"credit_code": NANXUN_A, "month": "2016-02", "inspections": 5, "accidents": 1}
    assert writer.post("/api/v1/imports/safety/", {"rows": [row]}).json()["updated"] == 1
    assert writer.post("/api/v1/imports/safety/", {"rows": [{**row, "inspections": 6}]}).status_code == 200
    body = writer.get(f"/api/v1/safety-reports/{NANXUN_A}/2016-02/history/").json()
    assert [(e["by"], e["path"], e["changes"], e["state"], e["comment"]) for e in body["results"]] == [
        ("nanxun-writer", "api", {"inspections": [3, 5]}, None, None),
        ("nanxun-writer", "api", {"inspections": [5, 6]}, None, None),
    ]
    # Another district's report, and a month without a report: 404, as if they did not exist.
    assert writer.get(f"/api/v1/safety-reports/{ANJI_A}/2016-02/history/").status_code == 404
    assert writer.get(f"/api/v1/safety-reports/{NANXUN_A}/2019-02/history/").status_code == 404
    assert writer.get(f"/api/v1/safety-reports/{NANXUN_A}/2019-13/history/").status_code == 404


@pytest.mark.parametrize("months", [3, 60])
def test_history_rows_are_written_in_one_statement_whatever_the_rows(two_districts, months):
    rows = [[NANXUN_A, f"{m:%Y-%m}", 1, 0] for m in month_range(datetime.date(2010, 1, 1), months)]
    with CaptureQueriesContext(connection) as queries:
        import_file(kind="safety", file_name="a.csv", content=csv_bytes([SAFETY_HEADERS, *rows]))
    # One COPY on PostgreSQL, one executemany elsewhere: for 3 rows as for 60.
    writes = [q["sql"] for q in queries.captured_queries if "imports_recordchange" in q["sql"]]
    assert len(writes) == 1
    assert RecordChange.objects.filter(kind="safety", action="create").count() == months
    assert set(RecordChange.objects.values_list("by", flat=True)) == {"command line"}


# The admin: through the door, no stale save


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(make_user("programme_admin", username="admin-chen"))
    return client


def _change_form(client, url):
    page = client.get(url)
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(value, "pk"):
            value = value.pk
        data[name] = "" if value is None else value
    return data


def test_saving_an_enterprise_in_the_admin_keeps_reports_changed_meanwhile(two_districts, admin_client):
    nanxun, _anji = two_districts
    url = f"/admin/enterprises/enterprise/{nanxun.pk}/change/"
    data = _change_form(admin_client, url)
    # Meanwhile an import changes three reports.
    content = csv_bytes([SAFETY_HEADERS, *[[NANXUN_A, f"2016-0{m}", 9, 0] for m in (1, 2, 3)]])
    import_file(kind="safety", file_name="a.csv", content=content)
    data.update(phone="0572-7654321", score_start="2016-01-15")
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert list(SafetyReport.objects.filter(enterprise=nanxun).values_list("inspections", flat=True)) == [
        9,
        9,
        9,
    ]
    nanxun.refresh_from_db()
    assert nanxun.phone == "0572-7654321"
    admin_change = RecordChange.objects.get(path="admin")
    assert (admin_change.by, admin_change.kind, admin_change.changes) == (
        "admin-chen",
        "enterprises",
        {"phone": ["0572-1234567", "0572-7654321"]},
    )


def test_a_stale_admin_form_is_refused_and_the_newer_value_kept(two_districts, admin_client):
    nanxun, _anji = two_districts
    report = SafetyReport.objects.get(enterprise=nanxun, month=datetime.date(2016, 2, 1))
    url = f"/admin/enterprises/safetyreport/{report.pk}/change/"
    data = _change_form(admin_client, url)
    import_file(
        kind="safety", file_name="a.csv", content=csv_bytes([SAFETY_HEADERS, [NANXUN_A, "2016-02", 8, 0]])
    )
    data.update(inspections=4)
    response = admin_client.post(url, data, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "was changed by someone else" in response.content.decode()
    report.refresh_from_db()
    assert (report.inspections, report.version) == (8, 2)


def test_deleting_in_the_admin_keeps_the_deleted_values(two_districts, admin_client):
    nanxun, _anji = two_districts
    report = SafetyReport.objects.get(enterprise=nanxun, month=datetime.date(2016, 3, 1))
    response = admin_client.post(f"/admin/enterprises/safetyreport/{report.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    deleted = RecordChange.objects.get(action="delete")
    assert (deleted.record_key, deleted.by, deleted.changes["inspections"]) == (
        "2016-03",
        "admin-chen",
        [3, None],
    )


def test_the_enterprise_page_lists_the_history(two_districts, admin_client):
    import_file(
        kind="safety", file_name="a.csv", content=csv_bytes([SAFETY_HEADERS, [NANXUN_A, "2016-02", 8, 0]])
    )
    page = admin_client.get(f"/enterprises/{NANXUN_A}/", headers={"Accept-Language": "en"}).content.decode()
    assert "History of values" in page
    assert "Safety inspections: 3 → 8" in page  # the field by its label, in the page's language


def test_the_history_says_how_a_value_was_written_in_chinese(two_districts, admin_client):
    import_file(
        kind="safety", file_name="a.csv", content=csv_bytes([SAFETY_HEADERS, [NANXUN_A, "2016-02", 8, 0]])
    )
    page = admin_client.get(f"/enterprises/{NANXUN_A}/", headers={"Accept-Language": "zh-hans"})
    cells = [cell.strip() for cell in re.findall(r'data-label="途径">([^<]*)<', page.content.decode())]
    # 导入 (imported), not 导入记录 (an import batch: the same English word, "import").
    assert cells == ["导入 · 修改"]


def test_history_json_is_plain_json(two_districts):
    import_file(
        kind="safety", file_name="a.csv", content=csv_bytes([SAFETY_HEADERS, [NANXUN_A, "2016-02", 8, 1]])
    )
    change = RecordChange.objects.get()
    assert json.loads(json.dumps(change.changes)) == {"inspections": [3, 8]}


AWKWARD = 'Say "hi" \\ back\\slash, \\N is no NULL, 南浔 😀'


def test_the_history_keeps_text_as_written_quotes_backslashes_and_all(two_districts):
    """The history is written as COPY text on PostgreSQL and as parameters elsewhere: quotes,
    backslashes, a literal \\N and characters beyond the BMP come back as they were written."""
    writer = Api(token_for("nanxun-writer", ["nanxun"], write=True))
    row = {"credit_code": "91330503968301438Y", "name": AWKWARD, "district": "nanxun", "employees": 12}
    row |= {"score_start": "2016-03-01", "address": "\\N"}
    assert writer.post("/api/v1/imports/enterprises/", {"rows": [row]}).json()["created"] == 1
    assert (
        writer.post("/api/v1/imports/enterprises/", {"rows": [{**row, "name": "南浔乙"}]}).json()["updated"]
        == 1
    )
    created, changed = RecordChange.objects.filter(credit_code="91330503968301438Y").order_by("id")
    assert (created.changes["name"], created.changes["address"], created.changes["district"]) == (
        [None, AWKWARD],
        [None, "\\N"],
        [None, "nanxun"],
    )
    assert changed.changes == {"name": [AWKWARD, "南浔乙"]}
    assert (created.by, created.path, created.api_client.name, created.user) == (
        "nanxun-writer",
        "api",
        "nanxun-writer",
        None,
    )


def test_copy_text_escapes_what_copy_would_misread_and_nothing_else():
    # COPY's text format: a backslash doubled; tab, line feed, carriage return as \t, \n, \r; NULL \N
    assert engine.copy_text('a\tb\\c\nd\re "f"') == 'a\\tb\\\\c\\nd\\re "f"'
    assert engine.copy_text("南浔 2016-01 😀") == "南浔 2016-01 😀"
    assert engine.copy_text(None) == "\\N"
    assert engine.copy_text("\\N") == "\\\\N"
    assert engine.copy_text(12) == "12"


def test_an_error_while_the_history_is_made_is_raised_as_itself_and_nothing_is_written(
    two_districts, monkeypatch
):
    """The history is made as it is written (on PostgreSQL while COPY sends it): an error of the
    code making it is a fault, raised as itself rather than as a conflict with another writer, and
    the write is undone with it."""

    def broken(converters, values):
        raise RuntimeError("the history could not be made")

    monkeypatch.setattr(history, "_creates", broken)
    content = csv_bytes([SAFETY_HEADERS, [NANXUN_A, "2016-04", 2, 0]])
    with pytest.raises(RuntimeError, match="the history could not be made"):
        import_file(kind="safety", file_name="a.csv", content=content)
    # The three reports of the fixture (2016-01 to 2016-03), none more, and no history.
    assert SafetyReport.objects.count() == 3
    assert RecordChange.objects.count() == 0


@given(
    st.lists(
        st.one_of(st.none(), st.integers(), st.booleans(), st.text(), st.floats(allow_nan=False)),
        min_size=3,
        max_size=3,
    ),
    st.lists(st.one_of(st.none(), st.integers(), st.text()), min_size=3, max_size=3),
)
def test_the_changes_json_text_is_what_the_json_encoder_writes(new, old):
    from imports import history

    names = ["a", 'b"\\', "名"]
    converters = [(name, f"{json.dumps(name, ensure_ascii=False)}:[", None) for name in names]
    values, before = dict(zip(names, new, strict=True)), dict(zip(names, old, strict=True))
    given_values = {n: v for n, v in values.items() if v is not None and v != ""}
    assert json.loads(history._creates(converters, values)) == {n: [None, v] for n, v in given_values.items()}
    assert json.loads(history._deletes(converters, values)) == {n: [v, None] for n, v in given_values.items()}
    assert json.loads(history._updates(converters, values, before)) == {
        n: [before[n], values[n]] for n in names if before[n] != values[n]
    }


@pytest.mark.parametrize("months", [2, 40])
def test_an_api_write_makes_the_same_queries_whatever_its_rows(
    two_districts, django_assert_num_queries, months
):
    writer = Api(token_for("nanxun-writer", ["nanxun"], write=True))
    rows = [
        {"credit_code": NANXUN_A, "month": f"{m:%Y-%m}", "inspections": 1, "accidents": 0}
        for m in month_range(datetime.date(2010, 1, 1), months)
    ]
    rollup.rebuild()  # current, so that the write follows itself in the roll-up
    # The client admitted (one statement), savepoints, the enterprises locked, their approved
    # exemptions (an exempt month takes no report), their reports, the batch, the reports and their
    # history (one statement each), the roll-up's part (its state, the
    # enterprises' sums before and after, the rows changed, the district's generation), the batch's
    # counts: the same number for 2 rows and for 40.
    # PostgreSQL also lifts the statement timeout and takes the tables' write lock before the state.
    postgresql = 2 if connection.vendor == "postgresql" else 0
    with django_assert_num_queries(26 + postgresql):
        assert writer.post("/api/v1/imports/safety/", {"rows": rows}).json()["created"] == months


def test_a_writer_outside_the_district_is_refused_by_its_rights_not_told_of_a_lock(two_districts):
    """Rights come before locks: an Anji client writing a Nanxun report that is approved gets the
    refusal of its rights, not the lock's message (which would tell it the report's state)."""
    SafetyReport.objects.filter(enterprise__credit_code=NANXUN_A, month=datetime.date(2016, 1, 1)).update(
        state="approved"
    )
    anji = Api(token_for("anji-writer-2", ["anji"], write=True))
    row = {"credit_code": NANXUN_A, "month": "2016-01", "inspections": 9, "accidents": 0}
    response = anji.post("/api/v1/imports/safety/", {"rows": [row]})
    assert response.status_code == 400
    assert [error["message"] for error in response.json()["errors"]] == [
        "This record belongs to Nanxun, outside the districts this client may write (Anji)."
    ]
