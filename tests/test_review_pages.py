"""The district's review pages (docs/domain.md, "Enterprises report for themselves"): the queue
(/review/) with each report's values, warnings, explanation and last changes; the steps (approve one,
a district's month or its backlog; return with a comment; reopen with a reason), each carried out
(303 back to the queue as it was) or refused with nothing written (404 another district's, 403 a
role without the right, 400 invalid input or state, 409 stale); and a district official's filing
for an enterprise (代填报) through the door, as the enterprise's own form."""

import datetime
import zoneinfo

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Profile
from enterprises.models import SafetyReport
from imports.engine import Writer
from imports.models import RecordChange
from imports.services import record_save
from tests.factories import login_as, make_enterprise, make_reports, make_user, month_range

D = datetime.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# 15 March 2018: February has ended and can be filed.
NOW = datetime.datetime(2018, 3, 15, 10, tzinfo=SHANGHAI)
pytestmark = pytest.mark.time_machine(NOW, tick=False)

NANXUN_CODE = "91330503375583185N"
ANJI_CODE = "91330523285269512N"
VALUES = {"inspections": "4", "accidents": "0", "hazards_found": "3", "hazards_fixed": "2"}
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-hans"}


def enterprise_user(enterprise):
    user = User.objects.create_user(f"ent-{enterprise.pk}", password="pw-for-tests-only")
    Profile.objects.update_or_create(user=user, defaults={"role": "enterprise", "enterprise": enterprise})
    return user


@pytest.fixture
def nanxun_firm(db):
    """Nanxun's enterprise: started 2017-06 (owes from 2016-06), 4 inspections a month from 2016-06
    to 2017-12 (19 reports, submitted)."""
    enterprise = make_enterprise(
        "nanxun", credit_code=NANXUN_CODE, name="南浔甲企业", score_start=D(2017, 6, 10)
    )
    make_reports(enterprise, month_range(D(2016, 6, 1), 19), inspections=4, accidents=0)
    return enterprise


@pytest.fixture
def anji_firm(db):
    enterprise = make_enterprise("anji", credit_code=ANJI_CODE, name="安吉乙企业", score_start=D(2017, 6, 10))
    make_reports(enterprise, month_range(D(2017, 10, 1), 3), inspections=2, accidents=0)
    return enterprise


@pytest.fixture
def firms(nanxun_firm, anji_firm):
    return nanxun_firm, anji_firm


def as_role(client, role, district="nanxun", enterprise=None):
    if role == "enterprise":
        client.force_login(enterprise_user(enterprise))
        return client
    return login_as(client, role, district=district)


def report(enterprise, month):
    return SafetyReport.objects.get(enterprise=enterprise, month=month)


def review_history(enterprise, month):
    return list(
        RecordChange.objects.filter(
            credit_code=enterprise.credit_code, record_key=f"{month:%Y-%m}", path="review"
        ).values_list("state", "comment", "changes")
    )


# The queue


@pytest.mark.parametrize(
    "role, district, status",
    [
        ("district_official", "nanxun", 200),
        ("district_official", "anji", 200),
        ("programme_admin", "nanxun", 200),
        ("city_official", "nanxun", 403),
        ("trainer", "nanxun", 403),
        ("no_role", "nanxun", 403),
    ],
)
def test_the_queue_is_for_district_officials_and_programme_admins(client, firms, role, district, status):
    assert as_role(client, role, district).get("/review/").status_code == status


def test_the_queue_is_not_for_an_enterprise(client, firms):
    assert as_role(client, "enterprise", enterprise=firms[0]).get("/review/").status_code == 403


def test_anonymous_is_sent_to_the_login_page(client, firms):
    response = client.get("/review/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/review/")


def queued(response):
    return [
        (report.enterprise.credit_code, f"{report.month:%Y-%m}")
        for group in response.context["groups"]
        for report in group["reports"]
    ]


def test_a_district_official_sees_only_their_district_newest_month_first(client, firms):
    response = as_role(client, "district_official", "anji").get("/review/", headers=EN)
    assert queued(response) == [(ANJI_CODE, "2017-12"), (ANJI_CODE, "2017-11"), (ANJI_CODE, "2017-10")]
    assert "Awaiting review: 3 reports" in response.content.decode()
    assert 'id="district-filter"' not in response.content.decode()


def test_a_district_official_cannot_filter_on_another_district(client, firms):
    response = as_role(client, "district_official", "anji").get("/review/?district=nanxun")
    assert response.status_code == 400


def test_a_programme_admin_sees_every_district_and_filters_on_one(client, firms):
    admin = as_role(client, "programme_admin")
    everything = admin.get("/review/")
    # 19 of Nanxun and 3 of Anji; the first page holds 25.
    assert everything.context["page"].paginator.count == 22
    assert queued(everything)[:3] == [
        (NANXUN_CODE, "2017-12"),
        (ANJI_CODE, "2017-12"),
        (NANXUN_CODE, "2017-11"),
    ]
    anji = admin.get("/review/?district=anji")
    assert queued(anji) == [(ANJI_CODE, "2017-12"), (ANJI_CODE, "2017-11"), (ANJI_CODE, "2017-10")]
    assert admin.get("/review/?district=atlantis").status_code == 400


def test_the_queue_pages_by_25(client, firms):
    admin = as_role(client, "programme_admin")
    # 22 reports: one page; Nanxun's 19 alone: one page too; the page number past the end is the last.
    assert admin.get("/review/?page=2").context["page"].number == 1
    make_reports(firms[0], month_range(D(2014, 1, 1), 10), inspections=4, accidents=0)
    second = admin.get("/review/?page=2")
    # 32 reports: 25 on the first page, the 7 oldest (Nanxun's 2014-01 … 2014-07) on the second.
    assert len(queued(second)) == 7
    assert queued(second)[-1] == (NANXUN_CODE, "2014-01")


def test_a_report_shows_its_warning_explanation_and_what_changed(client, nanxun_firm):
    official = make_user("district_official", district="nanxun")
    writer = Writer.of(enterprise_user(nanxun_firm), RecordChange.Path.FORM)
    january = SafetyReport(enterprise=nanxun_firm, month=D(2018, 1, 1), inspections=30, accidents=0)
    january.explanation = "开展了安全月专项检查"
    record_save(instance=january, writer=writer)
    january = report(nanxun_firm, D(2018, 1, 1))
    january.inspections = 40
    record_save(instance=january, writer=writer)
    client.force_login(official)
    response = client.get("/review/", headers=EN)
    html = response.content.decode()
    shown = response.context["groups"][0]["reports"][0]
    assert (shown.enterprise.credit_code, shown.month) == (NANXUN_CODE, D(2018, 1, 1))
    # The median of its 12 last reports is 4; 40 > 3 × 4.
    assert "40 is far from this enterprise&#x27;s usual 4" in html
    assert "开展了安全月专项检查" in html
    assert shown.changes == {"safety inspections": [30, 40]}
    assert "safety inspections 30 → 40" in html
    # December was the first write of its report (created by the factory, past the door: no history).
    assert response.context["groups"][1]["reports"][0].changes == {}


def test_the_queue_lists_the_returned_reports_apart(client, nanxun_firm):
    SafetyReport.objects.filter(enterprise=nanxun_firm, month=D(2017, 12, 1)).update(
        state="returned", review_comment="检查次数有误"
    )
    response = as_role(client, "district_official").get("/review/", headers=EN)
    html = response.content.decode()
    assert response.context["returned_count"] == 1
    assert "Returned, awaiting correction: 1" in html
    assert "检查次数有误" in html
    assert (NANXUN_CODE, "2017-12") not in queued(response)
    # The official may correct it for the enterprise.
    assert f"/review/file/{NANXUN_CODE}/2017-12/" in html


@pytest.mark.parametrize("size", [3, 60])
def test_the_queue_takes_the_same_queries_whatever_the_backlog(client, db, django_assert_num_queries, size):
    enterprises = [make_enterprise("nanxun", score_start=D(2017, 6, 10)) for _ in range(size)]
    for enterprise in enterprises:
        # 13 months each: 12 of history and January 2018 awaiting review, changed once by the door.
        make_reports(enterprise, month_range(D(2017, 1, 1), 13), inspections=4, accidents=0)
        RecordChange.objects.create(
            kind="safety",
            credit_code=enterprise.credit_code,
            record_key="2018-01",
            at=NOW,
            path="form",
            action="update",
            changes={"inspections": [3, 4]},
        )
    client.force_login(make_user("programme_admin"))
    # 1 session, 1 user and profile, 1 the districts, 1 the count of submitted reports, 1 the page of
    # them, 1 the enterprises' earlier reports (warnings), 1 their latest writes, 1 the count of
    # returned reports, 1 the returned listed, 1 the pending exemption requests.
    with django_assert_num_queries(10):
        response = client.get("/review/")
    assert response.status_code == 200
    # 13 × size reports awaiting: the first page holds 25.
    assert response.context["page"].paginator.count == 13 * size
    assert len(queued(response)) == min(25, 13 * size)


# Approving, returning, reopening


def post(client, path, data, headers=EN):
    return client.post(path, data, headers=headers)


def test_approving_a_report_locks_it_and_returns_to_the_queue_as_it_was(client, nanxun_firm):
    official = as_role(client, "district_official")
    december = report(nanxun_firm, D(2017, 12, 1))
    response = post(
        official,
        "/review/approve/?page=1&district=nanxun",
        {"credit_code": NANXUN_CODE, "month": "2017-12", "version": december.version, "colour": "red"},
    )
    assert (response.status_code, response["Location"]) == (303, "/review/?page=1&district=nanxun")
    december.refresh_from_db()
    assert december.state == "approved"
    assert review_history(nanxun_firm, D(2017, 12, 1)) == [
        ("approved", None, {"state": ["submitted", "approved"]})
    ]
    page = official.get(response["Location"], headers=EN)
    assert "Approved: 南浔甲企业, 2017-12." in page.content.decode()


def test_the_messages_are_in_chinese_too(client, nanxun_firm):
    official = as_role(client, "district_official")
    response = official.post(
        "/review/approve/", {"credit_code": NANXUN_CODE, "month": "2017-12"}, headers=ZH, follow=True
    )
    assert "已批准：南浔甲企业，2017-12。" in response.content.decode()
    response = official.post("/review/return/", {"credit_code": NANXUN_CODE, "month": "2017-11"}, headers=ZH)
    assert response.status_code == 400
    assert "请填写退回意见，说明企业需要更正的内容。" in response.content.decode()


@pytest.mark.parametrize(
    "role, district, status",
    [
        ("district_official", "anji", 404),  # another district's report
        ("programme_admin", "nanxun", 303),
        ("city_official", "nanxun", 403),
        ("trainer", "nanxun", 403),
        ("no_role", "nanxun", 403),
    ],
)
def test_who_may_approve(client, nanxun_firm, role, district, status):
    response = post(
        as_role(client, role, district), "/review/approve/", {"credit_code": NANXUN_CODE, "month": "2017-12"}
    )
    assert response.status_code == status
    assert report(nanxun_firm, D(2017, 12, 1)).state == ("approved" if status == 303 else "submitted")


def test_an_enterprise_may_not_approve_its_own_report(client, nanxun_firm):
    own = as_role(client, "enterprise", enterprise=nanxun_firm)
    response = post(own, "/review/approve/", {"credit_code": NANXUN_CODE, "month": "2017-12"})
    assert response.status_code == 403
    assert report(nanxun_firm, D(2017, 12, 1)).state == "submitted"


def test_anonymous_steps_are_sent_to_the_login_page_and_gets_are_refused(client, nanxun_firm):
    for path in ["/review/approve/", "/review/return/", "/review/reopen/"]:
        response = client.post(path, {"credit_code": NANXUN_CODE, "month": "2017-12"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert as_role(Client(), "programme_admin").get(path).status_code == 405
    assert report(nanxun_firm, D(2017, 12, 1)).state == "submitted"


def test_a_step_without_the_csrf_token_is_refused(nanxun_firm):
    checked = as_role(Client(enforce_csrf_checks=True), "district_official")
    response = checked.post("/review/approve/", {"credit_code": NANXUN_CODE, "month": "2017-12"})
    assert response.status_code == 403
    assert report(nanxun_firm, D(2017, 12, 1)).state == "submitted"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"credit_code": NANXUN_CODE, "month": "2017-13"}, "2017-13"),
        ({"credit_code": NANXUN_CODE}, "YYYY-MM"),
        ({"credit_code": NANXUN_CODE, "month": "2017-12", "version": "x"}, "version is not a number"),
        ({"month": "2017-12"}, "Say what to approve"),
        ({"district": "nanxun", "to": "last"}, "YYYY-MM"),
    ],
)
def test_invalid_input_is_a_400_showing_what_was_typed(client, nanxun_firm, data, message):
    response = post(as_role(client, "district_official"), "/review/approve/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="refused"' in html
    assert message in html
    assert not SafetyReport.objects.filter(state="approved").exists()


def test_an_unknown_report_is_a_404(client, nanxun_firm):
    response = post(
        as_role(client, "district_official"),
        "/review/approve/",
        {"credit_code": NANXUN_CODE, "month": "2018-02"},
    )
    assert response.status_code == 404


def test_approving_an_approved_report_is_a_400(client, nanxun_firm):
    SafetyReport.objects.filter(enterprise=nanxun_firm, month=D(2017, 12, 1)).update(state="approved")
    response = post(
        as_role(client, "district_official"),
        "/review/approve/",
        {"credit_code": NANXUN_CODE, "month": "2017-12"},
    )
    assert response.status_code == 400
    assert "This report is approved already." in response.content.decode()


def test_a_stale_version_is_a_409_and_writes_nothing(client, nanxun_firm):
    december = report(nanxun_firm, D(2017, 12, 1))
    response = post(
        as_role(client, "district_official"),
        "/review/approve/",
        {"credit_code": NANXUN_CODE, "month": "2017-12", "version": december.version - 1 or 99},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert report(nanxun_firm, D(2017, 12, 1)).state == "submitted"
    assert review_history(nanxun_firm, D(2017, 12, 1)) == []


def test_a_district_month_is_approved_in_one_action(client, firms):
    nanxun, anji = firms
    SafetyReport.objects.filter(enterprise=nanxun, month=D(2017, 11, 1)).update(state="returned")
    other = make_enterprise("nanxun", score_start=D(2017, 6, 10))
    make_reports(other, [D(2017, 11, 1)], inspections=1, accidents=0)
    response = post(
        as_role(client, "district_official"), "/review/approve/", {"district": "nanxun", "month": "2017-11"}
    )
    assert response.status_code == 303
    states = dict(SafetyReport.objects.filter(month=D(2017, 11, 1)).values_list("enterprise_id", "state"))
    # The other Nanxun enterprise's is approved; the returned one waits for its enterprise; Anji's
    # is another district's.
    assert states == {other.pk: "approved", nanxun.pk: "returned", anji.pk: "submitted"}
    page = client.get(response["Location"], headers=EN)
    assert "Approved 1 report (up to 2017-11)." in page.content.decode()


def test_a_district_backlog_clears_in_one_action(client, firms):
    nanxun, anji = firms
    response = post(
        as_role(client, "district_official"), "/review/approve/", {"district": "nanxun", "to": "2017-12"}
    )
    assert response.status_code == 303
    assert SafetyReport.objects.filter(enterprise=nanxun, state="approved").count() == 19
    assert SafetyReport.objects.filter(enterprise=anji, state="approved").count() == 0
    page = client.get(response["Location"], headers=EN)
    assert "Approved 19 reports (up to 2017-12)." in page.content.decode()
    assert "No report awaits review." in page.content.decode()


def test_another_district_month_is_a_404(client, firms):
    response = post(
        as_role(client, "district_official", "anji"),
        "/review/approve/",
        {"district": "nanxun", "to": "2017-12"},
    )
    assert response.status_code == 404
    assert not SafetyReport.objects.filter(state="approved").exists()


def test_returning_a_report_needs_a_comment_which_the_enterprise_sees(client, nanxun_firm):
    official = as_role(client, "district_official")
    refused = post(
        official, "/review/return/?page=1", {"credit_code": NANXUN_CODE, "month": "2017-12", "comment": "  "}
    )
    assert refused.status_code == 400
    assert "Write a comment" in refused.content.decode()
    assert report(nanxun_firm, D(2017, 12, 1)).state == "submitted"
    response = post(
        official,
        "/review/return/?page=1",
        {"credit_code": NANXUN_CODE, "month": "2017-12", "comment": "检查次数有误"},
    )
    assert (response.status_code, response["Location"]) == (303, "/review/?page=1")
    december = report(nanxun_firm, D(2017, 12, 1))
    assert (december.state, december.review_comment) == ("returned", "检查次数有误")
    assert review_history(nanxun_firm, D(2017, 12, 1)) == [
        ("returned", "检查次数有误", {"state": ["submitted", "returned"]})
    ]
    own = as_role(Client(), "enterprise", enterprise=nanxun_firm)
    assert "检查次数有误" in own.get("/report/").content.decode()


def test_a_refused_return_keeps_the_comment_typed(client, nanxun_firm):
    SafetyReport.objects.filter(enterprise=nanxun_firm, month=D(2017, 12, 1)).update(state="approved")
    response = post(
        as_role(client, "district_official"),
        "/review/return/",
        {"credit_code": NANXUN_CODE, "month": "2017-12", "comment": "数据再核对"},
    )
    assert response.status_code == 400
    assert "reopen it, with a reason" in response.content.decode()
    assert "数据再核对" in response.content.decode()


def test_reopening_an_approved_report_needs_a_reason(client, nanxun_firm):
    SafetyReport.objects.filter(enterprise=nanxun_firm, month=D(2017, 12, 1)).update(state="approved")
    official = as_role(client, "district_official")
    refused = post(official, "/review/reopen/", {"credit_code": NANXUN_CODE, "month": "2017-12"})
    assert refused.status_code == 400
    assert "Write the reason" in refused.content.decode()
    response = post(
        official,
        "/review/reopen/",
        {"credit_code": NANXUN_CODE, "month": "2017-12", "reason": "企业申请更正"},
    )
    assert response.status_code == 303
    december = report(nanxun_firm, D(2017, 12, 1))
    assert (december.state, december.review_comment) == ("returned", "企业申请更正")
    assert review_history(nanxun_firm, D(2017, 12, 1)) == [
        ("returned", "企业申请更正", {"state": ["approved", "returned"]})
    ]


def test_a_submitted_report_cannot_be_reopened(client, nanxun_firm):
    response = post(
        as_role(client, "district_official"),
        "/review/reopen/",
        {"credit_code": NANXUN_CODE, "month": "2017-12", "reason": "x"},
    )
    assert response.status_code == 400
    assert "not yet reviewed" in response.content.decode()


@pytest.mark.parametrize(
    "role, district, status", [("district_official", "anji", 404), ("city_official", "nanxun", 403)]
)
def test_who_may_return_and_reopen(client, nanxun_firm, role, district, status):
    actor = as_role(client, role, district)
    data = {"credit_code": NANXUN_CODE, "month": "2017-12", "comment": "c", "reason": "r"}
    assert post(actor, "/review/return/", data).status_code == status
    assert post(actor, "/review/reopen/", data).status_code == status
    assert report(nanxun_firm, D(2017, 12, 1)).state == "submitted"


# Filing for an enterprise (代填报)


FILE_URL = f"/review/file/{NANXUN_CODE}/2018-02/"


def test_a_district_official_files_a_report_for_an_enterprise(client, nanxun_firm):
    official = make_user("district_official", district="nanxun", username="nanxun-clerk")
    client.force_login(official)
    form = client.get(FILE_URL, headers=EN)
    assert form.status_code == 200
    assert "You are filing this report for 南浔甲企业" in form.content.decode()
    response = client.post(FILE_URL, {**VALUES, "colour": "red"})
    assert (response.status_code, response["Location"]) == (302, "/review/")
    february = report(nanxun_firm, D(2018, 2, 1))
    assert (february.inspections, february.hazards_found, february.state) == (4, 3, "submitted")
    change = RecordChange.objects.get(credit_code=NANXUN_CODE, record_key="2018-02")
    assert (change.path, change.by, change.user_id, change.changes["inspections"]) == (
        "form",
        "nanxun-clerk",
        official.pk,
        [None, 4],
    )
    # It waits for review like any other.
    assert (NANXUN_CODE, "2018-02") in queued(client.get("/review/"))


def test_filing_for_an_enterprise_asks_for_the_explanation_of_a_far_value(client, nanxun_firm):
    official = as_role(client, "district_official")
    refused = post(official, FILE_URL, {**VALUES, "inspections": "40"})
    assert refused.status_code == 400
    assert "Explain the values marked above" in refused.content.decode()
    assert not SafetyReport.objects.filter(month=D(2018, 2, 1)).exists()
    response = post(official, FILE_URL, {**VALUES, "inspections": "40", "explanation": "安全月"})
    assert response.status_code == 302
    assert report(nanxun_firm, D(2018, 2, 1)).explanation == "安全月"


def test_filing_an_approved_month_for_an_enterprise_is_refused(client, nanxun_firm):
    SafetyReport.objects.filter(enterprise=nanxun_firm, month=D(2017, 12, 1)).update(state="approved")
    response = post(
        as_role(client, "district_official"),
        f"/review/file/{NANXUN_CODE}/2017-12/",
        {**VALUES, "inspections": "5"},
    )
    assert response.status_code == 400
    assert report(nanxun_firm, D(2017, 12, 1)).inspections == 4


@pytest.mark.parametrize(
    "role, district, url, status",
    [
        ("district_official", "anji", FILE_URL, 404),  # another district's enterprise
        ("district_official", "nanxun", f"/review/file/{ANJI_CODE}/2018-02/", 404),
        ("district_official", "nanxun", "/review/file/91330503375583185X/2018-02/", 404),
        ("district_official", "nanxun", f"/review/file/{NANXUN_CODE}/2018-13/", 404),
        ("district_official", "nanxun", f"/review/file/{NANXUN_CODE.lower()}/2018-02/", 200),
        # docs/domain.md: filing for an enterprise is the district official's alone.
        ("programme_admin", "nanxun", FILE_URL, 403),
        ("city_official", "nanxun", FILE_URL, 403),
        ("trainer", "nanxun", FILE_URL, 403),
    ],
)
def test_who_may_file_for_an_enterprise(client, firms, role, district, url, status):
    actor = as_role(client, role, district)
    assert actor.get(url).status_code == status
    assert actor.post(url, VALUES).status_code == (302 if status == 200 else status)


def test_an_enterprise_cannot_file_through_the_officials_page(client, nanxun_firm):
    own = as_role(client, "enterprise", enterprise=nanxun_firm)
    assert own.post(FILE_URL, VALUES).status_code == 403
    assert not SafetyReport.objects.filter(month=D(2018, 2, 1)).exists()


def test_anonymous_filing_is_sent_to_the_login_page(client, nanxun_firm):
    response = client.get(FILE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# Navigation


@pytest.mark.parametrize(
    "role, shown",
    [("district_official", True), ("programme_admin", True), ("city_official", False), ("trainer", False)],
)
def test_the_review_link_is_in_the_navigation_of_reviewers(client, firms, role, shown):
    html = as_role(client, role).get("/enterprises/").content.decode()
    assert ('href="/review/"' in html) is shown


@pytest.mark.parametrize(
    "path, data",
    [
        ("/review/approve/", {"credit_code": "9133\x00", "month": "2018-01"}),
        ("/review/approve/", {"district": "nan\x00xun", "month": "2018-01"}),
        ("/review/return/", {"credit_code": "x", "month": "2018-01", "comment": "a\x00b"}),
        ("/review/exempt/", {"credit_code": "9133\x00", "decision": "approve"}),
        ("/review/exempt/end/", {"credit_code": "9133\x00", "month": "2018-01"}),
    ],
)
def test_a_nul_in_any_field_is_a_400_not_a_server_error(client, db, path, data):
    """PostgreSQL refuses to compare text holding a NUL: such a field never reaches a query."""
    client.force_login(make_user("programme_admin"))
    response = client.post(path, data, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_credit_code_that_cannot_be_one_is_a_404_when_filing(client, db):
    client.force_login(make_user("district_official", district="nanxun"))
    assert client.get("/review/file/9133%00/2018-01/").status_code == 404
