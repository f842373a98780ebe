"""Making portal accounts (one service used by the add_user command and by seed_demo) and the API
clients of the department's other systems (add_api_client)."""

import datetime
import hashlib
import secrets

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiClient, FailedLoginCount, Profile, Role
from accounts.scoping import Action, can
from common.text import listed
from districts.models import City, District

DISTRICT_ROLES = (Role.DISTRICT_OFFICIAL, Role.TRAINER)


@transaction.atomic
def user_create_or_update(
    *,
    username,
    role,
    password,
    district_code=None,
    city_code=None,
    enterprise_code=None,
    full_name="",
    must_change_password=False,
):
    """Create the account (or bring an existing one up to date) with its role and place of work.

    A district role needs a district; a city official works for a city (the district's city, or
    the only city when there is one); an enterprise account belongs to one enterprise, named by its
    credit code, and only an enterprise account has one. `must_change_password`: the account is
    sent to the password change page until it has chosen its own (a password someone else saw).
    """
    role = Role(role)
    district, city, enterprise = _place_of_work(role, district_code, city_code, enterprise_code)
    user, _created = User.objects.get_or_create(username=username)
    first, _sep, last = full_name.partition(" ")
    user.first_name, user.last_name = first, last
    # Programme admins manage everything in the admin; nobody else gets into it.
    user.is_staff = user.is_superuser = role == Role.PROGRAMME_ADMIN
    if password:
        user.set_password(password)
    user.save()
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "role": role,
            "district": district,
            "city": city,
            "enterprise": enterprise,
            "must_change_password": must_change_password,
        },
    )
    return user


def _place_of_work(role, district_code, city_code, enterprise_code):
    """(district, city, enterprise) of an account of `role`, from the codes given; ValidationError
    for a code that names nothing or a place the role does not have."""
    district = city = enterprise = None
    if district_code:
        district = District.objects.select_related("city").filter(code=district_code.lower()).first()
        if district is None:
            known = listed(District.objects.values_list("code", flat=True))
            raise ValidationError(
                _("Unknown district %(code)s; known districts: %(known)s.")
                % {"code": district_code, "known": known}
            )
    if enterprise_code is not None and role != Role.ENTERPRISE:
        raise ValidationError(
            _(
                "Only an enterprise account belongs to an enterprise: --enterprise goes with --role enterprise."
            )
        )
    if role in DISTRICT_ROLES and district is None:
        raise ValidationError(
            _("The role %(role)s needs a district (--district CODE).") % {"role": role.value}
        )
    if role == Role.CITY_OFFICIAL:
        city = _city_of(city_code, district)
    if role == Role.ENTERPRISE:
        enterprise = _enterprise_of(enterprise_code)
    if role not in DISTRICT_ROLES:
        # A city official's, a programme admin's and an enterprise's reach is not a district
        # (an enterprise's district is its enterprise's).
        district = None
    return district, city, enterprise


def _city_of(city_code, district):
    if city_code:
        city = City.objects.filter(code=city_code.lower()).first()
        if city is None:
            raise ValidationError(_("Unknown city %(code)s.") % {"code": city_code})
        return city
    if district is not None:
        return district.city
    if City.objects.count() == 1:
        return City.objects.get()
    raise ValidationError(_("A city official needs a city (--city CODE)."))


def _enterprise_model():
    """The Enterprise model, through the profile's foreign key: accounts sits below the enterprises
    app and does not import it (README, "Layout")."""
    return Profile._meta.get_field("enterprise").related_model


def _enterprise_of(enterprise_code):
    """The enterprise whose credit code is `enterprise_code`, typed as clerks type it (normalised
    as enterprises.credit_code.normalise does: stray spaces, lower case)."""
    if not (enterprise_code or "").strip():
        raise ValidationError(_("The role enterprise needs an enterprise (--enterprise CREDIT_CODE)."))
    code = enterprise_code.strip().upper()
    Enterprise = _enterprise_model()
    # The credit code's own rule (enterprises.credit_code.validate_credit_code), as the model
    # field declares it, so that a mistyped code says what is wrong with it.
    for validator in Enterprise._meta.get_field("credit_code").validators:
        try:
            validator(code)
        except ValidationError as error:
            raise ValidationError(
                _("%(code)s is not a credit code: %(reason)s")
                % {"code": enterprise_code.strip(), "reason": " ".join(error.messages)}
            ) from None
    enterprise = Enterprise.objects.filter(credit_code=code).first()
    if enterprise is None:
        raise ValidationError(_("No enterprise has the credit code %(code)s.") % {"code": code})
    return enterprise


# API clients (accounts.models.ApiClient): the token is shown once and only its hash is kept.
API_TOKEN_BYTES = 32  # 256 random bits, as 43 URL-safe characters
API_TOKEN_ROTATION = datetime.timedelta(days=7)


def api_token_hash(token):
    """The SHA-256 of a token, as kept in the database.

    A plain fast hash, not a password hash (PBKDF2, Argon2): a token is 256 random bits, so
    nobody can guess it from its hash whatever the speed of the hash, and a password hash would
    cost every API request tens of milliseconds. Being unsalted, the hash is also the key the
    token is looked up by (one indexed query). The same reasoning as GitHub's and PyPI's tokens.
    """
    return hashlib.sha256(token.encode()).hexdigest()


def _api_token_new():
    return "score_" + secrets.token_urlsafe(API_TOKEN_BYTES)


def _districts_of(codes):
    districts = []
    for code in codes:
        district = District.objects.filter(code=code.strip().lower()).first()
        if district is None:
            known = listed(District.objects.values_list("code", flat=True))
            raise ValidationError(
                _("Unknown district %(code)s; known districts: %(known)s.") % {"code": code, "known": known}
            )
        districts.append(district)
    return districts


@transaction.atomic
def api_client_create(*, name, district_codes=(), all_districts=False, may_write=False):
    """Make a client with its districts, or of every district with `all_districts` (one or the
    other, never neither: a client of no district would be useless, and reading "no district" as
    "every district" is how a client losing its last one became city-wide); returns (client,
    token). The token is not kept: the caller shows it once."""
    name = name.strip()
    if not name:
        raise ValidationError(_("An API client needs a name."))
    if all_districts and district_codes:
        raise ValidationError(
            _("Give the client its districts (--district) or every district (--all-districts), not both.")
        )
    if not all_districts and not district_codes:
        raise ValidationError(
            _("Give the client its districts (--district CODE …) or every district (--all-districts).")
        )
    if ApiClient.objects.filter(name=name).exists():
        raise ValidationError(
            _("An API client called %(name)s exists already; --rotate gives it a new token.") % {"name": name}
        )
    districts = _districts_of(district_codes)
    token = _api_token_new()
    client = ApiClient.objects.create(
        name=name, all_districts=all_districts, may_write=may_write, token_hash=api_token_hash(token)
    )
    client.districts.set(districts)
    return client, token


@transaction.atomic
def api_client_rotate(*, name):
    """Give the client a new token; the current one keeps working for API_TOKEN_ROTATION (7 days), so
    the other system can change over without downtime. Returns (client, new token)."""
    client = ApiClient.objects.select_for_update().filter(name=name.strip()).first()
    if client is None:
        raise ValidationError(_("There is no API client called %(name)s.") % {"name": name})
    token = _api_token_new()
    client.previous_token_hash = client.token_hash
    client.previous_token_valid_until = timezone.now() + API_TOKEN_ROTATION
    client.token_hash = api_token_hash(token)
    client.save(update_fields=["token_hash", "previous_token_hash", "previous_token_valid_until"])
    return client, token


def api_client_for_token(token):
    """The client whose current token, or previous one still within its change-over, is `token`;
    None for an unknown, expired or revoked token. One query."""
    digest = api_token_hash(token)
    client = (
        ApiClient.objects.filter(revoked_at__isnull=True)
        .filter(
            Q(token_hash=digest)
            | Q(previous_token_hash=digest, previous_token_valid_until__gt=timezone.now())
        )
        .first()
    )
    return client


# The district ids of a client in one column, for api_client_admit's RETURNING: each database's
# own string aggregate.
_DISTRICT_IDS_AGGREGATE = {
    "postgresql": "string_agg({column}::text, ',')",
    "sqlite": "group_concat({column}, ',')",
}


# The fields api_client_admit loads (the rest load if asked for); SQLite returns booleans as 0 or 1.
RETURNED_FIELDS = {"id", "name", "all_districts", "may_write"}
BOOLEAN_FIELDS = {"all_districts", "may_write"}


def api_rate_window(now):
    """The start of the minute in which `now` counts against a client's rate limit."""
    return now.replace(second=0, microsecond=0)


def api_client_admit(token, *, rate, now=None):
    """The client `token` authenticates (as api_client_for_token), counting a request of it now if
    it has made fewer than `rate` in the current minute: (client, True); (client, False) when it has
    made them, counting nothing; (None, False) for an unknown, expired or revoked token.

    An admitted request takes one statement: an UPDATE that finds the client by its token's hash,
    checks and counts its minute's requests, keeps its last use and request count, and returns the
    client's name, write permission, all_districts and districts (its other fields load if asked
    for). Requests arriving together on different workers or app servers cannot all pass a check none of them has
    counted yet: PostgreSQL evaluates the WHERE again on a row another request has just updated.
    The page cache is per process; this count is not. Only a refused request looks the token up
    again, to tell 401 from 429. (Written as SQL: the ORM's update() returns no rows; this was a
    lookup and an UPDATE, and a read from the page cache cost 1.8 times the summary API's,
    benchmarks/api_benchmark.py.)"""
    now = now or timezone.now()
    quote = connection.ops.quote_name
    meta = ApiClient._meta
    column = lambda name: quote(meta.get_field(name).column)  # noqa: E731
    # In the model's field order, the order from_db() takes values in.
    returned = [f.attname for f in meta.concrete_fields if f.attname in RETURNED_FIELDS]
    districts = meta.get_field("districts")
    through = quote(districts.remote_field.through._meta.db_table)
    aggregate = _DISTRICT_IDS_AGGREGATE[connection.vendor].format(column=quote(districts.m2m_reverse_name()))
    sql = f"""
        UPDATE {quote(meta.db_table)} SET
            {column("window_count")} = CASE WHEN {column("window_start")} = %(window)s
                THEN {column("window_count")} + 1 ELSE 1 END,
            {column("window_start")} = %(window)s,
            {column("request_count")} = {column("request_count")} + 1,
            {column("last_used_at")} = %(now)s
        WHERE {column("revoked_at")} IS NULL
          AND ({column("token_hash")} = %(digest)s OR ({column("previous_token_hash")} = %(digest)s
               AND {column("previous_token_valid_until")} > %(now)s))
          AND ({column("window_start")} IS NULL OR {column("window_start")} <> %(window)s
               OR {column("window_count")} < %(rate)s)
        RETURNING {", ".join(column(name) for name in returned)},
            (SELECT {aggregate} FROM {through}
             WHERE {through}.{quote(districts.m2m_column_name())} = {quote(meta.db_table)}.{column("id")})
    """
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "window": adapt(api_rate_window(now)),
        "now": adapt(now),
        "digest": api_token_hash(token),
        "rate": rate,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return api_client_for_token(token), False
    values = [
        bool(value) if name in BOOLEAN_FIELDS else value for name, value in zip(returned, row, strict=False)
    ]
    client = ApiClient.from_db(connection.alias, returned, values)
    client._district_ids = tuple(sorted(int(pk) for pk in row[-1].split(","))) if row[-1] else ()
    return client, True


def password_changed(*, user):
    """The account has chosen its own password: it is no longer sent to the password change page."""
    Profile.objects.filter(user=user, must_change_password=True).update(must_change_password=False)
    if hasattr(user, "profile"):
        user.profile.must_change_password = False


# A password the district hands to an enterprise (on screen or in enterprise_accounts' workbook),
# which the account changes at its first login: 14 characters of an alphabet without the look-alikes
# 0/O/o, 1/l/I (about 80 random bits), read aloud or typed from paper without a mistake.
GIVEN_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GIVEN_PASSWORD_LENGTH = 14


def _given_password():
    return "".join(secrets.choice(GIVEN_PASSWORD_ALPHABET) for _ in range(GIVEN_PASSWORD_LENGTH))


def _check_manages(actor, enterprise):
    """An actor given (a web request's user) must have the right to manage the enterprise's accounts;
    None is the command line, whose operator has the server."""
    if actor is not None and not can(actor, Action.MANAGE_ACCOUNTS, enterprise):
        raise PermissionDenied


@transaction.atomic
def enterprise_account_create(*, enterprise, actor=None):
    """A new account of the enterprise role for `enterprise`, with a random password it must change
    at its first login; returns (user, password), the password to be shown once and never kept.

    Its username is the credit code in lower case (what the enterprise knows by heart), then
    `-2`, `-3` … for its further accounts. The enterprise's row is locked, so that two officials
    making its accounts at once do not pick the same name."""
    _check_manages(actor, enterprise)
    type(enterprise).objects.select_for_update().filter(pk=enterprise.pk).first()
    base = enterprise.credit_code.lower()
    taken = set(User.objects.filter(username__startswith=base).values_list("username", flat=True))
    username = next(name for name in _usernames(base) if name not in taken)
    password = _given_password()
    user = User(username=username)
    user.set_password(password)
    user.save()
    Profile.objects.create(user=user, role=Role.ENTERPRISE, enterprise=enterprise, must_change_password=True)
    return user, password


def _usernames(base):
    yield base
    number = 2
    while True:
        yield f"{base}-{number}"
        number += 1


@transaction.atomic
def enterprise_account_password_reset(*, user, actor=None):
    """A new random password for an enterprise's account, which it must change at its next login;
    returns it, to be shown once. The account's other logins end (its password hash changes), and a
    lockout for its failed logins is lifted: the new password works at once."""
    profile = (
        Profile.objects.select_for_update(of=("self",)).select_related("enterprise").filter(user=user).first()
    )
    if profile is None or profile.role != Role.ENTERPRISE or profile.enterprise is None:
        raise ValidationError(_("Only an enterprise account's password is reset here."))
    _check_manages(actor, profile.enterprise)
    password = _given_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    profile.must_change_password = True
    profile.save(update_fields=["must_change_password"])
    FailedLoginCount.objects.filter(kind=FailedLoginCount.Kind.USERNAME, value=user.username.lower()).delete()
    return password
