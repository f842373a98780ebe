"""The review of monthly reports (docs/domain.md, "Enterprises report for themselves"): approve,
return, reopen, one report or a district's month or backlog, by whom, in which state, with what
history (enterprises.review)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from enterprises import review
from enterprises.models import SafetyReport
from imports.engine import Writer
from imports.models import RecordChange
from imports.services import StaleRecord, import_file
from imports.signals import records_writing
from tests.factories import make_enterprise, make_reports, make_user, month_range
from tests.import_files import csv_bytes

NANXUN_A = "91330503375583185N"
NANXUN_B = "91330503968301438Y"
ANJI_A = "91330523285269512N"
JAN, FEB, MAR = datetime.date(2016, 1, 1), datetime.date(2016, 2, 1), datetime.date(2016, 3, 1)


@pytest.fixture
def reports(db):
    """Nanxun A: Jan–Mar 2016; Nanxun B: Jan–Feb 2016; Anji A: Jan–Feb 2016; all submitted."""
    nanxun_a = make_enterprise("nanxun", credit_code=NANXUN_A, name="南浔甲企业")
    nanxun_b = make_enterprise("nanxun", credit_code=NANXUN_B, name="南浔乙企业")
    anji_a = make_enterprise("anji", credit_code=ANJI_A, name="安吉甲企业")
    make_reports(nanxun_a, month_range(JAN, 3), inspections=3, accidents=1)
    make_reports(nanxun_b, month_range(JAN, 2), inspections=5, accidents=0)
    make_reports(anji_a, month_range(JAN, 2), inspections=2, accidents=0)
    return nanxun_a, nanxun_b, anji_a


def enterprise_user(enterprise, username):
    user = make_user("district_official", username=username)
    user.profile.role, user.profile.district, user.profile.enterprise = "enterprise", None, enterprise
    user.profile.save()
    return type(user).objects.select_related("profile").get(pk=user.pk)


def reviewer(role, district="nanxun", username=None):
    return Writer.of(make_user(role, district=district, username=username), RecordChange.Path.REVIEW)


def state_of(code, month):
    report = SafetyReport.objects.get(enterprise__credit_code=code, month=month)
    return report.state, report.version, report.review_comment


def set_state(code, month, state):
    SafetyReport.objects.filter(enterprise__credit_code=code, month=month).update(state=state)


def review_history(code=None):
    changes = RecordChange.objects.filter(path="review").order_by("credit_code", "record_key", "id")
    if code:
        changes = changes.filter(credit_code=code)
    return [(c.credit_code, c.record_key, c.by, c.state, c.comment, c.changes) for c in changes]


# One report


def test_a_district_official_approves_a_report_of_their_district(reports):
    review.approve(writer=reviewer("district_official", username="wang"), credit_code=NANXUN_A, month=FEB)
    assert state_of(NANXUN_A, FEB) == ("approved", 2, "")
    assert state_of(NANXUN_A, JAN) == ("submitted", 1, "")
    assert review_history() == [
        (NANXUN_A, "2016-02", "wang", "approved", None, {"state": ["submitted", "approved"]}),
    ]
    assert RecordChange.objects.get(path="review").batch_id is None


def test_a_programme_admin_approves_in_any_district(reports):
    review.approve(writer=reviewer("programme_admin", username="li"), credit_code=ANJI_A, month=JAN)
    assert state_of(ANJI_A, JAN) == ("approved", 2, "")
    assert review_history() == [
        (ANJI_A, "2016-01", "li", "approved", None, {"state": ["submitted", "approved"]}),
    ]


def _enterprise_writer(which, reports):
    enterprise = {"own": reports[0], "other": reports[2]}[which]
    return Writer.of(enterprise_user(enterprise, f"ent-{which}"), RecordChange.Path.REVIEW)


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        (("district_official", "anji"), review.ReviewNotFound),  # another district: as if not there
        (("trainer", "nanxun"), PermissionDenied),  # sees it, may not review
        (("city_official", "nanxun"), PermissionDenied),
        ("enterprise:own", PermissionDenied),  # the enterprise of the report itself
        ("enterprise:other", review.ReviewNotFound),
    ],
)
@pytest.mark.parametrize("step", ["approve", "return", "reopen"])
def test_who_may_not_review_a_nanxun_report_changes_nothing(reports, who, refusal, step):
    if isinstance(who, str):
        writer = _enterprise_writer(who.split(":")[1], reports)
    else:
        writer = reviewer(*who)
    if step == "reopen":
        set_state(NANXUN_A, FEB, "approved")
    calls = {
        "approve": lambda: review.approve(writer=writer, credit_code=NANXUN_A, month=FEB),
        "return": lambda: review.return_report(writer=writer, credit_code=NANXUN_A, month=FEB, comment="改"),
        "reopen": lambda: review.reopen(writer=writer, credit_code=NANXUN_A, month=FEB, reason="错"),
    }
    with pytest.raises(refusal):
        calls[step]()
    assert state_of(NANXUN_A, FEB)[1] == 1
    assert review_history() == []


def test_an_unknown_report_is_not_found(reports):
    writer = reviewer("programme_admin")
    with pytest.raises(review.ReviewNotFound):
        review.approve(writer=writer, credit_code=NANXUN_A, month=datetime.date(2019, 1, 1))
    with pytest.raises(review.ReviewNotFound):
        review.approve(writer=writer, credit_code="91330503000000000X", month=JAN)


@pytest.mark.parametrize(
    ("state", "english", "chinese"),
    [
        (
            "returned",
            "This report was returned to the enterprise: it can be approved once the enterprise submits "
            "it again.",
            "该报告已退回企业，企业重新提交后才能审核通过。",
        ),
        ("approved", "This report is approved already.", "该报告已审核通过。"),
    ],
)
def test_only_a_submitted_report_is_approved(reports, state, english, chinese):
    set_state(NANXUN_A, FEB, state)
    writer = reviewer("district_official")
    for language, message in (("en", english), ("zh-hans", chinese)):
        with translation.override(language), pytest.raises(review.ReviewRefused) as refused:
            review.approve(writer=writer, credit_code=NANXUN_A, month=FEB)
        assert str(refused.value) == message
    assert state_of(NANXUN_A, FEB) == (state, 1, "")
    assert review_history() == []


def test_a_stale_approval_is_refused(reports):
    import_file(
        kind="safety",
        file_name="a.csv",
        content=csv_bytes(
            [["统一社会信用代码", "月份", "安全检查次数", "事故起数"], [NANXUN_A, "2016-02", 9, 1]]
        ),
    )
    # The reviewer saw version 1 (9 inspections came in meanwhile: version 2).
    with pytest.raises(StaleRecord) as stale:
        review.approve(writer=reviewer("district_official"), credit_code=NANXUN_A, month=FEB, version=1)
    assert stale.value.current.inspections == 9
    assert state_of(NANXUN_A, FEB) == ("submitted", 2, "")
    review.approve(writer=reviewer("district_official"), credit_code=NANXUN_A, month=FEB, version=2)
    assert state_of(NANXUN_A, FEB) == ("approved", 3, "")


def test_returning_a_report_keeps_the_comment(reports):
    writer = reviewer("district_official", username="wang")
    review.return_report(writer=writer, credit_code=NANXUN_A, month=FEB, comment="  检查次数偏高，请核实。 ")
    assert state_of(NANXUN_A, FEB) == ("returned", 2, "检查次数偏高，请核实。")
    assert review_history() == [
        (
            NANXUN_A,
            "2016-02",
            "wang",
            "returned",
            "检查次数偏高，请核实。",
            {"state": ["submitted", "returned"]},
        ),
    ]


@pytest.mark.parametrize("comment", ["", "   ", None])
def test_a_return_without_a_comment_is_refused(reports, comment):
    writer = reviewer("district_official")
    with translation.override("en"), pytest.raises(review.ReviewRefused) as refused:
        review.return_report(writer=writer, credit_code=NANXUN_A, month=FEB, comment=comment)
    assert str(refused.value) == "Write a comment saying what the enterprise should correct."
    with translation.override("zh-hans"), pytest.raises(review.ReviewRefused) as refused:
        review.return_report(writer=writer, credit_code=NANXUN_A, month=FEB, comment=comment)
    assert str(refused.value) == "请填写退回意见，说明企业需要更正的内容。"
    assert state_of(NANXUN_A, FEB) == ("submitted", 1, "")


@pytest.mark.parametrize(
    ("state", "english"),
    [
        ("returned", "This report has been returned already."),
        (
            "approved",
            "This report is approved and locked: reopen it, with a reason, instead of returning it.",
        ),
    ],
)
def test_only_a_submitted_report_is_returned(reports, state, english):
    set_state(NANXUN_A, FEB, state)
    with translation.override("en"), pytest.raises(review.ReviewRefused, match=english):
        review.return_report(
            writer=reviewer("district_official"), credit_code=NANXUN_A, month=FEB, comment="改"
        )
    assert state_of(NANXUN_A, FEB) == (state, 1, "")


def test_reopening_an_approved_report_returns_it_with_the_reason(reports):
    writer = reviewer("district_official", username="wang")
    review.approve(writer=writer, credit_code=NANXUN_A, month=FEB)
    review.reopen(writer=writer, credit_code=NANXUN_A, month=FEB, reason="企业报告事故数有误")
    assert state_of(NANXUN_A, FEB) == ("returned", 3, "企业报告事故数有误")
    assert review_history() == [
        (NANXUN_A, "2016-02", "wang", "approved", None, {"state": ["submitted", "approved"]}),
        (NANXUN_A, "2016-02", "wang", "returned", "企业报告事故数有误", {"state": ["approved", "returned"]}),
    ]


@pytest.mark.parametrize(
    ("state", "english", "chinese"),
    [
        (
            "submitted",
            "Only an approved report can be reopened; this one is submitted and not yet reviewed.",
            "只有已审核通过的报告才能重新打开；该报告已提交，尚未审核。",
        ),
        (
            "returned",
            "Only an approved report can be reopened; this one has been returned already.",
            "只有已审核通过的报告才能重新打开；该报告已经退回。",
        ),
    ],
)
def test_only_an_approved_report_is_reopened(reports, state, english, chinese):
    set_state(NANXUN_A, FEB, state)
    writer = reviewer("programme_admin")
    for language, message in (("en", english), ("zh-hans", chinese)):
        with translation.override(language), pytest.raises(review.ReviewRefused) as refused:
            review.reopen(writer=writer, credit_code=NANXUN_A, month=FEB, reason="错")
        assert str(refused.value) == message


def test_a_reopening_without_a_reason_is_refused(reports):
    set_state(NANXUN_A, FEB, "approved")
    with (
        translation.override("en"),
        pytest.raises(review.ReviewRefused, match=r"^Write the reason for reopening the approved report\.$"),
    ):
        review.reopen(writer=reviewer("district_official"), credit_code=NANXUN_A, month=FEB, reason=" ")
    assert state_of(NANXUN_A, FEB) == ("approved", 1, "")


def test_a_returned_report_corrected_is_submitted_again(reports):
    review.return_report(
        writer=reviewer("district_official"), credit_code=NANXUN_A, month=FEB, comment="请核实"
    )
    header = ["统一社会信用代码", "月份", "安全检查次数", "事故起数"]
    import_file(kind="safety", file_name="a.csv", content=csv_bytes([header, [NANXUN_A, "2016-02", 4, 1]]))
    # version: 1, returned 2, corrected 3
    assert state_of(NANXUN_A, FEB) == ("submitted", 3, "请核实")
    corrected = RecordChange.objects.get(path="import")
    assert (corrected.state, corrected.comment, corrected.changes) == (
        "submitted",
        None,
        {"inspections": [3, 4]},
    )


# Many reports at once


def test_approving_a_districts_month_approves_its_submitted_reports_only(reports):
    set_state(NANXUN_B, FEB, "returned")
    count = review.approve_month(
        writer=reviewer("district_official", username="wang"), district="nanxun", month=FEB
    )
    assert count == 1  # Nanxun A's February; Nanxun B's is returned, Anji's another district's
    assert state_of(NANXUN_A, FEB) == ("approved", 2, "")
    assert state_of(NANXUN_B, FEB) == ("returned", 1, "")
    assert state_of(ANJI_A, FEB) == ("submitted", 1, "")
    assert state_of(NANXUN_A, JAN) == ("submitted", 1, "")
    assert review_history() == [
        (NANXUN_A, "2016-02", "wang", "approved", None, {"state": ["submitted", "approved"]}),
    ]


def test_approving_up_to_a_month_clears_the_districts_backlog(reports, nanxun):
    count = review.approve_up_to(
        writer=reviewer("programme_admin", username="li"), district=nanxun, to_month=FEB
    )
    # Nanxun A: Jan, Feb; Nanxun B: Jan, Feb. Nanxun A's March is after; Anji is another district.
    assert count == 4
    assert list(
        SafetyReport.objects.filter(enterprise__district=nanxun)
        .order_by("enterprise__credit_code", "month")
        .values_list("enterprise__credit_code", "month", "state", "version")
    ) == [
        (NANXUN_A, JAN, "approved", 2),
        (NANXUN_A, FEB, "approved", 2),
        (NANXUN_A, MAR, "submitted", 1),
        (NANXUN_B, JAN, "approved", 2),
        (NANXUN_B, FEB, "approved", 2),
    ]
    assert [(code, key, state) for code, key, _by, state, _c, _ch in review_history()] == [
        (NANXUN_A, "2016-01", "approved"),
        (NANXUN_A, "2016-02", "approved"),
        (NANXUN_B, "2016-01", "approved"),
        (NANXUN_B, "2016-02", "approved"),
    ]
    # Nothing waits any more: a second approval approves none.
    assert review.approve_up_to(writer=reviewer("programme_admin"), district=nanxun, to_month=FEB) == 0


@pytest.mark.parametrize(
    "who", [("district_official", "anji"), ("trainer", "nanxun"), ("city_official", "nanxun")]
)
def test_only_the_districts_official_or_an_admin_approves_its_backlog(reports, who):
    refusal = review.ReviewNotFound if who[1] == "anji" else PermissionDenied
    with pytest.raises(refusal):
        review.approve_up_to(writer=reviewer(*who), district="nanxun", to_month=MAR)
    assert not SafetyReport.objects.filter(state="approved").exists()


@pytest.mark.parametrize("months", [3, 40])
def test_a_backlog_is_approved_in_a_fixed_number_of_queries(db, months):
    enterprise = make_enterprise("nanxun", credit_code=NANXUN_A)
    make_reports(enterprise, month_range(datetime.date(2012, 1, 1), months), inspections=1, accidents=0)
    writer = reviewer("programme_admin")
    with CaptureQueriesContext(connection) as queries:
        assert review.approve_up_to(writer=writer, district="nanxun", to_month=MAR) == months
    # the district; the enterprises locked; the reports' names; the roll-up's state (stale here:
    # the factories wrote past the door, so it follows nothing); the UPDATE; the history (one
    # statement); the transaction's savepoint and release where the test's transaction wraps it
    assert len(queries.captured_queries) == 8 + (connection.vendor == "postgresql")
    assert RecordChange.objects.filter(path="review", state="approved").count() == months


def test_every_state_change_tells_the_roll_up_which_enterprises(reports):
    told = []

    def receiver(sender, enterprise_ids, **kwargs):
        told.append(("before", set(enterprise_ids)))
        return lambda written: told.append(("after", set(written)))

    records_writing.connect(receiver)
    try:
        writer = reviewer("programme_admin")
        review.approve(writer=writer, credit_code=NANXUN_A, month=FEB)
        review.approve_month(writer=writer, district="nanxun", month=JAN)
    finally:
        records_writing.disconnect(receiver)
    a, b = reports[0].pk, reports[1].pk
    assert told == [("before", {a}), ("after", {a}), ("before", {a, b}), ("after", {a, b})]
