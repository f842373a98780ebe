"""Who may see and change what: the one place that answers it.

Every view, API, export and admin queryset asks `visible_districts` (read) or `editable_districts`
(write) and filters by the result, so a new page cannot forget a rule that lives elsewhere.
"""

from django.core.exceptions import PermissionDenied

from enterprises.models import District
from score_portal.models import Role


def user_role(user):
    """The user's role, or None (anonymous, or an account without a role group)."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.PROGRAMME_ADMIN
    cached = getattr(user, "_score_role", False)
    if cached is not False:
        return cached
    names = set(user.groups.values_list("name", flat=True))
    # An account in several groups gets the widest; in practice each has one.
    role = next((r for r in Role if r.value in names), None)
    user._score_role = role
    return role


def _profile(user):
    from score_portal.models import Profile

    try:
        return Profile.objects.select_related("district", "city").get(user=user)
    except Profile.DoesNotExist:
        return None


def visible_districts(user):
    """Districts whose data the user may read."""
    role = user_role(user)
    if role == Role.PROGRAMME_ADMIN:
        return District.objects.all()
    profile = _profile(user) if role else None
    if profile is None:
        return District.objects.none()
    if role == Role.CITY_OFFICIAL and profile.city_id:
        return District.objects.filter(city_id=profile.city_id)
    if role in (Role.DISTRICT_OFFICIAL, Role.TRAINER) and profile.district_id:
        return District.objects.filter(pk=profile.district_id)
    return District.objects.none()


def editable_districts(user):
    """Districts whose training records the user may change (officials only read)."""
    role = user_role(user)
    if role in (Role.PROGRAMME_ADMIN, Role.TRAINER):
        return visible_districts(user)
    return District.objects.none()


def require_role(user, *roles):
    """Raise PermissionDenied (403) unless the user has one of `roles`."""
    if user_role(user) not in roles:
        raise PermissionDenied


OFFICIAL_ROLES = (Role.PROGRAMME_ADMIN, Role.CITY_OFFICIAL, Role.DISTRICT_OFFICIAL)
