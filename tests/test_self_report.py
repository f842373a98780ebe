"""An enterprise reports for itself (docs/domain.md, "Enterprises report for themselves"): its home
(/report/) lists its months and their states, the next one due and its due date; the month's form
(/report/<YYYY-MM>/) writes through the door, with the import's rules, the plausibility warnings
and their explanation, a stale form refused (409), and a month not owed, not ended, exempt or
approved refused (400), everything typed kept."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.contrib.auth.models import User

from accounts.models import Profile
from common.months import Period
from dashboard.figures import district_figures
from districts.models import District
from enterprises.models import Exemption, SafetyReport
from imports.models import RecordChange
from tests.factories import login_as, make_enterprise, make_reports, month_range

D = datetime.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# 15 March 2018: February has ended and is due on 10 March; March has not ended.
NOW = datetime.datetime(2018, 3, 15, 10, tzinfo=SHANGHAI)
pytestmark = pytest.mark.time_machine(NOW, tick=False)

VALUES = {"inspections": "4", "accidents": "0", "hazards_found": "3", "hazards_fixed": "2"}


def enterprise_user(enterprise):
    user = User.objects.create_user(
        f"ent-{enterprise.pk}-{User.objects.count()}", password="pw-for-tests-only"
    )
    Profile.objects.update_or_create(user=user, defaults={"role": "enterprise", "enterprise": enterprise})
    return user


@pytest.fixture
def factory(db):
    """An enterprise started 2017-06 (owes from 2016-06), reporting 4 inspections a month up to
    2017-12; its user logged in."""
    enterprise = make_enterprise("nanxun", score_start=D(2017, 6, 10))
    make_reports(enterprise, month_range(D(2016, 6, 1), 19), inspections=4, accidents=0)
    return enterprise


@pytest.fixture
def reporter(client, factory):
    client.force_login(enterprise_user(factory))
    return client


def test_the_home_lists_the_months_owed_with_their_states_and_the_next_one_due(reporter, factory):
    SafetyReport.objects.filter(enterprise=factory, month=D(2017, 12, 1)).update(
        state="returned", review_comment="检查次数有误"
    )
    SafetyReport.objects.filter(enterprise=factory, month=D(2017, 11, 1)).update(state="approved")
    response = reporter.get("/report/")
    assert response.status_code == 200
    html = response.content.decode()
    to_do = [row.month for row in response.context["to_do"]]
    # January is missing (due on 10 February); February is due by 10 March: missing too; December
    # returned; nothing else.
    assert to_do == [D(2018, 2, 1), D(2018, 1, 1), D(2017, 12, 1)]
    statuses = {row.month: row.status for row in response.context["recent"]}
    assert statuses[D(2018, 2, 1)] == "missing"
    assert statuses[D(2017, 12, 1)] == "returned"
    assert statuses[D(2017, 11, 1)] == "approved"
    assert statuses[D(2017, 10, 1)] == "submitted"
    assert "检查次数有误" in html
    # The next report to fall due: March 2018, by 10 April.
    assert response.context["next_due"] == {"month": D(2018, 3, 1), "due_on": D(2018, 4, 10)}
    assert "2018-04-10" in html


def test_nothing_owed_says_so(client, db):
    enterprise = make_enterprise("nanxun", score_start=D(2017, 6, 10))
    make_reports(enterprise, month_range(D(2016, 6, 1), 21), inspections=4, accidents=0)
    client.force_login(enterprise_user(enterprise))
    response = client.get("/report/")
    assert response.context["to_do"] == []
    assert 'id="nothing-owed"' in response.content.decode()


def test_a_month_is_filed_through_the_door(reporter, factory):
    response = reporter.post("/report/2018-02/", VALUES)
    assert (response.status_code, response["Location"]) == (302, "/report/")
    report = SafetyReport.objects.get(enterprise=factory, month=D(2018, 2, 1))
    assert (report.inspections, report.hazards_found, report.hazards_fixed, report.state) == (
        4,
        3,
        2,
        "submitted",
    )
    change = RecordChange.objects.get(credit_code=factory.credit_code, record_key="2018-02")
    assert (change.path, change.action, change.changes["inspections"]) == ("form", "create", [None, 4])


def test_a_month_filed_before_its_due_day_is_on_time(reporter, factory):
    # February can be filed on 1 March already, before it is due (10 March): it has ended. Counted
    # on time once it falls due.
    with time_machine.travel(datetime.datetime(2018, 3, 1, 9, tzinfo=SHANGHAI), tick=False):
        response = reporter.post("/report/2018-02/", VALUES)
    assert response.status_code == 302
    february = Period(D(2018, 2, 1), D(2018, 2, 1))
    _rows, total = district_figures(District.objects.filter(code="nanxun"), february)
    assert (total.reports_expected, total.reports_received, total.reports_on_time) == (1, 1, 1)


@pytest.mark.parametrize(
    "month, reason",
    [
        ("2018-03", "has not ended"),  # the current month
        ("2018-04", "has not ended"),
        ("2016-05", "before the first month"),  # before the baseline
    ],
)
def test_a_month_that_cannot_be_filed_is_refused_and_says_why(reporter, factory, month, reason):
    response = reporter.post(f"/report/{month}/", VALUES, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not SafetyReport.objects.filter(enterprise=factory, month=f"{month}-01").exists()


def test_a_month_after_the_enterprise_left_is_refused(reporter, factory):
    factory.left_on = D(2017, 12, 20)
    factory.save()
    response = reporter.post("/report/2018-01/", VALUES, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "left the programme" in response.content.decode()


def test_an_exempt_month_is_refused(reporter, factory):
    Exemption.objects.create(enterprise=factory, first_month=D(2018, 1, 1), reason="停产", status="approved")
    response = reporter.post("/report/2018-01/", VALUES, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "exempt" in response.content.decode()
    statuses = {row.month: row.status for row in reporter.get("/report/").context["recent"]}
    assert statuses[D(2018, 1, 1)] == statuses[D(2018, 2, 1)] == "exempt"


def test_an_approved_month_is_locked(reporter, factory):
    SafetyReport.objects.filter(enterprise=factory, month=D(2017, 12, 1)).update(state="approved")
    response = reporter.post(
        "/report/2017-12/", {**VALUES, "inspections": "5"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "approved and locked" in response.content.decode()
    assert SafetyReport.objects.get(enterprise=factory, month=D(2017, 12, 1)).inspections == 4


@pytest.mark.parametrize(
    "typed, field",
    [
        ({"inspections": "-1"}, "inspections"),
        ({"inspections": "abc"}, "inspections"),
        ({"inspections": ""}, "inspections"),
        ({"hazards_fixed": "9"}, "hazards_fixed"),  # fixed above found
    ],
)
def test_bad_input_is_shown_beside_its_field_and_kept(reporter, factory, typed, field):
    response = reporter.post("/report/2018-02/", {**VALUES, **typed}, headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    html = response.content.decode()
    # What was typed is kept.
    assert f'value="{typed[field]}"' in html
    assert not SafetyReport.objects.filter(enterprise=factory, month=D(2018, 2, 1)).exists()


def test_a_value_far_from_the_usual_needs_an_explanation(reporter, factory):
    # Its last 12 reports hold 4 inspections each: 13 is more than three times that.
    response = reporter.post(
        "/report/2018-02/", {**VALUES, "inspections": "13"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "far from this enterprise's usual 4" in response.context["form"].errors["inspections"][0]
    assert response.context["form"].errors["explanation"]
    assert not SafetyReport.objects.filter(enterprise=factory, month=D(2018, 2, 1)).exists()
    # 12 is three times: no warning. With an explanation, 13 is submitted, explanation kept.
    response = reporter.post(
        "/report/2018-02/", {**VALUES, "inspections": "13", "explanation": "安全月专项检查"}
    )
    assert response.status_code == 302
    report = SafetyReport.objects.get(enterprise=factory, month=D(2018, 2, 1))
    assert (report.inspections, report.explanation) == (13, "安全月专项检查")


def test_one_inspection_when_the_usual_is_four_is_warned_too(reporter, factory):
    response = reporter.post("/report/2018-02/", {**VALUES, "inspections": "1"})
    assert response.status_code == 400  # 1 × 3 < 4
    response = reporter.post("/report/2018-02/", {**VALUES, "inspections": "2"})
    assert response.status_code == 302  # 2 × 3 ≥ 4


def test_a_stale_form_is_refused_with_the_newer_values(reporter, factory):
    report = SafetyReport.objects.get(enterprise=factory, month=D(2017, 12, 1))
    shown = report.version
    SafetyReport.objects.filter(pk=report.pk).update(inspections=5, version=shown + 1)
    response = reporter.post(
        "/report/2017-12/", {**VALUES, "version": str(shown)}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 409
    assert response.context["form"].initial["inspections"] == 5
    assert SafetyReport.objects.get(pk=report.pk).inspections == 5


def test_a_returned_report_opens_with_the_comment_and_its_values_and_goes_back_submitted(reporter, factory):
    SafetyReport.objects.filter(enterprise=factory, month=D(2017, 12, 1)).update(
        state="returned", review_comment="检查次数有误"
    )
    page = reporter.get("/report/2017-12/")
    assert "检查次数有误" in page.content.decode()
    assert page.context["form"].initial["inspections"] == 4
    response = reporter.post("/report/2017-12/", {**VALUES, "inspections": "5"})
    assert response.status_code == 302
    assert SafetyReport.objects.get(enterprise=factory, month=D(2017, 12, 1)).state == "submitted"


def test_the_credit_code_posted_is_ignored(reporter, factory):
    other = make_enterprise("deqing", score_start=D(2017, 6, 10))
    response = reporter.post("/report/2018-02/", {**VALUES, "credit_code": other.credit_code})
    assert response.status_code == 302
    assert SafetyReport.objects.filter(enterprise=factory, month=D(2018, 2, 1)).exists()
    assert not SafetyReport.objects.filter(enterprise=other).exists()


@pytest.mark.parametrize("role", ["district_official", "city_official", "programme_admin", "trainer"])
def test_other_roles_may_not_use_the_enterprise_pages(client, db, role):
    login_as(client, role)
    assert client.get("/report/").status_code == 403
    assert client.post("/report/2018-02/", VALUES).status_code == 403


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get("/report/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("month", ["2018-13", "2018-2", "abcd", "0000-01"])
def test_a_malformed_month_is_404(reporter, month):
    assert reporter.get(f"/report/{month}/").status_code == 404


@pytest.mark.parametrize("language, words", [("zh-hans", "月报"), ("en", "Monthly reports")])
def test_both_languages(reporter, language, words):
    html = reporter.get("/report/", headers={"Accept-Language": language}).content.decode()
    assert words in html
    html = reporter.get("/report/2018-02/", headers={"Accept-Language": language}).content.decode()
    assert 'inputmode="numeric"' in html


def test_the_form_keeps_the_roll_up_current(reporter, factory):
    from dashboard import rollup

    rollup.rebuild()
    reporter.post("/report/2018-02/", VALUES)
    assert rollup.current_alias() is not None
