"""Who may see and do what: the one rule of rights, for users and API clients alike.

The rule is a table (RIGHTS): for each role, each action it may take, the kinds of record the
action applies to and how far it reaches (every district, the city, the district, the enterprise,
the client's districts). A few refusals depend on a record's state (STATE_RULES: an approved report
is locked). Everything else asks this module:

- `can(actor, action, record)`: may the actor take the action on this record (a model instance, or
  `Facts` describing a record as it stands or as it will be written)? The write door
  (imports.engine) asks it of every row of a write, on the rows as they will be written and the
  records as they stand under lock; views and the admin ask it of the record in hand.
- `rights_of(actor)`: the same answers for many records without a query per record (the door's
  rows), the actor's reach resolved once.
- `districts_for(actor, action, kind)`: the districts where the actor may take the action, as a
  queryset, for list pages, exports, admin querysets and the page cache's key
  (`visible_districts`, `editable_districts` are its two common questions).

The rows for the enterprise role and the review actions (approve, return, reopen, file for an
enterprise, exemptions, a lock's override) hold before their pages exist, so that the pages that
bring them (docs/domain.md, "Enterprises report for themselves") only ask; the README's roles table
is tested against `rights_table()`.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied

from accounts.models import ApiClient, Profile, Role
from districts.models import District


class Action(StrEnum):
    READ = "read"
    WRITE = "write"  # create or change a record
    APPROVE = "approve"
    RETURN = "return"
    REOPEN = "reopen"
    FILE_FOR = "file_for"  # file a report for an enterprise that cannot (代填报)
    EXEMPT_REQUEST = "exempt_request"
    EXEMPT_DECIDE = "exempt_decide"  # approve or refuse a request, or declare an exemption
    EXEMPT_END = "exempt_end"
    OVERRIDE_LOCK = "override_lock"  # change an approved report, with a written reason
    MANAGE_ACCOUNTS = "manage_accounts"  # make and reset enterprises' accounts


class Kind(StrEnum):
    ENTERPRISE = "enterprise"
    REPORT = "safety_report"
    SUGGESTION = "suggestion"
    PROJECT = "project"
    WORKSHOP = "workshop"


class Reach(StrEnum):
    EVERY_DISTRICT = "every district"
    CITY = "their city"
    DISTRICT = "their district"
    ENTERPRISE = "their enterprise"
    CLIENT = "its districts"  # an API client: the districts it was given, or all with --all-districts


ENTERPRISE_RECORDS = (Kind.ENTERPRISE, Kind.REPORT, Kind.SUGGESTION, Kind.PROJECT)
ALL_KINDS = (*ENTERPRISE_RECORDS, Kind.WORKSHOP)
OWN_RECORDS = (Kind.REPORT, Kind.SUGGESTION, Kind.PROJECT)  # what an enterprise writes itself
REVIEW = (Action.APPROVE, Action.RETURN, Action.REOPEN)
EXEMPTIONS = (Action.EXEMPT_DECIDE, Action.EXEMPT_END)

API_CLIENT = "api_client"  # the "role" of a machine API client in the table

# role -> {action: (kinds, reach)}. An action a role does not list is refused (403 on its page).
RIGHTS = {
    Role.PROGRAMME_ADMIN: {
        Action.READ: (ALL_KINDS, Reach.EVERY_DISTRICT),
        Action.WRITE: (ALL_KINDS, Reach.EVERY_DISTRICT),
        **{action: ((Kind.REPORT,), Reach.EVERY_DISTRICT) for action in (*REVIEW, Action.OVERRIDE_LOCK)},
        **{action: ((Kind.ENTERPRISE,), Reach.EVERY_DISTRICT) for action in EXEMPTIONS},
        Action.MANAGE_ACCOUNTS: ((Kind.ENTERPRISE,), Reach.EVERY_DISTRICT),
    },
    Role.CITY_OFFICIAL: {
        Action.READ: (ALL_KINDS, Reach.CITY),
    },
    Role.DISTRICT_OFFICIAL: {
        Action.READ: (ALL_KINDS, Reach.DISTRICT),
        # Corrects the suggestions and projects its enterprises enter themselves (/report/…/<id>/).
        Action.WRITE: ((Kind.SUGGESTION, Kind.PROJECT), Reach.DISTRICT),
        **{action: ((Kind.REPORT,), Reach.DISTRICT) for action in (*REVIEW, Action.FILE_FOR)},
        **{action: ((Kind.ENTERPRISE,), Reach.DISTRICT) for action in EXEMPTIONS},
        Action.MANAGE_ACCOUNTS: ((Kind.ENTERPRISE,), Reach.DISTRICT),
    },
    Role.TRAINER: {
        Action.READ: (ALL_KINDS, Reach.DISTRICT),
        Action.WRITE: ((Kind.WORKSHOP,), Reach.DISTRICT),
    },
    Role.ENTERPRISE: {
        Action.READ: (ENTERPRISE_RECORDS, Reach.ENTERPRISE),
        Action.WRITE: (OWN_RECORDS, Reach.ENTERPRISE),
        Action.EXEMPT_REQUEST: ((Kind.ENTERPRISE,), Reach.ENTERPRISE),
    },
    # A client reads what it was given; it writes (imports) only when made with --write.
    API_CLIENT: {
        Action.READ: (ENTERPRISE_RECORDS, Reach.CLIENT),
        Action.WRITE: (ENTERPRISE_RECORDS, Reach.CLIENT),
    },
}

# Refusals that depend on the state of the record as it stands (docs/domain.md, "Enterprises report
# for themselves"): (action, kind) -> the states it may be taken in. None stands for a record that
# has no state yet (no report, or a report from before states existed).
APPROVED, SUBMITTED, RETURNED = "approved", "submitted", "returned"
STATE_RULES = {
    (Action.WRITE, Kind.REPORT): {None, SUBMITTED, RETURNED},  # approved: locked
    (Action.FILE_FOR, Kind.REPORT): {None, SUBMITTED, RETURNED},
    (Action.APPROVE, Kind.REPORT): {SUBMITTED},
    (Action.RETURN, Kind.REPORT): {SUBMITTED},
    (Action.REOPEN, Kind.REPORT): {APPROVED},
    (Action.OVERRIDE_LOCK, Kind.REPORT): {APPROVED},
}


def state_allows(action, kind, state):
    """Whether a record of `kind` in `state` allows `action` (STATE_RULES), whoever takes it: an
    approved report is locked for every writer, the command line included."""
    allowed_states = STATE_RULES.get((Action(action), Kind(kind)))
    return allowed_states is None or state in allowed_states


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rule needs to know of a record: its kind, where it belongs, its state."""

    kind: Kind
    district_id: int | None
    enterprise_id: int | None = None
    state: str | None = None
    city_id: int | None = None  # the district's city, when in hand (saves a city official's query)


MODEL_KINDS = {
    "enterprise": Kind.ENTERPRISE,
    "safetyreport": Kind.REPORT,
    "suggestion": Kind.SUGGESTION,
    "improvementproject": Kind.PROJECT,
    "workshop": Kind.WORKSHOP,
}


def facts_of(record):
    """The Facts of a model instance (a record of another kind's enterprise is read through it: give
    it with select_related("enterprise") to save the query)."""
    if isinstance(record, Facts):
        return record
    kind = MODEL_KINDS[record._meta.model_name]
    if kind == Kind.ENTERPRISE:
        return Facts(kind, record.district_id, record.pk)
    if kind == Kind.WORKSHOP:
        return Facts(kind, record.district_id)
    return Facts(kind, record.enterprise.district_id, record.enterprise_id, getattr(record, "state", None))


def user_role(user):
    """The user's role, or None (anonymous, or an account without a role)."""
    if isinstance(user, ApiClient):
        return None
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


class Rights:
    """One actor's rights, resolved once: `can` then needs no query per record."""

    def __init__(self, actor):
        self.actor = actor
        if isinstance(actor, ApiClient):
            self.role = API_CLIENT
            self.table = dict(RIGHTS[API_CLIENT])
            if not actor.may_write:
                del self.table[Action.WRITE]
            self.all_districts = actor.all_districts
            self.district_ids = frozenset(actor.district_ids())
            self.city_id = self.district_id = self.enterprise_id = None
            return
        self.role = user_role(actor)
        self.table = RIGHTS.get(self.role, {})
        # A programme admin's reach is everywhere: no profile to read (a superuser may have none).
        profile = _profile(actor) if self.role not in (None, Role.PROGRAMME_ADMIN) else None
        self.city_id = getattr(profile, "city_id", None)
        self.district_id = getattr(profile, "district_id", None)
        self.enterprise_id = getattr(profile, "enterprise_id", None)
        self.all_districts = False
        self.district_ids = frozenset()
        self._city_districts = None

    def reach(self, action, kind=None):
        """How far `action` reaches (on `kind`, if given), or None when the actor may not take it."""
        entry = self.table.get(Action(action))
        if entry is None or (kind is not None and Kind(kind) not in entry[0]):
            return None
        return entry[1]

    def district_lookups(self, action=Action.READ, kind=None):
        """The districts where the action reaches, as lookups on District: {} for every district,
        None for none. For the enterprise role, its enterprise's district."""
        reach = self.reach(action, kind)
        if reach == Reach.EVERY_DISTRICT:
            return {}
        if reach == Reach.CITY and self.city_id:
            return {"city_id": self.city_id}
        if reach == Reach.DISTRICT and self.district_id:
            return {"pk": self.district_id}
        if reach == Reach.CLIENT:
            if self.all_districts:
                return {}
            return {"pk__in": sorted(self.district_ids)} if self.district_ids else None
        if reach == Reach.ENTERPRISE and self.enterprise_id:
            return {"enterprises": self.enterprise_id}
        return None

    def _in_city(self, district_id):
        if self._city_districts is None:
            self._city_districts = frozenset(
                District.objects.filter(city_id=self.city_id).values_list("pk", flat=True)
            )
        return district_id in self._city_districts

    def can(self, action, record):
        facts = facts_of(record)
        return state_allows(action, facts.kind, facts.state) and self.reaches(action, facts)

    def reaches(self, action, record):
        """Whether the action reaches the record where it stands, whatever its state: the review
        services tell "not yours" (404, 403) from "not in this state" (400) with it."""
        facts = facts_of(record)
        reach = self.reach(action, facts.kind)
        if reach is None:
            return False
        if reach == Reach.EVERY_DISTRICT:
            return True
        if reach == Reach.CITY:
            if facts.city_id is not None:
                return facts.city_id == self.city_id
            return bool(self.city_id) and facts.district_id is not None and self._in_city(facts.district_id)
        if reach == Reach.DISTRICT:
            return bool(self.district_id) and facts.district_id == self.district_id
        if reach == Reach.CLIENT:
            return self.all_districts or facts.district_id in self.district_ids
        if reach == Reach.ENTERPRISE:
            return bool(self.enterprise_id) and facts.enterprise_id == self.enterprise_id
        return False


def rights_of(actor):
    return Rights(actor)


def can(actor, action, record):
    """Whether `actor` (a user or an API client) may take `action` on `record` (a model instance or
    Facts)."""
    return Rights(actor).can(action, record)


def districts_for(actor, action=Action.READ, kind=None):
    """The districts where `actor` may take `action` (on records of `kind`), as a queryset."""
    lookups = Rights(actor).district_lookups(action, kind)
    return District.objects.none() if lookups is None else District.objects.filter(**lookups)


def visible_scope(user):
    """All that `visible_districts(user)` depends on besides the districts themselves: the role and
    the profile's city and district (for an API client, its districts or its city-wide flag). Users
    and clients with the same scope see the same districts (the page cache shares their content)."""
    rights = Rights(user)
    if rights.role == API_CLIENT:
        return (API_CLIENT, "all" if rights.all_districts else tuple(sorted(rights.district_ids)))
    return (rights.role, rights.city_id, rights.district_id, rights.enterprise_id)


def visible_districts(user):
    """Districts whose data the user may read (the dashboard's, the lists')."""
    return districts_for(user, Action.READ)


def may_read_district(user, district):
    """Whether `district` is one of visible_districts(user), without a query."""
    return Rights(user).can(Action.READ, Facts(Kind.ENTERPRISE, district.pk, city_id=district.city_id))


def editable_districts(user, kind=None):
    """Districts where the user may write records (of `kind`, if given): a trainer's workshops,
    an API client's imports."""
    return districts_for(user, Action.WRITE, kind)


def require_role(user, *roles):
    """Raise PermissionDenied (403) unless the user has one of `roles`."""
    if user_role(user) not in roles:
        raise PermissionDenied


OFFICIAL_ROLES = (Role.PROGRAMME_ADMIN, Role.CITY_OFFICIAL, Role.DISTRICT_OFFICIAL)


def roles_with(action, kind):
    """The roles that may take `action` on records of `kind` somewhere: who may open a page of them
    at all (the others get 403)."""
    return tuple(role for role in Role if kind in RIGHTS[role].get(Action(action), ((), None))[0])


def reads_whole_districts(user):
    """Whether what the user reads reaches whole districts; not for an enterprise account, which
    reads its own enterprise only, never its district's figures."""
    return Rights(user).reach(Action.READ, Kind.ENTERPRISE) not in (None, Reach.ENTERPRISE)


def sees_whole_phones(user):
    """Whether the user sees attendees' phone numbers whole: programme admins and trainers, who
    call them; officials see them masked (PIPL: personal information shown only as far as the work
    needs it)."""
    return user_role(user) in (Role.PROGRAMME_ADMIN, Role.TRAINER)


def rights_table():
    """The rule as the README's roles table (Markdown, English), one row per role and action."""
    lines = ["| role | action | records | where |", "|---|---|---|---|"]
    for role, actions in RIGHTS.items():
        for action, (kinds, reach) in actions.items():
            kinds_text = ", ".join(kind.value.replace("_", " ") for kind in kinds)
            who = str(role).replace("_", " ")
            lines.append(f"| {who} | {action.value.replace('_', ' ')} | {kinds_text} | {reach.value} |")
    return "\n".join(lines) + "\n"
