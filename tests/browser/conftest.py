import pytest

from tests.factories import make_user

SCREENSHOTS = "test-results/screenshots"


@pytest.fixture
def shoot(page):
    """Keep a screenshot of the page under test-results/ so a reviewer can look at it."""

    def take(name):
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)

    return take


SEEDING_MIGRATIONS = [
    "score_portal.migrations.0002_role_groups",
    "enterprises.migrations.0002_huzhou_districts",
    "training.migrations.0002_score_modules",
]


@pytest.fixture
def seeded(transactional_db):
    """The rows the data migrations seed (role groups, districts, modules), put back.

    A live-server test runs outside a transaction and the database is flushed after it, which
    removes them for every test that follows; the seeding functions are idempotent.
    """
    from importlib import import_module

    from django.apps import apps

    for name in SEEDING_MIGRATIONS:
        import_module(name).seed(apps, None)


@pytest.fixture
def logged_in(page, live_server, seeded, transactional_db):
    """Log the browser in as a new user of `role` through the real login form, in `language`."""

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
