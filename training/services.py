"""Writes of the training app: a workshop's attendance list, saved all-or-nothing."""

import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.scoping import Action, can
from common.text import TextRefused, text_entered
from training.models import Attendance, Participant, Workshop

# The words trainers type or paste for a role or a sex, Chinese or English, matched after
# stripping spaces and ignoring case. Single letters come from English spreadsheets (M/F).
ROLE_WORDS = {
    Participant.Role.MANAGER: [
        "管理人员", "管理者", "管理层", "管理", "经理", "主管", "厂长", "管",
        "manager", "managers", "management", "mgr", "m",
    ],
    Participant.Role.WORKER: [
        "职工", "工人", "员工", "一线员工", "工",
        "worker", "workers", "employee", "staff", "w",
    ],
}  # fmt: skip
SEX_WORDS = {
    Participant.Sex.FEMALE: ["女", "女性", "female", "woman", "women", "f"],
    Participant.Sex.MALE: ["男", "男性", "male", "man", "men", "m"],
}


def _lookup(words):
    return {word.casefold(): value for value, choices in words.items() for word in choices}


ROLE_OF_WORD = _lookup(ROLE_WORDS)
SEX_OF_WORD = _lookup(SEX_WORDS)


def role_from_word(word):
    """The role a typed word means, or None when the word is unknown."""
    return ROLE_OF_WORD.get(word.strip().casefold())


def sex_from_word(word):
    """The sex a typed word means, or None when the word is unknown."""
    return SEX_OF_WORD.get(word.strip().casefold())


@dataclass
class AttendanceRow:
    """One line of the attendance grid, as the trainer typed it (strings, kept for redisplay)."""

    name: str = ""
    enterprise: str = ""
    role: str = ""
    sex: str = ""
    phone: str = ""
    present: bool = True
    participant: str = ""  # the id of the person this row showed when it was saved before
    errors: dict = field(default_factory=dict)  # cell → reason

    @property
    def is_blank(self):
        # The enterprise does not count: Enter carries it over into the next row before anything
        # is typed there, and an untouched row must not become an error.
        return not (self.name.strip() or self.phone.strip() or self.role.strip() or self.sex.strip())


class AttendanceInvalid(Exception):
    """Some rows are wrong; each carries its `errors`. Nothing was saved."""

    def __init__(self, rows):
        super().__init__(_("Some rows have errors; nothing was saved."))
        self.rows = rows


def phone_normalised(text):
    """A phone as it is stored and matched: without the spaces and dashes people type in it."""
    return re.sub(r"[\s\-]", "", text)


def _enterprise_matcher(enterprises):
    """Find an enterprise of the workshop from a cell: exact name, credit code, or a unique part of
    the name; an empty cell means the workshop's only enterprise (a walk-through visits one)."""
    by_name = {e.name.strip().casefold(): e for e in enterprises}
    by_code = {e.credit_code: e for e in enterprises}

    def match(text):
        key = text.strip().casefold()
        if not key:
            if len(enterprises) == 1:
                return enterprises[0], None
            return None, _("Enter the enterprise.")
        if key in by_name:
            return by_name[key], None
        if key.upper() in by_code:
            return by_code[key.upper()], None
        found = [e for e in enterprises if key in e.name.casefold()]
        if len(found) == 1:
            return found[0], None
        if len(found) > 1:
            return None, _("“%(text)s” matches several enterprises of the workshop.") % {"text": text}
        return None, _("“%(text)s” is not an enterprise of this workshop.") % {"text": text}

    return match


def attendance_validate(*, workshop, rows):
    """Check every row; fill each row's `errors` and return the rows as (row, enterprise, role, sex,
    name, phone), name and phone as they will be stored."""
    match_enterprise = _enterprise_matcher(list(workshop.enterprises.all()))
    checked, seen = [], {}
    # Rows are numbered from 1 in the order given, blank ones included: the numbers the grid shows.
    for number, row in enumerate(rows, start=1):
        if row.is_blank or not row.present:
            continue
        row.errors = {}
        name, phone = _stored(row, "name"), _stored(row, "phone")
        if not name and "name" not in row.errors:
            row.errors["name"] = _("Enter the name.")
        enterprise, problem = match_enterprise(row.enterprise)
        if problem:
            row.errors["enterprise"] = problem
        role = role_from_word(row.role)
        if role is None:
            row.errors["role"] = (
                _("Enter the role: manager or worker.")
                if not row.role.strip()
                else _("Unknown role “%(word)s”: write manager or worker.") % {"word": row.role.strip()}
            )
        sex = sex_from_word(row.sex)
        if sex is None:
            row.errors["sex"] = (
                _("Enter the sex: female or male.")
                if not row.sex.strip()
                else _("Unknown sex “%(word)s”: write female or male.") % {"word": row.sex.strip()}
            )
        if name and enterprise and "phone" not in row.errors:
            key = (enterprise.pk, name.casefold(), phone)
            if key in seen:
                row.errors["name"] = _("The same person is already on row %(row)d.") % {"row": seen[key]}
            else:
                seen[key] = number
        checked.append((row, enterprise, role, sex, name, phone))
    return checked


def _stored(row, cell):
    """The text of the row's `cell` (name or phone) as a Participant stores it, checked before the
    database sees it: the rule for text (common.text) and the field's max_length. A problem goes
    into row.errors, and "" is returned."""
    field = Participant._meta.get_field(cell)
    try:
        value = text_entered(getattr(row, cell), multi_line=False).strip()
    except TextRefused as refused:
        row.errors[cell] = str(refused)
        return ""
    if cell == "phone":
        value = phone_normalised(value)
    if len(value) > field.max_length:
        row.errors[cell] = _("At most %(limit)d characters; this has %(count)d.") % {
            "limit": field.max_length,
            "count": len(value),
        }
        return ""
    return value


class StaleWorkshop(Exception):
    """The workshop changed since the form was opened; nothing was saved."""

    def __init__(self):
        super().__init__(
            _(
                "This workshop was changed by someone else after you opened it. Nothing was saved; "
                "the page now shows the newer values."
            )
        )


@transaction.atomic
def attendance_save(*, workshop, rows, user, version=None):
    """Replace the workshop's attendance list with the rows ticked as present, all or nothing.

    Every row is validated first; if any is wrong AttendanceInvalid is raised (rows carry their
    errors) and nothing is written. A person is the same across workshops when the enterprise,
    name and phone match; a row without a phone matches the enterprise's only person of that
    name, and a phone typed for a person saved without one is added to that person. A row that
    was saved before (it carries the person's id) corrects that person in place, so a typo fixed
    later does not leave a second person behind. Returns the number of people on the list.
    Only a user who may change the workshop's district may save (the views check it too).
    """
    # The workshop as it stands, locked: its district (what the right depends on) cannot change
    # under the save.
    stored = Workshop.objects.select_for_update().filter(pk=workshop.pk).first()
    if stored is None or not can(user, Action.WRITE, stored):
        raise PermissionDenied
    # The list the page showed is not the one stored any more (another trainer saved meanwhile).
    if version is not None and version != stored.version:
        raise StaleWorkshop
    checked = attendance_validate(workshop=workshop, rows=rows)
    if any(row.errors for row in rows):
        raise AttendanceInvalid(rows)
    known = _KnownPeople({enterprise.pk for _row, enterprise, *_rest in checked})
    people, changed, created = [], {}, []
    for row, enterprise, role, sex, name, phone in checked:
        person = known.match(row, enterprise, name, phone)
        if person is None:
            person = Participant(enterprise=enterprise, name=name, phone=phone, role=role, sex=sex)
            created.append(person)
            known.add(person)
        elif _corrected(
            person, enterprise=enterprise, name=name, phone=phone or person.phone, role=role, sex=sex
        ):
            changed[person.pk] = person
        people.append(person)
    if changed:
        Participant.objects.bulk_update(changed.values(), ["enterprise", "name", "phone", "role", "sex"])
    Participant.objects.bulk_create(created)
    Workshop.objects.filter(pk=workshop.pk).update(version=F("version") + 1)
    return _attendance_replace(workshop, {person.pk for person in people})


class _KnownPeople:
    """The people of the rows' enterprises, locked until the save commits, looked up as a row
    names them: by enterprise, name and phone; by the id a row saved before carries; by name."""

    def __init__(self, enterprise_ids):
        known = list(Participant.objects.select_for_update().filter(enterprise_id__in=enterprise_ids))
        self.by_key = {(p.enterprise_id, p.name.casefold(), p.phone): p for p in known}
        self.by_id = {str(p.pk): p for p in known}
        self.by_name = {}
        for person in known:
            self.by_name.setdefault((person.enterprise_id, person.name.casefold()), []).append(person)

    def add(self, person):
        self.by_key[(person.enterprise_id, person.name.casefold(), person.phone)] = person

    def match(self, row, enterprise, name, phone):
        person = self.by_key.get((enterprise.pk, name.casefold(), phone))
        if person is None:
            person = self.by_id.get(row.participant)
        if person is None:
            person = self._namesake(self.by_name.get((enterprise.pk, name.casefold()), []), phone)
        return person

    @staticmethod
    def _namesake(namesakes, phone):
        """Without a phone: the enterprise's only person of the name. With one: its only person of
        the name saved without a phone (the phone is added to them)."""
        if not phone:
            return namesakes[0] if len(namesakes) == 1 else None
        without_phone = [person for person in namesakes if not person.phone]
        return without_phone[0] if len(without_phone) == 1 else None


def _corrected(person, *, enterprise, **values):
    """Give `person` the row's values; whether any changed."""
    values["enterprise_id"] = enterprise.pk
    if all(getattr(person, name) == value for name, value in values.items()):
        return False
    for name, value in values.items():
        setattr(person, name, value)
    return True


def _attendance_replace(workshop, wanted):
    """The workshop's attendance list made the people `wanted` (ids); their number."""
    Attendance.objects.filter(workshop=workshop).exclude(participant_id__in=wanted).delete()
    already = set(Attendance.objects.filter(workshop=workshop).values_list("participant_id", flat=True))
    Attendance.objects.bulk_create(
        Attendance(workshop=workshop, participant_id=pk) for pk in wanted - already
    )
    return len(wanted)


@transaction.atomic
def workshop_save(*, form, actor):
    """Save a valid WorkshopForm: the door of workshops. The actor's right is checked on the
    workshop as stored (locked) and as it will be written (its district may change), whatever the
    form's own choices allowed; a form showing an older version than the stored one is refused
    (StaleWorkshop). PermissionDenied otherwise, nothing written."""
    workshop = form.instance
    if workshop.pk is not None:
        stored = Workshop.objects.select_for_update().filter(pk=workshop.pk).first()
        if stored is None or not can(actor, Action.WRITE, stored):
            raise PermissionDenied
        shown = form.cleaned_data.get("shown_version")
        if shown is not None and shown != stored.version:
            raise StaleWorkshop
        workshop.version = stored.version + 1
    if not can(actor, Action.WRITE, workshop):
        raise PermissionDenied
    return form.save()
