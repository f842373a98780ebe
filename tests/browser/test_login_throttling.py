import pytest

from tests.factories import make_user

pytestmark = pytest.mark.browser


def fail_five_times(page, url, username):
    for _ in range(5):
        page.goto(url)
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "wrong-password")
        with page.expect_navigation():
            page.click("form button[type=submit].btn-primary")


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "登录失败次数过多"), ("en", "Too many failed logins")],
)
def test_the_locked_login_says_why_on_a_phone(page, live_server, shoot, seeded, language, message):
    make_user("district_official", district="anji", username="li", password="pw-browser-1")
    page.set_viewport_size({"width": 375, "height": 740})
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    fail_five_times(page, f"{live_server.url}/accounts/login/", "li")
    page.fill("input[name=username]", "li")
    page.fill("input[name=password]", "pw-browser-1")
    with page.expect_navigation():
        page.click("form button[type=submit].btn-primary")
    assert page.url == f"{live_server.url}/accounts/login/"
    assert message in page.locator("form .alert").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shoot(f"login-locked-{language}-phone")
