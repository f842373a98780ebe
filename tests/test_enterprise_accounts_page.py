"""/accounts/enterprise-accounts/: a district official makes and resets its enterprises' accounts;
the password is shown once and must be changed at the first login."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import FailedLoginCount, Profile
from accounts.services import user_create_or_update
from tests.factories import login_as, make_enterprise

NANXUN_CODE = "91330503375583185N"
NEIGHBOUR_CODE = "91330503MA2B000018"
ANJI_CODE = "91330523285269512N"
PAGE = "/accounts/enterprise-accounts/"


@pytest.fixture
def enterprises(db):
    return {
        "jia": make_enterprise("nanxun", credit_code=NANXUN_CODE, name="南浔甲企业"),
        "bing": make_enterprise("nanxun", credit_code=NEIGHBOUR_CODE, name="南浔丙企业"),
        "yi": make_enterprise("anji", credit_code=ANJI_CODE, name="安吉乙企业"),
    }


@pytest.fixture
def jia_account(enterprises):
    return user_create_or_update(
        username="jia-clerk", role="enterprise", password="Jia-own-password-1", enterprise_code=NANXUN_CODE
    )


def as_role(client, role, district="nanxun"):
    client.cookies["django_language"] = "en"
    return login_as(client, role, district=district)


def shown_password(response):
    match = re.search(r'<code id="shown-password" class="fs-5">([^<]+)</code>', response.content.decode())
    return match.group(1) if match else None


@pytest.mark.parametrize(
    ("role", "district", "status"),
    [
        ("no_role", "nanxun", 403),
        ("trainer", "nanxun", 403),
        ("city_official", "nanxun", 403),
        ("district_official", "nanxun", 200),
        ("programme_admin", "nanxun", 200),
    ],
)
def test_who_may_open_the_page(client, enterprises, role, district, status):
    assert as_role(client, role, district).get(PAGE).status_code == status


def test_anonymous_is_sent_to_log_in(client, enterprises):
    assert client.get(PAGE)["Location"] == f"/accounts/login/?next={PAGE}"


def test_an_enterprise_account_may_not_open_it(client, jia_account):
    client.force_login(jia_account)
    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}{NANXUN_CODE}/new/").status_code == 403
    assert client.post(f"{PAGE}{NANXUN_CODE}/{jia_account.pk}/reset/").status_code == 403
    assert User.objects.filter(profile__enterprise=enterprises_of(jia_account)).count() == 1


def enterprises_of(user):
    return Profile.objects.get(user=user).enterprise


def test_a_district_official_sees_its_districts_enterprises_with_their_accounts(client, jia_account):
    response = as_role(client, "district_official", "nanxun").get(PAGE)
    rows = [
        (enterprise.name, [p.user.username for p in profiles])
        for enterprise, profiles in response.context["rows"]
    ]
    assert rows == [("南浔丙企业", []), ("南浔甲企业", ["jia-clerk"])]
    assert "安吉乙企业" not in response.content.decode()


def test_a_programme_admin_sees_every_district(client, jia_account):
    response = as_role(client, "programme_admin").get(PAGE)
    assert [enterprise.name for enterprise, _profiles in response.context["rows"]] == [
        "南浔丙企业",
        "南浔甲企业",
        "安吉乙企业",
    ]


def test_create_makes_an_account_whose_password_is_shown_once(client, enterprises):
    official = as_role(client, "district_official", "nanxun")
    response = official.post(f"{PAGE}{NANXUN_CODE.lower()}/new/")
    assert (response.status_code, response["Location"]) == (302, PAGE)
    user = User.objects.select_related("profile").get(profile__enterprise=enterprises["jia"])
    assert user.username == "91330503375583185n"
    assert (user.profile.role, user.profile.must_change_password) == ("enterprise", True)
    page = official.get(PAGE)
    password = shown_password(page)
    # 14 characters of the alphabet without look-alikes (accounts.services.GIVEN_PASSWORD_ALPHABET).
    assert re.fullmatch(r"[a-km-zA-HJ-NP-Z2-9]{14}", password)
    assert user.check_password(password) is True
    assert '<code id="shown-username">91330503375583185n</code>' in page.content.decode()
    assert "New account for 南浔甲企业:" in page.content.decode()
    # Once: the next visit shows no password.
    assert shown_password(official.get(PAGE)) is None
    assert "shown-once" not in official.get(PAGE).content.decode()


def test_further_accounts_of_an_enterprise_are_numbered(client, enterprises):
    official = as_role(client, "district_official", "nanxun")
    for _ in range(3):
        official.post(f"{PAGE}{NANXUN_CODE}/new/")
    assert sorted(
        User.objects.filter(profile__enterprise=enterprises["jia"]).values_list("username", flat=True)
    ) == [
        "91330503375583185n",
        "91330503375583185n-2",
        "91330503375583185n-3",
    ]


def test_the_new_account_logs_in_and_must_change_its_password(client, enterprises):
    official = as_role(client, "district_official", "nanxun")
    official.post(f"{PAGE}{NANXUN_CODE}/new/")
    password = shown_password(official.get(PAGE))
    enterprise_client = Client()
    response = enterprise_client.post(
        "/accounts/login/", {"username": "91330503375583185n", "password": password}
    )
    assert response["Location"] == "/"
    assert enterprise_client.get("/")["Location"] == "/accounts/password_change/"


def test_an_official_of_another_district_gets_404_and_makes_nothing(client, jia_account):
    official = as_role(client, "district_official", "anji")
    assert official.post(f"{PAGE}{NANXUN_CODE}/new/").status_code == 404
    assert official.post(f"{PAGE}{NANXUN_CODE}/{jia_account.pk}/reset/").status_code == 404
    assert User.objects.filter(profile__enterprise__credit_code=NANXUN_CODE).count() == 1
    assert User.objects.get(pk=jia_account.pk).check_password("Jia-own-password-1") is True


@pytest.mark.parametrize("role", ["trainer", "city_official", "no_role"])
def test_other_roles_get_403_and_make_nothing(client, jia_account, role):
    other = as_role(client, role, "nanxun")
    assert other.post(f"{PAGE}{NANXUN_CODE}/new/").status_code == 403
    assert other.post(f"{PAGE}{NANXUN_CODE}/{jia_account.pk}/reset/").status_code == 403
    assert User.objects.filter(profile__enterprise__credit_code=NANXUN_CODE).count() == 1


def test_anonymous_posts_are_sent_to_log_in(client, jia_account):
    assert client.post(f"{PAGE}{NANXUN_CODE}/new/")["Location"].startswith("/accounts/login/")
    assert User.objects.filter(profile__enterprise__credit_code=NANXUN_CODE).count() == 1


def test_a_programme_admin_makes_an_account_anywhere(client, enterprises):
    as_role(client, "programme_admin").post(f"{PAGE}{ANJI_CODE}/new/")
    assert User.objects.get(profile__enterprise=enterprises["yi"]).username == "91330523285269512n"


def test_reset_gives_a_new_password_shown_once_and_lifts_a_lockout(client, jia_account):
    FailedLoginCount.objects.create(
        kind="username", value="jia-clerk", failures=5, window_start="2026-12-07T09:00Z"
    )
    official = as_role(client, "district_official", "nanxun")
    response = official.post(f"{PAGE}{NANXUN_CODE}/{jia_account.pk}/reset/")
    assert (response.status_code, response["Location"]) == (302, PAGE)
    page = official.get(PAGE)
    password = shown_password(page)
    assert "New password for the account of 南浔甲企业:" in page.content.decode()
    user = User.objects.get(pk=jia_account.pk)
    assert user.check_password(password) is True
    assert user.check_password("Jia-own-password-1") is False
    assert Profile.objects.get(user=user).must_change_password is True
    assert FailedLoginCount.objects.filter(value="jia-clerk").exists() is False
    assert shown_password(official.get(PAGE)) is None


def test_reset_refuses_an_account_that_is_not_the_enterprises(client, jia_account, enterprises):
    official = as_role(client, "district_official", "nanxun")
    # Under the neighbour's code: not its account.
    assert official.post(f"{PAGE}{NEIGHBOUR_CODE}/{jia_account.pk}/reset/").status_code == 404
    # The official's own account, or anyone not of the enterprise role.
    me = User.objects.exclude(pk=jia_account.pk).get()
    assert official.post(f"{PAGE}{NANXUN_CODE}/{me.pk}/reset/").status_code == 404
    assert official.post(f"{PAGE}{NANXUN_CODE}/999999/reset/").status_code == 404
    assert User.objects.get(pk=jia_account.pk).check_password("Jia-own-password-1") is True


def test_the_buttons_are_posts(client, jia_account):
    official = as_role(client, "district_official", "nanxun")
    assert official.get(f"{PAGE}{NANXUN_CODE}/new/").status_code == 405
    assert official.get(f"{PAGE}{NANXUN_CODE}/{jia_account.pk}/reset/").status_code == 405
    page = official.get(PAGE).content.decode()
    assert f'<form method="post" action="{PAGE}{NANXUN_CODE}/new/">' in page
    assert f'action="{PAGE}{NANXUN_CODE}/{jia_account.pk}/reset/"' in page


def test_a_post_without_the_csrf_token_is_refused(jia_account):
    checked = Client(enforce_csrf_checks=True)
    login_as(checked, "district_official", district="nanxun")
    assert checked.post(f"{PAGE}{NANXUN_CODE}/new/").status_code == 403
    assert User.objects.filter(profile__enterprise__credit_code=NANXUN_CODE).count() == 1


def test_the_page_in_chinese(client, jia_account):
    official = login_as(client, "district_official", district="nanxun")
    official.post(f"{PAGE}{NANXUN_CODE}/{jia_account.pk}/reset/")
    page = official.get(PAGE).content.decode()
    assert '<h1 class="h3">企业账号</h1>' in page
    assert "南浔甲企业账号的新密码：" in page
    assert "请现在记下：密码不会再次显示。" in page
    assert ">重置密码</button>" in page and ">新建账号</button>" in page


def test_the_query_count_does_not_grow_with_enterprises_or_accounts(
    client, jia_account, django_assert_num_queries
):
    official = as_role(client, "district_official", "nanxun")

    def count():
        # session, user with its profile, the paginator's count, the page of enterprises with
        # their districts, their accounts with their users.
        with django_assert_num_queries(5):
            official.get(PAGE)

    count()
    for number in range(5):
        enterprise = make_enterprise("nanxun")
        for clerk in range(2):
            user_create_or_update(
                username=f"clerk-{number}-{clerk}",
                role="enterprise",
                password="x",
                enterprise_code=enterprise.credit_code,
            )
    count()
