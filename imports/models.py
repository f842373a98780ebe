"""Import batches: every file (or API request) put through the import engine."""

from django.conf import settings
from django.db import models
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
