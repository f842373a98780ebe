"""Production settings: deploy checks, security headers, sessions, passwords, static files, health,
request log and the 500 page with DEBUG off."""

import datetime
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.test import Client
from django.utils import timezone, translation

from tests.conftest import BEHIND_PROXY
from tests.factories import make_user

ROOT = Path(__file__).resolve().parent.parent

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def directives(policy):
    """The policy's directives, each with its sources in order, sorted by name.

    Their order carries no meaning in CSP, and django-csp joins them in an order that changes from
    one process to the next (it walks a set of names), so the header is compared directive by
    directive: the same ten, none missing, none added.
    """
    return sorted(policy.split("; "))


def production_environment(**extra):
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x7Kq2-production-test-key-9fJ3mZ8pL1vR6tY4wN0bH5cD2sA7eG",
        "DJANGO_ALLOWED_HOSTS": "score.example.gov.cn",
        "DATABASE_URL": "sqlite:///unused.sqlite3",
        **extra,
    }


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (2 silenced)." in result.stdout


def test_production_defaults_are_safe_behind_a_tls_proxy():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'score_portal.settings'; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS, s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.STORAGES['staticfiles']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=production_environment(), capture_output=True, text=True
    )
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "31536000",
        "True",
        "score_portal.storage.PortalStaticFilesStorage",
    ]


def test_tls_settings_can_be_turned_off_for_a_machine_without_tls():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'score_portal.settings'; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    env = production_environment(
        DJANGO_SSL_REDIRECT="false", DJANGO_SECURE_COOKIES="false", DJANGO_HSTS_SECONDS="0"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False", "0"]


def test_a_malformed_hsts_value_stops_start_up():
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'score_portal.settings'; django.setup()"
    env = production_environment(DJANGO_HSTS_SECONDS="a year")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "DJANGO_HSTS_SECONDS must be a whole number, not 'a year'" in result.stderr


@pytest.mark.parametrize("variable", ["SCORE_IMPORT_MAX_ERRORS", "SCORE_IMPORT_MAX_ROWS", "SCORE_API_RATE"])
def test_a_limit_below_one_stops_start_up(variable):
    # SCORE_IMPORT_MAX_ERRORS=0 answered a refused write with an empty list of errors.
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'score_portal.settings'; django.setup()"
    env = production_environment(**{variable: "0"})
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{variable} must be at least 1, not 0" in result.stderr


class TestSecurityHeaders:
    def test_every_page_sends_the_content_security_policy(self, client, db):
        response = client.get("/accounts/login/")
        assert directives(response["Content-Security-Policy"]) == directives(CSP)
        assert (
            response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        )
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"

    def test_error_pages_send_it_too(self, client, db, production):
        response = client.get("/no-such-page/", headers=BEHIND_PROXY)
        assert response.status_code == 404
        assert directives(response["Content-Security-Policy"]) == directives(CSP)

    def test_production_sends_hsts_and_redirects_plain_http(self, client, db, production):
        assert client.get("/accounts/login/", headers=BEHIND_PROXY)["Strict-Transport-Security"] == (
            "max-age=31536000"
        )
        response = client.get("/accounts/login/", headers={"Host": "score.example.gov.cn"})
        assert (response.status_code, response["Location"]) == (
            301,
            "https://score.example.gov.cn/accounts/login/",
        )

    def test_no_template_has_an_inline_script_or_style(self):
        # The policy forbids them; the browser test checks the rendered pages, this every template.
        offenders = [
            str(path.relative_to(ROOT))
            for path in (ROOT / "templates").rglob("*.html")
            for text in [path.read_text()]
            if "<script>" in text or "<style" in text or " style=" in text or " onclick=" in text
        ]
        assert offenders == []


class TestSessions:
    def test_login_ends_when_the_browser_closes(self, client, db, production):
        make_user("district_official", district="anji", username="li", password="pw-for-tests-only")
        response = client.post(
            "/accounts/login/", {"username": "li", "password": "pw-for-tests-only"}, headers=BEHIND_PROXY
        )
        assert response.status_code == 302
        cookie = response.cookies["sessionid"]
        # A session cookie without expiry lives until the browser closes; the server forgets it
        # after SESSION_COOKIE_AGE (12 hours) in any case.
        assert (cookie["expires"], cookie["max-age"]) == ("", "")
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert client.session.get_expiry_age() == 12 * 3600

    def test_the_server_forgets_a_session_after_its_age(self, client, db, production):
        """Django's own database sessions: a session past its expiry date is no login."""
        from django.contrib.sessions.models import Session

        make_user("district_official", district="anji", username="li", password="pw-for-tests-only")
        client.post(
            "/accounts/login/", {"username": "li", "password": "pw-for-tests-only"}, headers=BEHIND_PROXY
        )
        assert client.get("/enterprises/", headers=BEHIND_PROXY).status_code == 200
        key = client.cookies["sessionid"].value
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() + datetime.timedelta(seconds=5)
        )
        assert client.get("/enterprises/", headers=BEHIND_PROXY).status_code == 200
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() - datetime.timedelta(seconds=1)
        )
        response = client.get("/enterprises/", headers=BEHIND_PROXY)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        # An unknown key is no session either.
        client.cookies["sessionid"] = "x" * 32
        assert client.get("/enterprises/", headers=BEHIND_PROXY).status_code == 302


class TestPasswords:
    def test_eleven_characters_are_too_short(self):
        with translation.override("en"), pytest.raises(ValidationError, match="at least 12 characters"):
            validate_password("kx7-vq2-mwp")

    def test_twelve_characters_of_no_pattern_are_accepted(self):
        assert validate_password("kx7-vq2-mwp4") is None

    @pytest.mark.parametrize("password", ["123456789012345", "password1234", "qwertyuiop123"])
    def test_common_or_numeric_passwords_are_refused(self, password):
        with pytest.raises(ValidationError):
            validate_password(password)


class TestStaticFilesAfterCollectstatic:
    def test_pages_link_hashed_names_that_exist_compressed(self, client, db, production, collected_static):
        page = client.get("/accounts/login/", headers=BEHIND_PROXY).content.decode()
        import re

        css = re.search(r'href="/static/(vendor/bootstrap-5\.3\.9/bootstrap\.min\.[0-9a-f]{12}\.css)"', page)
        assert css is not None
        assert (collected_static / css.group(1)).is_file()
        assert (collected_static / (css.group(1) + ".gz")).is_file()

    def test_chart_js_is_collected_with_its_source_map_comment_untouched(self, collected_static):
        hashed = [p for p in (collected_static / "vendor/chartjs-4.6.1").glob("chart.umd.min.*.js")]
        assert len(hashed) == 1
        assert hashed[0].read_text().rstrip().endswith("//# sourceMappingURL=chart.umd.min.js.map")


class TestCaching:
    """Officials share office computers: nothing a logged-in user was sent stays in the browser's
    cache. Every URL of the portal, for every role, is walked in tests/test_access.py."""

    NO_STORE = "max-age=0, no-cache, no-store, must-revalidate, private"

    def test_a_logged_in_page_and_a_download_are_not_stored(self, client, db, production):
        client.force_login(make_user("city_official"))
        for url in ("/enterprises/", "/dashboard/export/districts.csv", "/training/export.xlsx"):
            response = client.get(url, headers=BEHIND_PROXY)
            assert (response.status_code, response["Cache-Control"]) == (200, self.NO_STORE)

    def test_static_files_keep_their_long_cache_when_logged_in(self, client, db, production):
        client.force_login(make_user("city_official"))
        page = client.get("/enterprises/", headers=BEHIND_PROXY).content.decode()
        import re

        css = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', page).group(1)
        response = client.get(css, headers=BEHIND_PROXY)
        assert response.status_code == 200
        assert response["Cache-Control"] == "max-age=315360000, public, immutable"

    def test_the_login_page_still_sets_its_csrf_cookie(self, client, db, production):
        response = client.get("/accounts/login/", headers=BEHIND_PROXY)
        assert response.status_code == 200
        assert response.cookies["csrftoken"]["secure"] is True
        # Django's login view is never cached in any case.
        assert response["Cache-Control"] == self.NO_STORE

    def test_an_anonymous_request_is_answered_without_loading_a_user(self, client, db, caplog):
        with caplog.at_level(logging.INFO, logger="score.request"):
            response = client.get("/healthz")
        assert "Cache-Control" not in response
        assert [r.user for r in caplog.records if r.name == "score.request"] == ["-"]


class TestLanguageCookie:
    def test_the_language_cookie_is_secure_and_http_only_in_production(self, client, db, production):
        response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, headers=BEHIND_PROXY)
        assert response.status_code == 302
        cookie = response.cookies["django_language"]
        assert (cookie.value, cookie["secure"], cookie["httponly"]) == ("en", True, True)

    def test_it_follows_the_session_cookie_when_secure_cookies_are_turned_off(self):
        code = (
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'score_portal.settings'; django.setup()\n"
            "from django.conf import settings as s\n"
            "print(s.SESSION_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_HTTPONLY)"
        )
        for secure, expected in [("true", ["True", "True", "True"]), ("false", ["False", "False", "True"])]:
            env = production_environment(DJANGO_SECURE_COOKIES=secure)
            result = subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
            )
            assert result.stdout.split() == expected


class TestHealthz:
    def test_answers_ok_when_the_database_answers(self, client, db, production):
        # Asked by the load balancer over plain HTTP inside the network: not redirected.
        response = client.get("/healthz", headers={"Host": "score.example.gov.cn"})
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    def test_answers_503_without_the_databases_address_when_it_does_not(
        self, client, db, monkeypatch, caplog
    ):
        class Unreachable:
            def cursor(self):
                raise OperationalError(
                    'connection to server at "db.example.gov.cn" (10.1.2.3), port 5432 failed: '
                    'FATAL:  database "score_portal" does not exist'
                )

        # The view's handle on the database, not the test's own connection.
        monkeypatch.setattr("score_portal.views.connection", Unreachable())
        response = client.get("/healthz")
        assert response.status_code == 503
        # Anyone may ask /healthz: nothing of where the database is, or what it is called.
        assert response.json() == {"status": "error", "reason": "database unavailable"}
        for detail in ("db.example.gov.cn", "10.1.2.3", "5432", "score_portal"):
            assert detail not in response.content.decode()
        # The operator finds the detail in the log.
        assert (
            'health check: database unavailable: connection to server at "db.example.gov.cn" (10.1.2.3), '
            'port 5432 failed: FATAL:  database "score_portal" does not exist'
        ) in caplog.text

    def test_a_closed_port_answers_503_without_host_port_or_name(self):
        # A real connection attempt (psycopg2's own message), in a process of its own whose
        # database is a PostgreSQL on a port where nothing listens.
        code = (
            "import django; django.setup()\n"
            "from django.test import Client\n"
            "response = Client().get('/healthz')\n"
            "print(response.status_code, response.content.decode())\n"
        )
        environment = {
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "score_portal.settings",
            "DATABASE_URL": "postgres://score_reader@127.0.0.1:9/score_secret_name",
        }
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.stdout.strip() == '503 {"status": "error", "reason": "database unavailable"}'
        # The log (stderr) has what the operator needs.
        assert "health check: database unavailable: connection to server at" in result.stderr
        assert "127.0.0.1" in result.stderr and "port 9" in result.stderr


class TestRequestLog:
    def test_one_line_per_request_with_method_path_status_duration_and_user(self, client, db, caplog):
        user = make_user("district_official", district="anji", username="li-anji")
        client.force_login(user)
        with caplog.at_level(logging.INFO, logger="score.request"):
            client.get("/enterprises/")
        records = [r for r in caplog.records if r.name == "score.request"]
        assert len(records) == 1
        record = records[0]
        assert (record.method, record.path, record.status, record.user) == (
            "GET",
            "/enterprises/",
            200,
            "li-anji",
        )
        assert record.duration_ms > 0
        assert record.getMessage().startswith("GET /enterprises/ 200 ")
        assert record.getMessage().endswith("ms user=li-anji")

    def test_anonymous_and_untouched_users_are_told_apart(self, client, db, caplog):
        with caplog.at_level(logging.INFO, logger="score.request"):
            client.get("/accounts/login/")
            client.get("/healthz")
        users = [r.user for r in caplog.records if r.name == "score.request"]
        assert users == ["anonymous", "-"]


class TestServerError:
    def test_an_error_in_a_view_is_logged_with_its_traceback_and_shows_the_500_page(
        self, db, production, caplog
    ):
        production.ROOT_URLCONF = "tests.urls_broken"
        broken = Client(raise_request_exception=False)
        response = broken.get("/boom/", headers=BEHIND_PROXY)
        assert response.status_code == 500
        page = response.content.decode()
        assert "出错了" in page
        assert "a failing view" not in page  # nothing of the error reaches the user
        error = next(r for r in caplog.records if r.name == "django.request")
        assert error.levelname == "ERROR"
        assert error.exc_info[0] is RuntimeError
        assert "a failing view for the 500 page test" in caplog.text
        assert 'raise RuntimeError("a failing view for the 500 page test")' in caplog.text
        logged = [r for r in caplog.records if r.name == "score.request"]
        assert [(r.levelname, r.status) for r in logged] == [("ERROR", 500)]

    def test_the_500_page_in_english(self, db, production):
        production.ROOT_URLCONF = "tests.urls_broken"
        broken = Client(raise_request_exception=False)
        broken.cookies["django_language"] = "en"
        page = broken.get("/boom/", headers=BEHIND_PROXY).content.decode()
        assert "Something went wrong" in page


def test_bin_serve_deploy_check_passes_with_the_test_machine_settings_of_the_docs():
    """bin/serve runs `check --deploy --fail-level WARNING` before gunicorn: with the settings
    docs/operations.md gives for a machine without TLS it used to stop on W004, W008, W012, W016."""
    import re

    line = next(
        text
        for text in (ROOT / "docs" / "operations.md").read_text().splitlines()
        if text.startswith("A test machine without TLS sets")
    )
    variables = dict(re.findall(r"(DJANGO_[A-Z_]+)=([^\s`]+)", line))
    assert variables == {
        "DJANGO_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_HSTS_SECONDS": "0",
    }
    assert "check --deploy --fail-level WARNING" in (ROOT / "bin" / "serve").read_text()
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_environment(**variables),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    # W004, W008, W012 and W016, each silenced by its own variable.
    assert "System check identified no issues (4 silenced)." in result.stdout


def test_a_tls_setting_left_on_is_still_checked_when_another_is_turned_off():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_environment(DJANGO_SECURE_COOKIES="false", DJANGO_HSTS_SECONDS="31536000"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    # W005 and W021 as always (HSTS on), W012 and W016 by the variable: the redirect stays on and
    # checked, and no warning fires.
    assert "System check identified no issues (4 silenced)." in result.stdout


def test_allowed_hosts_of_bin_start_add_the_machines_addresses_for_host_0_0_0_0():
    def hosts(**env):
        result = subprocess.run(
            [str(ROOT / "bin" / "allowed-hosts")],
            env={"PATH": os.environ["PATH"], **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip().split(",")

    assert hosts() == ["127.0.0.1", "localhost", "testserver"]
    addresses = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    wide = hosts(HOST="0.0.0.0")
    assert wide[:3] == ["127.0.0.1", "localhost", "testserver"]
    assert all((f"[{a}]" if ":" in a else a) in wide for a in addresses) and addresses
    assert hosts(HOST="0.0.0.0", DJANGO_ALLOWED_HOSTS="score.test")[0] == "score.test"
    assert (
        "PORT" in (ROOT / "README.md").read_text() and "HOST=0.0.0.0" in (ROOT / "bin" / "start").read_text()
    )
