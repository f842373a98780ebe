"""Settings for the SCORE portal.

One file for every environment: deploy-specific values come from the environment, with safe
development defaults. A malformed value stops start-up with ImproperlyConfigured rather than
running with a guess.
"""

import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name, default, minimum=None):
    """The whole number in the environment variable `name` (`default` when unset); a value that is
    not one, or is below `minimum`, stops start-up with a message naming the variable."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def database_from_url(url, variable="DATABASE_URL"):
    """Turn a database URL (sqlite:///path or postgres://user:pw@host:port/name) into a DATABASES entry.

    dj-database-url parses it; around it the portal keeps its own rules: only SQLite and PostgreSQL
    (the two the suite runs on), a relative SQLite path is relative to the project rather than the
    working directory, and PostgreSQL connections are kept between requests.
    """
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("sqlite", "postgres", "postgresql"):
            # Only the scheme in the message: the rest of the URL may hold a password.
            found = f"{parts.scheme}://" if parts.scheme else "no scheme"
            raise ImproperlyConfigured(f"{variable} must start with sqlite:// or postgres:// (found {found})")
        postgres = parts.scheme != "sqlite"
        config = dj_database_url.parse(
            url,
            # Keep connections between requests; health-checked so a restarted server is noticed.
            conn_max_age=envint("DJANGO_CONN_MAX_AGE", 60) if postgres else 0,
            conn_health_checks=postgres,
        )
    except ValueError as error:
        raise ImproperlyConfigured(f"{variable} is not a valid database URL: {error}") from None
    if not postgres:
        # dj-database-url takes a missing file name for an in-memory database, which a server
        # (each thread its own empty database) cannot use.
        if not parts.path[1:]:
            raise ImproperlyConfigured(f"{variable} sqlite:/// needs a file name")
        if config["NAME"] != ":memory:" and not config["NAME"].startswith("/"):
            config["NAME"] = str(BASE_DIR / config["NAME"])
        return config
    if not config["NAME"]:
        raise ImproperlyConfigured(f"{variable} for PostgreSQL needs a database name")
    config["PORT"] = str(config["PORT"])
    # No JIT compilation: the portal's statements are short or run once, and PostgreSQL's cost
    # estimates of the roll-up's owed-months calendar (generate_series: 1,000 rows a call, it
    # guesses) made it JIT-compile the rebuild and a district's enterprise figures for about 1 s
    # each at 10,000 enterprises (EXPLAIN ANALYZE, docs/dashboard.md), more than they then ran.
    options = config.setdefault("OPTIONS", {})
    options["options"] = " ".join(filter(None, [options.get("options", ""), "-c jit=off"]))
    return config


DEBUG = envbool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false (production).")
    SECRET_KEY = "development-only-not-secret-score-portal-key-0123456789"

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get(
        "DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else ""
    ).split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    # Not "rest_framework": the API works without it (no browsable API, no authtoken), and as an
    # app its Chinese catalogue would replace Django's own words in every form ("这个字段是必填项。"
    # would read "该字段是必填项。"); the API's messages are the portal's own (api/errors.py).
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The portal's apps, lowest layer first (README, "Layout"; .importlinter enforces it).
    "districts",
    "accounts",
    "imports",
    "enterprises",
    "training",
    "improvements",
    "reporting",
    "dashboard",
    "api",
    "score_portal",
]

MIDDLEWARE = [
    # First, so the logged duration covers every other middleware and the status is the final one.
    "score_portal.middleware.RequestLogMiddleware",
    # Around everything that reads the database (the session's save included).
    "score_portal.middleware.DatabaseTimeoutMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "score_portal.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # On the enterprises' instance on the internet (SCORE_PUBLIC_INSTANCE): a 404 for every URL not
    # meant for enterprises, in the user's language, before anything else reads the request (its
    # body, its parameters, the session's user); static files were answered above. Not loaded on
    # the intranet's instance.
    "score_portal.middleware.PublicInstanceMiddleware",
    # The machine API speaks the request's Accept-Language, whatever cookie a browser sends.
    "api.middleware.ApiLanguageMiddleware",
    # After the language is chosen (its page is translated), before anything reads the body.
    "score_portal.middleware.RequestBodyLimitMiddleware",
    # After the language is chosen (its message is translated), before any view reads a parameter.
    "score_portal.middleware.RepeatedParameterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Inside WhiteNoise (static files keep their long cache), after the user is known.
    "score_portal.middleware.NoStoreWhenLoggedInMiddleware",
    # An account whose password someone else saw changes it before anything else.
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "score_portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.role",
                "dashboard.context_processors.replica_lag",
            ],
        },
    },
]

WSGI_APPLICATION = "score_portal.wsgi.application"

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3"))}
# A read replica (PostgreSQL streaming replication) for the dashboard's heavy reads: the router
# sends there the reads of views marked @reads_from_replica, and everything else, every write
# included, to the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database_from_url(os.environ["DATABASE_REPLICA_URL"], "DATABASE_REPLICA_URL")
    # The test suite reads its own test database through it (Django's "Testing primary/replica
    # configurations"); tests/test_replica.py, run by .ci/run against a real replica, does not.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["dashboard.db_router.ReplicaRouter"]
# A page read from the replica while it is more than this behind the primary says "data as of …".
SCORE_REPLICA_LAG_WARNING_SECONDS = envint("SCORE_REPLICA_LAG_WARNING_SECONDS", 60)

# A web request must not hang on a locked table (PostgreSQL): no statement longer than this, no
# wait for a lock longer than that; a request cut short answers "The portal is busy" with a 503
# (score_portal.middleware.DatabaseTimeoutMiddleware). For web requests only: migrations,
# management commands, an import's confirmation and the roll-up's rebuild are not cut short (the
# last two in a request still wait no longer than the lock timeout for a lock).
# 0 turns a timeout off.
SCORE_WEB_STATEMENT_TIMEOUT_MS = envint("SCORE_WEB_STATEMENT_TIMEOUT_MS", 15000)
SCORE_WEB_LOCK_TIMEOUT_MS = envint("SCORE_WEB_LOCK_TIMEOUT_MS", 3000)
if SCORE_WEB_STATEMENT_TIMEOUT_MS < 0 or SCORE_WEB_LOCK_TIMEOUT_MS < 0:
    raise ImproperlyConfigured(
        "SCORE_WEB_STATEMENT_TIMEOUT_MS and SCORE_WEB_LOCK_TIMEOUT_MS must be 0 (off) or more milliseconds"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The dashboard pages' content, kept per process under keys that carry the data's version
# (dashboard.page_cache): never out of date, so nothing is shared between app servers and nothing
# needs clearing. An entry is a page's content (a few tens of kB); SCORE_PAGE_CACHE_ENTRIES bounds
# the memory per gunicorn process, the least recently used going first. SCORE_PAGE_CACHE=false
# builds every page afresh (the load test measures both).
SCORE_PAGE_CACHE = envbool("SCORE_PAGE_CACHE", True)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": envint("SCORE_PAGE_CACHE_ENTRIES", 1000)},
    },
    # The printed report's PDFs and file names, keyed as the pages are, in files that every app
    # server process of the machine shares: a report asked again is read from there whichever
    # gunicorn process serves it (in each process's memory, a repeat reaching the other process
    # made the report again: 5 of 9 repeats, benchmarks/write_cost_benchmark.py). The cache bounds
    # entries, not bytes, and a report is 150–300 kB: 50 entries are at most 15 MB of disk, room
    # for every district's report and the city's over a few periods in both languages.
    "reports": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("SCORE_REPORT_CACHE_DIR")
        or os.path.join(tempfile.gettempdir(), "score-portal-reports"),
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": envint("SCORE_REPORT_CACHE_ENTRIES", 50, minimum=1)},
    },
}
# Printed reports (dashboard/report.py) in the making at once per user, across every app server
# (dashboard.report_slots counts them in the database); past it, 429 with Retry-After. A report
# takes a worker's CPU for seconds: without a limit, one session asking for many held every worker.
SCORE_REPORT_CONCURRENCY = envint("SCORE_REPORT_CONCURRENCY", 2, minimum=1)

# ModelBackend, loading each request's user with its profile (role, place of work) in one query.
AUTHENTICATION_BACKENDS = ["accounts.auth_backend.PortalBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 12 characters rather than Django's 8: officials' accounts reach every enterprise's records, and
    # 12 is still a length an official types without a password manager. The department's policy
    # may ask for more: DJANGO_PASSWORD_MIN_LENGTH.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": envint("DJANGO_PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Simplified Chinese first: the department's working language. The choice is kept in a cookie
# (set by the language switch) for a year.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Chinese pages group digits by three with a comma, as the department's reports do (see the module).
FORMAT_MODULE_PATH = ["score_portal.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "score_portal.storage.PortalStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The report for month M is due on this day of month M+1 (1 to 28; docs/domain.md, "Reporting"): from
# 00:00 of that day it is owed, and a report received before the next day is on time.
# The department whose screen it is: the meeting-room screen's heading (docs/dashboard.md).
SCORE_DEPARTMENT_NAME = os.environ.get("SCORE_DEPARTMENT_NAME", "").strip() or "湖州市应急管理局"

SCORE_REPORT_DUE_DAY = envint("SCORE_REPORT_DUE_DAY", 10)
if not 1 <= SCORE_REPORT_DUE_DAY <= 28:
    raise ImproperlyConfigured(f"SCORE_REPORT_DUE_DAY must be a day from 1 to 28, not {SCORE_REPORT_DUE_DAY}")

# Uploads: district files are small; anything larger is refused with a message, not a 500.
SCORE_IMPORT_MAX_BYTES = envint("SCORE_IMPORT_MAX_MB", 20, minimum=1) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = SCORE_IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = SCORE_IMPORT_MAX_BYTES + 1024 * 1024
# Fields one request may post (Django's default is 1,000). The attendance grid posts 7 a row (name,
# enterprise, role, sex, phone, came, the person's id): a trainer must be able to save 500 people,
# with as many of last time's people offered unticked beside them, 7,000 fields. 10,000 covers that
# with a margin (1,400 rows) and still bounds what one request makes the server parse. Beyond it,
# the portal's own 400 page says so (score_portal.views.bad_request).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Errors listed on the preview page, by import_data and in the machine API's 400; the rest are
# counted (and all are in the downloadable error sheet).
SCORE_IMPORT_MAX_ERRORS = envint("SCORE_IMPORT_MAX_ERRORS", 200, minimum=1)
# What the import engine reads of one file (imports/limits.py). The upload limit bounds the bytes
# sent, not what they expand to: a 4 MB workbook can unpack to gigabytes and a sheet hold millions
# of rows. Past these the reader stops, early, and says which limit the file passed. Rows are those
# below the header; cells are rows × columns of the sheet read, blank ones inside it included.
SCORE_IMPORT_MAX_ROWS = envint("SCORE_IMPORT_MAX_ROWS", 200_000, minimum=1)
SCORE_IMPORT_MAX_COLUMNS = envint("SCORE_IMPORT_MAX_COLUMNS", 60, minimum=1)
SCORE_IMPORT_MAX_CELLS = envint("SCORE_IMPORT_MAX_CELLS", 2_000_000, minimum=1)
SCORE_IMPORT_MAX_UNZIPPED_BYTES = envint("SCORE_IMPORT_MAX_UNZIPPED_MB", 200, minimum=1) * 1024 * 1024
SCORE_IMPORT_READ_SECONDS = envint("SCORE_IMPORT_READ_SECONDS", 30)
# An uploaded file waits this many days for its confirmation; then its bytes are deleted (the
# history keeps its name, size, SHA-256 and counts) and it must be uploaded again.
SCORE_IMPORT_KEEP_DAYS = envint("SCORE_IMPORT_KEEP_DAYS", 7)

# Sessions live in the database (Django's default backend), so any app server behind the load
# balancer can serve any request. A login lasts DJANGO_SESSION_HOURS at most and also ends when the
# browser closes: the portal is used on shared office PCs, and an official who closes the browser
# expects to be logged out (DJANGO_SESSION_AT_BROWSER_CLOSE=false keeps it for the full age).
SESSION_COOKIE_AGE = envint("DJANGO_SESSION_HOURS", 12) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = envbool("DJANGO_SESSION_AT_BROWSER_CLOSE", True)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# TLS. In production the portal sits behind the department's TLS proxy (nginx or the intranet's
# gateway), which terminates HTTPS and sets X-Forwarded-Proto. Safe defaults for that set-up:
# cookies only over HTTPS, redirect plain HTTP, HSTS for a year. A deployment without TLS (a test
# machine) turns them off explicitly with DJANGO_SECURE_COOKIES=false, DJANGO_SSL_REDIRECT=false,
# DJANGO_HSTS_SECONDS=0.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", not DEBUG)
# The language cookie too: it is set by the language switch's form (a POST to set_language), and
# no script reads it, so it can be HttpOnly as well.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = envbool("DJANGO_SSL_REDIRECT", not DEBUG)
# /healthz is asked by the load balancer over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
# Off by default: subdomains of the department's domain may be other, plain-HTTP intranet services.
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = False
# `check --deploy` asks for both; deliberately not done: the browsers' preload list is for public
# internet domains (an intranet host cannot be submitted and it needs includeSubDomains), and
# includeSubDomains would force HTTPS on the department's other, plain-HTTP intranet services.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
# A machine without TLS (docs/operations.md: a test machine) turns the TLS settings off by name;
# `check --deploy` (which bin/serve runs, failing on a warning) is there to catch a setting
# forgotten, and a setting turned off by name in the environment is not forgotten: its warning
# is silenced, and only its own. Left unset, each stays on in production and is checked.
for _variable, _off, _checks in (
    ("DJANGO_SSL_REDIRECT", not SECURE_SSL_REDIRECT, ["security.W008"]),
    ("DJANGO_SECURE_COOKIES", not SESSION_COOKIE_SECURE, ["security.W012", "security.W016"]),
    ("DJANGO_HSTS_SECONDS", not SECURE_HSTS_SECONDS, ["security.W004"]),
):
    if _off and not DEBUG and os.environ.get(_variable):
        SILENCED_SYSTEM_CHECKS += _checks
# Origins of forms posted through the proxy, e.g. https://score.example.gov.cn (comma-separated).
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

# Content-Security-Policy sent on every response (django-csp's CSPMiddleware): everything from the
# portal itself, no inline script or style, no framing. Chart.js and Bootstrap are vendored. A view
# that needs a different policy sets the header itself (or uses django-csp's decorators); it is not
# overwritten. With DEBUG on, 404 and 500 responses go without it, so that Django's technical pages
# (inline styles and scripts) work.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Sent by score_portal.middleware.PermissionsPolicyMiddleware.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Login throttling (accounts.throttle): after this many failed logins for one username (in any
# case), or from one IP address, within a window that begins at the first of them, further attempts
# are refused, the right password included, until the window has passed. The counts are rows in the
# database, shared by every app server, and an attempt is checked and counted in one statement, so
# attempts arriving together cannot all get past the limit. Not django-axes: it has one limit for
# username and address alike and does not count atomically (the reasons: accounts/throttle.py).
LOGIN_FAILURE_LIMIT_USERNAME = envint("SCORE_LOGIN_FAILURES_PER_USERNAME", 5)
LOGIN_FAILURE_LIMIT_IP = envint("SCORE_LOGIN_FAILURES_PER_IP", 20)
LOGIN_FAILURE_WINDOW_MINUTES = envint("SCORE_LOGIN_WINDOW_MINUTES", 15)
# The proxy puts the client's address in X-Forwarded-For; trust it only when told there is one.
SCORE_TRUSTED_PROXY_COUNT = envint("SCORE_TRUSTED_PROXY_COUNT", 0)

# The enterprises' instance: the same code and database, reachable from the internet, serving only
# the login, the password change, the enterprises' own pages (/report/), the language switch, the
# static files and the health check; every other URL is a 404 there
# (score_portal.middleware.PublicInstanceMiddleware; docs/operations.md, "The enterprises'
# instance: on the internet"; docs/domain.md, "Enterprises report for themselves").
SCORE_PUBLIC_INSTANCE = envbool("SCORE_PUBLIC_INSTANCE", False)
# Its host name as the enterprises type it (no scheme, no port): added to the hosts it answers to
# (DJANGO_ALLOWED_HOSTS may add another, e.g. the one its load balancer asks /healthz by, or be left
# unset) and, as https://…, to the origins its forms may be posted from. Read by the public
# instance only; the intranet's instance ignores it.
SCORE_PUBLIC_HOST = os.environ.get("SCORE_PUBLIC_HOST", "").strip().lower()
if SCORE_PUBLIC_INSTANCE:
    if SCORE_PUBLIC_HOST and not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", SCORE_PUBLIC_HOST):
        raise ImproperlyConfigured(
            f"SCORE_PUBLIC_HOST must be a host name alone (score.example.gov.cn), not {SCORE_PUBLIC_HOST!r}"
        )
    # On the internet there is no machine without TLS, and no deployment without the proxy: with
    # DEBUG off, each TLS setting must be on, and the login throttle must see the client's address
    # (with the proxy's address for everyone, 20 failures by anybody would lock every enterprise out).
    _public_refused = {
        "SCORE_PUBLIC_HOST must be set": not SCORE_PUBLIC_HOST,
        "DJANGO_SSL_REDIRECT cannot be false": not SECURE_SSL_REDIRECT,
        "DJANGO_SECURE_COOKIES cannot be false": not SESSION_COOKIE_SECURE,
        "DJANGO_HSTS_SECONDS cannot be 0": not SECURE_HSTS_SECONDS,
        "SCORE_TRUSTED_PROXY_COUNT must be at least 1 (the proxies in front)": SCORE_TRUSTED_PROXY_COUNT < 1,
    }
    for _message, _refused in _public_refused.items():
        if _refused and not DEBUG:
            raise ImproperlyConfigured(f"{_message} on the public instance (SCORE_PUBLIC_INSTANCE=true)")
    if SCORE_PUBLIC_HOST:
        ALLOWED_HOSTS.append(SCORE_PUBLIC_HOST)
        CSRF_TRUSTED_ORIGINS.append(f"https://{SCORE_PUBLIC_HOST}")

# Everything to stderr, which gunicorn and systemd/journald collect. `score.request` writes one line
# per request (score_portal.middleware); `django.request` logs every 500 with its traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # The request log says the same for 4xx/5xx; a second line from Django adds nothing.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        # WeasyPrint (the printed report) logs each step of every PDF; its warnings are kept.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# The machine API (/api/v1/, docs/api.md): Django REST framework, its OpenAPI document generated by
# drf-spectacular. Token authentication only (a browser's session never authenticates it, so it
# needs no CSRF token), JSON only, every error {"error": "…"} (api.errors).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.authentication.IsApiClient"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.JsonOnly",
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    # Lazy: the document is written in the request's language (Accept-Language, or ?lang=, which
    # the docs page passes), as are the operations' summaries and descriptions (api/views.py).
    "TITLE": gettext_lazy("SCORE portal machine API"),
    "DESCRIPTION": gettext_lazy(
        "Reads and writes for the work-safety department's other systems (docs/api.md; the contract: "
        'docs/domain.md, "The machine API"). Authenticate with `Authorization: Bearer <token>` '
        "(manage.py add_api_client). An empty query parameter is the same as leaving it out."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The document and its docs page are public (they hold no data): no token asked.
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Requests a minute one API client may make (counted in the database: across every worker and app
# server); past it, 429 with Retry-After.
SCORE_API_RATE = envint("SCORE_API_RATE", 120, minimum=1)
if SCORE_API_RATE < 1:
    raise ImproperlyConfigured(f"SCORE_API_RATE must be at least 1 request a minute, not {SCORE_API_RATE}")
