"""Middleware every request passes through: one log line per request, the Permissions-Policy header
(which neither Django 5.2 nor django-csp sends), the body size limit, and no caching of what a
logged-in user is shown."""

import logging
import time

from django.conf import settings
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.functional import empty

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


class RequestLogMiddleware:
    """`GET /enterprises/ 200 12.3ms user=nanxun`: method, path, status, duration and user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        request_log.log(
            level,
            "%s %s %s %.1fms user=%s",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            _username(request),
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(duration_ms, 1),
                "user": _username(request),
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
        if length > settings.SCORE_IMPORT_MAX_BYTES + 1024 * 1024:
            request_log.warning("refused a request body of %s bytes", length)
            return render(
                request,
                "413.html",
                {"limit_mb": settings.SCORE_IMPORT_MAX_BYTES // (1024 * 1024)},
                status=413,
            )
        return self.get_response(request)


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
        if self._logged_in(request):
            add_never_cache_headers(response)
        return response

    @staticmethod
    def _logged_in(request):
        # Without a session cookie nobody is logged in (the login's own POST answers with a
        # redirect); with one, the user the view has usually loaded already.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or not hasattr(request, "user"):
            return False
        return request.user.is_authenticated
