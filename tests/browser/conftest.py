import importlib

import pytest
from django.apps import apps

from tests.factories import make_user

SCREENSHOTS = "test-results/screenshots"

DATA_MIGRATIONS = [
    "score_portal.migrations.0002_role_groups",
    "enterprises.migrations.0002_huzhou_districts",
    "training.migrations.0002_score_modules",
]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the browser tests last. They are transactional, and each ends with a flush that also
    empties what the data migrations made (role groups, districts, modules); pytest's grouping by
    the session-scoped browser parameter would otherwise put them before database tests that need
    those rows (Django's own runner runs TransactionTestCases last for the same reason)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def data_migration_rows(transactional_db):
    """Restore the data migrations' rows that the previous browser test's flush removed (their seed
    functions are idempotent). serialized_rollback would restore them too, but collides with the
    rows that a non-transactional test leaves in place."""
    for name in DATA_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)


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


@pytest.fixture(autouse=True)
def seeded(transactional_db):
    """The rows the migrations seed (role groups, Huzhou's districts, the modules).

    A transactional test ends by emptying every table, seeded rows included, so the next browser
    test would find no districts; the seeds are idempotent, so they are simply run again.
    """
    for name in SEEDING_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)


@pytest.fixture
def logged_in(page, live_server, seeded):
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
