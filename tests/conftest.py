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


def report_cache_of_its_own():
    """The printed reports' cache (files every process of a machine shares, settings.CACHES) in a
    folder of this test process's own: each test empties it (empty_page_cache below), which must
    not empty another xdist worker's while its test reads it back."""
    import tempfile

    from django.conf import settings

    settings.CACHES["reports"]["LOCATION"] = tempfile.mkdtemp(prefix="score-test-reports-")


report_cache_of_its_own()

from enterprises.models import District  # noqa: E402
from tests.factories import login_as  # noqa: E402


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """A test database need not outlive a crash of its server: on PostgreSQL a commit does not
    wait for the disk (synchronous_commit=off), which the suite's thousands of commits and
    TRUNCATEs (transactional tests) otherwise wait for one by one."""
    from django.conf import settings

    for database in settings.DATABASES.values():
        if database["ENGINE"] == "django.db.backends.postgresql":
            options = database.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


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

    return lambda role, district="nanxun": login_as(client, role, district=district)


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


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Each test starts with an empty page cache. Not for correctness: the cache is keyed by
    random generations (dashboard.page_cache), which a test's rolled-back transaction takes back
    but no later write draws again, so no test could be served another's page. For tests that
    count queries or look at what a first request computes, and for the memory."""
    from django.core.cache import caches

    for alias in ("pages", "reports"):
        caches[alias].clear()
    yield
    for alias in ("pages", "reports"):
        caches[alias].clear()


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """collectstatic once, as bin/serve runs it: hashed and compressed files in a scratch STATIC_ROOT."""
    from django.core.management import call_command
    from django.test import override_settings

    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "score_portal.storage.PortalStaticFilesStorage"},
}


@pytest.fixture
def production(settings, collected_static):
    """The settings DJANGO_DEBUG=false gives (settings.py), behind the TLS proxy at score.example.gov.cn.

    Requests must then carry the proxy's header: `client.get(url, headers=BEHIND_PROXY)`.
    """
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["score.example.gov.cn"]
    settings.STATIC_ROOT = collected_static
    settings.STORAGES = PRODUCTION_STORAGES
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = settings.LANGUAGE_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    return settings


BEHIND_PROXY = {"Host": "score.example.gov.cn", "X-Forwarded-Proto": "https"}
