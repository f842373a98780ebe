"""Login throttling: too many failed logins for one username, or from one address, lock further
attempts out until the window has passed.

Failures are rows in the database (LoginFailure), not a local-memory cache, so the count holds
across every gunicorn worker and every app server. A throttled attempt is refused before the
password is even checked (a correct password does not get through) and is not itself counted,
so the lock ends a fixed time after the last real failure.
"""

import datetime

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import LoginFailure


def client_address(request):
    """The client's IP address; behind SCORE_TRUSTED_PROXY_COUNT proxies, from X-Forwarded-For.

    Only the entries the trusted proxies appended are believed: a client can put anything at the
    left of the header.
    """
    proxies = settings.SCORE_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


def _window_start():
    return timezone.now() - datetime.timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def login_is_throttled(*, username, ip_address):
    """True when the username or the address has reached its limit of failures in the window."""
    recent = LoginFailure.objects.filter(at__gte=_window_start())
    # One query for both counts.
    counts = recent.filter(Q(username=username.lower()) | Q(ip_address=ip_address)).values_list(
        "username", "ip_address"
    )
    by_username = by_address = 0
    for failed_username, failed_address in counts:
        by_username += failed_username == username.lower()
        by_address += failed_address == ip_address
    return (
        by_username >= settings.LOGIN_FAILURE_LIMIT_USERNAME or by_address >= settings.LOGIN_FAILURE_LIMIT_IP
    )


def login_failure_record(*, username, ip_address):
    """Keep one failure, and forget those older than the window (the table stays small)."""
    LoginFailure.objects.filter(at__lt=_window_start()).delete()
    LoginFailure.objects.create(username=username.lower()[:150], ip_address=ip_address)


def login_failures_clear(*, username):
    """A successful login forgives the username's failures (the address's stay counted)."""
    LoginFailure.objects.filter(username=username.lower()).delete()


class ThrottledLoginMixin:
    """For an AuthenticationForm: refuse while throttled, count each failure."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _(
            "Too many failed logins for this account or from this computer. "
            "Please wait %(minutes)s minutes and try again, or ask the programme admin."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request else "0.0.0.0"
        if login_is_throttled(username=username, ip_address=address):
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": settings.LOGIN_FAILURE_WINDOW_MINUTES},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            if username:
                login_failure_record(username=username, ip_address=address)
            raise
        login_failures_clear(username=username)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    error_messages = {**AdminAuthenticationForm.error_messages, **ThrottledLoginMixin.error_messages}
