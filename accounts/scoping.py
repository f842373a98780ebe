"""Who may see and change what: the one place that answers it.

Every view, API, export and admin queryset asks `visible_districts` (read) or `editable_districts`
(write) and filters by the result, so a new page cannot forget a rule that lives elsewhere. The
"who" is a user or an API client (another system of the department, accounts.models.ApiClient):
both go through the same functions, so a client's districts obey the same rule as a user's.
"""

from django.core.exceptions import PermissionDenied

from accounts.models import ApiClient, Profile, Role
from districts.models import District


def user_role(user):
    """The user's role, or None (anonymous, or an account without a role)."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.PROGRAMME_ADMIN
    profile = _profile(user)
    return Role(profile.role) if profile is not None and profile.role else None


def _profile(user):
    try:
        return user.profile  # no query for a request's user (the login backend loads it with it)
    except Profile.DoesNotExist:
        return None


def visible_scope(user):
    """All that `visible_districts(user)` depends on besides the districts themselves: the role and
    the profile's city and district (for an API client, every district or the districts it was
    given). Users and clients with the same scope see the same districts (the page cache shares
    their content)."""
    if isinstance(user, ApiClient):
        return ("api_client", "all") if user.all_districts else ("api_client", user.district_ids())
    role = user_role(user)
    profile = _profile(user) if role else None
    if role is None or profile is None:
        return (role, None, None)
    return (role, profile.city_id, profile.district_id)


def _district_lookups(user):
    """The districts the user may read, as lookups on District's fields: {} for every district,
    None for none. The one statement of the rule, for a query and for a district in hand.

    An API client reads every district when made so (`add_api_client NAME --all-districts`: the
    city's systems), otherwise the districts it was given: none given, none read."""
    if isinstance(user, ApiClient):
        if user.all_districts:
            return {}
        ids = user.district_ids()
        return {"pk__in": ids} if ids else None
    role, city_id, district_id = visible_scope(user)
    if role == Role.PROGRAMME_ADMIN:
        return {}
    if role == Role.CITY_OFFICIAL and city_id:
        return {"city_id": city_id}
    if role in (Role.DISTRICT_OFFICIAL, Role.TRAINER) and district_id:
        return {"pk": district_id}
    return None


def visible_districts(user):
    """Districts whose data the user may read."""
    lookups = _district_lookups(user)
    return District.objects.none() if lookups is None else District.objects.filter(**lookups)


def may_read_district(user, district):
    """Whether `district` is one of visible_districts(user), without a query."""
    lookups = _district_lookups(user)
    if lookups is None:
        return False
    if "pk__in" in lookups:
        return district.pk in lookups["pk__in"]
    return all(getattr(district, field) == value for field, value in lookups.items())


def editable_districts(user):
    """Districts whose training records the user may change (officials only read); for an API
    client, the districts it may write records of: its own, if it was made with --write."""
    if isinstance(user, ApiClient):
        return visible_districts(user) if user.may_write else District.objects.none()
    role = user_role(user)
    if role in (Role.PROGRAMME_ADMIN, Role.TRAINER):
        return visible_districts(user)
    return District.objects.none()


def require_role(user, *roles):
    """Raise PermissionDenied (403) unless the user has one of `roles`."""
    if user_role(user) not in roles:
        raise PermissionDenied


OFFICIAL_ROLES = (Role.PROGRAMME_ADMIN, Role.CITY_OFFICIAL, Role.DISTRICT_OFFICIAL)


def sees_whole_phones(user):
    """Whether the user sees attendees' phone numbers whole: programme admins and trainers, who
    call them; officials see them masked (PIPL: personal information shown only as far as the work
    needs it)."""
    return user_role(user) in (Role.PROGRAMME_ADMIN, Role.TRAINER)
