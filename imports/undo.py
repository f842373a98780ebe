"""Taking back a confirmed import (a file or a machine API write), from the history it left.

Every record the import created is removed and every value it changed goes back to what it was,
through the write door (path `undo`, so the undo is in the history too), all or nothing. Refused,
naming the rows, when that would lose a later write: a value the import wrote that is not the stored
one any more (a later import, the API or the admin changed it; undoing that later import first puts
it back, and then this one can be undone too), a record deleted since, or an enterprise the import
created that has reports, suggestions or projects since. An import is undone once.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.text import listed
from imports.engine import Writer, import_commit, locked_lookups, values_plan
from imports.history import history_field
from imports.kinds import KINDS, import_kind
from imports.models import ImportBatch, RecordChange
from imports.services import RecordRefused, _statement_timeout_lifted, records_delete

# The rows an undo's refusal lists; the rest are counted.
LISTED = 20


class UndoRefused(Exception):
    """The undo would lose something, or cannot be done; `reasons` say what. Nothing was written."""

    def __init__(self, reasons, more=0):
        super().__init__("; ".join(reasons))
        self.reasons = reasons
        self.more = more


def _record_label(kind, credit_code, record_key):
    return f"{credit_code} {record_key}".strip()


def _stored(kind, names, lookups):
    """{(credit code, record key): (pk, version, values)} of the records `names` name."""
    codes = {code for code, _key in names}
    if kind.key == ("credit_code",):
        # The enterprises themselves: locked, as every write of them locks them.
        records = (
            kind.model.objects.filter(credit_code__in=codes).order_by("pk").select_for_update(no_key=True)
        )
    else:
        records = kind.model.objects.filter(
            enterprise_id__in=[lookups.enterprises[c].pk for c in codes if c in lookups.enterprises]
        )
    fields = [column.field for column in kind.columns]
    if kind.state_field:
        fields.append(kind.state_field)  # an approved report is locked against the undo too (the door)
    found = {}
    for pk, version, *row in records.values_list("pk", "version", *fields):
        values = dict(zip(fields, row, strict=True))
        found[kind.record_name(values, lookups)] = (pk, version, values)
    return found


def _changed_since(kind, names, action, changed, values, lookups):
    """The fields whose stored value is no longer the one this import wrote: for a record it created
    every field of `names` (the kind's fields but its key: one it left empty must still be empty),
    for one it changed the fields it changed."""
    if action != RecordChange.Action.CREATE:
        names = [name for name in names if history_field(name) in changed]
    moved = []
    for name in names:
        written = changed.get(history_field(name), [None, None])[1]
        now = kind.history_shown(name, values[name], lookups)
        if now != written and not (now in (None, "") and written in (None, "")):
            moved.append(history_field(name))
    return moved


def _value_back(column, value, lookups):
    """A value as the history keeps it (JSON: a district's code, a module's number, a date's ISO text,
    an amount's decimal text), read back by the column's own parser."""
    if value is None or value == "":
        return column.empty
    return column.parse(value, lookups)


def import_undo(*, batch, user):
    """Undo the confirmed import `batch` as `user` (a programme admin); returns (removed, restored).
    UndoRefused otherwise."""
    writer = Writer.of(user, RecordChange.Path.UNDO)
    with transaction.atomic():
        _statement_timeout_lifted()
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == ImportBatch.Status.UNDONE:
            raise UndoRefused([_("This import has been undone already.")])
        if batch.status != ImportBatch.Status.COMMITTED:
            raise UndoRefused([_("Only a confirmed import can be undone; this one wrote nothing.")])
        kind = import_kind(batch.kind)
        changes = list(
            RecordChange.objects.filter(batch=batch).values_list(
                "action", "credit_code", "record_key", "changes"
            )
        )
        owned = "enterprise_id" in kind.key
        codes = sorted({code for _a, code, _k, _c in changes})
        # The enterprises locked before anything is read: no write of theirs can come in between.
        lookups = locked_lookups(kind, {"enterprise_id": codes} if owned else {"credit_code": codes})
        stored = _stored(kind, [(code, key) for _a, code, key, _c in changes], lookups)
        refusals, removed, restored = [], [], []
        # The kind's columns, read once (a kind's columns may be worked out anew at each reading).
        names = [column.field for column in kind.columns if column.field not in kind.key]
        for action, code, key, changed in changes:
            record = stored.get((code, key))
            label = _record_label(kind, code, key)
            if record is None:
                refusals.append(_("%(record)s: deleted since this import.") % {"record": label})
                continue
            moved = _changed_since(kind, names, action, changed, record[2], lookups)
            if moved:
                refusals.append(
                    _(
                        "%(record)s: %(fields)s written again since this import (by a later import, the API or the admin)."
                    )
                    % {"record": label, "fields": listed(moved)}
                )
            elif action == RecordChange.Action.CREATE:
                removed.append(record[0])
            else:
                restored.append((record, changed))
        if kind.key == ("credit_code",) and removed:
            refusals += _records_since(removed)
        if refusals:
            raise UndoRefused(refusals[:LISTED], more=max(0, len(refusals) - LISTED))
        _restore(kind, restored, lookups, writer)
        if removed:
            try:
                records_delete(model=kind.model, pks=removed, writer=writer)
            except RecordRefused as refused:
                reasons = [f"{problem.value}: {problem.message}" for problem in refused.problems]
                raise UndoRefused(reasons[:LISTED], more=max(0, len(reasons) - LISTED)) from None
        batch.status, batch.undone_at, batch.undone_by = ImportBatch.Status.UNDONE, timezone.now(), user
        batch.save(update_fields=["status", "undone_at", "undone_by"])
    return len(removed), len(restored)


def _restore(kind, restored, lookups, writer):
    if not restored:
        return
    by_name = {column.field.removesuffix("_id"): column for column in kind.columns}
    rows = []
    for (_pk, _version, values), changed in restored:
        row = {name: value for name, value in values.items() if name != kind.state_field}
        for name, (old, _new) in changed.items():
            column = by_name[name]
            row[column.field] = _value_back(column, old, lookups)
        rows.append(row)
    plan = values_plan(
        kind,
        rows,
        cells_of={},
        writer=writer,
        commit=True,
        lookups=lookups,
        stored=[record for record, _changed in restored],
    )
    if not plan.ok:
        # A row's record by its name (a locked report's credit code and month), not by the row's
        # number: the undo has no file.
        names = [" ".join(kind.record_name(row.values, lookups)) for row in plan.rows]
        raise UndoRefused(
            [
                f"{names[problem.row - 1]} {problem.column}: {problem.message}"
                for problem in plan.errors[:LISTED]
            ],
            more=max(0, len(plan.errors) - LISTED),
        )
    import_commit(plan)


def _records_since(enterprise_pks):
    """Refusals for enterprises the import created that have records of their own since."""
    refusals = []
    for kind in KINDS.values():
        if kind.key[0] != "enterprise_id":
            continue
        for code in (
            kind.model.objects.filter(enterprise_id__in=enterprise_pks)
            .values_list("enterprise__credit_code", flat=True)
            .distinct()[:LISTED]
        ):
            refusals.append(
                _(
                    "%(code)s: the enterprise this import created has %(records)s since; undo or delete them first."
                )
                % {"code": code, "records": kind.label}
            )
    return refusals
