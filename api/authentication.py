"""Who is calling the machine API, whether it may, and how often.

A client sends `Authorization: Bearer <token>`; the portal keeps only the token's SHA-256
(accounts.services.api_token_hash says why that suffices). A browser's session never authenticates
the API: no CSRF token is needed, and a logged-in official's cookie cannot make a request count
as a system's.

The rate limit (SCORE_API_RATE requests a minute per client) is counted in the client's own row,
in one conditional UPDATE that checks and counts at once: requests arriving together on different
workers or app servers cannot all pass a check none of them has counted yet (PostgreSQL evaluates
the WHERE again on the row another request has just updated). The same statement keeps the
client's last use and request count for the admin. The page cache is per process; this is not.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiClient
from accounts.services import api_client_for_token


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        scheme, _sep, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token or len(token) > 200:
            raise exceptions.AuthenticationFailed(
                _("Send the token as the header Authorization: Bearer <token>.")
            )
        client = api_client_for_token(token)
        if client is None:
            raise exceptions.AuthenticationFailed(_("This token is unknown, expired or revoked."))
        request._request.api_client = client  # for the request log (score_portal.middleware)
        return AnonymousUser(), client

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class IsApiClient(BasePermission):
    """A client (401 without one); writing only for clients made with --write (403)."""

    def has_permission(self, request, view):
        if not isinstance(request.auth, ApiClient):
            raise exceptions.NotAuthenticated(
                _("This API needs a client's token: send the header Authorization: Bearer <token>.")
            )
        if request.method not in SAFE_METHODS and not request.auth.may_write:
            raise exceptions.PermissionDenied(
                _("This client may only read; writing needs a client made with --write.")
            )
        return True


def _window_start(now):
    return now.replace(second=0, microsecond=0)


def api_request_admit(client, *, now=None):
    """Count a request of `client` and return True, or return False, counting nothing, when it has
    made SCORE_API_RATE requests in the current minute. One statement (see the module)."""
    now = now or timezone.now()
    window = _window_start(now)
    same_window = Q(window_start=window)
    return bool(
        ApiClient.objects.filter(pk=client.pk)
        .filter(~same_window | Q(window_start__isnull=True) | Q(window_count__lt=settings.SCORE_API_RATE))
        .update(
            window_count=Case(When(same_window, then=F("window_count") + 1), default=Value(1)),
            window_start=Value(window),
            request_count=F("request_count") + 1,
            last_used_at=Value(now),
        )
    )


class ClientRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        client = request.auth
        if not isinstance(client, ApiClient):
            return True  # refused by IsApiClient already
        self.now = timezone.now()
        return api_request_admit(client, now=self.now)

    def wait(self):
        next_window = _window_start(self.now) + datetime.timedelta(minutes=1)
        return max(1, int((next_window - self.now).total_seconds() + 0.999))
