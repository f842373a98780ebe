import os
import subprocess
from pathlib import Path

import pytest
from django.utils.translation.reloader import translation_file_changed

# Playwright runs an event loop in the test thread; pytest-django's database set-up would
# otherwise refuse to run "in an async context".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def compile_catalogues():
    """Compile the translation catalogues (not committed) when a .po is newer than its .mo.

    Django may have cached a catalogue during set-up, before this runs; telling it the file
    changed (as its autoreloader would) drops that cache.
    """
    root = Path(__file__).resolve().parent.parent
    for po in root.glob("locale/*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)
            translation_file_changed(sender=None, file_path=mo)


compile_catalogues()

from enterprises.models import District  # noqa: E402
from tests.factories import make_user  # noqa: E402


@pytest.fixture
def nanxun(db):
    return District.objects.get(code="nanxun")


@pytest.fixture
def anji(db):
    return District.objects.get(code="anji")


@pytest.fixture
def deqing(db):
    return District.objects.get(code="deqing")


@pytest.fixture
def role_client(client, db):
    """Log the test client in as a fresh user of the given role (and district)."""

    def login(role, district="nanxun"):
        user = make_user(role, district=district)
        client.force_login(user)
        return client

    return login


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness protects real accounts; tests make hundreds of them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
