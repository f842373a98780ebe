import importlib
import io

import pytest
from django.core.management import call_command
from django.db import connection

from districts.models import City, District
from tests.factories import make_user
from tests.snapshots import snapshot_restore, snapshot_take
from training.models import Module

SCREENSHOTS = "test-results/screenshots"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the browser tests last. They are transactional, and each ends with a flush that also
    empties what the data migrations made (districts, modules); pytest's grouping by
    the session-scoped browser parameter would otherwise put them before database tests that need
    those rows (Django's own runner runs TransactionTestCases last for the same reason)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
    # The browser does not care which database serves the page: the browser tests run on SQLite
    # (the README's test command) and are skipped on PostgreSQL, where everything else runs again;
    # .ci/run thus runs them once. What differs between the databases is tested without a browser.
    if connection.vendor != "sqlite":
        skip = pytest.mark.skip(
            reason="browser tests run on SQLite only: the browser does not care which database"
        )
        for item in items:
            if item.get_closest_marker("browser") is not None:
                item.add_marker(skip)


@pytest.fixture
def shoot(page):
    """Keep a screenshot of the page under test-results/ so a reviewer can look at it."""

    def take(name):
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)

    return take


@pytest.fixture(autouse=True)
def seeded(transactional_db):
    """The rows the data migrations seed (Huzhou's districts, the five modules).

    A transactional test ends by emptying every table, seeded rows included, so the next browser
    test would find no districts: they are made again from the migrations' own lists, with
    today's models (City and District have moved app since their migration ran).
    """
    huzhou = importlib.import_module("enterprises.migrations.0002_huzhou_districts")
    modules = importlib.import_module("training.migrations.0002_score_modules")
    city, _ = City.objects.update_or_create(code=huzhou.HUZHOU["code"], defaults=huzhou.HUZHOU)
    for code, name_zh, name_en, division in huzhou.DISTRICTS:
        District.objects.update_or_create(
            code=code, defaults={"city": city, "name_zh": name_zh, "name_en": name_en, "division": division}
        )
    for number, name_zh, name_en in modules.MODULES:
        Module.objects.update_or_create(number=number, defaults={"name_zh": name_zh, "name_en": name_en})


_demo_snapshots = {}


@pytest.fixture
def demo(transactional_db, seeded):
    """The demo data (`seed_demo`, docs/demo.md; it ends with the current month, each page's
    default period). Seeded once a run, then copied back for each test that asks
    (tests/snapshots.py: seeding takes seconds, the copy a fraction)."""
    snapshot = _demo_snapshots.get(connection.vendor)
    if snapshot is None:
        call_command("seed_demo", stdout=io.StringIO())
        _demo_snapshots[connection.vendor] = snapshot_take()
    else:
        snapshot_restore(snapshot)


@pytest.fixture
def logged_in(page, live_server, seeded):
    """Log the browser in as a new user of `role` through the real login form, in `language`."""

    def login(role, *, district="nanxun", language="zh-hans"):
        make_user(role, district=district, username=f"{role}-browser", password="pw-browser-1")
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", f"{role}-browser")
        page.fill("input[name=password]", "pw-browser-1")
        with page.expect_navigation():
            page.click("form button[type=submit].btn-primary")
        return page

    return login


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The officials' browsers ask for Chinese; a test that wants English says so.
    return {**browser_context_args, "locale": "zh-CN"}


def show_part(page, part):
    """On a phone, choose the dashboard's part (figures, districts, rates, trends, training) that
    static/js/phone_parts.js shows alone; on a wider screen every part shows, and nothing is done."""
    if page.locator("#phone-part").is_visible():
        page.select_option("#phone-part", part)


def show_trend_figure(page, metric):
    """On a phone, choose the trend figure shown (one at a time); elsewhere nothing is done."""
    if page.locator("#trend-figure").is_visible():
        page.select_option("#trend-figure", metric)
