import pytest

from tests.factories import make_user

SCREENSHOTS = "test-results/screenshots"


@pytest.fixture
def shoot(page):
    """Keep a screenshot of the page under test-results/ so a reviewer can look at it."""

    def take(name):
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)

    return take


@pytest.fixture
def logged_in(page, live_server, django_db_serialized_rollback, transactional_db):
    """Log the browser in as a new user of `role` through the real login form, in `language`.

    Serialized rollback puts back the rows the migrations seed (districts, modules), which the
    flush after each live-server test removes; without it only the first browser test has them.
    """

    def login(role, *, district="nanxun", language="zh-hans"):
        make_user(role, district=district, username=f"{role}-browser", password="pw-browser-1")
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", f"{role}-browser")
        page.fill("input[name=password]", "pw-browser-1")
        page.click("form button[type=submit].btn-primary")
        page.wait_for_load_state()
        return page

    return login


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The officials' browsers ask for Chinese; a test that wants English says so.
    return {**browser_context_args, "locale": "zh-CN"}
