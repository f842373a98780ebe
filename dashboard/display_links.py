"""Display links: making, revoking and resolving the links that open the meeting-room screen
without a login (dashboard.models.DisplayLink)."""

import hashlib
import re
import secrets

from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import OFFICIAL_ROLES, user_role

from .models import DisplayLink

# secrets.token_urlsafe(32): 32 random bytes, 43 characters of the URL-safe base64 alphabet.
TOKEN_BYTES = 32
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


class LinkRefused(Exception):
    """A token that opens nothing: `status` 404 (no such link) or 403 (revoked, or its creator may
    no longer see the screen), with the sentence the screen shows."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def display_link_create(*, creator, name, language):
    """A new link for `creator` and its token (shown once: only its hash is stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = DisplayLink.objects.create(
        creator=creator, name=name, language=language, token_hash=token_hash(token)
    )
    return link, token


def display_link_revoke(*, link):
    """Revoke `link` for good (a revoked link stays listed, with when)."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def display_link_use(*, token):
    """The link `token` opens, its use recorded (last_used_at), with its creator and profile loaded;
    LinkRefused for an unknown or revoked token, or one whose creator is inactive or no longer an
    official (their role as it stands now: a link is never wider than its creator)."""
    link = None
    if TOKEN_SHAPE.fullmatch(token):
        # From the primary even inside a view reading the replica: a link revoked a moment ago
        # must not open the screen for as long as the replica lags.
        link = (
            DisplayLink.objects.using(DEFAULT_DB_ALIAS)
            .select_related("creator__profile")
            .filter(token_hash=token_hash(token))
            .first()
        )
    if link is None:
        raise LinkRefused(404, _("There is no such display link. Ask an official for a new one."))
    if link.revoked_at is not None:
        raise LinkRefused(403, _("This display link has been revoked. Ask an official for a new one."))
    if not link.creator.is_active or user_role(link.creator) not in OFFICIAL_ROLES:
        raise LinkRefused(
            403,
            _(
                "This display link no longer works: the account that made it may no longer see the "
                "screen. Ask an official for a new one."
            ),
        )
    now = timezone.now()
    DisplayLink.objects.filter(pk=link.pk).update(last_used_at=now)
    link.last_used_at = now
    return link
