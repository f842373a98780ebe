"""The dashboard on a real streaming replica: its pages read the replica, say so when it lags, and
an import's own pages read the primary.

Needs a PostgreSQL streaming replica of the database DATABASE_URL names, at DATABASE_REPLICA_URL,
and the postgres superuser on it (to pause and resume its replay). .ci/run makes one with
pg_basebackup and runs this file on its own, in one process (its tests pause the replay in turn):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/score_portal_ci_replica \\
    DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/score_portal_ci_replica \\
    .venv/bin/pytest -n 0 tests/test_replica.py

A replica follows its primary's whole cluster, not a test database made for one run, so these
tests use the databases as named (a scratch database .ci/run makes, migrates and drops) and commit
what they write.
"""

import datetime
import os
import random
import time

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from imports.models import ImportBatch
from imports.services import import_batch_preview
from tests.factories import make_enterprise, make_user, valid_code
from tests.import_files import csv_bytes

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_REPLICA_URL"),
    reason="needs a real PostgreSQL streaming replica at DATABASE_REPLICA_URL (.ci/run starts one)",
)
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture(scope="session")
def django_db_setup():
    """The databases as DATABASE_URL and DATABASE_REPLICA_URL name them: no test database."""


@pytest.fixture
def live(django_db_blocker):
    """Database access that commits, as a server's; the replay resumed whatever a test did."""
    with django_db_blocker.unblock():
        try:
            yield
        finally:
            with connections["replica"].cursor() as cursor:
                cursor.execute("SELECT pg_wal_replay_resume()")


def replay(paused):
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


def replica_has(model, **lookup):
    return model.objects.using("replica").filter(**lookup).exists()


def until(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def unique_code():
    # Committed rows stay until .ci/run drops the database: a code no earlier run used.
    return valid_code(serial=random.randrange(10**8, 10**9))


def district_page(client):
    return client.get("/dashboard/districts/nanxun/", headers=ENGLISH).content.decode()


def test_the_dashboard_reads_the_replica(live):
    from enterprises.models import Enterprise

    client = Client()
    client.force_login(make_user("city_official"))
    first = make_enterprise("nanxun", credit_code=unique_code(), name=f"副本可见{random.random()}")
    until(lambda: replica_has(Enterprise, pk=first.pk))
    replay(paused=True)
    second = make_enterprise("nanxun", credit_code=unique_code(), name=f"主库新增{random.random()}")
    page = district_page(client)
    # Written on the primary after the replica stopped replaying: not on the page yet.
    assert (first.name in page, second.name in page) == (True, False)
    replay(paused=False)
    until(lambda: replica_has(Enterprise, pk=second.pk))
    assert second.name in district_page(client)


def test_a_page_read_from_a_lagging_replica_says_how_old_its_data_is(live, settings):
    settings.SCORE_REPLICA_LAG_WARNING_SECONDS = 1
    client = Client()
    client.force_login(make_user("city_official"))
    until(lambda: "replica-lag" not in district_page(client))
    replay(paused=True)
    make_enterprise("nanxun", credit_code=unique_code())
    time.sleep(1.5)
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_last_xact_replay_timestamp()")
        as_of = timezone.localtime(
            cursor.fetchone()[0], timezone=datetime.timezone(datetime.timedelta(hours=8))
        )
    page = district_page(client)
    # In Shanghai's time, as the portal shows every time.
    assert f"Data as of {as_of:%H:%M}: the copy of the database this page reads is behind" in page
    chinese = client.get("/dashboard/").content.decode()
    assert f"数据截至 {as_of:%H:%M}：本页读取的数据库副本有延迟" in chinese
    # Pages that read the primary do not ask.
    assert "replica-lag" not in client.get("/enterprises/").content.decode()
    replay(paused=False)
    until(lambda: "replica-lag" not in district_page(client))


def test_an_import_is_shown_to_its_author_from_the_primary(live):
    admin = make_user("programme_admin")
    code = unique_code()
    make_enterprise("nanxun", credit_code=code)
    content = csv_bytes([["统一社会信用代码", "月份", "安全检查次数", "事故起数"], [code, "2016-01", 3, 0]])
    batch, _plan = import_batch_preview(user=admin, kind="safety", file_name="副本.csv", content=content)
    until(lambda: replica_has(ImportBatch, pk=batch.pk))
    replay(paused=True)
    client = Client()
    client.force_login(admin)
    response = client.post(f"/imports/{batch.pk}/confirm/")
    assert response["Location"] == f"/imports/{batch.pk}/done/"
    # The replica still has the import as previewed; its author sees it done.
    assert ImportBatch.objects.using("replica").get(pk=batch.pk).status == ImportBatch.Status.PREVIEWED
    done = client.get(f"/imports/{batch.pk}/done/", headers=ENGLISH)
    assert done.status_code == 200
    assert "Saved: 1 new, 0 updated, 0 unchanged." in " ".join(done.content.decode().split())
