"""Reopening an approved report from the enterprise's page (/enterprises/<credit_code>/): the row of
an approved report offers "reopen" with a required reason to whoever may reopen it (a district
official of its district, a programme admin), posting to POST /review/reopen/ with `next` back to
the page. The page's content is cached by role (dashboard/enterprise_views.py): the form in it must
carry each user's own CSRF token, never the one of the user who filled the cache."""

import datetime
import re
import zoneinfo

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Profile, Role
from accounts.scoping import RIGHTS, Action
from enterprises.models import SafetyReport
from imports.models import RecordChange
from tests.factories import make_enterprise, make_reports, make_user, month_range

D = datetime.date
pytestmark = pytest.mark.time_machine(
    datetime.datetime(2018, 3, 15, 10, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")), tick=False
)
PERIOD = "from=2017-10&to=2017-12"


@pytest.fixture
def factory(db):
    """A Nanxun enterprise with reports for 2017-10 to 2017-12: October and November approved,
    December submitted."""
    enterprise = make_enterprise("nanxun", name="南浔五金厂", score_start=D(2017, 6, 10))
    make_reports(enterprise, month_range(D(2017, 10, 1), 3), inspections=4, accidents=0)
    SafetyReport.objects.filter(enterprise=enterprise, month__lt=D(2017, 12, 1)).update(state="approved")
    return enterprise


def user_of(role, factory, district="nanxun"):
    if role == "enterprise":
        user = User.objects.create_user(f"ent-{factory.pk}-{User.objects.count()}")
        Profile.objects.create(user=user, role=Role.ENTERPRISE, enterprise=factory)
        return user
    return make_user(role, district=district)


def page(client, factory, language="en"):
    return client.get(f"/enterprises/{factory.credit_code}/?{PERIOD}", headers={"Accept-Language": language})


def reopened_months(html):
    return sorted(re.findall(r'<form[^>]*class="reopen-one".*?name="month" value="([0-9-]+)"', html, re.S))


@pytest.mark.parametrize(
    "role, district, offered",
    [
        ("programme_admin", "nanxun", True),
        ("district_official", "nanxun", True),
        ("city_official", "nanxun", False),
        ("trainer", "nanxun", False),
        ("enterprise", "nanxun", False),
    ],
)
def test_the_approved_rows_offer_reopening_to_who_may_reopen(client, factory, role, district, offered):
    client.force_login(user_of(role, factory, district))
    response = page(client, factory)
    assert response.status_code == 200
    html = response.content.decode()
    # October and November are approved; December is submitted and has nothing to reopen.
    assert reopened_months(html) == (["2017-10", "2017-11"] if offered else [])
    assert ("/review/reopen/" in html) is offered


def test_an_official_of_another_district_does_not_see_the_page(client, factory):
    client.force_login(user_of("district_official", factory, "anji"))
    assert page(client, factory).status_code == 404


def test_the_form_holds_the_report_its_version_a_required_reason_and_the_way_back(client, factory):
    client.force_login(user_of("district_official", factory))
    html = page(client, factory).content.decode()
    form = html[html.index('<form method="post" action="/review/reopen/" class="reopen-one">') :]
    form = form[: form.index("</form>")]
    assert f'name="credit_code" value="{factory.credit_code}"' in form
    # The newest approved month first, as the table lists them.
    assert 'name="month" value="2017-11"' in form
    assert 'name="version" value="1"' in form
    assert f'name="next" value="/enterprises/{factory.credit_code}/?{PERIOD.replace("&", "&amp;")}"' in form
    assert re.search(r'<textarea name="reason"[^>]*required', form)
    assert re.search(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"', form)


def test_the_state_of_each_report_is_shown(client, factory):
    client.force_login(user_of("city_official", factory))
    html = page(client, factory).content.decode()
    states = re.findall(
        r'data-month="([0-9-]+)"[^>]*>.*?data-status="(\w+)"',
        html[html.index('id="enterprise-reports"') :],
        re.S,
    )
    assert states == [("2017-12", "submitted"), ("2017-11", "approved"), ("2017-10", "approved")]


@pytest.mark.parametrize("role", ["programme_admin", "district_official"])
def test_who_may_reopen_does_so_and_comes_back_to_the_page(client, factory, role):
    client.force_login(user_of(role, factory))
    back = f"/enterprises/{factory.credit_code}/?{PERIOD}"
    response = client.post(
        "/review/reopen/",
        {
            "credit_code": factory.credit_code,
            "month": "2017-11",
            "version": "1",
            "reason": "事故起数有误",
            "next": back,
        },
        headers={"Accept-Language": "en"},
    )
    assert (response.status_code, response["Location"]) == (303, back)
    report = SafetyReport.objects.get(enterprise=factory, month=D(2017, 11, 1))
    assert (report.state, report.review_comment, report.version) == ("returned", "事故起数有误", 2)
    change = RecordChange.objects.get(kind="safety", record_key="2017-11")
    assert (change.path, change.state, change.comment) == ("review", "returned", "事故起数有误")
    # Back on the page: November is returned, October still offers reopening; the message says so.
    html = client.get(back, headers={"Accept-Language": "en"}).content.decode()
    assert reopened_months(html) == ["2017-10"]
    assert "Reopened: 南浔五金厂, 2017-11 is back with the enterprise to correct." in html


@pytest.mark.parametrize(
    "role, district, status",
    [
        ("district_official", "anji", 404),  # not its district: as if the report did not exist
        ("city_official", "nanxun", 403),
        ("trainer", "nanxun", 403),
        ("enterprise", "nanxun", 403),
    ],
)
def test_who_may_not_reopen_is_refused_and_nothing_changes(client, factory, role, district, status):
    client.force_login(user_of(role, factory, district))
    response = client.post(
        "/review/reopen/",
        {
            "credit_code": factory.credit_code,
            "month": "2017-11",
            "reason": "有误",
            "next": f"/enterprises/{factory.credit_code}/",
        },
    )
    assert response.status_code == status
    report = SafetyReport.objects.get(enterprise=factory, month=D(2017, 11, 1))
    assert (report.state, report.version) == ("approved", 1)
    assert not RecordChange.objects.filter(kind="safety").exists()


def test_anonymous_is_sent_to_log_in(client, factory):
    response = client.post("/review/reopen/", {"credit_code": factory.credit_code, "month": "2017-11"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_reopening_without_a_reason_is_refused(client, factory):
    client.force_login(user_of("district_official", factory))
    response = client.post(
        "/review/reopen/",
        {"credit_code": factory.credit_code, "month": "2017-11", "reason": " ", "next": "/enterprises/"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "Write the reason for reopening the approved report." in response.content.decode()
    assert SafetyReport.objects.get(enterprise=factory, month=D(2017, 11, 1)).state == "approved"


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/enterprises/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_a_next_that_leaves_the_portal_goes_to_the_queue_instead(client, factory, next_url):
    client.force_login(user_of("district_official", factory))
    response = client.post(
        "/review/reopen/",
        {"credit_code": factory.credit_code, "month": "2017-11", "reason": "有误", "next": next_url},
    )
    assert (response.status_code, response["Location"]) == (303, "/review/")


def test_each_user_posts_with_their_own_token_from_the_cached_page(factory):
    """The first official's request fills the cache; the second one's page comes from it, and its
    form must still carry the second official's token, which the CSRF check accepts."""
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(user_of("district_official", factory))
    second.force_login(user_of("district_official", factory))
    tokens = []
    for client in (first, second):
        html = page(client, factory).content.decode()
        form = html[html.index('class="reopen-one"') :]
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', form).group(1))
    response = second.post(
        "/review/reopen/",
        {
            "csrfmiddlewaretoken": tokens[1],
            "credit_code": factory.credit_code,
            "month": "2017-10",
            "reason": "有误",
            "next": f"/enterprises/{factory.credit_code}/",
        },
    )
    assert response.status_code == 303
    assert SafetyReport.objects.get(enterprise=factory, month=D(2017, 10, 1)).state == "returned"


def test_the_right_to_reopen_follows_the_role_where_the_page_is_seen():
    """The page's content is cached by role (dashboard/enterprise_views.py): that holds only while
    each role reopens either nowhere or wherever it reads enterprises' reports."""
    for role, actions in RIGHTS.items():
        reopen = actions.get(Action.REOPEN)
        if reopen is not None:
            assert reopen[1] == actions[Action.READ][1], role
