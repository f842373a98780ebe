"""The enterprise role's accounts: add_user --enterprise, the admin's profile form, and what an
enterprise account reaches on the pages that were there before its own (docs/domain.md,
"Enterprises report for themselves")."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from accounts.models import Role
from accounts.scoping import user_role
from tests.factories import login_as, make_enterprise
from tests.test_access import ACCESS, ANJI_CODE, ENTERPRISE_USER, NANXUN_CODE, portal  # noqa: F401 (the fixture)

NEIGHBOUR_CODE = "91330503MA2B000018"


@pytest.fixture
def nanxun_enterprise(db):
    return make_enterprise("nanxun", credit_code=NANXUN_CODE, name="南浔甲企业")


class TestAddUserEnterprise:
    @pytest.fixture(autouse=True)
    def english(self):
        with translation.override("en"):
            yield

    def test_makes_an_enterprise_account_of_its_enterprise(self, nanxun_enterprise, capsys):
        call_command("add_user", "jia-1", "--role", "enterprise", "--enterprise", NANXUN_CODE)
        user = User.objects.select_related("profile").get(username="jia-1")
        assert user_role(user) == Role.ENTERPRISE
        assert user.profile.enterprise == nanxun_enterprise
        assert (user.profile.district, user.profile.city) == (None, None)
        assert (user.is_staff, user.is_superuser) == (False, False)
        out = capsys.readouterr().out
        assert out.startswith(f"jia-1: enterprise ({NANXUN_CODE})\npassword: ")
        # A password printed on a terminal is changed at the first login.
        assert user.profile.must_change_password is True

    def test_takes_the_code_as_clerks_type_it(self, nanxun_enterprise):
        call_command("add_user", "jia-1", "--role", "enterprise", "--enterprise", f"  {NANXUN_CODE.lower()} ")
        assert User.objects.get(username="jia-1").profile.enterprise == nanxun_enterprise

    def test_an_enterprise_may_have_several_accounts(self, nanxun_enterprise):
        for name in ("jia-1", "jia-2"):
            call_command(
                "add_user", name, "--role", "enterprise", "--enterprise", NANXUN_CODE,
                "--password", "Nanxun-safety-2026",
            )  # fmt: skip
        assert sorted(
            User.objects.filter(profile__enterprise=nanxun_enterprise).values_list("username", flat=True)
        ) == [
            "jia-1",
            "jia-2",
        ]
        # A password the operator chose is not forced to change.
        assert User.objects.get(username="jia-2").profile.must_change_password is False

    def test_refuses_the_enterprise_role_without_an_enterprise(self, nanxun_enterprise):
        with pytest.raises(
            CommandError, match=r"^The role enterprise needs an enterprise \(--enterprise CREDIT_CODE\)\.$"
        ):
            call_command("add_user", "jia-1", "--role", "enterprise")
        assert User.objects.filter(username="jia-1").exists() is False

    def test_refuses_a_malformed_credit_code_saying_what_is_wrong(self, nanxun_enterprise):
        with pytest.raises(
            CommandError,
            match=r"^9133050337558318 is not a credit code: A credit code has 18 characters; this one has 16\.$",
        ):
            call_command("add_user", "jia-1", "--role", "enterprise", "--enterprise", "9133050337558318")
        # The 18th character is computed from the first 17: N, not X.
        with pytest.raises(
            CommandError,
            match=r"^91330503375583185X is not a credit code: The check character \(the 18th\) should be N, not X\.$",
        ):
            call_command("add_user", "jia-1", "--role", "enterprise", "--enterprise", "91330503375583185X")
        assert User.objects.filter(username="jia-1").exists() is False

    def test_refuses_a_credit_code_no_enterprise_has(self, nanxun_enterprise):
        with pytest.raises(CommandError, match=rf"^No enterprise has the credit code {ANJI_CODE}\.$"):
            call_command("add_user", "yi-1", "--role", "enterprise", "--enterprise", ANJI_CODE.lower())
        assert User.objects.filter(username="yi-1").exists() is False

    @pytest.mark.parametrize("role", ["programme_admin", "city_official", "district_official", "trainer"])
    def test_refuses_an_enterprise_for_another_role(self, nanxun_enterprise, role):
        with pytest.raises(
            CommandError,
            match=r"^Only an enterprise account belongs to an enterprise: --enterprise goes with --role enterprise\.$",
        ):
            call_command(
                "add_user", "li", "--role", role, "--district", "nanxun", "--enterprise", NANXUN_CODE,
                "--password", "Nanxun-safety-2026",
            )  # fmt: skip
        assert User.objects.filter(username="li").exists() is False

    def test_an_enterprise_account_made_official_loses_its_enterprise(self, nanxun_enterprise):
        call_command("add_user", "li", "--role", "enterprise", "--enterprise", NANXUN_CODE)
        call_command("add_user", "li", "--role", "district_official", "--district", "nanxun")
        profile = User.objects.get(username="li").profile
        assert (profile.role, profile.enterprise, profile.district.code) == (
            "district_official",
            None,
            "nanxun",
        )


def test_the_refusals_speak_chinese_in_a_chinese_session(nanxun_enterprise):
    with (
        translation.override("zh-hans"),
        pytest.raises(CommandError, match=r"^企业角色须指定所属企业（--enterprise 统一社会信用代码）。$"),
    ):
        call_command("add_user", "jia-1", "--role", "enterprise")
    with (
        translation.override("zh-hans"),
        pytest.raises(CommandError, match=rf"^没有统一社会信用代码为 {ANJI_CODE} 的企业。$"),
    ):
        call_command("add_user", "jia-1", "--role", "enterprise", "--enterprise", ANJI_CODE)
    with (
        translation.override("zh-hans"),
        pytest.raises(
            CommandError, match=r"^只有企业账号属于企业：--enterprise 只能与 --role enterprise 一起使用。$"
        ),
    ):
        call_command("add_user", "li", "--role", "trainer", "--district", "nanxun", "--enterprise", ANJI_CODE)


def add_user_in_admin(client, *, username, role, enterprise="", district=""):
    """The admin's "add user" form as a browser posts it, with the profile inline."""
    return client.post(
        "/admin/auth/user/add/",
        {
            "username": username,
            "usable_password": "true",
            "password1": "Nanxun-safety-2026",
            "password2": "Nanxun-safety-2026",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "0",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-role": role,
            "profile-0-district": district,
            "profile-0-enterprise": enterprise,
        },
    )


class TestAdminProfileForm:
    @pytest.fixture(autouse=True)
    def english(self):
        with translation.override("en"):
            yield

    @pytest.fixture
    def admin_client(self, client, db):
        client.cookies["django_language"] = "en"
        return login_as(client, "programme_admin")

    def test_makes_an_enterprise_account_with_its_enterprise(self, admin_client, nanxun_enterprise):
        response = add_user_in_admin(
            admin_client, username="jia-1", role="enterprise", enterprise=nanxun_enterprise.pk
        )
        assert response.status_code == 302
        profile = User.objects.get(username="jia-1").profile
        assert (profile.role, profile.enterprise) == ("enterprise", nanxun_enterprise)

    def test_refuses_an_enterprise_account_without_enterprise(self, admin_client, nanxun_enterprise):
        response = add_user_in_admin(admin_client, username="jia-1", role="enterprise")
        assert response.status_code == 200
        assert response.context["inline_admin_formsets"][0].formset.errors == [
            {"enterprise": ["An enterprise account needs its enterprise."]}
        ]
        assert User.objects.filter(username="jia-1").exists() is False

    def test_refuses_an_enterprise_for_an_official(self, admin_client, nanxun_enterprise):
        response = add_user_in_admin(
            admin_client,
            username="li",
            role="district_official",
            district=nanxun_enterprise.district_id,
            enterprise=nanxun_enterprise.pk,
        )
        assert response.status_code == 200
        assert response.context["inline_admin_formsets"][0].formset.errors == [
            {"enterprise": ["Only an enterprise account belongs to an enterprise."]}
        ]
        assert User.objects.filter(username="li").exists() is False

    def test_finds_the_enterprise_by_its_credit_code(self, admin_client, nanxun_enterprise):
        # The enterprise field's search (autocomplete), by a part of the code.
        response = admin_client.get(
            "/admin/autocomplete/",
            {
                "app_label": "accounts",
                "model_name": "profile",
                "field_name": "enterprise",
                "term": "375583185",
            },
        )
        assert response.json()["results"] == [
            {"id": str(nanxun_enterprise.pk), "text": f"南浔甲企业 ({NANXUN_CODE})"}
        ]


# What an enterprise account of 南浔甲企业 (NANXUN_CODE, Nanxun) gets on every URL of tests/test_access.py's
# table: its own enterprise (200), or 403 for a page its role may not open at all, or 404 for another
# enterprise, its district's neighbours included (accounts.scoping.RIGHTS: it reads its own
# enterprise's records and nothing else: no district figures, no workshops, no imports).
ENTERPRISE_ACCESS = {
    "/": 302,
    "/accounts/login/": 302,
    "/accounts/logout/": 405,
    "/accounts/password_change/": 200,
    "/accounts/password_change/done/": 200,
    "/accounts/enterprise-accounts/": 403,
    "/accounts/enterprise-accounts/91330503375583185N/new/": 405,
    "/accounts/enterprise-accounts/91330503375583185N/900003/reset/": 405,
    "/i18n/setlang/": 302,
    "/enterprises/": 200,
    "/enterprises/91330503375583185N/": 200,
    "/enterprises/91330523285269512N/": 404,
    "/enterprises/91330523285269512n/": 404,
    "/enterprises/91330503375583185X/": 404,
    "/training/": 403,
    # Its own pages (tests/test_self_report.py): a month it owes, and a month before that.
    "/report/": 200,
    "/report/2016-01/": 200,
    "/report/exempt/": 405,  # asking for exempt months is a POST (tests/test_exemption_pages.py)
    # Its suggestions and projects (tests/test_enterprise_improvements.py); its neighbour's are 404.
    "/report/suggestions/": 200,
    "/report/suggestions/new/": 200,
    "/report/suggestions/900011/": 200,
    "/report/suggestions/900012/": 404,
    "/report/suggestions/900019/": 404,
    "/report/projects/": 200,
    "/report/projects/new/": 200,
    "/report/projects/900021/": 200,
    "/report/projects/900022/": 404,
    # The review is the district's: refused to an enterprise.
    "/review/": 403,
    "/review/?district=anji": 403,
    "/review/?district=nanxun": 403,
    "/review/approve/": 405,
    "/review/return/": 405,
    "/review/reopen/": 405,
    "/review/exempt/": 405,
    "/review/exempt/end/": 405,
    f"/review/file/{ANJI_CODE}/2016-01/": 403,
    f"/review/file/{NANXUN_CODE}/2016-01/": 403,
    "/training/workshops/new/": 403,
    "/training/workshops/900001/": 403,
    "/training/workshops/900002/": 403,
    "/training/workshops/900001/edit/": 403,
    "/training/workshops/900002/edit/": 403,
    "/training/workshops/900001/attendance/": 403,
    "/training/workshops/900002/attendance/": 403,
    "/training/workshops/900001/attendance/previous/": 403,
    "/training/workshops/900002/attendance/previous/": 403,
    "/training/workshops/900001/export.csv": 403,
    "/training/workshops/900002/export.xlsx": 403,
    "/training/export.csv": 403,
    "/training/export.xlsx": 403,
    "/imports/": 403,
    "/imports/history/": 403,
    "/imports/template/safety.xlsx": 403,
    "/imports/template/people.xlsx": 403,
    "/imports/990001/": 403,
    "/imports/990001/confirm/": 405,
    "/imports/990002/done/": 403,
    "/imports/990003/errors/": 403,
    "/imports/990002/undo/": 403,
    "/imports/990009/": 403,
    "/dashboard/": 403,
    "/dashboard/?to=2017-13": 403,
    "/dashboard/api/summary/": 403,
    "/dashboard/api/summary/?from=2017-13": 403,
    "/dashboard/api/missing/": 403,
    "/dashboard/api/missing/?district=nanxun": 403,
    "/dashboard/api/missing/?to=2017-13": 403,
    "/dashboard/export/districts.csv": 403,
    "/dashboard/export/districts.xlsx?from=2016-01&to=2016-12": 403,
    "/dashboard/export/districts.pdf": 403,
    "/dashboard/districts/nanxun/": 403,
    "/dashboard/districts/anji/?sort=-inspections&sector=x": 403,
    "/dashboard/districts/nowhere/": 403,
    "/dashboard/districts/nanxun/export.csv": 403,
    "/dashboard/districts/anji/export.xlsx": 403,
    "/dashboard/missing/": 403,
    "/dashboard/missing/?district=anji&sort=most": 403,
    "/dashboard/missing/?district=nanxun": 403,
    "/dashboard/missing/?to=2017-13": 403,
    "/dashboard/missing/export.csv": 403,
    "/dashboard/missing/export.xlsx?district=anji": 403,
    "/dashboard/missing/export.csv?district=nanxun": 403,
    "/dashboard/missing/export.pdf": 403,
    "/dashboard/breakdown/": 403,
    "/dashboard/breakdown/?by=cohort&sort=-accidents_change_pct&to=2016-12": 403,
    "/dashboard/breakdown/?by=district&district=anji": 403,
    "/dashboard/breakdown/?by=sector&district=nanxun": 403,
    "/dashboard/breakdown/?by=region": 403,
    "/dashboard/breakdown/?sort=colour": 403,
    "/dashboard/breakdown/?to=2017-13": 403,
    "/dashboard/breakdown/export.csv?by=sector": 403,
    "/dashboard/breakdown/export.xlsx?by=cohort&district=anji": 403,
    "/dashboard/breakdown/export.csv?district=nanxun": 403,
    "/dashboard/breakdown/export.xlsx?by=region": 403,
    "/dashboard/breakdown/export.pdf": 403,
    "/dashboard/report.pdf": 403,
    "/dashboard/report.pdf?from=2016-01&to=2016-12&district=anji": 403,
    "/dashboard/report.pdf?district=nanxun": 403,
    "/dashboard/report.pdf?to=2017-13": 403,
    "/dashboard/screen/": 403,
    "/dashboard/screen/?every=20&refresh=60&lang=en": 403,
    "/dashboard/screen/?every=2": 403,
    "/dashboard/screen/?key=not-a-key": 404,
    "/dashboard/screen/data/": 403,
    "/dashboard/screen/data/?key=not-a-key": 404,
    "/dashboard/screen/links/": 403,
    "/dashboard/screen/links/1/revoke/": 405,
    "/enterprises/91330523285269512N/?from=2016-01&to=2016-12": 404,
    "/admin/": 302,
    "/admin/imports/importbatch/": 302,
    "/admin/enterprises/enterprise/": 302,
    "/admin/enterprises/exemption/": 302,
    "/admin/training/workshop/": 302,
    "/admin/improvements/suggestion/": 302,
    "/admin/admin/logentry/": 302,
    "/admin/dashboard/displaylink/": 302,
    "/healthz": 200,
    "/api/v1/openapi.json": 200,
    "/api/v1/docs/": 200,
    "/api/v1/districts/": 401,
    "/api/v1/enterprises/": 401,
    "/api/v1/safety-reports/": 401,
    "/api/v1/safety-reports/91330503375583185N/2016-01/history/": 401,
    "/api/v1/figures/": 401,
    "/api/v1/missing/": 401,
    "/api/v1/imports/safety/": 401,
    "/api/": 404,
    "/api/v1/nothing/": 404,
}


@pytest.fixture
def enterprise_client(portal, client):  # noqa: F811 (the fixture imported above)
    # A neighbour in Nanxun: the enterprise account's district, not its enterprise.
    make_enterprise("nanxun", credit_code=NEIGHBOUR_CODE, name="南浔丙企业")
    # The portal's own enterprise account of 南浔甲企业 (tests/test_access.py).
    client.force_login(User.objects.get(pk=ENTERPRISE_USER))
    return client


def test_the_enterprise_table_covers_every_url_of_the_access_table():
    # A page added to tests/test_access.py's ACCESS must say here what an enterprise account gets.
    assert sorted(ENTERPRISE_ACCESS) == sorted(ACCESS)


@pytest.mark.parametrize("url", ENTERPRISE_ACCESS)
def test_an_enterprise_account_gets_its_own_enterprise_only(enterprise_client, url):
    response = enterprise_client.get(url)
    assert response.status_code == ENTERPRISE_ACCESS[url]
    if response.status_code == 200 and not url.startswith(("/api/", "/healthz")):
        assert "南浔丙企业" not in response.content.decode()
        assert "安吉乙企业" not in response.content.decode()


def test_an_enterprise_account_is_sent_home_to_its_monthly_reports(enterprise_client):
    response = enterprise_client.get("/")
    assert response["Location"] == "/report/"


def test_an_enterprise_account_lists_its_own_enterprise_not_its_district(enterprise_client):
    response = enterprise_client.get("/enterprises/")
    assert [e.name for e in response.context["page"]] == ["南浔甲企业"]


def test_an_enterprise_account_cannot_open_its_neighbour(enterprise_client):
    response = enterprise_client.get(f"/enterprises/{NEIGHBOUR_CODE}/")
    assert response.status_code == 404
    assert "南浔丙企业" not in response.content.decode()


def test_the_district_apis_refuse_an_enterprise_account_with_a_reason(enterprise_client):
    enterprise_client.cookies["django_language"] = "en"
    for url in ("/dashboard/api/summary/", "/dashboard/api/missing/?district=nanxun"):
        response = enterprise_client.get(url)
        assert (response.status_code, response.json()) == (
            403,
            {"error": "An enterprise account reads its own enterprise only."},
        )


def test_an_enterprise_accounts_navigation_leads_only_where_it_may_go(enterprise_client):
    page = enterprise_client.get(f"/enterprises/{NANXUN_CODE}/").content.decode()
    for refused in ('href="/dashboard/', 'href="/training/', 'href="/imports/', 'href="/admin/'):
        assert refused not in page
    assert 'href="/enterprises/"' in page


@pytest.mark.parametrize("url", ["/imports/990001/confirm/", "/dashboard/screen/links/1/revoke/"])
def test_an_enterprise_account_cannot_post_to_the_officials_pages(enterprise_client, url):
    assert enterprise_client.post(url).status_code == 403
