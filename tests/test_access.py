"""Who may open what: every URL of the portal for every role, as one table."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.services import user_create_or_update
from districts.models import District
from enterprises.models import Enterprise
from imports.models import ImportBatch
from improvements.models import ImprovementProject, Suggestion
from tests.conftest import BEHIND_PROXY
from tests.factories import login_as, make_enterprise, make_user
from training.models import Module, Workshop

NANXUN_CODE = "91330503375583185N"
ANJI_CODE = "91330523285269512N"
# Fixed ids far above what the sequences reach in a test run, so the table can name them.
NANXUN_WORKSHOP = 900001
ANJI_WORKSHOP = 900002
ENTERPRISE_USER = 900003  # an account of the enterprise role, of NANXUN_CODE
NANXUN_SUGGESTION, ANJI_SUGGESTION = 900011, 900012
NANXUN_PROJECT, ANJI_PROJECT = 900021, 900022

ROLES = ["anonymous", "no_role", "programme_admin", "city_official", "district_official", "trainer"]

# url: statuses in the order of ROLES. The district official works in Anji, the trainer in Nanxun.
# 302 for anonymous is the redirect to the login page (asserted below); a non-staff user is sent
# to the admin's own login page.
ACCESS = {
    "/": (302, 403, 302, 302, 302, 302),
    "/accounts/login/": (200, 302, 302, 302, 302, 302),
    "/accounts/logout/": (405, 405, 405, 405, 405, 405),  # logging out is a POST
    # Every account changes its own password.
    "/accounts/password_change/": (302, 200, 200, 200, 200, 200),
    "/accounts/password_change/done/": (302, 200, 200, 200, 200, 200),
    # Enterprises' accounts: their district's officials and programme admins; making and resetting
    # are POSTs (tests/test_enterprise_accounts_page.py).
    "/accounts/enterprise-accounts/": (302, 403, 200, 403, 200, 403),
    f"/accounts/enterprise-accounts/{NANXUN_CODE}/new/": (302, 405, 405, 405, 405, 405),
    f"/accounts/enterprise-accounts/{NANXUN_CODE}/{ENTERPRISE_USER}/reset/": (302, 405, 405, 405, 405, 405),
    "/i18n/setlang/": (302, 302, 302, 302, 302, 302),
    "/enterprises/": (302, 403, 200, 200, 200, 200),
    f"/enterprises/{NANXUN_CODE}/": (302, 403, 200, 200, 404, 200),
    f"/enterprises/{ANJI_CODE}/": (302, 403, 200, 200, 200, 404),
    f"/enterprises/{ANJI_CODE.lower()}/": (302, 403, 200, 200, 200, 404),
    "/enterprises/91330503375583185X/": (302, 403, 404, 404, 404, 404),
    "/training/": (302, 403, 200, 200, 200, 200),
    "/training/workshops/new/": (302, 403, 200, 403, 403, 200),
    f"/training/workshops/{NANXUN_WORKSHOP}/": (302, 403, 200, 200, 404, 200),
    f"/training/workshops/{ANJI_WORKSHOP}/": (302, 403, 200, 200, 200, 404),
    f"/training/workshops/{NANXUN_WORKSHOP}/edit/": (302, 403, 200, 403, 403, 200),
    f"/training/workshops/{ANJI_WORKSHOP}/edit/": (302, 403, 200, 403, 403, 404),
    f"/training/workshops/{NANXUN_WORKSHOP}/attendance/": (302, 403, 200, 403, 403, 200),
    f"/training/workshops/{ANJI_WORKSHOP}/attendance/": (302, 403, 200, 403, 403, 404),
    f"/training/workshops/{NANXUN_WORKSHOP}/attendance/previous/": (302, 403, 200, 403, 403, 200),
    f"/training/workshops/{ANJI_WORKSHOP}/attendance/previous/": (302, 403, 200, 403, 403, 404),
    f"/training/workshops/{NANXUN_WORKSHOP}/export.csv": (302, 403, 200, 200, 404, 200),
    f"/training/workshops/{ANJI_WORKSHOP}/export.xlsx": (302, 403, 200, 200, 200, 404),
    "/training/export.csv": (302, 403, 200, 200, 200, 200),
    "/training/export.xlsx": (302, 403, 200, 200, 200, 200),
    "/imports/": (302, 403, 200, 403, 403, 403),
    "/imports/history/": (302, 403, 200, 403, 403, 403),
    "/imports/template/safety.xlsx": (302, 403, 200, 403, 403, 403),
    "/imports/template/people.xlsx": (302, 403, 404, 403, 403, 403),
    "/imports/990001/": (302, 403, 200, 403, 403, 403),
    "/imports/990001/confirm/": (405, 405, 405, 405, 405, 405),  # confirming is a POST
    "/imports/990002/done/": (302, 403, 200, 403, 403, 403),
    "/imports/990003/errors/": (302, 403, 200, 403, 403, 403),
    "/imports/990002/undo/": (302, 403, 200, 403, 403, 403),
    "/imports/990009/": (302, 403, 404, 403, 403, 403),
    # The enterprises' own pages: the enterprise role only (its own tests: tests/test_self_report.py).
    "/report/": (302, 403, 403, 403, 403, 403),
    "/report/2016-01/": (302, 403, 403, 403, 403, 403),
    # Its suggestions and projects (tests/test_enterprise_improvements.py): listed and added by the
    # enterprise; a record corrected by a district official of its district or a programme admin too.
    "/report/suggestions/": (302, 403, 403, 403, 403, 403),
    "/report/suggestions/new/": (302, 403, 403, 403, 403, 403),
    f"/report/suggestions/{NANXUN_SUGGESTION}/": (302, 403, 200, 403, 404, 403),
    f"/report/suggestions/{ANJI_SUGGESTION}/": (302, 403, 200, 403, 200, 403),
    "/report/suggestions/900019/": (302, 403, 404, 403, 404, 403),
    "/report/projects/": (302, 403, 403, 403, 403, 403),
    "/report/projects/new/": (302, 403, 403, 403, 403, 403),
    f"/report/projects/{NANXUN_PROJECT}/": (302, 403, 200, 403, 404, 403),
    f"/report/projects/{ANJI_PROJECT}/": (302, 403, 200, 403, 200, 403),
    # The district's review (tests/test_review_pages.py): district officials and programme admins;
    # its steps are POSTs; filing for an enterprise (代填报) the district official of its district only.
    "/review/": (302, 403, 200, 403, 200, 403),
    "/review/?district=anji": (302, 403, 200, 403, 200, 403),
    "/review/?district=nanxun": (302, 403, 200, 403, 400, 403),
    "/review/approve/": (405, 405, 405, 405, 405, 405),
    "/review/return/": (405, 405, 405, 405, 405, 405),
    "/review/reopen/": (405, 405, 405, 405, 405, 405),
    "/review/exempt/": (405, 405, 405, 405, 405, 405),
    "/review/exempt/end/": (405, 405, 405, 405, 405, 405),
    "/report/exempt/": (405, 405, 405, 405, 405, 405),
    f"/review/file/{ANJI_CODE}/2016-01/": (302, 403, 403, 403, 200, 403),
    f"/review/file/{NANXUN_CODE}/2016-01/": (302, 403, 403, 403, 404, 403),
    # The dashboard is for officials; the summary API for every role, over the districts it sees.
    "/dashboard/": (302, 403, 200, 200, 200, 403),
    "/dashboard/?to=2017-13": (302, 403, 400, 400, 400, 403),
    "/dashboard/api/summary/": (302, 403, 200, 200, 200, 200),
    "/dashboard/api/summary/?from=2017-13": (302, 403, 400, 400, 400, 400),
    "/dashboard/api/missing/": (302, 403, 200, 200, 200, 200),
    "/dashboard/api/missing/?district=nanxun": (302, 403, 200, 200, 400, 200),
    "/dashboard/api/missing/?to=2017-13": (302, 403, 400, 400, 400, 400),
    "/dashboard/export/districts.csv": (302, 403, 200, 200, 200, 403),
    "/dashboard/export/districts.xlsx?from=2016-01&to=2016-12": (302, 403, 200, 200, 200, 403),
    "/dashboard/export/districts.pdf": (302, 403, 404, 404, 404, 403),
    "/dashboard/districts/nanxun/": (302, 403, 200, 200, 404, 403),
    "/dashboard/districts/anji/?sort=-inspections&sector=x": (302, 403, 200, 200, 200, 403),
    "/dashboard/districts/nowhere/": (302, 403, 404, 404, 404, 403),
    "/dashboard/districts/nanxun/export.csv": (302, 403, 200, 200, 404, 403),
    "/dashboard/districts/anji/export.xlsx": (302, 403, 200, 200, 200, 403),
    # Who owes what: officials; a district official only their district (another is a 400, as in
    # the missing API).
    "/dashboard/missing/": (302, 403, 200, 200, 200, 403),
    "/dashboard/missing/?district=anji&sort=most": (302, 403, 200, 200, 200, 403),
    "/dashboard/missing/?district=nanxun": (302, 403, 200, 200, 400, 403),
    "/dashboard/missing/?to=2017-13": (302, 403, 400, 400, 400, 403),
    "/dashboard/missing/export.csv": (302, 403, 200, 200, 200, 403),
    "/dashboard/missing/export.xlsx?district=anji": (302, 403, 200, 200, 200, 403),
    "/dashboard/missing/export.csv?district=nanxun": (302, 403, 200, 200, 400, 403),
    "/dashboard/missing/export.pdf": (302, 403, 404, 404, 404, 403),
    # The breakdown by sector, cohort or district: officials; a district official only their
    # district (another is a 400, as in the who-owes list); a bad `by` or `sort` is a 400.
    "/dashboard/breakdown/": (302, 403, 200, 200, 200, 403),
    "/dashboard/breakdown/?by=cohort&sort=-accidents_change_pct&to=2016-12": (302, 403, 200, 200, 200, 403),
    "/dashboard/breakdown/?by=district&district=anji": (302, 403, 200, 200, 200, 403),
    "/dashboard/breakdown/?by=sector&district=nanxun": (302, 403, 200, 200, 400, 403),
    "/dashboard/breakdown/?by=region": (302, 403, 400, 400, 400, 403),
    "/dashboard/breakdown/?sort=colour": (302, 403, 400, 400, 400, 403),
    "/dashboard/breakdown/?to=2017-13": (302, 403, 400, 400, 400, 403),
    "/dashboard/breakdown/export.csv?by=sector": (302, 403, 200, 200, 200, 403),
    "/dashboard/breakdown/export.xlsx?by=cohort&district=anji": (302, 403, 200, 200, 200, 403),
    "/dashboard/breakdown/export.csv?district=nanxun": (302, 403, 200, 200, 400, 403),
    "/dashboard/breakdown/export.xlsx?by=region": (302, 403, 400, 400, 400, 403),
    "/dashboard/breakdown/export.pdf": (302, 403, 404, 404, 404, 403),
    # The printed report: officials; a district official only their district (another is a 404,
    # as its district page is).
    "/dashboard/report.pdf": (302, 403, 200, 200, 200, 403),
    "/dashboard/report.pdf?from=2016-01&to=2016-12&district=anji": (302, 403, 200, 200, 200, 403),
    "/dashboard/report.pdf?district=nanxun": (302, 403, 200, 200, 404, 403),
    "/dashboard/report.pdf?to=2017-13": (302, 403, 400, 400, 400, 403),
    # The meeting-room screen: officials, or anyone with a display link's key (an unknown key is a
    # 404 whoever asks); its links page for officials; revoking is a POST.
    "/dashboard/screen/": (302, 403, 200, 200, 200, 403),
    "/dashboard/screen/?every=20&refresh=60&lang=en": (302, 403, 200, 200, 200, 403),
    "/dashboard/screen/?every=2": (302, 403, 400, 400, 400, 403),
    "/dashboard/screen/?key=not-a-key": (404, 404, 404, 404, 404, 404),
    "/dashboard/screen/data/": (302, 403, 200, 200, 200, 403),
    "/dashboard/screen/data/?key=not-a-key": (404, 404, 404, 404, 404, 404),
    "/dashboard/screen/links/": (302, 403, 200, 200, 200, 403),
    "/dashboard/screen/links/1/revoke/": (405, 405, 405, 405, 405, 405),
    f"/enterprises/{ANJI_CODE}/?from=2016-01&to=2016-12": (302, 403, 200, 200, 200, 404),
    "/admin/": (302, 302, 200, 302, 302, 302),
    "/admin/imports/importbatch/": (302, 302, 200, 302, 302, 302),
    "/admin/enterprises/enterprise/": (302, 302, 200, 302, 302, 302),
    "/admin/enterprises/exemption/": (302, 302, 200, 302, 302, 302),
    "/admin/training/workshop/": (302, 302, 200, 302, 302, 302),
    "/admin/improvements/suggestion/": (302, 302, 200, 302, 302, 302),
    "/admin/admin/logentry/": (302, 302, 200, 302, 302, 302),
    "/admin/dashboard/displaylink/": (302, 302, 200, 302, 302, 302),
    "/healthz": (200, 200, 200, 200, 200, 200),
    # The machine API: a token, never a browser's session (tests/test_api.py has its own table of
    # clients); its document and docs are public, anything else under /api/ a JSON 404.
    "/api/v1/openapi.json": (200, 200, 200, 200, 200, 200),
    "/api/v1/docs/": (200, 200, 200, 200, 200, 200),
    "/api/v1/districts/": (401, 401, 401, 401, 401, 401),
    "/api/v1/enterprises/": (401, 401, 401, 401, 401, 401),
    "/api/v1/safety-reports/": (401, 401, 401, 401, 401, 401),
    f"/api/v1/safety-reports/{NANXUN_CODE}/2016-01/history/": (401, 401, 401, 401, 401, 401),
    "/api/v1/figures/": (401, 401, 401, 401, 401, 401),
    "/api/v1/missing/": (401, 401, 401, 401, 401, 401),
    "/api/v1/imports/safety/": (401, 401, 401, 401, 401, 401),
    "/api/": (404, 404, 404, 404, 404, 404),
    "/api/v1/nothing/": (404, 404, 404, 404, 404, 404),
}


@pytest.fixture
def portal(db):
    make_enterprise(
        "nanxun", credit_code=NANXUN_CODE, name="南浔甲企业", score_start=datetime.date(2016, 1, 1)
    )
    make_enterprise("anji", credit_code=ANJI_CODE, name="安吉乙企业", score_start=datetime.date(2016, 1, 1))
    User.objects.create(pk=ENTERPRISE_USER, username="nanxun-jia-clerk")
    user_create_or_update(
        username="nanxun-jia-clerk", role="enterprise", password=None, enterprise_code=NANXUN_CODE
    )
    for pk, code in [(NANXUN_SUGGESTION, NANXUN_CODE), (ANJI_SUGGESTION, ANJI_CODE)]:
        Suggestion.objects.create(
            pk=pk, enterprise=Enterprise.objects.get(credit_code=code), reference="S-1",
            submitted_on=datetime.date(2016, 3, 1), text="增设洗手池",
        )  # fmt: skip
    for pk, code in [(NANXUN_PROJECT, NANXUN_CODE), (ANJI_PROJECT, ANJI_CODE)]:
        ImprovementProject.objects.create(
            pk=pk, enterprise=Enterprise.objects.get(credit_code=code), reference="P-1",
            title="照明改造", started_on=datetime.date(2016, 3, 1),
        )  # fmt: skip
    for pk, district in [(NANXUN_WORKSHOP, "nanxun"), (ANJI_WORKSHOP, "anji")]:
        Workshop.objects.create(
            pk=pk,
            district=District.objects.get(code=district),
            module=Module.objects.get(number=1),
            date=datetime.date(2016, 3, 1),
        )
    # Imports with fixed ids for the URLs above: previewed, committed, refused with a row error.
    header = b"credit_code,month,inspections,accidents\r\n"
    for pk, status, content in [
        (990001, "previewed", header + NANXUN_CODE.encode() + b",2016-01,1,0\r\n"),
        (990002, "committed", b""),
        (990003, "invalid", header + NANXUN_CODE.encode() + b",2016-01,-1,0\r\n"),
    ]:
        ImportBatch.objects.create(
            pk=pk,
            kind="safety",
            file_name="s.csv",
            file_size=len(content),
            sha256="0" * 64,
            content=content,
            status=status,
        )


def client_as(client, role):
    """Logged in as `role`; the district official is Anji's, the trainer Nanxun's."""
    return login_as(client, role, district="anji" if role == "district_official" else "nanxun")


@pytest.mark.parametrize("url", ACCESS)
@pytest.mark.parametrize("role", ROLES)
def test_role_gets_the_allowed_status(portal, client, url, role):
    expected = ACCESS[url][ROLES.index(role)]
    response = client_as(client, role).get(url)
    assert response.status_code == expected
    if role == "anonymous" and expected == 302 and not url.startswith("/i18n/"):
        assert response["Location"].startswith(
            "/admin/login/" if url.startswith("/admin/") else "/accounts/login/"
        )


@pytest.mark.parametrize("url", ACCESS)
@pytest.mark.parametrize("role", ROLES)
def test_role_gets_the_same_status_in_production(portal, client, production, url, role):
    # DEBUG off, hashed static files, behind the TLS proxy: the same table holds.
    expected = ACCESS[url][ROLES.index(role)]
    response = client_as(client, role).get(url, headers=BEHIND_PROXY)
    assert response.status_code == expected


@pytest.mark.parametrize("url", ACCESS)
@pytest.mark.parametrize("role", ROLES[1:])
def test_nothing_a_logged_in_user_is_sent_is_stored(portal, client, url, role):
    # Shared office computers: pages, downloads, API answers, errors and redirects alike.
    response = client_as(client, role).get(url)
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def portal_urls(resolver=None, prefix=""):
    """Every route of the portal outside the admin, as written in its URLconf."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if route.lstrip("^").startswith("admin/"):
            continue
        if isinstance(pattern, URLResolver):
            yield from portal_urls(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield "/" + route


def test_the_table_covers_every_url_of_the_portal():
    # A new page must be added to ACCESS; routes with parameters match by their fixed prefix.
    covered = {url.split("<")[0] for url in ACCESS}
    missing = [
        route for route in portal_urls() if not any(u.startswith(route.split("<")[0]) for u in covered)
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/score_portal/importbatch/?status=committed", "/admin/imports/importbatch/?status=committed"),
        ("/admin/score_portal/profile/3/change/", "/admin/accounts/profile/3/change/"),
        ("/admin/enterprises/district/", "/admin/districts/district/"),
        ("/admin/enterprises/city/add/", "/admin/districts/city/add/"),
    ],
)
def test_admin_pages_of_moved_models_redirect_to_their_new_app(client, old, new):
    response = client.get(old)
    assert (response.status_code, response["Location"]) == (301, new)


def test_district_official_of_anji_lists_only_anji_enterprises(portal, client):
    response = client_as(client, "district_official").get("/enterprises/")
    names = [e.name for e in response.context["page"]]
    assert names == ["安吉乙企业"]


def test_city_official_lists_every_district(portal, client):
    response = client_as(client, "city_official").get("/enterprises/")
    assert [e.name for e in response.context["page"]] == ["南浔甲企业", "安吉乙企业"]


def test_official_of_anji_cannot_open_a_nanxun_enterprise(portal, client):
    response = client_as(client, "district_official").get(f"/enterprises/{NANXUN_CODE}/")
    assert response.status_code == 404
    assert "南浔甲企业" not in response.content.decode()


def test_trainer_cannot_open_the_admin_of_enterprises(portal, client):
    response = client_as(client, "trainer").get("/admin/enterprises/enterprise/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_enterprise_search_finds_by_lower_case_code(portal, client):
    response = client_as(client, "programme_admin").get("/enterprises/", {"q": "91330523285269512n"})
    assert [e.name for e in response.context["page"]] == ["安吉乙企业"]


def test_enterprise_list_query_count_does_not_grow(portal, client, django_assert_num_queries):
    user_client = client_as(client, "city_official")
    for _ in range(30):
        make_enterprise("deqing")
    # session, user with its role and profile (one query), count for the paginator, the page of
    # enterprises joined with their districts (the district set is a subquery).
    with django_assert_num_queries(4):
        user_client.get("/enterprises/")


def test_the_enterprise_pager_keeps_the_search(portal, client):
    for number in range(60):
        make_enterprise("nanxun", name=f"南浔丙{number}")
    page = client_as(client, "city_official").get("/enterprises/", {"q": "南浔丙"}).content.decode()
    # 60 matches, 50 a page: the link to page 2 carries the search.
    assert "?q=%E5%8D%97%E6%B5%94%E4%B8%99&amp;page=2" in page


def test_the_request_user_comes_with_the_role_and_districts_the_tables_give(portal):
    """The login backend loads each request's user with its profile in one query: the same role
    and districts as asking the tables one by one, for every kind of account."""
    from django.contrib.auth.models import User

    from accounts.auth_backend import PortalBackend
    from accounts.models import Profile
    from accounts.scoping import may_read_district, user_role, visible_districts

    accounts = [
        make_user("programme_admin"),
        make_user("city_official"),
        make_user("district_official", district="anji"),
        make_user("trainer", district="nanxun"),
        User.objects.create(username="no-role"),
    ]
    # A trainer made city official keeps the district it had: the role decides.
    both = make_user("trainer", district="nanxun")
    Profile.objects.filter(user=both).update(
        role="city_official", city=District.objects.get(code="nanxun").city
    )
    # An account without a profile has no role and sees nothing.
    no_profile = make_user("district_official")
    Profile.objects.filter(user=no_profile).delete()
    accounts += [both, no_profile]
    expected_roles = [
        "programme_admin",
        "city_official",
        "district_official",
        "trainer",
        None,
        "city_official",
        None,
    ]
    for account, expected_role in zip(accounts, expected_roles, strict=True):
        loaded = PortalBackend().get_user(str(account.pk))
        fresh = User.objects.get(pk=account.pk)
        assert loaded == fresh
        # Every field as the ORM gives it: SQLite's datetimes aware, as PostgreSQL's.
        assert [getattr(loaded, f.attname) for f in User._meta.concrete_fields] == [
            getattr(fresh, f.attname) for f in User._meta.concrete_fields
        ]
        assert user_role(loaded) == user_role(fresh) == expected_role
        assert list(visible_districts(loaded)) == list(visible_districts(fresh))
        # The same rule for a district in hand (the enterprise page's check).
        visible = set(visible_districts(fresh))
        for district in District.objects.select_related("city"):
            assert may_read_district(loaded, district) == (district in visible)
    assert [d.code for d in visible_districts(PortalBackend().get_user(str(both.pk)))] == [
        d.code for d in District.objects.filter(city=District.objects.get(code="nanxun").city)
    ]
    assert list(visible_districts(PortalBackend().get_user(str(no_profile.pk)))) == []
    # An account made inactive, or deleted, is logged out on its next request.
    User.objects.filter(pk=accounts[1].pk).update(is_active=False)
    assert PortalBackend().get_user(str(accounts[1].pk)) is None
    assert PortalBackend().get_user("99999999") is None


def test_saving_the_request_user_keeps_its_dates(db, client):
    """The admin's password change saves the request's user: its dates must not move (a user
    loaded without the database's converters had naive datetimes on SQLite, read back 8 hours
    off in Asia/Shanghai)."""
    from django.contrib.auth.models import User

    admin = make_user("programme_admin", password="old-password-for-tests")
    User.objects.filter(pk=admin.pk).update(last_login=datetime.datetime(2020, 1, 1, 12, tzinfo=datetime.UTC))
    before = User.objects.get(pk=admin.pk)
    client.force_login(admin)
    User.objects.filter(pk=admin.pk).update(last_login=before.last_login)  # force_login sets it
    new = "Another-long-pass-4821"
    response = client.post(
        "/admin/password_change/",
        {"old_password": "old-password-for-tests", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    after = User.objects.get(pk=admin.pk)
    assert after.check_password(new)
    assert (after.date_joined, after.last_login) == (before.date_joined, before.last_login)
