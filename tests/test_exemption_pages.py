"""Exempt months through the pages (docs/domain.md, "Enterprises report for themselves"): the
enterprise asks (POST /report/exempt/), the district decides, declares and ends them
(POST /review/exempt/, /review/exempt/end/), and the review queue lists the pending requests. The
rules are enterprises.exemptions' (tests/test_exemptions.py); here, the status codes and messages
of each path and role."""

import datetime
import re
import zoneinfo

import pytest
from django.contrib.auth.models import User

from accounts.models import Profile
from enterprises.models import Exemption
from tests.factories import login_as, make_enterprise, make_reports, month_range

D = datetime.date
pytestmark = pytest.mark.time_machine(
    datetime.datetime(2018, 3, 15, 10, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")), tick=False
)
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def factory(db):
    """A Nanxun enterprise started 2017-06, reporting up to 2017-12."""
    enterprise = make_enterprise("nanxun", score_start=D(2017, 6, 10))
    make_reports(enterprise, month_range(D(2016, 6, 1), 19), inspections=4, accidents=0)
    return enterprise


def as_enterprise(client, enterprise):
    user = User.objects.create_user(f"ent-{enterprise.pk}", password="pw-for-tests-only")
    Profile.objects.update_or_create(user=user, defaults={"role": "enterprise", "enterprise": enterprise})
    client.force_login(user)
    return client


def test_the_enterprise_asks_and_the_district_approves(client, factory):
    response = as_enterprise(client, factory).post(
        "/report/exempt/", {"from": "2018-01", "to": "", "reason": "厂房搬迁"}
    )
    assert (response.status_code, response["Location"]) == (302, "/report/")
    pending = Exemption.objects.get(enterprise=factory)
    assert (pending.status, pending.first_month, pending.last_month) == ("pending", D(2018, 1, 1), None)
    # A second request while one is pending: refused, what was typed kept.
    again = client.post("/report/exempt/", {"from": "2018-02", "reason": "再次申请"}, headers=ENGLISH)
    assert again.status_code == 400
    assert "pending exemption request" in again.content.decode()
    assert 'value="2018-02"' in again.content.decode()
    # The district official sees it in the queue, and approves it.
    official = login_as(client, "district_official", district="nanxun")
    queue = official.get("/review/")
    assert [e.enterprise_id for e in queue.context["exemption_requests"]] == [factory.pk]
    response = official.post(
        "/review/exempt/", {"credit_code": factory.credit_code, "decision": "approve", "comment": "同意"}
    )
    assert (response.status_code, response["Location"]) == (303, "/review/")
    pending.refresh_from_db()
    assert (pending.status, pending.comment) == ("approved", "同意")
    # Production resumes: the exemption ends with February.
    response = official.post("/review/exempt/end/", {"credit_code": factory.credit_code, "month": "2018-02"})
    assert response.status_code == 303
    pending.refresh_from_db()
    assert pending.last_month == D(2018, 2, 1)


def test_the_district_refuses_a_request(client, factory):
    Exemption.objects.create(enterprise=factory, first_month=D(2018, 1, 1), reason="停产")
    official = login_as(client, "district_official", district="nanxun")
    response = official.post("/review/exempt/", {"credit_code": factory.credit_code, "decision": "refuse"})
    assert response.status_code == 303
    assert Exemption.objects.get(enterprise=factory).status == "refused"


def test_the_district_declares_exempt_months(client, factory):
    official = login_as(client, "district_official", district="nanxun")
    response = official.post(
        "/review/exempt/",
        {
            "credit_code": factory.credit_code,
            "decision": "approve",
            "from": "2018-01",
            "to": "2018-02",
            "reason": "停产",
        },
    )
    assert response.status_code == 303
    declared = Exemption.objects.get(enterprise=factory)
    assert (declared.status, declared.first_month, declared.last_month) == (
        "approved",
        D(2018, 1, 1),
        D(2018, 2, 1),
    )


@pytest.mark.parametrize(
    "data, status, words",
    [
        ({"decision": "approve"}, 400, "no pending exemption request"),  # nothing pending
        ({"decision": "maybe"}, 400, "approve"),
        ({"decision": "approve", "from": "2017-13", "reason": "x"}, 400, "2017-13"),
        (
            {"decision": "approve", "from": "2017-10", "reason": "x"},
            400,
            "a month with a report cannot be exempt",
        ),  # covers a report
        ({"decision": "approve", "from": "2018-01", "reason": ""}, 400, ""),  # no reason
    ],
)
def test_a_step_the_rules_refuse_is_a_400_and_writes_nothing(client, factory, data, status, words):
    official = login_as(client, "district_official", district="nanxun")
    response = official.post("/review/exempt/", {"credit_code": factory.credit_code, **data}, headers=ENGLISH)
    assert response.status_code == status
    assert words in response.content.decode()
    assert not Exemption.objects.exists()


def test_another_districts_enterprise_is_not_found(client, factory):
    official = login_as(client, "district_official", district="anji")
    response = official.post(
        "/review/exempt/",
        {"credit_code": factory.credit_code, "decision": "approve", "from": "2018-01", "reason": "停产"},
    )
    assert response.status_code == 404
    assert (
        official.post(
            "/review/exempt/end/", {"credit_code": factory.credit_code, "month": "2018-01"}
        ).status_code
        == 404
    )
    assert (
        official.post(
            "/review/exempt/", {"credit_code": "91330503000000000X", "decision": "approve"}
        ).status_code
        == 404
    )
    assert not Exemption.objects.exists()


@pytest.mark.parametrize("role", ["city_official", "trainer"])
def test_roles_without_the_right_are_refused(client, factory, role):
    login_as(client, role)
    response = client.post(
        "/review/exempt/",
        {"credit_code": factory.credit_code, "decision": "approve", "from": "2018-01", "reason": "停产"},
    )
    assert response.status_code == 403
    assert client.post("/report/exempt/", {"from": "2018-01", "reason": "停产"}).status_code == 403
    assert not Exemption.objects.exists()


def test_an_enterprise_may_not_decide(client, factory):
    Exemption.objects.create(enterprise=factory, first_month=D(2018, 1, 1), reason="停产")
    response = as_enterprise(client, factory).post(
        "/review/exempt/", {"credit_code": factory.credit_code, "decision": "approve"}
    )
    assert response.status_code == 403
    assert Exemption.objects.get(enterprise=factory).status == "pending"


@pytest.mark.parametrize(
    "language, words", [("zh-hans", "免报申请已提交区县办公室"), ("en", "sent to the district office")]
)
def test_the_request_is_confirmed_in_the_users_language(client, factory, language, words):
    as_enterprise(client, factory)
    response = client.post(
        "/report/exempt/",
        {"from": "2018-01", "reason": "停产"},
        headers={"Accept-Language": language},
        follow=True,
    )
    assert words in response.content.decode()


@pytest.mark.parametrize(
    "language, words",
    [
        ("zh-hans", "2018-01 – 2018-02 · 已审核 · 由 {official} 于 2018-03-15 结束"),
        ("en", "2018-01 – 2018-02 · approved · ended by {official} on 2018-03-15"),
    ],
)
def test_the_enterprise_sees_who_ended_its_exemption_and_when(client, factory, language, words):
    official = User.objects.create_user("wang.official")
    Profile.objects.create(user=official, role="district_official", district=factory.district)
    client.force_login(official)
    client.post(
        "/review/exempt/",
        {"credit_code": factory.credit_code, "decision": "approve", "from": "2018-01", "reason": "停产"},
    )
    response = client.post("/review/exempt/end/", {"credit_code": factory.credit_code, "month": "2018-02"})
    assert response.status_code == 303
    ended = Exemption.objects.get(enterprise=factory)
    # Frozen at 2018-03-15 10:00 in Shanghai, 02:00 UTC.
    assert (ended.ended_by, ended.ended_at) == (
        "wang.official",
        datetime.datetime(2018, 3, 15, 2, tzinfo=datetime.UTC),
    )
    home = as_enterprise(client, factory).get("/report/", headers={"Accept-Language": language})
    html = home.content.decode()
    listed = html[html.index('id="exemptions"') :]
    listed = " ".join(re.sub(r"<[^>]+>", " ", listed[: listed.index("</ul>")]).split())
    assert words.format(official="wang.official") in listed


def test_the_admin_lists_who_ended_an_exemption_and_offers_no_form(client, factory):
    Exemption.objects.create(
        enterprise=factory,
        first_month=D(2018, 1, 1),
        last_month=D(2018, 2, 1),
        reason="停产",
        status="approved",
        decided_by="wang.official",
        ended_by="li.official",
        ended_at=datetime.datetime(2018, 3, 14, 1, 30, tzinfo=datetime.UTC),
    )
    login_as(client, "programme_admin")
    response = client.get("/admin/enterprises/exemption/", headers=ENGLISH)
    assert response.status_code == 200
    html = response.content.decode()
    # 01:30 UTC is 09:30 in Shanghai, the portal's time zone.
    assert '<td class="field-ended_by">li.official</td>' in html
    assert '<td class="field-ended_at nowrap">March 14, 2018, 9:30 a.m.</td>' in html
    # Every step is a service's: the admin neither adds nor deletes.
    assert client.get("/admin/enterprises/exemption/add/").status_code == 403
    exemption = Exemption.objects.get()
    assert (
        client.post(f"/admin/enterprises/exemption/{exemption.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Exemption.objects.count() == 1
