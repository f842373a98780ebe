"""The machine API's rate limit holds when a client's requests arrive together: each thread below
is a request of its own, on its own database connection (as on different gunicorn workers or app
servers), released at the same moment."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client

from accounts.models import ApiClient
from tests.factories import api_token

pytestmark = [
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite lets one writer in at a time, so the requests cannot overlap there",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_requests_arriving_together_never_pass_the_limit(settings):
    settings.SCORE_API_RATE = 5
    token = api_token("together", districts="all")
    together = threading.Barrier(12)
    statuses, errors = [], []
    lock = threading.Lock()

    def request():
        try:
            client = Client(headers={"Authorization": f"Bearer {token}"})
            together.wait(timeout=30)
            status = client.get("/api/v1/districts/").status_code
            with lock:
                statuses.append(status)
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(12)]
    # One minute for every thread (time_machine holds the clock for all of them).
    with time_machine.travel(datetime.datetime(2026, 6, 1, 8, 0, 30, tzinfo=datetime.UTC), tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    # Twelve at once: five admitted, seven refused, whatever the interleaving.
    assert (statuses.count(200), statuses.count(429)) == (5, 7)
    client = ApiClient.objects.get(name="together")
    assert (client.request_count, client.window_count) == (5, 5)
