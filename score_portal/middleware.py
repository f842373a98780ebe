"""Middleware every response passes through: one log line per request, and the security headers
Django 5.2 does not send by itself (Content-Security-Policy, Permissions-Policy)."""

import logging
import time

from django.conf import settings
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


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY and PERMISSIONS_POLICY on every response.

    A view that needs a different policy sets the header itself; it is not overwritten.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
