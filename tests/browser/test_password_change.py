import pytest

from accounts.models import Profile
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("language", "heading", "done"),
    [("zh-hans", "修改您的密码", "密码已修改"), ("en", "Change your password", "Password changed")],
)
def test_a_given_password_is_changed_at_the_first_login_on_a_phone(
    page, live_server, shoot, seeded, language, heading, done
):
    user = make_user("district_official", district="anji", username="li-phone", password="pw-browser-1")
    Profile.objects.filter(user=user).update(must_change_password=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "li-phone")
    page.fill("input[name=password]", "pw-browser-1")
    with page.expect_navigation():
        page.click("form button[type=submit].btn-primary")
    assert page.url == f"{live_server.url}/accounts/password_change/"
    assert page.locator("h1").inner_text() == heading
    assert page.locator("#must-change-password").is_visible()
    # The form fits the phone's screen: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(f"password-change-phone-{language}")
    page.fill("input[name=old_password]", "pw-browser-1")
    page.fill("input[name=new_password1]", "Lake-Taihu-silk-2027")
    page.fill("input[name=new_password2]", "Lake-Taihu-silk-2027")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url == f"{live_server.url}/accounts/password_change/done/"
    assert page.locator("h1").inner_text() == done
    shoot(f"password-changed-phone-{language}")
    with page.expect_navigation():
        page.click("main a.btn-primary")
    assert page.url == f"{live_server.url}/dashboard/"


def test_the_user_menu_leads_to_the_password_change_and_logs_out(logged_in, live_server, shoot):
    page = logged_in("programme_admin", language="en")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/enterprises/")
    # Every link of the programme admin's navigation fits a laptop's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.click("#user-menu button.dropdown-toggle")
    assert page.locator("#password-change-link").is_visible()
    shoot("user-menu-en")
    with page.expect_navigation():
        page.click("#password-change-link")
    assert page.url == f"{live_server.url}/accounts/password_change/"
    page.click("#user-menu button.dropdown-toggle")
    with page.expect_navigation():
        page.click("#user-menu form button[type=submit]")
    assert page.url == f"{live_server.url}/accounts/login/"
