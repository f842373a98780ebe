"""An approved report is locked, by every path (docs/domain.md, "Enterprises report for
themselves"): a file through the import services, the import_data command, the import pages, the
machine API, the admin, record_save; its override by a programme admin with a written reason; and
the state every write leaves a report in."""

import datetime
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from enterprises.models import SafetyReport
from imports.engine import Writer
from imports.models import ImportBatch, RecordChange
from imports.services import RecordRefused, import_file, record_save, records_delete
from imports.undo import UndoRefused, import_undo
from tests.factories import make_enterprise, make_reports, make_user, month_range
from tests.import_files import csv_bytes
from tests.test_api import Api, token_for

NANXUN_A = "91330503375583185N"
ANJI_A = "91330523285269512N"
JAN, FEB, MAR = datetime.date(2016, 1, 1), datetime.date(2016, 2, 1), datetime.date(2016, 3, 1)
HEADERS = ["统一社会信用代码", "月份", "安全检查次数", "事故起数"]

LOCK_EN = (
    "This report is approved, and an approved report is locked: it cannot be changed. A district "
    "official of its district or a programme admin may reopen it, or a programme admin may override "
    "the lock with a written reason."
)
LOCK_ZH = (
    "该报告已审核通过，审核通过的报告已锁定，不能修改。可由所属区县的区县官员或项目管理员重新打开，"
    "或由项目管理员填写理由后解除锁定。"
)


@pytest.fixture
def reports(db):
    """Nanxun A: Jan (approved), Feb (returned), Mar (submitted), 3 inspections and 1 accident each;
    Anji A: Jan (approved)."""
    nanxun = make_enterprise("nanxun", credit_code=NANXUN_A, name="南浔甲企业")
    anji = make_enterprise("anji", credit_code=ANJI_A, name="安吉甲企业")
    make_reports(nanxun, month_range(JAN, 3), inspections=3, accidents=1)
    make_reports(anji, month_range(JAN, 1), inspections=2, accidents=0)
    SafetyReport.objects.filter(month=JAN).update(state="approved")
    SafetyReport.objects.filter(month=FEB).update(state="returned", review_comment="请核实")
    return nanxun, anji


def stored(code=NANXUN_A):
    return list(
        SafetyReport.objects.filter(enterprise__credit_code=code)
        .order_by("month")
        .values_list("month", "inspections", "state", "version")
    )


BEFORE = [(JAN, 3, "approved", 1), (FEB, 3, "returned", 1), (MAR, 3, "submitted", 1)]


def admin(username="admin-li"):
    return make_user("programme_admin", username=username)


def enterprise_user(enterprise, username):
    user = make_user("district_official", username=username)
    user.profile.role, user.profile.district, user.profile.enterprise = "enterprise", None, enterprise
    user.profile.save()
    return type(user).objects.select_related("profile").get(pk=user.pk)


# The states every write leaves


def test_a_new_report_is_submitted_and_a_changed_one_submitted_again(reports):
    content = csv_bytes(
        [HEADERS, [NANXUN_A, "2016-02", 4, 1], [NANXUN_A, "2016-03", 5, 1], [NANXUN_A, "2016-04", 6, 0]]
    )
    _batch, plan = import_file(kind="safety", file_name="a.csv", content=content)
    assert plan.counts()["errors"] == 0
    assert stored() == [
        (JAN, 3, "approved", 1),
        (FEB, 4, "submitted", 2),  # returned, corrected: submitted again
        (MAR, 5, "submitted", 2),
        (datetime.date(2016, 4, 1), 6, "submitted", 1),
    ]
    history = RecordChange.objects.filter(kind="safety").order_by("record_key")
    assert [(c.record_key, c.action, c.state, c.comment) for c in history] == [
        ("2016-02", "update", "submitted", None),  # the write moved it: returned → submitted
        ("2016-03", "update", None, None),
        ("2016-04", "create", None, None),
    ]


def test_a_row_identical_to_an_approved_report_is_unchanged_and_keeps_its_state(reports):
    content = csv_bytes([HEADERS, [NANXUN_A, "2016-01", 3, 1], [NANXUN_A, "2016-02", 3, 1]])
    batch, plan = import_file(kind="safety", file_name="a.csv", content=content, user=admin())
    assert (batch, plan.counts()["unchanged"], plan.errors) == (None, 2, [])
    assert stored() == BEFORE  # the returned report stays returned too
    assert not RecordChange.objects.exists()


# The lock, by every path


def test_a_file_changing_an_approved_report_writes_nothing(reports):
    content = csv_bytes([HEADERS, [NANXUN_A, "2016-03", 9, 1], [NANXUN_A, "2016-01", 9, 1]])
    for language, message in (("en", LOCK_EN), ("zh-hans", LOCK_ZH)):
        with translation.override(language):
            batch, plan = import_file(kind="safety", file_name="a.csv", content=content, user=admin())
        assert batch is None
        assert [(p.row, p.column, p.value, p.message) for p in plan.errors] == [
            (3, "月份", "2016-01", message)
        ]
    assert stored() == BEFORE  # all or nothing: March, a fine row, is not written either
    assert not RecordChange.objects.exists()


def test_the_command_line_is_locked_out_too(reports, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([HEADERS, [NANXUN_A, "2016-01", 9, 1]]))
    with pytest.raises(CommandError, match=r"^1 error: nothing was imported\.$"):
        call_command("import_data", "safety", str(path), "--language", "en")
    with pytest.raises(CommandError, match="^1 个错误：未导入任何数据。$"):
        call_command("import_data", "safety", str(path))
    assert stored() == BEFORE


def test_the_api_refuses_a_row_changing_an_approved_report(reports):
    writer = Api(token_for("nanxun-writer", ["nanxun"], write=True))
    rows = [
        {"credit_code": NANXUN_A, "month": "2016-03", "inspections": 9, "accidents": 1},
        {"credit_code": NANXUN_A, "month": "2016-01", "inspections": 9, "accidents": 1},
    ]
    response = writer.post("/api/v1/imports/safety/", {"rows": rows})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"row": 2, "field": "month", "value": "2016-01", "message": LOCK_EN}],
        "more_errors": 0,
    }
    chinese = Api(token_for("nanxun-writer-zh", ["nanxun"], write=True), language="zh-hans")
    assert chinese.post("/api/v1/imports/safety/", {"rows": rows}).json()["errors"][0]["message"] == LOCK_ZH
    assert stored() == BEFORE
    # The same rows without the locked one land submitted.
    assert writer.post("/api/v1/imports/safety/", {"rows": rows[:1]}).json()["updated"] == 1
    assert stored()[2] == (MAR, 9, "submitted", 2)


def test_the_api_lists_each_reports_state_and_the_history_its_review(reports):
    from enterprises.review import return_report

    official = Writer.of(make_user("district_official", username="wang"), RecordChange.Path.REVIEW)
    return_report(writer=official, credit_code=NANXUN_A, month=MAR, comment="请核实事故数")
    reader = Api(token_for("nanxun-reader", ["nanxun"]))
    body = reader.get("/api/v1/safety-reports/", credit_code=NANXUN_A).json()
    assert [(r["month"], r["state"]) for r in body["results"]] == [
        ("2016-01", "approved"),
        ("2016-02", "returned"),
        ("2016-03", "returned"),
    ]
    history = reader.get(f"/api/v1/safety-reports/{NANXUN_A}/2016-03/history/").json()["results"]
    assert [(e["by"], e["path"], e["changes"], e["state"], e["comment"]) for e in history] == [
        ("wang", "review", {"state": ["submitted", "returned"]}, "returned", "请核实事故数"),
    ]


def test_the_openapi_document_describes_the_reports_state(db):
    document = Client().get("/api/v1/openapi.json", headers={"Accept-Language": "en"}).json()
    schemas = document["components"]["schemas"]
    state = schemas["SafetyReport"]["properties"]["state"]
    assert state["allOf"] == [{"$ref": "#/components/schemas/StateEnum"}]
    assert state["description"].startswith(
        "The report's review state: submitted (received, not yet reviewed)"
    )
    assert schemas["StateEnum"]["enum"] == ["submitted", "returned", "approved"]


def test_record_save_refuses_an_approved_report_whoever_writes(reports):
    nanxun, _anji = reports
    report = SafetyReport.objects.get(enterprise=nanxun, month=JAN)
    report.inspections = 7
    for actor in (None, admin(), enterprise_user(nanxun, "nanxun-safety")):
        with translation.override("en"), pytest.raises(RecordRefused) as refused:
            record_save(instance=report, writer=Writer.of(actor, RecordChange.Path.FORM))
        assert [p.message for p in refused.value.problems] == [LOCK_EN]
    assert stored() == BEFORE


def test_an_enterprise_user_resubmits_its_returned_report_but_not_another_enterprises(reports):
    nanxun, anji = reports
    user = enterprise_user(nanxun, "nanxun-safety")
    report = SafetyReport.objects.get(enterprise=nanxun, month=FEB)
    report.inspections = 4
    record_save(instance=report, writer=Writer.of(user, RecordChange.Path.FORM), version=1)
    assert stored()[1] == (FEB, 4, "submitted", 2)
    other = SafetyReport.objects.get(enterprise=anji, month=JAN)
    SafetyReport.objects.filter(pk=other.pk).update(state="submitted")
    other.refresh_from_db()
    other.inspections = 9
    with (
        translation.override("en"),
        pytest.raises(RecordRefused, match="outside the districts you may write"),
    ):
        record_save(instance=other, writer=Writer.of(user, RecordChange.Path.FORM))


def test_deleting_an_approved_report_is_refused(reports):
    nanxun, _anji = reports
    approved = SafetyReport.objects.get(enterprise=nanxun, month=JAN)
    for actor in (None, admin()):
        with translation.override("en"), pytest.raises(RecordRefused) as refused:
            records_delete(model=SafetyReport, pks=[approved.pk], writer=Writer.of(actor, "admin"))
        assert [(p.value, p.message) for p in refused.value.problems] == [
            (
                f"{NANXUN_A} 2016-01",
                "This report is approved, and an approved report is locked: it cannot be deleted. A "
                "district official of its district or a programme admin may reopen it first.",
            )
        ]
    assert stored() == BEFORE


def test_an_undo_that_would_change_or_delete_an_approved_report_is_refused(reports):
    from enterprises.review import approve

    user = admin()
    content = csv_bytes([HEADERS, [NANXUN_A, "2016-03", 8, 1], [NANXUN_A, "2016-04", 2, 0]])
    batch, _plan = import_file(kind="safety", file_name="a.csv", content=content, user=user)
    reviewer = Writer.of(user, RecordChange.Path.REVIEW)
    approve(writer=reviewer, credit_code=NANXUN_A, month=MAR)
    approve(writer=reviewer, credit_code=NANXUN_A, month=datetime.date(2016, 4, 1))
    with translation.override("en"), pytest.raises(UndoRefused) as refused:
        import_undo(batch=batch, user=user)
    assert refused.value.reasons == [f"{NANXUN_A} 2016-03 month: {LOCK_EN}"]
    assert stored()[2:] == [(MAR, 8, "approved", 3), (datetime.date(2016, 4, 1), 2, "approved", 2)]
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.COMMITTED


# The admin


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(admin("admin-chen"))
    return client


def test_the_admin_shows_an_approved_report_read_only(reports, admin_client):
    nanxun, _anji = reports
    approved = SafetyReport.objects.get(enterprise=nanxun, month=JAN)
    url = f"/admin/enterprises/safetyreport/{approved.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="_save"' not in page
    assert f"/admin/enterprises/safetyreport/{approved.pk}/delete/" not in page
    assert admin_client.post(url, {"inspections": 9, "accidents": 1}).status_code == 403
    assert (
        admin_client.post(
            f"/admin/enterprises/safetyreport/{approved.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert stored() == BEFORE


def test_the_admin_saves_a_returned_report_as_submitted(reports, admin_client):
    nanxun, _anji = reports
    returned = SafetyReport.objects.get(enterprise=nanxun, month=FEB)
    url = f"/admin/enterprises/safetyreport/{returned.pk}/change/"
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {name: form.initial.get(name, field.initial) for name, field in form.fields.items()}
    data = {name: ("" if value is None else getattr(value, "pk", value)) for name, value in data.items()}
    data["inspections"] = 6
    assert admin_client.post(url, data).status_code == 302
    assert stored()[1] == (FEB, 6, "submitted", 2)
    change = RecordChange.objects.get(path="admin")
    assert (change.by, change.state, change.changes) == ("admin-chen", "submitted", {"inspections": [3, 6]})


def test_a_bulk_delete_including_an_approved_report_deletes_nothing(reports, admin_client):
    pks = list(SafetyReport.objects.filter(enterprise__credit_code=NANXUN_A).values_list("pk", flat=True))
    response = admin_client.post(
        "/admin/enterprises/safetyreport/",
        {"action": "delete_selected", "_selected_action": pks, "post": "yes"},
    )
    assert response.status_code in (302, 403, 200)
    assert stored() == BEFORE


# The override


def test_import_data_overrides_the_locks_with_a_reason_by_a_programme_admin(reports, tmp_path):
    admin("admin-li")
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([HEADERS, [NANXUN_A, "2016-01", 9, 1], [NANXUN_A, "2016-03", 4, 1]]))
    reason = "区县复核后更正一月检查次数"
    call_command(
        "import_data",
        "safety",
        str(path),
        "--override-locks",
        "--reason",
        reason,
        "--by",
        "admin-li",
        "--language",
        "en",
    )
    assert stored() == [(JAN, 9, "approved", 2), (FEB, 3, "returned", 1), (MAR, 4, "submitted", 2)]
    history = RecordChange.objects.filter(kind="safety").order_by("record_key")
    assert [(c.record_key, c.by, c.path, c.state, c.comment, c.changes) for c in history] == [
        ("2016-01", "admin-li", "import", "approved", reason, {"inspections": [3, 9]}),
        ("2016-03", "admin-li", "import", None, None, {"inspections": [3, 4]}),
    ]
    assert ImportBatch.objects.get().override_reason == reason


@pytest.mark.parametrize(
    ("arguments", "english"),
    [
        (
            ["--override-locks", "--by", "admin-li"],
            "--override-locks needs a written reason (--reason TEXT).",
        ),
        (
            ["--override-locks", "--reason", "  ", "--by", "admin-li"],
            "--override-locks needs a written reason (--reason TEXT).",
        ),
        (
            ["--override-locks", "--reason", "更正"],
            "--override-locks needs a programme admin's account as --by.",
        ),
        (
            ["--override-locks", "--reason", "更正", "--by", "wang"],
            "--override-locks needs a programme admin's account as --by.",
        ),
        (["--reason", "更正", "--by", "admin-li"], "--reason goes with --override-locks."),
    ],
)
def test_import_data_refuses_an_override_without_a_reason_or_an_admin(reports, tmp_path, arguments, english):
    admin("admin-li")
    make_user("district_official", username="wang")
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([HEADERS, [NANXUN_A, "2016-01", 9, 1]]))
    with pytest.raises(CommandError, match=f"^{re.escape(english)}$"):
        call_command("import_data", "safety", str(path), *arguments, "--language", "en")
    assert stored() == BEFORE


def test_import_data_refuses_an_override_in_chinese(reports, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([HEADERS, [NANXUN_A, "2016-01", 9, 1]]))
    with pytest.raises(CommandError, match=r"^--override-locks 需要填写理由（--reason 文字）。$"):
        call_command("import_data", "safety", str(path), "--override-locks")


def test_the_import_page_overrides_the_locks_for_a_programme_admin(reports, admin_client):
    upload = admin_client.get("/imports/", headers={"Accept-Language": "en"}).content.decode()
    assert 'name="override_locks"' in upload and 'name="override_reason"' in upload
    content = csv_bytes([HEADERS, [NANXUN_A, "2016-01", 9, 1], [NANXUN_A, "2016-03", 4, 1]])
    from django.core.files.uploadedfile import SimpleUploadedFile

    # Without a reason: the form says so, nothing is kept.
    response = admin_client.post(
        "/imports/",
        {"kind": "safety", "file": SimpleUploadedFile("a.csv", content), "override_locks": "on"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "Write why the locks are overridden, or leave the box unticked." in response.content.decode()
    response = admin_client.post(
        "/imports/",
        {
            "kind": "safety",
            "file": SimpleUploadedFile("a.csv", content),
            "override_locks": "on",
            "override_reason": "复核更正",
        },
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    preview = admin_client.get(f"/imports/{batch.pk}/", headers={"Accept-Language": "en"}).content.decode()
    assert "This import changes 1 approved report over its lock; it stays approved." in preview
    assert "复核更正" in preview
    assert admin_client.post(f"/imports/{batch.pk}/confirm/").status_code == 302
    assert stored() == [(JAN, 9, "approved", 2), (FEB, 3, "returned", 1), (MAR, 4, "submitted", 2)]
    locked_change = RecordChange.objects.get(record_key="2016-01")
    assert (locked_change.state, locked_change.comment) == ("approved", "复核更正")


def test_the_import_page_without_the_override_shows_the_lock(reports, admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = csv_bytes([HEADERS, [NANXUN_A, "2016-01", 9, 1]])
    admin_client.post("/imports/", {"kind": "safety", "file": SimpleUploadedFile("a.csv", content)})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID
    preview = admin_client.get(
        f"/imports/{batch.pk}/", headers={"Accept-Language": "zh-hans"}
    ).content.decode()
    assert LOCK_ZH in preview
    assert stored() == BEFORE
