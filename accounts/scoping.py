"""Who may see and change what: the one place that answers it.

Every view, API, export and admin queryset asks `visible_districts` (read) or `editable_districts`
(write) and filters by the result, so a new page cannot forget a rule that lives elsewhere.
"""

import functools

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models.sql import Query

from accounts.models import Role
from districts.models import District


def user_role(user):
    """The user's role, or None (anonymous, or an account without a role group)."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.PROGRAMME_ADMIN
    cached = getattr(user, "_score_role", False)
    if cached is not False:
        return cached
    # Loaded with the user (user_with_scope) for a request's user; asked here for any other.
    names = set(user.groups.values_list("name", flat=True))
    # An account in several groups gets the widest; in practice each has one.
    role = next((r for r in Role if r.value in names), None)
    user._score_role = role
    return role


@functools.cache
def _user_with_scope_sql(using):
    """user_with_scope's query for the database `using`, built once per process."""
    from django.contrib.auth import get_user_model

    from accounts.models import Profile

    User = get_user_model()
    quote = connections[using].ops.quote_name
    memberships = User.groups.through._meta
    roles = Role.values
    return (
        f"SELECT {', '.join('u.' + quote(field.column) for field in User._meta.concrete_fields)}, "
        f"{', '.join('p.' + quote(field.column) for field in Profile._meta.concrete_fields)}, "
        f"(SELECT g.name FROM {Group._meta.db_table} g JOIN {memberships.db_table} m ON m.group_id = g.id "
        f"WHERE m.user_id = u.id AND g.name IN ({', '.join(['%s'] * len(roles))}) "
        f"ORDER BY CASE g.name {' '.join(f'WHEN %s THEN {rank}' for rank in range(len(roles)))} END "
        "LIMIT 1) "
        f"FROM {User._meta.db_table} u LEFT JOIN {Profile._meta.db_table} p ON p.user_id = u.id "
        "WHERE u.id = %s"
    )


def user_with_scope(user_id, using):
    """The user `user_id` with its role and profile, in one SQL query; None when there is none.

    Every request loads its user (the login backend calls this) and every page then asks for the
    role and the districts. Written in SQL: the same query through the ORM (a subquery ordered by
    the role's rank, the profile joined) cost about 1.4 ms of Python to compile on every request,
    a third of a cached dashboard page; this costs about 0.1 ms. The values pass through the
    database's converters as the ORM's do (on SQLite, datetimes become aware and booleans bool).
    An account in several role groups gets the widest role (Role's order); in practice each has one.
    """
    from django.contrib.auth import get_user_model

    from accounts.models import Profile

    User = get_user_model()
    connection = connections[using]
    user_fields = User._meta.concrete_fields
    profile_fields = Profile._meta.concrete_fields
    roles = Role.values
    sql = _user_with_scope_sql(using)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*roles, *roles, user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    fields = [*user_fields, *profile_fields]
    compiler = connection.ops.compiler("SQLCompiler")(Query(User), connection, using)
    converters = compiler.get_converters([field.get_col(field.model._meta.db_table) for field in fields])
    if converters:
        row = [*next(compiler.apply_converters([row[: len(fields)]], converters)), row[-1]]
    user = User.from_db(using, [field.attname for field in user_fields], row[: len(user_fields)])
    profile_row = row[len(user_fields) : len(fields)]
    profile = None
    if profile_row[0] is not None:
        profile = Profile.from_db(using, [field.attname for field in profile_fields], profile_row)
        Profile.user.field.set_cached_value(profile, user)
    # Cached on the user as select_related would: user.profile no longer queries (None: raises
    # Profile.DoesNotExist, as without a profile).
    User.profile.related.set_cached_value(user, profile)
    user._score_role = Role(row[-1]) if row[-1] else None
    return user


def _profile(user):
    from accounts.models import Profile

    try:
        return user.profile  # no query when loaded with the user (user_with_scope)
    except Profile.DoesNotExist:
        return None


def visible_scope(user):
    """All that `visible_districts(user)` depends on besides the districts themselves: the role and
    the profile's city and district. Users with the same scope see the same districts (the page
    cache shares their content)."""
    role = user_role(user)
    profile = _profile(user) if role else None
    if role is None or profile is None:
        return (role, None, None)
    return (role, profile.city_id, profile.district_id)


def _district_lookups(user):
    """The districts the user may read, as lookups on District's fields: {} for every district,
    None for none. The one statement of the rule, for a query and for a district in hand."""
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
    return lookups is not None and all(getattr(district, field) == value for field, value in lookups.items())


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
