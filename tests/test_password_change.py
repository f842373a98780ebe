"""Every account changes its own password; one whose password someone else chose or saw
(Profile.must_change_password) is sent to the change page until it has (accounts.middleware)."""

import pytest
from django.contrib.auth.models import User

from accounts.models import Profile
from tests.factories import make_user

OLD = "pw-for-tests-only"
NEW = "Lake-Taihu-silk-2027"


def change(client, *, old=OLD, new=NEW, again=None):
    return client.post(
        "/accounts/password_change/",
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


@pytest.fixture
def official(db):
    return make_user("district_official", district="anji", username="li")


@pytest.fixture
def forced(official):
    Profile.objects.filter(user=official).update(must_change_password=True)
    return official


def logged_in(client, user, language="en"):
    client.cookies["django_language"] = language
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url", ["/", "/dashboard/", "/enterprises/", "/training/", "/dashboard/api/summary/"]
)
def test_an_account_that_must_change_its_password_is_sent_to_the_change_page(client, forced, url):
    response = logged_in(client, forced).get(url)
    assert (response.status_code, response["Location"]) == (302, "/accounts/password_change/")


def test_it_may_still_log_out_and_switch_language(client, forced):
    logged_in(client, forced)
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/password_change/"})
    assert (response.status_code, response["Location"]) == (302, "/accounts/password_change/")
    response = client.post("/accounts/logout/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")


def test_the_change_page_says_why_in_english(client, forced):
    page = logged_in(client, forced).get("/accounts/password_change/").content.decode()
    assert '<h1 class="h3 mb-3">Change your password</h1>' in page
    assert "Your password was given to you by someone else. Choose your own before you go on" in page


def test_the_change_page_says_why_in_chinese(client, forced):
    page = logged_in(client, forced, "zh-hans").get("/accounts/password_change/").content.decode()
    assert '<h1 class="h3 mb-3">修改您的密码</h1>' in page
    assert "您的密码是他人为您设置的。请先设置您自己的密码" in page


def test_the_login_leads_to_the_change_page_and_the_change_ends_it(client, forced):
    client.cookies["django_language"] = "en"
    response = client.post("/accounts/login/", {"username": "li", "password": OLD})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.get("/")["Location"] == "/accounts/password_change/"
    response = change(client)
    assert (response.status_code, response["Location"]) == (302, "/accounts/password_change/done/")
    assert Profile.objects.get(user=forced).must_change_password is False
    assert User.objects.get(pk=forced.pk).check_password(NEW) is True
    done = client.get("/accounts/password_change/done/").content.decode()
    assert "Your new password is in force." in done
    # Still logged in, and free to go: the official's home is the dashboard.
    assert client.get("/")["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_the_change_page_without_a_forced_change_says_nothing_of_it(client, official):
    page = logged_in(client, official).get("/accounts/password_change/").content.decode()
    assert "Change your password" in page
    assert "given to you by someone else" not in page


@pytest.mark.parametrize("role", ["programme_admin", "city_official", "district_official", "trainer"])
def test_every_role_changes_its_own_password_from_the_user_menu(client, db, role):
    user = make_user(role, username=f"{role}-1")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    home = client.get("/", follow=True).content.decode()
    assert (
        '<a class="dropdown-item" href="/accounts/password_change/" id="password-change-link">Change password</a>'
        in home
    )
    assert change(client).status_code == 302
    assert User.objects.get(pk=user.pk).check_password(NEW) is True


def test_the_other_logins_of_the_account_end(client, official, django_user_model):
    from django.test import Client

    other = Client()
    other.force_login(official)
    assert other.get("/dashboard/").status_code == 200
    change(logged_in(client, official))
    assert other.get("/dashboard/")["Location"] == "/accounts/login/?next=/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_refusals_in_english(client, forced):
    logged_in(client, forced)
    response = change(client, old="not-the-password")
    assert response.context["form"].errors == {
        "old_password": ["Your old password was entered incorrectly. Please enter it again."]
    }
    response = change(client, new="short")
    assert response.context["form"].errors == {
        "new_password2": ["This password is too short. It must contain at least 12 characters."]
    }
    response = change(client, new=NEW, again="Lake-Taihu-silk-2028")
    assert response.context["form"].errors == {"new_password2": ["The two password fields didn’t match."]}
    response = change(client, new=OLD)
    assert response.context["form"].errors == {
        "new_password2": ["The new password must differ from the current one."]
    }
    # Nothing changed: still the old password, still forced.
    assert User.objects.get(pk=forced.pk).check_password(OLD) is True
    assert Profile.objects.get(user=forced).must_change_password is True


def test_refusals_in_chinese(client, forced):
    logged_in(client, forced, "zh-hans")
    response = change(client, new=OLD)
    assert response.context["form"].errors == {"new_password2": ["新密码不能与当前密码相同。"]}
    response = change(client, old="not-the-password")
    assert response.context["form"].errors == {"old_password": ["你的旧密码不正确。请重新输入。"]}
    assert "修改密码" in response.content.decode()


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get("/accounts/password_change/")
    assert response["Location"] == "/accounts/login/?next=/accounts/password_change/"


def test_the_forced_change_costs_no_query_more(client, official, django_assert_num_queries):
    logged_in(client, official)
    # session, user with its profile (one query); the page then renders from them.
    with django_assert_num_queries(2):
        client.get("/accounts/password_change/")
