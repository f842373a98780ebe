"""Login throttling holds when the attempts arrive together: each thread below is a request of its
own, on its own database connection, released at the same moment."""

import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client

from accounts.auth_backend import PortalBackend
from tests.factories import make_user

pytestmark = [
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite lets one writer in at a time, so the attempts cannot overlap there",
    ),
    # Transactional: every thread must see the user, committed; serialized_rollback gives the later
    # tests back the rows the data migrations made, which the flush after this test empties.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "pw-for-tests-only"
THROTTLED = "登录失败次数过多"


def log_in(client, username, password, address):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def attempt_together(monkeypatch, attempts):
    """Post every (username, password, address) at the same moment, each from its own thread and
    database connection. Returns the pages, in order, and the usernames whose password was checked."""
    checked = []
    checked_lock = threading.Lock()
    check_password = PortalBackend.authenticate

    def counted_check(self, request, username=None, password=None, **kwargs):
        with checked_lock:
            checked.append(username)
        # The tests' MD5 hasher answers in microseconds; PBKDF2 in production takes about 0.2 s,
        # and that is how long a check-then-record throttle lets other attempts past its check.
        time.sleep(0.05)
        return check_password(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(PortalBackend, "authenticate", counted_check)
    together = threading.Barrier(len(attempts))
    pages = [None] * len(attempts)
    errors = []

    def attempt(number, username, password, address):
        try:
            client = Client()
            together.wait(timeout=30)
            response = log_in(client, username, password, address)
            pages[number] = (response.status_code, response.content.decode())
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(number, *args)) for number, args in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.undo()
    assert errors == []
    return pages, checked


def test_twelve_wrong_passwords_at_once_check_only_five(monkeypatch, settings):
    settings.LOGIN_FAILURE_LIMIT_USERNAME = 5
    settings.LOGIN_FAILURE_LIMIT_IP = 20
    make_user("programme_admin", username="boss", password=PASSWORD)

    pages, checked = attempt_together(
        monkeypatch, [("boss", "wrong", f"10.0.1.{number}") for number in range(1, 13)]
    )

    assert [status for status, _ in pages] == [200] * 12
    # 12 attempts, limit 5: five passwords checked (all wrong), seven refused unchecked.
    assert checked == ["boss"] * 5
    assert sum(THROTTLED in page for _, page in pages) == 7
    client = Client()
    response = log_in(client, "boss", PASSWORD, "10.0.9.9")
    assert THROTTLED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_twenty_five_usernames_at_once_from_one_address_check_only_twenty(monkeypatch, settings):
    settings.LOGIN_FAILURE_LIMIT_USERNAME = 5
    settings.LOGIN_FAILURE_LIMIT_IP = 20
    make_user("programme_admin", username="boss", password=PASSWORD)

    pages, checked = attempt_together(
        monkeypatch, [(f"guess{number}", "wrong", "10.0.0.66") for number in range(25)]
    )

    assert [status for status, _ in pages] == [200] * 25
    # 25 attempts, limit 20 for the address: twenty checked, five refused unchecked.
    assert len(checked) == 20
    assert sum(THROTTLED in page for _, page in pages) == 5
    client = Client()
    response = log_in(client, "boss", PASSWORD, "10.0.0.66")
    assert THROTTLED in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another computer is not affected.
    assert log_in(Client(), "boss", PASSWORD, "10.0.0.67").status_code == 302
