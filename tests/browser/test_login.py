import pytest

from tests.factories import make_enterprise

pytestmark = pytest.mark.browser


def test_official_logs_in_in_chinese_and_switches_to_english(logged_in, live_server, shoot):
    make_enterprise("anji", credit_code="91330523285269512N", name="安吉乙企业")
    page = logged_in("district_official", district="anji")
    assert page.url == f"{live_server.url}/dashboard/"  # officials land on the dashboard
    page.goto(f"{live_server.url}/enterprises/")
    assert page.locator("h1").inner_text() == "企业"
    assert page.locator("table tbody tr").count() == 1
    shoot("enterprises-zh")
    with page.expect_navigation():
        page.click("button[value=en]")
    assert page.locator("h1").inner_text() == "Enterprises"
    assert "安吉乙企业" in page.locator("table").inner_text()
    shoot("enterprises-en")


def test_login_page_on_a_phone_screen(page, live_server, shoot, transactional_db):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").inner_text() == "登录"
    # The form fits the screen: no horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shoot("login-phone-zh")
