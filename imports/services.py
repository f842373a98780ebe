"""Imports as the portal records them: an ImportBatch per file, previewed, then committed."""

import datetime
import hashlib
import logging

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from imports.engine import Problem, import_commit, import_plan
from imports.kinds import import_kind
from imports.models import ImportBatch

logger = logging.getLogger(__name__)


class PlanChanged(Exception):
    """The data changed between the preview and the confirmation; the new plan needs a look."""

    def __init__(self, plan):
        super().__init__("the plan changed since the preview")
        self.plan = plan


def error_limit():
    return settings.SCORE_IMPORT_MAX_ERRORS


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


def import_batch_preview(*, user, kind, file_name, content):
    """Keep the uploaded file and plan it, writing nothing else; returns (batch, plan).

    Uploads older than SCORE_IMPORT_KEEP_DAYS that were never confirmed lose their file here.
    """
    import_batches_expire()
    plan = import_plan(import_kind(kind), content=content, file_name=file_name)
    batch = ImportBatch(
        user=user,
        kind=kind,
        file_name=file_name[:255],
        file_size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        status=_status(plan),
        plan_fingerprint=plan.fingerprint if plan.ok else "",
    )
    _record(batch, plan)
    batch.save()
    return batch, plan


def import_batch_plan(*, batch):
    """The plan of a kept file, made again against the data as it is now."""
    return import_plan(import_kind(batch.kind), content=bytes(batch.content), file_name=batch.file_name)


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


def import_batch_confirm(*, batch):
    """Commit a previewed file, all or nothing; PlanChanged if the data moved since the preview."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if import_batch_expired(batch=batch) or batch.status != ImportBatch.Status.PREVIEWED:
            return batch, None  # past its time, refused, or nothing to import: nothing to write
        plan = import_batch_plan(batch=batch)
        if not plan.ok or plan.fingerprint != batch.plan_fingerprint:
            batch.status = _status(plan)
            batch.plan_fingerprint = plan.fingerprint if plan.ok else ""
            _record(batch, plan)
            batch.save()
            raise PlanChanged(plan)
        _commit(batch, plan)
    return batch, plan


def _commit(batch, plan):
    try:
        import_commit(plan, batch=batch)  # its own savepoint: a refusal leaves the caller's usable
    except (IntegrityError, DatabaseError) as error:
        # Another writer got in between planning and writing (a constraint the plan could not see).
        # The database's own text is English and names tables; the log keeps it, the user gets ours.
        logger.warning("import %s refused by the database: %s", batch.pk, error)
        plan.errors.append(
            Problem(
                None,
                "",
                "",
                _(
                    "The database refused the import, most likely because another change to the same "
                    "records was saved while it was being written; nothing was written. Check the file "
                    "again and confirm once more."
                ),
            )
        )
        raise PlanChanged(plan) from None
    _record(batch, plan)
    batch.status = ImportBatch.Status.COMMITTED
    batch.committed_at = timezone.now()
    batch.content = b""  # kept only until the import is confirmed
    batch.save()


def import_file(*, kind, file_name, content, user=None, dry_run=False):
    """Plan and, unless `dry_run` or the file has errors, commit in one go (the command's path).

    Returns (batch or None, plan). Nothing is written when the plan has errors.
    """
    plan = import_plan(import_kind(kind), content=content, file_name=file_name)
    if not plan.ok or dry_run or not (plan.to_create or plan.to_update):
        # A file already in the portal leaves the database exactly as it was, history included.
        return None, plan
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            user=user,
            kind=kind,
            file_name=file_name[:255],
            file_size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            status=ImportBatch.Status.PREVIEWED,
            # No preview to compare with: the plan is committed at once, in this transaction.
        )
        _commit(batch, plan)
    return batch, plan
