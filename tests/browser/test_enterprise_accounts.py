import pytest

from tests.factories import make_enterprise

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("language", "heading"), [("zh-hans", "企业账号"), ("en", "Enterprise accounts")])
def test_an_official_makes_an_enterprise_account_on_a_phone(logged_in, live_server, shoot, language, heading):
    make_enterprise("nanxun", credit_code="91330503375583185N", name="南浔甲企业")
    page = logged_in("district_official", district="nanxun", language=language)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/enterprise-accounts/")
    assert page.locator("h1").inner_text() == heading
    with page.expect_navigation():
        page.click("#enterprise-91330503375583185N form button[type=submit]")
    assert page.locator("#shown-username").inner_text() == "91330503375583185n"
    assert len(page.locator("#shown-password").inner_text()) == 14
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(f"enterprise-accounts-phone-{language}")
    page.reload()
    assert page.locator("#shown-password").count() == 0
