"""Middleware every request passes through: one log line per request, the Permissions-Policy header
(which neither Django 5.2 nor django-csp sends), the body size limit, no caching of what a
logged-in user is shown, a query parameter given twice to a JSON endpoint, the database
timeouts of a web request, and the few URLs the enterprises' instance on the internet serves."""

import contextlib
import logging
import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, OperationalError, connections
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers
from django.utils.functional import empty
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from api.errors import error_response, too_large_message

request_log = logging.getLogger("score.request")


def _username(request):
    """The logged-in user's name, without loading the session just to log it.

    AuthenticationMiddleware sets `request.user` lazily; a view that never looked at it (the
    health check, static files) is logged as "-" rather than paying two queries for the log line.
    """
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return "-"
    return user.get_username() if user.is_authenticated else "anonymous"


def _api_client(request):
    """The machine API client that made the request (api.authentication), or "-"."""
    client = getattr(request, "api_client", None)
    return client.name if client is not None else "-"


class RequestLogMiddleware:
    """`GET /enterprises/ 200 12.3ms user=nanxun`: method, path, status, duration and user; for
    the machine API also the client (`client=deqing-risk`), its audit line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        api = request.path.startswith("/api/")
        client = _api_client(request) if api else None
        request_log.log(
            level,
            "%s %s %s %.1fms user=%s" + (" client=%s" if api else ""),
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            _username(request),
            *((client,) if api else ()),
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(duration_ms, 1),
                "user": _username(request),
                **({"client": client} if api else {}),
            },
        )
        return response


class PermissionsPolicyMiddleware:
    """Send settings.PERMISSIONS_POLICY on every response.

    Neither Django 5.2 nor django-csp sends this header. A view that needs a different policy sets
    the header itself; it is not overwritten.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class RequestBodyLimitMiddleware:
    """Refuse a request whose body is larger than the largest import file allows, before reading it.

    Django would otherwise stream any upload to a temporary file before a form could check its
    size. The TLS proxy should refuse such bodies first (nginx `client_max_body_size`); this holds
    when it does not. The margin of 1 MB is for the form's other fields and the multipart framing,
    so a file just under the limit still reaches validate_import_file and its precise message.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if request.path.startswith("/api/") and length > settings.SCORE_IMPORT_MAX_BYTES:
            # The machine API's body is the import itself: no margin, and its JSON error.
            request_log.warning("refused a request body of %s bytes", length)
            return error_response(too_large_message(), 413)
        if length > settings.SCORE_IMPORT_MAX_BYTES + 1024 * 1024:
            request_log.warning("refused a request body of %s bytes", length)
            return render(
                request,
                "413.html",
                {"limit_mb": settings.SCORE_IMPORT_MAX_BYTES // (1024 * 1024)},
                status=413,
            )
        return self.get_response(request)


class RepeatedParameterMiddleware:
    """Refuse a JSON endpoint's request that gives a query parameter twice (`?dry_run=1&dry_run=0`)
    with 400 `{"error": …}` naming it, before any view reads it.

    Django's QueryDict.get() and DRF's query_params answer the last value given, so a view would
    silently take one of two contradicting values (a "dry run" that wrote). The machine API and the
    dashboard's JSON endpoints take each parameter once; checked here, in one place, for every
    view under those paths rather than in each view. The pages for people are left alone: a link
    that repeats a parameter is not a system's mistake to report."""

    JSON_PATHS = ("/api/", "/dashboard/api/summary/", "/dashboard/api/missing/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(self.JSON_PATHS):
            for name, values in request.GET.lists():
                if len(values) > 1:
                    return error_response(
                        _("The parameter “%(name)s” is given more than once; give it once.")
                        % {"name": name[:40]},
                        400,
                    )
        return self.get_response(request)


def _kept_nowhere(response):
    return "no-store" in response.get("Cache-Control", "")


class NoStoreWhenLoggedInMiddleware:
    """Tell browsers and proxies to keep nothing a logged-in user was sent: every page, download
    and API answer (`Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private`).

    Officials share office computers: the next person at the desk must not find another's
    enterprise list or export in the browser's cache or history. Static files never get here
    (WhiteNoise answers them first, with its ten-year cache), and an anonymous request without a
    session cookie (the login page, /healthz) is answered as its view decided, without loading a
    user to find out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A response already kept nowhere (the busy page) needs no user loaded to say so: loading
        # it would wait for the locked table again.
        if not _kept_nowhere(response) and self._logged_in(request):
            add_never_cache_headers(response)
        return response

    @staticmethod
    def _logged_in(request):
        # Without a session cookie nobody is logged in (the login's own POST answers with a
        # redirect); with one, the user the view has usually loaded already.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or not hasattr(request, "user"):
            return False
        return request.user.is_authenticated


# PostgreSQL's SQLSTATEs for a statement cancelled by statement_timeout (query_canceled) and for a
# lock not obtained within lock_timeout (lock_not_available).
QUERY_CANCELED = "57014"
LOCK_NOT_AVAILABLE = "55P03"


def _cut_short(error):
    return isinstance(error, OperationalError) and getattr(error.__cause__, "pgcode", None) in (
        QUERY_CANCELED,
        LOCK_NOT_AVAILABLE,
    )


class DatabaseTimeoutMiddleware:
    """On PostgreSQL, a web request runs no statement longer than SCORE_WEB_STATEMENT_TIMEOUT_MS
    and waits no longer than SCORE_WEB_LOCK_TIMEOUT_MS for a lock; a request cut short answers
    "The portal is busy" (503) instead of hanging until gunicorn kills its worker.

    Set for the request and reset at its end, on each PostgreSQL connection it uses: not
    connection options, which would hold for migrations, management commands and tests sharing
    the connection too. Work that must finish once begun lifts the statement timeout for its own
    transaction with SET LOCAL: an import's confirmation (imports.services) and the roll-up's
    rebuild (dashboard.rollup). Neither lifts the lock timeout: a table locked by a migration
    answers busy rather than holding the request until the migration ends. A zero turns a
    timeout off.

    The SET is sent just before the request's first statement on a connection (an execute
    wrapper, Django's documented hook), so a request that reads nothing costs nothing, and the
    RESET after the response; both on the driver's connection, below Django's query log, so the
    query-count tests go on counting what a page asks of the data. Two round trips per request
    that reads the database (about 0.1 ms on one machine). When that first statement opens a
    transaction (an `atomic` block: the roll-up's rebuild, the session's save, the login's
    throttle), the SET is sent before it, in autocommit: inside, a rollback would undo it, and a
    request that goes on after the rollback (the rebuild that could not lock its tables reads
    them instead) would wait for the lock's release. Only a transaction already open before the
    request (a test's) takes the SET with it.

    A statement cut short anywhere in the request answers busy: in the view (process_exception),
    and in a middleware (the session loaded for the no-store header or saved after the view),
    which Django turns into a 500 before this middleware sees it: the wrapper notes the error,
    and a 500 of a request that had one is answered as busy instead. The busy page is rendered
    without the request's context processors, which would load the user from the locked tables.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeouts = (settings.SCORE_WEB_STATEMENT_TIMEOUT_MS, settings.SCORE_WEB_LOCK_TIMEOUT_MS)
        aliases = [alias for alias in connections if connections[alias].vendor == "postgresql"]
        if not aliases or not any(timeouts):
            return self.get_response(request)
        applied = set()
        cut_short = []
        with contextlib.ExitStack() as wrappers:
            for alias in aliases:
                wrappers.enter_context(
                    connections[alias].execute_wrapper(self._setter(alias, timeouts, applied, cut_short))
                )
            try:
                response = self.get_response(request)
            finally:
                for alias in applied:
                    self._reset(connections[alias])
        if cut_short and response.status_code == 500:
            return self._busy(request, cut_short[-1])
        return response

    @staticmethod
    def _setter(alias, timeouts, applied, cut_short):
        def set_timeouts(execute, sql, params, many, context):
            if alias not in applied:
                applied.add(alias)
                DatabaseTimeoutMiddleware._set(context["connection"], timeouts)
            try:
                return execute(sql, params, many, context)
            except OperationalError as error:
                if _cut_short(error):
                    cut_short.append(error)
                raise

        return set_timeouts

    @staticmethod
    def _set(connection, timeouts):
        driver = connection.connection
        # An atomic block begun but no statement of it sent yet: the driver has no transaction open.
        before_transaction = (
            not driver.autocommit and driver.info.transaction_status == TRANSACTION_STATUS_IDLE
        )
        with connection.wrap_database_errors:
            if before_transaction:
                driver.autocommit = True
            try:
                with driver.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('statement_timeout', %s, false), set_config('lock_timeout', %s, false)",
                        [str(timeout) for timeout in timeouts],
                    )
            finally:
                if before_transaction:
                    driver.autocommit = False

    @staticmethod
    def _reset(connection):
        if connection.connection is None:
            return  # closed during the request
        try:
            with connection.wrap_database_errors, connection.connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout; RESET lock_timeout")
        except DatabaseError:
            # Broken, or left in a failed transaction: a connection that may keep the web's
            # timeouts is not reused (a test's own transaction is left to the test).
            if not connection.in_atomic_block:
                connection.close()

    def process_exception(self, request, exception):
        if not _cut_short(exception):
            return None
        return self._busy(request, exception)

    @staticmethod
    def _busy(request, error):
        request_log.warning(
            "%s %s cut short by the database timeout: %s", request.method, request.path, error
        )
        message = _("The portal is busy, try again in a minute.")
        if request.path.startswith(("/dashboard/api/", "/api/")):
            response = JsonResponse({"error": message}, status=503, json_dumps_params={"ensure_ascii": False})
        else:
            # Not render(request, …): its context processors (the user's name and role in the
            # navigation) would ask the locked tables again, as Django's own 500 page avoids.
            response = HttpResponse(
                render_to_string("503.html", {"message": message, "retry_path": request.get_full_path()}),
                status=503,
            )
        response["Retry-After"] = "60"
        add_never_cache_headers(response)
        return response


# What the enterprises' instance on the internet serves (docs/operations.md, "The enterprises'
# instance: on the internet"); everything else is a 404 there. Views by their URL name (with its
# namespace: the admin's own "admin:login" is not "login"), wherever their path is:
PUBLIC_VIEW_NAMES = frozenset(
    {
        # The start page: it only sends each user on to the page of their role (an anonymous one to
        # the login); the login, the 404 page and the enterprises' bookmarks lead to it.
        "home",
        "login",
        "logout",
        "password_change",
        "password_change_done",
        "set_language",
        # For the load balancer in front; it says "ok" or "database unavailable", nothing more.
        "healthz",
    }
)
# … and every path under these: the enterprises' own pages (docs/domain.md, "Enterprises report for
# themselves": /report/, /report/<YYYY-MM>/, /report/exempt/), those written later included. The
# portal has no language prefix in its paths (no i18n_patterns): the language is the cookie's.
# Static files never get here: WhiteNoise, above, answers them.
PUBLIC_PATH_PREFIXES = ("/report/",)


def public_path(path, urlconf=None):
    """Whether the enterprises' instance serves `path`: a path under PUBLIC_PATH_PREFIXES, or one
    that resolves to a view of PUBLIC_VIEW_NAMES. A path without its final slash counts as the path
    with it (CommonMiddleware, further in, redirects it there), so `/accounts/login` still leads to
    the login; a path that resolves nowhere is not served."""
    candidates = [path]
    if settings.APPEND_SLASH and not path.endswith("/"):
        candidates.append(path + "/")
    for candidate in candidates:
        if candidate.startswith(PUBLIC_PATH_PREFIXES):
            return True
        try:
            match = resolve(candidate, urlconf)
        except Resolver404:
            continue
        return match.view_name in PUBLIC_VIEW_NAMES
    return False


class PublicInstanceMiddleware:
    """On the enterprises' instance (SCORE_PUBLIC_INSTANCE), answer the portal's 404 page for every
    URL that public_path() does not serve: the admin, the machine API, the dashboard, imports,
    training, review, the meeting-room screen and its display links, and any URL added to the
    portal later until it is added to the lists above. It fails closed: a page written for
    officials is never put on the internet by accident.

    A 404, not a redirect to the login or a 403: an anonymous visitor learns nothing of what is
    behind it. It answers before anything else reads the request (the session, the user, the
    body), so the page is the anonymous one, without the navigation of a user's role; Django's 404
    view sets the CSRF cookie its language switch needs. Never kept by the browser, as every page
    a logged-in user is sent (NoStoreWhenLoggedInMiddleware, further in, is not reached).
    Not loaded at all on the intranet's instance (MiddlewareNotUsed).
    """

    def __init__(self, get_response):
        if not settings.SCORE_PUBLIC_INSTANCE:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        if public_path(request.path_info, getattr(request, "urlconf", None)):
            return self.get_response(request)
        response = page_not_found(request, Http404())
        add_never_cache_headers(response)
        return response
