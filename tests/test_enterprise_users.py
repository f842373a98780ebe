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

NANXUN_CODE = "91330503375583185N"
ANJI_CODE = "91330523285269512N"


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
