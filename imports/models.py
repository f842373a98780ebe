"""Import batches: every file (or API request) put through the import engine."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ImportedRecord(models.Model):
    """A record the import engine writes: it knows the import that last wrote it."""

    last_import = models.ForeignKey(
        "imports.ImportBatch",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("last written by import"),
    )
    # Raised by one at every write through the door (imports.engine.import_commit): a form carries
    # the version it showed, and a save whose version is older than the record's is refused
    # instead of overwriting newer values unseen.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class ImportBatch(models.Model):
    """One file put through the import engine: who sent what, when, and what it did.

    The file's bytes stay in the database between the preview and the confirmation, so a confirm
    works on any app server and after a restart; they are dropped once the import is committed.
    """

    class Kind(models.TextChoices):
        ENTERPRISES = "enterprises", _("enterprises")
        SAFETY = "safety", _("monthly safety reports")
        SUGGESTIONS = "suggestions", _("suggestions")
        PROJECTS = "projects", _("improvement projects")

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("awaiting confirmation")
        INVALID = "invalid", _("refused: errors in the file")
        COMMITTED = "committed", _("imported")
        UNCHANGED = "unchanged", _("nothing to import: already in the portal")
        EXPIRED = "expired", _("expired: not confirmed in time")
        UNDONE = "undone", _("undone")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_batches",
        verbose_name=_("imported by"),
    )
    # A write through the machine API (POST /api/v1/imports/<kind>/) has the client as its author.
    api_client = models.ForeignKey(
        "accounts.ApiClient",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_batches",
        verbose_name=_("API client"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    committed_at = models.DateTimeField(_("imported"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("file content"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(pgettext_lazy("rows of an import", "new"), default=0)
    updated = models.PositiveIntegerField(pgettext_lazy("rows of an import", "updated"), default=0)
    unchanged = models.PositiveIntegerField(pgettext_lazy("rows of an import", "unchanged"), default=0)
    errors = models.PositiveIntegerField(pgettext_lazy("rows of an import", "errors"), default=0)
    # What the preview promised, so a confirm can tell whether the data moved underneath it.
    plan_fingerprint = models.CharField(max_length=64, blank=True)
    # A programme admin's written reason for overriding the locks of this import (changing approved
    # reports, which stay approved: docs/domain.md, "Enterprises report for themselves"); empty: the
    # locks hold. Kept from the upload to the confirmation, which plans the file again.
    override_reason = models.TextField(_("reason for overriding the locks"), blank=True)
    # A confirmed import taken back (imports.undo): when, and by whom.
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )

    class Meta:
        # Tables keep the names they had in the score_portal app (moved without copying).
        db_table = "score_portal_importbatch"
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name} · {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("import_preview", args=[self.pk])

    @classmethod
    def waiting(cls):
        """The uploads that still hold their file for a confirmation (or another look)."""
        return cls.objects.filter(status__in=[cls.Status.PREVIEWED, cls.Status.INVALID, cls.Status.UNCHANGED])


class RecordChange(models.Model):
    """One write of one record, kept for good: when, by whom, through which path, and each changed
    field's old and new value (docs/domain.md, "History of every value").

    Written by the write door (imports.engine.import_commit) in the same transaction as the change,
    in bulk for a bulk write. A record is named by its enterprise's credit code and its own key
    within the enterprise (`record_key`: the month of a report, the reference of a suggestion or a
    project, empty for the enterprise itself), not by its id: the door writes new records with COPY,
    which gives no ids back, and the history of a report must outlive a delete and a re-import.

    Why not a history library: django-simple-history and django-auditlog see model saves only, and
    the import engine writes with COPY and executemany; django-pghistory's triggers see those too but
    exist on PostgreSQL only, and the same suite runs on SQLite.
    """

    class Path(models.TextChoices):
        FORM = "form", _("form")
        # "导入", the way of writing: not "导入记录", an import batch's name (the same English word).
        IMPORT = "import", pgettext_lazy("how a value was written", "import")
        API = "api", _("machine API")
        ADMIN = "admin", _("admin")
        REVIEW = "review", _("review")
        UNDO = "undo", _("undo")

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")

    kind = models.CharField(_("kind"), max_length=20, choices=ImportBatch.Kind.choices)
    credit_code = models.CharField(_("credit code"), max_length=18)
    record_key = models.CharField(_("record"), max_length=50, blank=True)
    at = models.DateTimeField(_("when"))
    # No foreign-key constraints in the database (db_constraint=False) and, for the author, an
    # index of the rows that have one only: a bulk write keeps 36,000 history rows, and each
    # constraint is a check per row at commit (0.15 s of an import of 36,000 reports, measured in
    # benchmarks/history_benchmark.py). Django still sets them to NULL when the user, the client or
    # the import is deleted (on_delete), and `by` keeps the author's name whatever happens to them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
        db_constraint=False,
        db_index=False,
    )
    api_client = models.ForeignKey(
        "accounts.ApiClient",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("API client"),
        db_constraint=False,
        db_index=False,
    )
    # The name of the author as it was when written: an account or a client may be renamed or
    # deleted, the history still says who.
    by = models.CharField(_("by"), max_length=150, blank=True)
    path = models.CharField(_("path"), max_length=10, choices=Path.choices)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    batch = models.ForeignKey(
        ImportBatch,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import"),
        db_constraint=False,
    )
    changes = models.JSONField(_("changes"), default=dict)
    # Review states and comments arrive with self-reporting. NULL, not "": the history API answers
    # `null` where a write had none, and an empty comment is not the same as none.
    state = models.CharField(_("state"), max_length=20, null=True, blank=True)  # noqa: DJ001
    comment = models.TextField(_("comment"), null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("change")
        verbose_name_plural = _("history of values")
        # An enterprise's history and a record's are read by credit code (a few thousand rows at
        # most); one narrow column costs each write less than (credit_code, kind, record_key, at).
        indexes = [
            models.Index(fields=["credit_code"], name="recordchange_credit_code"),
            models.Index(fields=["user"], name="recordchange_user", condition=Q(user__isnull=False)),
            models.Index(
                fields=["api_client"], name="recordchange_api_client", condition=Q(api_client__isnull=False)
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.credit_code} {self.record_key} {self.at:%Y-%m-%d %H:%M}"
