"""A web request does not hang on a locked table: on PostgreSQL it runs under a statement timeout
and a lock timeout, and a request cut short answers "The portal is busy" (503). An import's
confirmation and the roll-up's rebuild are not cut short; nothing outside a request is."""

import contextlib
import datetime
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg2
import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client

from dashboard import rollup
from dashboard.models import ChangeRollup, MonthlyRollup, RollupState
from dashboard.rollup import SOURCE_TABLES
from enterprises.reporting import latest_due_month
from imports.models import ImportBatch
from imports.services import import_batch_preview
from tests.factories import api_token, make_enterprise, make_reports, make_user, month_range
from tests.import_files import csv_bytes

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = {"Accept-Language": "en"}
BUSY = "The portal is busy, try again in a minute."

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="statement and lock timeouts are PostgreSQL's: the SQLite run has neither",
)
# The lock tests: another session's LOCK TABLE and the request's lock_timeout.
locks_postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="LOCK TABLE and lock_timeout are PostgreSQL's: SQLite locks the whole file and has no lock timeout",
)
# Committed, as in production (autocommit): a request's failed statement must not leave the
# test's own transaction aborted. serialized_rollback gives later tests their districts back.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@contextlib.contextmanager
def table_locked(table):
    """Another session holding an ACCESS EXCLUSIVE lock on `table` (a migration, a TRUNCATE)."""
    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"]
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        other.rollback()
        other.close()


@contextlib.contextmanager
def slow_before(fragment, seconds):
    """Every statement containing `fragment` preceded by pg_sleep(`seconds`), in its transaction
    and under the timeouts in force (the wrapper runs outside the request's own)."""

    def sleep_first(execute, sql, params, many, context):
        if fragment in sql:
            execute(f"SELECT pg_sleep({seconds})", None, False, context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(sleep_first):
        yield


def current(setting):
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {setting}")
        return cursor.fetchone()[0]


class TestTheBusyPage:
    """Whatever the database: what a request cut short answers."""

    @pytest.fixture(autouse=True)
    def failing_views(self, settings):
        settings.ROOT_URLCONF = "tests.urls_broken"

    @pytest.mark.parametrize("pgcode", ["57014", "55P03"])
    def test_a_statement_cut_short_answers_503_busy(self, db, pgcode):
        response = Client(raise_request_exception=False).get(f"/cut-short/{pgcode}/", headers=ENGLISH)
        assert response.status_code == 503
        assert response["Retry-After"] == "60"
        assert BUSY in response.content.decode()

    def test_in_chinese(self, db):
        response = Client(raise_request_exception=False).get("/cut-short/57014/")
        assert "门户正忙，请一分钟后再试。" in response.content.decode()

    def test_the_summary_api_answers_json(self, db):
        response = Client(raise_request_exception=False).get(
            "/dashboard/api/cut-short/55P03/", headers=ENGLISH
        )
        assert (response.status_code, response.json()) == (503, {"error": BUSY})

    def test_any_other_database_error_is_still_a_500(self, db):
        response = Client(raise_request_exception=False).get("/cut-short/08006/", headers=ENGLISH)
        assert response.status_code == 500


def test_a_negative_timeout_stops_start_up():
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'score_portal.settings'; django.setup()"
    env = {"PATH": "/usr/bin:/bin", "SCORE_WEB_LOCK_TIMEOUT_MS": "-1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "must be 0 (off) or more milliseconds" in result.stderr


@postgresql_only
@committed
class TestTimeouts:
    def test_a_page_waiting_for_a_locked_table_answers_busy_within_seconds(self, client, settings):
        settings.SCORE_WEB_LOCK_TIMEOUT_MS = 300
        client.force_login(make_user("city_official"))
        with table_locked("enterprises_enterprise"):
            started = time.monotonic()
            response = client.get("/enterprises/", headers=ENGLISH)
            waited = time.monotonic() - started
        assert response.status_code == 503
        assert BUSY in response.content.decode()
        assert waited < 3
        # The next request, the lock gone, is served.
        assert client.get("/enterprises/").status_code == 200

    def test_a_statement_running_too_long_answers_busy(self, client, settings):
        settings.SCORE_WEB_STATEMENT_TIMEOUT_MS = 200
        client.force_login(make_user("city_official"))
        with slow_before('FROM "enterprises_enterprise"', 1):
            response = client.get("/enterprises/", headers=ENGLISH)
        assert (response.status_code, BUSY in response.content.decode()) == (503, True)

    def test_the_timeouts_hold_for_the_request_only(self, client, settings):
        settings.SCORE_WEB_STATEMENT_TIMEOUT_MS, settings.SCORE_WEB_LOCK_TIMEOUT_MS = 15000, 3000
        client.force_login(make_user("city_official"))
        seen = []

        def note(execute, sql, params, many, context):
            if 'FROM "enterprises_enterprise"' in sql and not seen:
                with context["connection"].connection.cursor() as cursor:
                    cursor.execute("SHOW statement_timeout")
                    seen.append(cursor.fetchone()[0])
                    cursor.execute("SHOW lock_timeout")
                    seen.append(cursor.fetchone()[0])
            return execute(sql, params, many, context)

        with connection.execute_wrapper(note):
            assert client.get("/enterprises/").status_code == 200
        assert seen == ["15s", "3s"]
        # After the response, management commands and tests on this connection have none.
        assert (current("statement_timeout"), current("lock_timeout")) == ("0", "0")

    def test_an_import_confirmation_is_not_cut_short(self, client, settings):
        settings.SCORE_WEB_STATEMENT_TIMEOUT_MS = 200
        admin = make_user("programme_admin")
        make_enterprise("nanxun", credit_code="91330503375583185N")
        content = csv_bytes(
            [
                ["统一社会信用代码", "月份", "安全检查次数", "事故起数"],
                ["91330503375583185N", "2016-01", 3, 0],
            ]
        )
        batch, _plan = import_batch_preview(user=admin, kind="safety", file_name="s.csv", content=content)
        client.force_login(admin)
        # The batch locked inside the confirmation's transaction, before anything else of it.
        with slow_before(f'FROM "{ImportBatch._meta.db_table}" WHERE', 0.5):
            response = client.post(f"/imports/{batch.pk}/confirm/")
        assert (response.status_code, response["Location"]) == (302, f"/imports/{batch.pk}/done/")
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.COMMITTED

    def test_the_roll_up_due_month_step_is_not_cut_short(self, client, settings):
        settings.SCORE_WEB_STATEMENT_TIMEOUT_MS = 200
        with time_machine.travel(datetime.datetime(2016, 3, 1, 12), tick=False):
            enterprise = make_enterprise("nanxun", score_start=datetime.date(2016, 1, 1))
            make_reports(enterprise, month_range(datetime.date(2016, 1, 1), 2), inspections=2, accidents=0)
            rollup.rebuild()
        client.force_login(make_user("city_official"))
        # Months fell due since: the dashboard's first request counts them in the roll-up.
        with slow_before("INSERT INTO dashboard_monthlyrollup", 0.5):
            response = client.get("/dashboard/api/summary/?from=2016-01&to=2016-02")
        assert response.status_code == 200
        assert response.json()["total"]["inspections"] == 4  # 2 months × 2
        assert RollupState.objects.get().due_month == latest_due_month()


# Every table locked by another session, as a migration or VACUUM FULL does: every page and API
# answers "busy" within the lock timeout, never 500, and never waits for the lock's release.

LOCK_TIMEOUT_MS = 300
# Far above the lock timeout (a request may wait for it a few times: the session, the roll-up's
# state, its tables), far below the lock's release.
PROMPTLY = 5
RELEASE_AFTER = 8


@contextlib.contextmanager
def tables_locked(*tables):
    """Another session holding ACCESS EXCLUSIVE on `tables` (every table of the test database when
    none are named) in an open transaction.

    A thread of its own lifts the lock after RELEASE_AFTER seconds if the test still holds it then,
    so that a request waiting for the release (the fault looked for) ends, and fails on how long
    it took, rather than hanging the run."""
    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"]
    )
    done = threading.Event()
    lifter = threading.Thread(target=lambda: done.wait(RELEASE_AFTER) or other.rollback())
    try:
        with other.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")
            if not tables:
                cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                tables = [name for (name,) in cursor.fetchall()]
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
        lifter.start()
        yield
    finally:
        done.set()
        if lifter.is_alive():
            lifter.join()
        other.rollback()
        other.close()


def timed(request):
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started


@pytest.fixture
def official(client, settings):
    """A district official of Nanxun, logged in, whose dashboard has figures to show (written past
    the door: the roll-up is stale, the figures come from the tables)."""
    settings.SCORE_WEB_LOCK_TIMEOUT_MS = LOCK_TIMEOUT_MS
    enterprise = make_enterprise("nanxun", score_start=datetime.date(2016, 1, 1))
    make_reports(enterprise, month_range(datetime.date(2016, 1, 1), 2), inspections=2, accidents=0)
    client.force_login(make_user("district_official", district="nanxun"))
    return client


def assert_busy_page(response, waited, text=BUSY):
    assert (response.status_code, response["Retry-After"]) == (503, "60")
    assert text in response.content.decode()
    assert waited < PROMPTLY


def assert_busy_json(response, waited, text=BUSY):
    assert (response.status_code, response.json(), response["Retry-After"]) == (503, {"error": text}, "60")
    assert waited < PROMPTLY


@locks_postgresql_only
@committed
class TestEveryTableLocked:
    def test_the_dashboard_of_a_district_official_answers_busy(self, official):
        with tables_locked():
            response, waited = timed(lambda: official.get("/dashboard/", headers=ENGLISH))
        assert_busy_page(response, waited)

    def test_the_dashboard_answers_busy_in_chinese(self, official):
        with tables_locked():
            response, waited = timed(lambda: official.get("/dashboard/"))
        assert_busy_page(response, waited, "门户正忙，请一分钟后再试。")

    def test_the_summary_api_answers_busy_json(self, official):
        with tables_locked():
            response, waited = timed(lambda: official.get("/dashboard/api/summary/", headers=ENGLISH))
        assert_busy_json(response, waited)

    def test_the_machine_api_answers_busy_json(self, official):
        api = Client()
        headers = {"Authorization": f"Bearer {api_token('nanxun-reader', districts=['nanxun'])}", **ENGLISH}
        with tables_locked():
            response, waited = timed(lambda: api.get("/api/v1/figures/", headers=headers))
        assert_busy_json(response, waited)

    def test_the_machine_api_answers_busy_in_chinese(self, official):
        api = Client()
        headers = {"Authorization": f"Bearer {api_token('nanxun-reader', districts=['nanxun'])}"}
        with tables_locked():
            response, waited = timed(
                lambda: api.get("/api/v1/figures/", headers={**headers, "Accept-Language": "zh-hans"})
            )
        assert_busy_json(response, waited, "门户正忙，请一分钟后再试。")

    def test_logging_in_answers_busy(self, settings):
        settings.SCORE_WEB_LOCK_TIMEOUT_MS = LOCK_TIMEOUT_MS
        make_user("district_official", username="nanxun-official", password="right-password")
        browser = Client()
        form = {"username": "nanxun-official", "password": "right-password"}
        with tables_locked():
            response, waited = timed(lambda: browser.post("/accounts/login/", form, headers=ENGLISH))
        assert_busy_page(response, waited)

    def test_the_login_page_of_someone_logged_in_answers_busy(self, official):
        with tables_locked():
            response, waited = timed(lambda: official.get("/accounts/login/", headers=ENGLISH))
        assert_busy_page(response, waited)

    def test_the_next_request_after_the_lock_is_served(self, official):
        with tables_locked():
            official.get("/dashboard/")
        response = official.get("/dashboard/api/summary/?from=2016-01&to=2016-02")
        assert response.status_code == 200
        assert response.json()["total"]["inspections"] == 4  # 2 months × 2


@locks_postgresql_only
@committed
class TestOneTableLocked:
    def test_the_session_table_locked_answers_busy(self, official):
        with tables_locked(Session._meta.db_table):
            response, waited = timed(lambda: official.get("/dashboard/", headers=ENGLISH))
        assert_busy_page(response, waited)

    def test_the_session_table_locked_answers_busy_json(self, official):
        with tables_locked(Session._meta.db_table):
            response, waited = timed(lambda: official.get("/dashboard/api/summary/", headers=ENGLISH))
        assert_busy_json(response, waited)

    def test_the_roll_up_state_locked_answers_busy(self, official):
        with tables_locked(RollupState._meta.db_table):
            response, waited = timed(lambda: official.get("/dashboard/", headers=ENGLISH))
        assert_busy_page(response, waited)

    def test_the_roll_up_state_locked_answers_busy_json(self, official):
        with tables_locked(RollupState._meta.db_table):
            response, waited = timed(lambda: official.get("/dashboard/api/summary/", headers=ENGLISH))
        assert_busy_json(response, waited)

    def test_the_roll_up_tables_locked_answers_from_the_records(self, official):
        # The roll-up cannot be read; the figures are read from the records instead.
        with tables_locked(MonthlyRollup._meta.db_table, ChangeRollup._meta.db_table):
            response, waited = timed(lambda: official.get("/dashboard/api/summary/?from=2016-01&to=2016-02"))
        assert response.status_code == 200
        assert response.json()["total"]["inspections"] == 4  # 2 months × 2
        assert waited < PROMPTLY


@locks_postgresql_only
@committed
class TestWhereTheRequestBegins:
    @pytest.fixture(autouse=True)
    def test_views(self, settings):
        settings.ROOT_URLCONF = "tests.urls_broken"
        settings.SCORE_WEB_LOCK_TIMEOUT_MS = LOCK_TIMEOUT_MS

    @pytest.fixture
    def months_fell_due(self):
        """A roll-up current in March 2016, read years later: the due-month step has months to do."""
        with time_machine.travel(datetime.datetime(2016, 3, 1, 12), tick=False):
            make_enterprise("nanxun", score_start=datetime.date(2016, 1, 1))
            rollup.rebuild()

    def test_a_request_whose_first_statement_is_the_due_month_step_keeps_its_lock_timeout(
        self, months_fell_due
    ):
        # The step cannot lock the records' tables and rolls back; the reads of the records
        # that follow wait the lock timeout, not the migration's end.
        with tables_locked(*SOURCE_TABLES):
            response, waited = timed(lambda: Client().get("/due-month-first/", headers=ENGLISH))
        assert_busy_page(response, waited)

    def test_a_request_whose_first_statement_is_the_due_month_step_is_served_when_it_can_be(
        self, months_fell_due
    ):
        # Only the roll-up's own table locked: not stepped, the records read instead.
        with tables_locked(MonthlyRollup._meta.db_table):
            response, waited = timed(lambda: Client().get("/due-month-first/"))
        assert (response.status_code, response.content) == (200, b"False 1")
        assert waited < PROMPTLY

    def test_a_lock_met_by_the_session_save_after_the_view_answers_busy(self):
        # SessionMiddleware saves the new session after the view answered: a 500 made by Django
        # from the middleware's error, answered as busy.
        browser = Client(raise_request_exception=False)
        with tables_locked(Session._meta.db_table):
            response, waited = timed(lambda: browser.get("/session-written/", headers=ENGLISH))
        assert_busy_page(response, waited)


@locks_postgresql_only
@committed
def test_a_rebuild_outside_a_request_waits_for_the_lock():
    """A management command (seed_demo) or an import's rebuild outside a web request has no lock
    timeout: it waits for the migration to finish and then rebuilds."""
    enterprise = make_enterprise("nanxun", score_start=datetime.date(2016, 1, 1))
    make_reports(enterprise, month_range(datetime.date(2016, 1, 1), 2), inspections=2, accidents=0)
    settings_dict = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"],
    )
    release = threading.Timer(1, other.rollback)
    try:
        with other.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {SOURCE_TABLES[0]} IN ACCESS EXCLUSIVE MODE")
        release.start()
        started = time.monotonic()
        rollup.rebuild()
        assert time.monotonic() - started >= 0.9
        assert rollup.current_alias() is not None
    finally:
        release.cancel()
        if release.is_alive():
            release.join()
        other.rollback()
        other.close()
