from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from imports.models import ImportedRecord
from training.models import Module


class Suggestion(ImportedRecord):
    """A worker's suggestion; the key is the enterprise's own reference number."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted")
        IMPLEMENTED = "implemented", _("implemented")
        REJECTED = "rejected", _("rejected")

    enterprise = models.ForeignKey(
        Enterprise, models.CASCADE, related_name="suggestions", verbose_name=_("enterprise")
    )
    reference = models.CharField(_("reference"), max_length=50)
    submitted_on = models.DateField(_("submitted on"))
    module = models.ForeignKey(
        Module, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("module")
    )
    text = models.TextField(_("suggestion"))
    submitted_by = models.CharField(_("submitted by"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    # Set by the write door when the enterprise's own user created the record on its pages
    # (imports.engine.import_commit): the dashboard tells the savings enterprises entered themselves.
    entered_by_enterprise = models.BooleanField(
        _("entered by the enterprise"), default=False, db_default=False, editable=False
    )

    class Meta:
        ordering = ["enterprise", "submitted_on", "reference"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "reference"],
                name="suggestion_reference_unique_per_enterprise",
                violation_error_message=_("This enterprise already has a suggestion with this reference."),
            ),
        ]
        indexes = [models.Index(fields=["submitted_on", "enterprise"])]

    def __str__(self):
        return f"{self.reference}: {self.text[:40]}"


class ImprovementProject(ImportedRecord):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    enterprise = models.ForeignKey(
        Enterprise, models.CASCADE, related_name="projects", verbose_name=_("enterprise")
    )
    reference = models.CharField(_("reference"), max_length=50)
    module = models.ForeignKey(
        Module, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("module")
    )
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    started_on = models.DateField(_("started on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    cost = models.DecimalField(_("cost (RMB)"), max_digits=14, decimal_places=2, null=True, blank=True)
    savings = models.DecimalField(_("savings (RMB)"), max_digits=14, decimal_places=2, null=True, blank=True)
    # Set by the write door when the enterprise's own user created the record on its pages
    # (imports.engine.import_commit): the dashboard tells the savings enterprises entered themselves.
    entered_by_enterprise = models.BooleanField(
        _("entered by the enterprise"), default=False, db_default=False, editable=False
    )

    class Meta:
        ordering = ["enterprise", "started_on", "reference"]
        verbose_name = _("improvement project")
        verbose_name_plural = _("improvement projects")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "reference"],
                name="project_reference_unique_per_enterprise",
                violation_error_message=_("This enterprise already has a project with this reference."),
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_on__isnull=False),
                name="project_completed_has_date",
                violation_error_message=_("A completed project needs its completion date."),
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("started_on")),
                name="project_completed_not_before_started",
                violation_error_message=_("A project cannot be completed before it started."),
            ),
            models.CheckConstraint(
                condition=Q(cost__isnull=True) | Q(cost__gte=0),
                name="project_cost_not_negative",
                violation_error_message=_("The cost cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(savings__isnull=True) | Q(savings__gte=0),
                name="project_savings_not_negative",
                violation_error_message=_("The savings cannot be negative."),
            ),
        ]
        indexes = [models.Index(fields=["status", "completed_on", "enterprise"])]

    def __str__(self):
        return f"{self.reference}: {self.title}"
