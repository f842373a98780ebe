"""Login throttling: too many failed logins for one username, or from one address, lock further
attempts out until the window has passed.

Each username and each address has a counter (FailedLoginCount). An attempt is counted as a
failure *before* its password is checked, by one conditional UPDATE per counter that adds one only
while the count is below its limit (or starts it again at one when its window has passed). The
check and the count are one statement, so attempts that arrive together cannot all pass a check
that none of them has counted yet: the database's row lock lines them up for that short
transaction, never for the password hash. An attempt refused there is not counted (the lock ends
when the window that began with the first failure has passed) and its password is never checked,
so the right password does not get through. An attempt whose password was right takes its count
back from the address and forgives the username's failures. The counters are in the database, not
in a local-memory cache, so they hold across every gunicorn worker and every app server.

Why not django-axes, the library STYLE.md names for this: the portal needs 5 failures per username
and 20 per address, and axes compares a single AXES_FAILURE_LIMIT with the larger of the two counts
(its issue #661: "write a custom handler"); and it checks in the authentication backend but records
in the user_login_failed signal, after the password check, so simultaneous attempts all pass the
check (its issue #592, closed "won't fix"). Making it hold needs, besides that handler, a lock row
per username and per address of our own, held across the password hash, which lines up every login
from one address (an office behind NAT) one hash after another. That lock row would be the counter
below, and then axes would add nothing but its tables.
"""

import datetime

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import FailedLoginCount


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


def _window():
    return datetime.timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def _counters(*, username, address):
    """(kind, value, limit) of the two counters an attempt touches.

    Always the address's first: every attempt takes the two row locks in the same order, so two
    attempts never wait for each other in a circle (a deadlock).
    """
    return [
        (FailedLoginCount.Kind.ADDRESS, address[:150], settings.LOGIN_FAILURE_LIMIT_IP),
        (FailedLoginCount.Kind.USERNAME, username.lower()[:150], settings.LOGIN_FAILURE_LIMIT_USERNAME),
    ]


def login_attempt_admit(*, username, address):
    """Count this attempt as a failure in advance and return True, or return False, counting
    nothing, when the username or the address has reached its limit within its window."""
    now = timezone.now()
    expired = Q(window_start__lt=now - _window())
    counters = _counters(username=username, address=address)
    with transaction.atomic():
        # A counter seen for the first time starts at 0 (a conflict means it exists: left alone).
        FailedLoginCount.objects.bulk_create(
            [
                FailedLoginCount(kind=kind, value=value, failures=0, window_start=now)
                for kind, value, _ in counters
            ],
            ignore_conflicts=True,
        )
        for kind, value, limit in counters:
            # PostgreSQL evaluates the WHERE again on a row another attempt has just updated, after
            # waiting for it: the limit is compared with the count that attempt left.
            counted = (
                FailedLoginCount.objects.filter(kind=kind, value=value)
                .filter(expired | Q(failures__lt=limit))
                .update(
                    failures=Case(
                        When(expired, then=Value(1)),
                        default=F("failures") + 1,
                        output_field=models.PositiveIntegerField(),
                    ),
                    window_start=Case(When(expired, then=Value(now)), default=F("window_start")),
                )
            )
            if not counted:
                # Refused: the count already added to the address is taken back with the rest.
                transaction.set_rollback(True)
                return False
    return True


def login_attempt_succeeded(*, username, address):
    """The password was right: take this attempt's count back from the address (whose other
    failures stay counted) and forgive the username's failures."""
    (_, address_value, _), (_, username_value, _) = _counters(username=username, address=address)
    with transaction.atomic():
        FailedLoginCount.objects.filter(
            kind=FailedLoginCount.Kind.ADDRESS, value=address_value, failures__gt=0
        ).update(failures=F("failures") - 1)
        FailedLoginCount.objects.filter(kind=FailedLoginCount.Kind.USERNAME, value=username_value).delete()


def failed_login_counts_forget_expired():
    """Delete the counters whose window has passed, so the table stays small.

    Only rows that no attempt is counting on at this moment (SKIP LOCKED): a delete that waited for
    such a row could hold another that the attempt is about to wait for.
    """
    with transaction.atomic():
        expired = FailedLoginCount.objects.filter(window_start__lt=timezone.now() - _window())
        keys = list(expired.select_for_update(skip_locked=True).values_list("pk", flat=True))
        FailedLoginCount.objects.filter(pk__in=keys).delete()


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
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not (username and password):
            # A field is missing: AuthenticationForm checks no password either.
            return super().clean()
        address = client_address(self.request) if self.request else "0.0.0.0"
        if not login_attempt_admit(username=username, address=address):
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": settings.LOGIN_FAILURE_WINDOW_MINUTES},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            # The count made in advance stays: it was a failure.
            failed_login_counts_forget_expired()
            raise
        login_attempt_succeeded(username=username, address=address)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    error_messages = {**AdminAuthenticationForm.error_messages, **ThrottledLoginMixin.error_messages}
