"""Who is calling the machine API, whether it may, and how often.

A client sends `Authorization: Bearer <token>`; the portal keeps only the token's SHA-256
(accounts.services.api_token_hash says why that suffices). A browser's session never authenticates
the API: no CSRF token is needed, and a logged-in official's cookie cannot make a request count
as a system's.

The rate limit (SCORE_API_RATE requests a minute per client) is counted in the client's own row,
in the very statement that authenticates it (accounts.services.api_client_admit): it holds across
every worker and app server, and the same statement keeps the client's last use and request count
for the admin. A request past the limit is refused with 429 before anything else is looked at.
"""

import datetime
import math

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import ApiClient
from accounts.services import api_client_admit, api_rate_window


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
        now = timezone.now()
        client, admitted = api_client_admit(token, rate=settings.SCORE_API_RATE, now=now)
        if client is None:
            raise exceptions.AuthenticationFailed(_("This token is unknown, expired or revoked."))
        request._request.api_client = client  # for the request log (score_portal.middleware)
        if not admitted:
            next_window = api_rate_window(now) + datetime.timedelta(minutes=1)
            raise exceptions.Throttled(wait=max(1, math.ceil((next_window - now).total_seconds())))
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
