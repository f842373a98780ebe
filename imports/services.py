"""Imports as the portal records them: an ImportBatch per file, previewed, then committed."""

import datetime
import hashlib
import itertools
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import Action, rights_of, state_allows
from common.text import text_cleaned, text_rule_of
from imports.engine import Problem, Writer, import_commit, import_plan, values_plan
from imports.history import history_of_deletes
from imports.kinds import KINDS, import_kind
from imports.models import ImportBatch, RecordChange
from imports.signals import write_followed

logger = logging.getLogger(__name__)


class PlanChanged(Exception):
    """The data changed between the preview and the confirmation; the new plan needs a look."""

    def __init__(self, plan):
        super().__init__("the plan changed since the preview")
        self.plan = plan


class ImportConflict(Exception):
    """The database refused the writes (another import or an edit got in between planning and
    writing: a unique key taken, a referenced row gone, a deadlock); nothing was written.
    str() is the message for the user, in the active language."""

    def __init__(self):
        super().__init__(
            _(
                "The import was refused: another import or an edit changed some of the same records "
                "while it was being written. Nothing was written; please try again."
            )
        )


# What a conflict with a concurrent writer looks like: a constraint violated, or a deadlock or
# serialization failure. Anything else from the database is a fault to see in the logs as a 500.
CONFLICTS = (IntegrityError, OperationalError)


def error_limit():
    return settings.SCORE_IMPORT_MAX_ERRORS


def problems_listed(problems):
    """(the problems an answer lists, how many more it only counts): the first error_limit() of
    `problems` in their order, and the number of the others. The import pages, import_data and the
    machine API list the same. `problems` may be a generator: those past the limit are counted,
    never kept."""
    problems = iter(problems)
    listed = list(itertools.islice(problems, error_limit()))
    return listed, sum(1 for _problem in problems)


def _status(plan):
    """What a planned file waits for: nothing if refused, or if every row is already in the portal."""
    if not plan.ok:
        return ImportBatch.Status.INVALID
    if not (plan.to_create or plan.to_update):
        return ImportBatch.Status.UNCHANGED
    return ImportBatch.Status.PREVIEWED


def _record(batch, plan):
    for name, value in plan.counts().items():
        setattr(batch, name, value)


def _expiry_cutoff():
    return timezone.now() - datetime.timedelta(days=settings.SCORE_IMPORT_KEEP_DAYS)


def import_batches_expire(**only):
    """Delete the files of uploads not confirmed within SCORE_IMPORT_KEEP_DAYS; their history
    (name, size, SHA-256, counts) stays. `only` narrows it (pk=…). Returns how many expired."""
    return (
        ImportBatch.waiting()
        .filter(created_at__lt=_expiry_cutoff(), **only)
        .update(status=ImportBatch.Status.EXPIRED, content=b"")
    )


def import_batch_expired(*, batch):
    """Whether `batch` is past its time (expiring it now if it was still waiting)."""
    if batch.status == ImportBatch.Status.EXPIRED:
        return True
    if batch.status == ImportBatch.Status.COMMITTED or batch.created_at >= _expiry_cutoff():
        return False
    import_batches_expire(pk=batch.pk)
    batch.status, batch.content = ImportBatch.Status.EXPIRED, b""
    return True


def import_batch_preview(*, user, kind, file_name, content, override_reason=""):
    """Keep the uploaded file and plan it, writing nothing else; returns (batch, plan).

    `override_reason`: a programme admin's written reason for overriding the locks of this import
    (its approved reports are changed and stay approved); kept with the file until its confirmation.
    Uploads older than SCORE_IMPORT_KEEP_DAYS that were never confirmed lose their file here.
    """
    import_batches_expire()
    plan = import_plan(
        import_kind(kind),
        content=content,
        file_name=file_name,
        writer=Writer.of(user, RecordChange.Path.IMPORT, override=override_reason or None),
    )
    batch = ImportBatch(
        user=user,
        kind=kind,
        file_name=file_name[:255],
        file_size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        status=_status(plan),
        plan_fingerprint=plan.fingerprint if plan.ok else "",
        override_reason=override_reason,
    )
    _record(batch, plan)
    batch.save()
    return batch, plan


def import_batch_plan(*, batch, commit=False):
    """The plan of a kept file, made again against the data as it is now (for its commit: inside
    the committing transaction, its records locked)."""
    return import_plan(
        import_kind(batch.kind),
        content=bytes(batch.content),
        file_name=batch.file_name,
        writer=Writer.of(batch.user, RecordChange.Path.IMPORT, override=batch.override_reason or None),
        commit=commit,
    )


def import_batch_replan(*, batch):
    """Plan a kept file again for the preview; the confirm will expect exactly this plan."""
    plan = import_batch_plan(batch=batch)
    fingerprint = plan.fingerprint if plan.ok else ""
    status = _status(plan)
    if (fingerprint, status) != (batch.plan_fingerprint, batch.status) or plan.counts()[
        "errors"
    ] != batch.errors:
        batch.plan_fingerprint, batch.status = fingerprint, status
        _record(batch, plan)
        batch.save(
            update_fields=["plan_fingerprint", "status", "rows", "created", "updated", "unchanged", "errors"]
        )
    return plan


def _statement_timeout_lifted():
    """Inside the import's transaction: no statement of it is cut short by a statement timeout,
    the web request's (score_portal.middleware.DatabaseTimeoutMiddleware) or one set for the
    database's role. A confirmed import runs to its end; until the transaction ends (SET LOCAL).
    The lock timeout stays: an import that cannot get its tables gives up, writing nothing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")


def import_batch_confirm(*, batch):
    """Commit a previewed file, all or nothing; PlanChanged if the data moved since the preview,
    ImportConflict if the database refused the writes."""
    try:
        with transaction.atomic():
            _statement_timeout_lifted()
            batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if import_batch_expired(batch=batch) or batch.status != ImportBatch.Status.PREVIEWED:
                return batch, None  # past its time, refused, or nothing to import: nothing to write
            plan = import_batch_plan(batch=batch, commit=True)
            if not plan.ok or plan.fingerprint != batch.plan_fingerprint:
                batch.status = _status(plan)
                batch.plan_fingerprint = plan.fingerprint if plan.ok else ""
                _record(batch, plan)
                batch.save()
                raise PlanChanged(plan)
            _commit(batch, plan)
    except CONFLICTS as error:
        _conflict(batch, error)
    return batch, plan


def _conflict(batch, error):
    """Log what the database said (for the admins) and raise ImportConflict (for the user).

    Caught around the whole transaction, not only the writes: PostgreSQL checks the deferred
    foreign keys at COMMIT, so a referenced enterprise deleted meanwhile fails there."""
    logger.warning("import of %s (%s) refused by the database: %s", batch.file_name, batch.kind, error)
    raise ImportConflict from error


def _commit(batch, plan):
    import_commit(plan, batch=batch)
    _record(batch, plan)
    batch.status = ImportBatch.Status.COMMITTED
    batch.committed_at = timezone.now()
    batch.content = b""  # kept only until the import is confirmed
    batch.save()


def import_file(*, kind, file_name, content, user=None, dry_run=False, override_reason=""):
    """Plan and, unless `dry_run` or the file has errors, commit in one go (the command's path;
    `user` is its --by author, whose rights every row is checked against; None: the command line,
    which may write everything but an approved report). `override_reason`: the written reason of a
    programme admin (`user`) overriding the locks of this import.

    Returns (batch or None, plan). Nothing is written when the plan has errors.
    """
    return _import_at_once(
        lambda commit: import_plan(
            import_kind(kind),
            content=content,
            file_name=file_name,
            writer=Writer.of(user, RecordChange.Path.IMPORT, override=override_reason or None),
            commit=commit,
        ),
        kind=kind,
        file_name=file_name,
        content=content,
        user=user,
        dry_run=dry_run,
        override_reason=override_reason,
    )


def import_rows(
    *, kind, table, content, file_name, api_client, dry_run=False, row_check=None, override_reason=""
):
    """The machine API's write: rows already read from its JSON (`table`, numbered by their
    position in the request), planned and committed by the same engine and rules as a file, all or
    nothing, with the client as the batch's author and the rows checked against its rights;
    `content` is the request's body (its size and SHA-256 are kept in the history). Returns (batch
    or None, plan), as import_file does. `override_reason`: the written reason for overriding the
    locks, honoured when the client may (accounts.scoping: Action.OVERRIDE_LOCK)."""
    return _import_at_once(
        lambda commit: import_plan(
            import_kind(kind),
            table=table,
            row_check=row_check,
            writer=Writer.of(api_client, RecordChange.Path.API, override=override_reason or None),
            commit=commit,
        ),
        kind=kind,
        file_name=file_name,
        content=content,
        api_client=api_client,
        dry_run=dry_run,
        override_reason=override_reason,
    )


def _import_at_once(
    make_plan, *, kind, file_name, content, user=None, api_client=None, dry_run=False, override_reason=""
):
    """Plan inside the transaction that commits, so that the rights and versions checked are those
    of the records as they stand when written (their enterprises locked: imports.engine.for_commit).
    A dry run plans the same way and writes nothing."""
    batch = ImportBatch(
        user=user,
        api_client=api_client,
        kind=kind,
        file_name=file_name[:255],
        file_size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        status=ImportBatch.Status.PREVIEWED,
        override_reason=override_reason,
        # No preview to compare with: the plan is committed at once, in this transaction.
    )
    try:
        with transaction.atomic():
            _statement_timeout_lifted()
            plan = make_plan(not dry_run)
            if not plan.ok or dry_run or not (plan.to_create or plan.to_update):
                # A file already in the portal leaves the database exactly as it was, history included.
                return None, plan
            batch.save()
            _commit(batch, plan)
    except CONFLICTS as error:
        _conflict(batch, error)
    return batch, plan


# One record at a time (the admin, and the forms to come): through the same door as a file's rows.


class RecordRefused(Exception):
    """The door refused the record (a rule, or a right); `problems` say why. Nothing was written."""

    def __init__(self, problems):
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


class StaleRecord(Exception):
    """The record changed since the form showing `version` was opened; nothing was written.
    str() is the message for the user, in the active language."""

    def __init__(self, current):
        super().__init__(
            _(
                "This record was changed by someone else (an import, the machine API or another user) "
                "after you opened it. Nothing was saved; the page now shows the newer values."
            )
        )
        self.current = current


def kind_of_model(model):
    """The import kind that writes records of `model`."""
    return next(kind for kind in KINDS.values() if kind.model is model)


def record_values(kind, instance):
    """The kind's columns' values of a model instance (a form's or the admin's), and the cells the
    kind's lookups read (an enterprise by its credit code)."""
    values, cells_of = {}, {}
    for column in kind.columns:
        value = getattr(instance, column.field)
        if isinstance(value, str):
            # What a save would do (common.text's pre_save): tabs and line breaks of one-line text.
            field = instance._meta.get_field(column.field)
            value = text_cleaned(value, multi_line=text_rule_of(field).multi_line)
        values[column.field] = value
        if column.field == "enterprise_id":
            cells_of[column.field] = [instance.enterprise.credit_code]
        else:
            cells_of[column.field] = [value]
    return values, cells_of


def record_save(*, instance, writer, version=None, new=False):
    """Write one record (a model instance holding its new values) through the door: its kind's rules
    and the writer's rights on the record as stored and as written, under lock; refused if its
    stored version is not `version` (when given: the version the form showed), or, when `new` (a
    form that adds a record), if a record with its key exists already. Returns the record's id.
    RecordRefused or StaleRecord otherwise, nothing written."""
    kind = kind_of_model(type(instance))
    values, cells_of = record_values(kind, instance)
    with transaction.atomic():
        plan = values_plan(kind, [values], cells_of=cells_of, writer=writer, commit=True)
        row = plan.rows[0]
        if version is not None and row.version is not None and row.version != version:
            raise StaleRecord(kind.model.objects.get(pk=row.pk))
        if new and row.pk is not None:
            raise RecordRefused([_key_taken(kind, values)])
        if not plan.ok:
            raise RecordRefused(plan.errors)
        if row.action in ("create", "update"):
            import_commit(plan)
        if row.pk is None:
            row.pk = kind.model.objects.filter(**{f: values[f] for f in kind.key}).values_list(
                "pk", flat=True
            )[0]
    return row.pk


def _key_taken(kind, values):
    """The problem of a new record whose key another record of its kind has: the message of the
    model's unique constraint on that key, named by the key's last column."""
    constraint = next(
        c
        for c in kind.model._meta.constraints
        if isinstance(c, UniqueConstraint)
        and {kind.model._meta.get_field(f).attname for f in c.fields} == set(kind.key)
    )
    column = next(column for column in kind.columns if column.field == kind.key[-1])
    return Problem(1, str(column.label), str(values[kind.key[-1]]), str(constraint.violation_error_message))


def records_delete(*, model, pks, writer):
    """Delete records of `model` through the door: the writer's right on each, and the history of
    each deleted record (for an enterprise, of its reports, suggestions and projects too, which go
    with it). RecordRefused if any is locked (an approved report, whoever deletes it: it is reopened
    first), PermissionDenied if any is not the writer's; nothing deleted then. Values, not model
    instances: an undo deletes tens of thousands of records at once."""
    kind = kind_of_model(model)
    with transaction.atomic():
        doomed = [(kind, *_deleted_values(kind, pk__in=pks))]
        if kind.key == ("credit_code",):
            for child in KINDS.values():
                if child.key[0] == "enterprise_id":
                    doomed.append((child, *_deleted_values(child, enterprise_id__in=pks)))
        if writer.actor is not None:  # rights first, as the door's plans check them (imports.engine)
            rights = rights_of(writer.actor)
            for doomed_kind, rows, lookups in doomed:
                if not all(rights.reaches(Action.WRITE, doomed_kind.facts(row, lookups)) for row in rows):
                    raise PermissionDenied
        locked = [
            Problem(None, "", " ".join(doomed_kind.record_name(row, lookups)), _deleting_locked_message())
            for doomed_kind, rows, lookups in doomed
            if doomed_kind.state_field
            for row in rows
            if not state_allows(Action.WRITE, doomed_kind.record_kind, row[doomed_kind.state_field])
        ]
        if locked:
            raise RecordRefused(locked)
        if kind.key == ("credit_code",):
            enterprise_ids = set(pks)
        else:
            enterprise_ids = {row["enterprise_id"] for row in doomed[0][1]}
        with write_followed(enterprise_ids):
            history_of_deletes(doomed, writer=writer)
            model.objects.filter(pk__in=pks).delete()


def _deleting_locked_message():
    return _(
        "This report is approved, and an approved report is locked: it cannot be deleted. A district "
        "official of its district or a programme admin may reopen it first."
    )


def _deleted_values(kind, **where):
    """The values of the records of `kind` matching `where` (dicts of the kind's fields, and of its
    state field), and the kind's lookups for them (their enterprises, by credit code)."""
    fields = [column.field for column in kind.columns]
    if kind.state_field:
        fields.append(kind.state_field)
    owned = kind.key[0] == "enterprise_id"
    extra = ["enterprise__credit_code"] if owned else []
    rows, codes = [], []
    for record in kind.model.objects.filter(**where).values_list(*fields, *extra):
        rows.append(dict(zip(fields, record, strict=False)))
        if owned:
            codes.append(record[-1])
    return rows, kind.lookups({"enterprise_id": sorted(set(codes))} if owned else {})
