"""The page cache (dashboard.page_cache): a cached page is never out of date, never another scope's,
never another language's, and a request it answers costs a fixed few queries."""

import datetime
import io
import threading
import time

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from dashboard import page_cache
from dashboard.models import RollupState
from dashboard.rollup import CONTENT_TABLES, SOURCE_TABLES
from districts.models import District
from enterprises.models import Enterprise, Exemption
from imports.models import RecordChange
from tests.factories import (
    attend,
    login_as,
    make_enterprise,
    make_participant,
    make_project,
    make_reports,
    make_suggestion,
    make_user,
    make_workshop,
)
from tests.html import main_content
from training.models import Module, Participant

D = datetime.date
PERIOD = {"from": "2017-01", "to": "2017-12"}


@pytest.fixture
def city(db):
    """Nanxun and Anji with an enterprise each, a year of reports (2017) and one workshop in Nanxun."""
    nanxun = make_enterprise("nanxun", name="南浔缓存企业", score_start=D(2016, 1, 1))
    anji = make_enterprise("anji", name="安吉缓存企业", score_start=D(2016, 1, 1))
    for enterprise, inspections in ((nanxun, 2), (anji, 5)):
        make_reports(
            enterprise, [D(2017, month, 1) for month in range(1, 13)], inspections=inspections, accidents=0
        )
    workshop = make_workshop("nanxun", module=1, date=D(2017, 5, 1), enterprises=[nanxun])
    attend(workshop, make_participant(nanxun, "王芳", role="manager", sex="female"))
    workshop.trainers.add(make_user("trainer"))
    # A row in every watched table (SQLite's triggers fire per row), outside the period shown.
    make_suggestion(anji, submitted_on=D(2018, 6, 1))
    make_project(anji, status="completed", started_on=D(2018, 1, 1), completed_on=D(2018, 3, 1), savings="1")
    return {"nanxun": nanxun, "anji": anji, "workshop": workshop}


def summary(client):
    response = client.get("/dashboard/api/summary/", PERIOD)
    assert response.status_code == 200
    return response.json()


def test_a_write_to_the_figures_shows_on_the_next_request(city, client):
    official = login_as(client, "city_official")
    assert summary(official)["total"]["inspections"] == 12 * 2 + 12 * 5
    assert summary(official)["total"]["inspections"] == 84  # from the cache
    make_suggestion(city["nanxun"], submitted_on=D(2017, 6, 1))
    make_project(
        city["anji"], status="completed", started_on=D(2017, 1, 1), completed_on=D(2017, 3, 1), savings="250"
    )
    after = summary(official)["total"]
    assert (after["suggestions"], after["projects_completed"], after["savings_rmb"]) == (1, 1, "250.00")
    # An enterprise's own fields count too: moved to Anji, Nanxun has none left.
    Enterprise.objects.filter(pk=city["nanxun"].pk).update(district=District.objects.get(code="anji"))
    by_district = {row["code"]: row["enterprises"] for row in summary(official)["districts"]}
    assert (by_district["nanxun"], by_district["anji"]) == (0, 2)


def test_a_write_to_training_or_names_shows_on_the_next_request(city, client):
    official = login_as(client, "city_official")
    before = summary(official)
    assert before["training"]["people"]["total"] == 1
    attend(city["workshop"], make_participant(city["nanxun"], "李强", role="worker", sex="male"))
    assert summary(official)["training"]["people"]["total"] == 2
    Participant.objects.filter(name="李强").update(sex="female")
    assert summary(official)["training"]["people"]["women"] == 2
    District.objects.filter(code="nanxun").update(name_zh="南浔新区")
    assert "南浔新区" in [row["name"] for row in summary(official)["districts"]]
    Module.objects.filter(number=1).update(name_zh="合作新名")
    modules = summary(official)["training"]["workshops"]
    assert modules[0]["name"] == "合作新名"


def test_the_dashboard_page_follows_the_data(city, client):
    official = login_as(client, "city_official")
    first = official.get("/dashboard/", PERIOD)
    assert first.context["total"].inspections == 84  # computed
    again = official.get("/dashboard/", PERIOD)
    assert again.context.get("total") is None  # from the cache: nothing computed ...
    assert main_content(again) == main_content(first)  # ... and the same content
    District.objects.filter(code="anji").update(name_zh="安吉新县")
    page = main_content(official.get("/dashboard/", PERIOD))
    assert "安吉新县" in page and "安吉县" not in page
    assert 'data-figure="inspections"' in page


def test_the_enterprise_page_follows_the_data(city, client):
    official = login_as(client, "city_official")
    url = city["nanxun"].get_absolute_url()
    assert "S-CACHE-1" not in official.get(url, PERIOD).content.decode()
    make_suggestion(city["nanxun"], submitted_on=D(2017, 6, 1), reference="S-CACHE-1")
    assert "S-CACHE-1" in official.get(url, PERIOD).content.decode()


def test_users_of_another_scope_never_get_the_cached_page(city, client):
    """A city official's page is cached first; a district official, then a trainer asking the same
    pages get their own."""
    city_page = summary(login_as(client, "city_official"))
    assert {row["code"] for row in city_page["districts"]} >= {"nanxun", "anji"}
    nanxun_page = summary(login_as(client, "district_official", "nanxun"))
    assert [row["code"] for row in nanxun_page["districts"]] == ["nanxun"]
    assert nanxun_page["total"]["inspections"] == 24
    anji_page = summary(login_as(client, "district_official", "anji"))
    assert [row["code"] for row in anji_page["districts"]] == ["anji"]
    assert anji_page["total"]["inspections"] == 60
    # Another district's enterprise stays 404 though its page is cached.
    url = city["anji"].get_absolute_url()
    assert login_as(client, "city_official").get(url, PERIOD).status_code == 200
    assert login_as(client, "district_official", "nanxun").get(url, PERIOD).status_code == 404
    # The enterprise page differs by role: trainers have no dashboard breadcrumb.
    url = city["nanxun"].get_absolute_url()
    assert "breadcrumb" in login_as(client, "district_official", "nanxun").get(url, PERIOD).content.decode()
    assert "breadcrumb" not in login_as(client, "trainer", "nanxun").get(url, PERIOD).content.decode()


def test_each_language_gets_its_own_page(city, client):
    official = login_as(client, "city_official")
    assert "安全检查" in official.get("/dashboard/", PERIOD, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = official.get("/dashboard/", PERIOD, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Safety inspections" in english and "安全检查" not in english
    names = [row["name"] for row in summary(official)["districts"]]
    client.cookies["django_language"] = "en"
    assert [row["name"] for row in summary(official)["districts"]] != names


def test_a_cached_enterprise_page_costs_four_queries(city, client, django_assert_num_queries):
    official = login_as(client, "city_official")
    url = city["nanxun"].get_absolute_url()
    first = official.get(url, PERIOD)
    # session, user with its role and profile, the enterprise (within the user's districts), the
    # data versions.
    with django_assert_num_queries(4):
        again = official.get(url, PERIOD)
    assert main_content(again) == main_content(first)


@pytest.mark.parametrize("moment", ["before the versions are read", "after the versions are read"])
def test_an_enterprise_changed_while_its_page_is_built_is_not_kept_old(city, client, monkeypatch, moment):
    """Another request commits a change to the enterprise in the middle of this one's: the page
    after it shows the change, though nothing is written after it."""
    from dashboard import enterprise_views as views

    official = login_as(client, "city_official")
    enterprise = city["nanxun"]
    url = enterprise.get_absolute_url()

    def move():
        Enterprise.objects.filter(pk=enterprise.pk).update(
            name="改名企业", district=District.objects.get(code="anji")
        )

    if moment == "before the versions are read":
        original = page_cache.data_versions
        monkeypatch.setattr(page_cache, "data_versions", lambda: (move(), original())[1])
    else:
        lookup = views.enterprise_for_user_or_404
        monkeypatch.setattr(views, "enterprise_for_user_or_404", lambda *args: (move(), lookup(*args))[1])
    official.get(url, PERIOD)
    monkeypatch.undo()
    page = official.get(url, PERIOD).content.decode()
    assert "改名企业" in page and "南浔缓存企业" not in page
    anji = District.objects.get(code="anji")
    assert f'districts/anji/?from=2017-01&amp;to=2017-12">{anji.name}</a>' in page


def test_without_a_state_row_nothing_is_cached(city, client):
    official = login_as(client, "city_official")
    RollupState.objects.all().delete()
    assert page_cache.data_versions() is None
    assert summary(official)["total"]["inspections"] == 84  # from the tables
    assert page_cache.data_versions() is None  # a request never rebuilds the roll-up
    call_command("rebuild_rollup", stdout=io.StringIO())
    assert page_cache.data_versions() is not None  # the rebuild made the row again


# The tables the cached pages do not show: accounts and sessions (the user's scope is part of the
# key), the import history, login failures, the roll-up itself.
NOT_SHOWN = {
    "django_admin_log",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
    "auth_user",
    "auth_user_groups",
    "auth_user_user_permissions",
    "django_content_type",
    "django_session",
    "score_portal_profile",
    "accounts_failedlogincount",
    # API clients: like a user's, a client's districts are part of the key (visible_scope).
    "accounts_apiclient",
    "accounts_apiclient_districts",
    "score_portal_importbatch",
    "dashboard_monthlyrollup",
    "dashboard_changerollup",
    "dashboard_segmentmonthlyrollup",
    "dashboard_segmentchangerollup",
    # A district's generation is the key; the followed write's row is there while the door writes.
    "dashboard_districtgeneration",
    "dashboard_followedwrite",
    "dashboard_rollupstate",
    "dashboard_contentstate",
    "dashboard_displaylink",  # the links page is never cached; the screen shows no link
    # Reports being made: shown nowhere, and watched it would make every report change the key
    # it is cached under.
    "dashboard_reportslot",
}


def test_every_table_is_either_watched_or_known_not_to_be_shown():
    """A new model must be placed: shown by a cached page (a trigger keeps the cache honest) or not."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        tables.add(model._meta.db_table)
    assert tables == set(SOURCE_TABLES) | set(CONTENT_TABLES) | NOT_SHOWN


def a_row_in(table):
    """A row for the tests below to update, in the tables the fixture leaves empty."""
    if table == "imports_recordchange":
        RecordChange.objects.create(
            kind="safety", credit_code="X", at=timezone.now(), path="admin", action="update"
        )
    if table == "enterprises_exemption":
        Exemption.objects.create(
            enterprise=Enterprise.objects.first(), first_month=datetime.date(2017, 1, 1), reason="停产"
        )


@pytest.mark.parametrize("table", SOURCE_TABLES + CONTENT_TABLES)
def test_a_write_to_a_watched_table_changes_the_versions(city, table):
    """Raw SQL, which no Django signal sees: the trigger does (a no-op update of every row)."""
    a_row_in(table)
    before = page_cache.data_versions()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET id = id")
    assert page_cache.data_versions() != before


class RolledBack(Exception):
    pass


def test_a_page_cached_from_a_rolled_back_write_is_not_served_after_another_write(city, client):
    """A rolled-back write takes the roll-up's counter back with it, and the next write, of other
    data, brings it to the same number again: the page cached in between must not come back."""
    official = login_as(client, "city_official")
    assert summary(official)["total"]["suggestions"] == 0
    with pytest.raises(RolledBack), transaction.atomic():
        make_suggestion(city["nanxun"], submitted_on=D(2017, 6, 1))
        rolled_back = RollupState.objects.get().data_version
        assert summary(official)["total"]["suggestions"] == 1  # cached, from data about to vanish
        raise RolledBack
    make_project(
        city["anji"], status="completed", started_on=D(2017, 1, 1), completed_on=D(2017, 3, 1), savings="250"
    )
    assert RollupState.objects.get().data_version == rolled_back  # the counter repeats ...
    after = summary(official)["total"]
    assert (after["suggestions"], after["projects_completed"]) == (0, 1)  # ... the page does not


def watched_row_updated(table):
    """A no-op update of every row of `table`, in raw SQL: what its trigger sees as a write."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET id = id")


@pytest.mark.parametrize("table", SOURCE_TABLES + CONTENT_TABLES)
def test_every_write_draws_a_generation_never_drawn_before(city, table):
    """Every write gives the key a new value; a rolled-back write takes its own back, and the next
    write draws another, not the one rolled back, though the counters come to the same numbers."""
    a_row_in(table)
    before = page_cache.data_versions()
    with pytest.raises(RolledBack), transaction.atomic():
        watched_row_updated(table)
        rolled_back = page_cache.data_versions()
        assert rolled_back != before
        raise RolledBack
    assert page_cache.data_versions() == before
    watched_row_updated(table)
    first = page_cache.data_versions()
    watched_row_updated(table)
    second = page_cache.data_versions()
    assert len({before, rolled_back, first, second}) == 4


def test_a_value_asked_for_twice_at_once_is_built_once():
    """Two requests for the same uncached content at the same moment (two officials opening the
    same report): the second waits for the first's value instead of building it again."""
    built = []
    started = threading.Event()

    def build():
        built.append(1)
        started.set()
        time.sleep(0.3)
        return "the report"

    versions = ("generation-a", "generation-b", "", datetime.date(2018, 2, 1))
    parts = ("report-once", time.monotonic())
    answers = []
    first = threading.Thread(target=lambda: answers.append(page_cache.cached(versions, parts, build)))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: answers.append(page_cache.cached(versions, parts, build)))
    second.start()
    first.join(5)
    second.join(5)
    assert (answers, len(built)) == (["the report", "the report"], 1)
