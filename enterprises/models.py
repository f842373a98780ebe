from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.text import TextRule
from districts.models import District
from enterprises.credit_code import normalise, validate_credit_code
from imports.models import ImportedRecord


class Enterprise(ImportedRecord):
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100-2015; stored upper-case."),
    )
    name = models.CharField(_("enterprise name"), max_length=200)
    district = models.ForeignKey(
        District, models.PROTECT, related_name="enterprises", verbose_name=_("district")
    )
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    employees = models.PositiveIntegerField(_("employees"))
    female_employees = models.PositiveIntegerField(_("female employees"), null=True, blank=True)
    score_start = models.DateField(_("SCORE start date"))
    # Closed, or left the programme: its monthly reports are owed up to the month before
    # (docs/domain.md, "Reporting"), and it no longer counts among the district's enterprises after it.
    left_on = models.DateField(
        _("left on"),
        null=True,
        blank=True,
        help_text=_("The day the enterprise closed or left the programme, if it did."),
    )
    cohort = models.CharField(_("cohort"), max_length=50, blank=True)
    # Several lines kept as typed (common.text): the one CharField that is not one-line text.
    address = models.CharField(
        _("address"), max_length=300, blank=True, validators=[TextRule(multi_line=True)]
    )
    contact = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["district__division", "name", "credit_code"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.CheckConstraint(
                condition=Q(female_employees__isnull=True) | Q(female_employees__lte=F("employees")),
                name="enterprise_female_within_employees",
                violation_error_message=_("Female employees cannot be more than the employees in all."),
            ),
            models.CheckConstraint(
                condition=Exact(Length("credit_code"), 18),
                name="enterprise_credit_code_18_characters",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("score_start")),
                name="enterprise_left_not_before_start",
                violation_error_message=_("An enterprise cannot leave before its SCORE start date."),
            ),
        ]
        indexes = [models.Index(fields=["district", "score_start"])]

    def __str__(self):
        return f"{self.name} ({self.credit_code})"

    def save(self, *args, **kwargs):
        self.credit_code = normalise(self.credit_code)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("enterprise_detail", args=[self.credit_code])

    def clean(self):
        self.credit_code = normalise(self.credit_code)


class ReportedCount(models.PositiveIntegerField):
    """A count the enterprise reports each month: the one declaration of a reported value. Its
    import column (its verbose name, `headers`, required unless null: enterprises.imports), its
    machine API field (api.views, api.serializers) and its place in the admin are derived from it;
    a figure summing it is declared in dashboard.registry.

    A plain PositiveIntegerField to migrations: the headers are not part of the schema."""

    def __init__(self, *args, headers=(), **kwargs):
        self.headers = tuple(headers)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.PositiveIntegerField", args, kwargs


def reported_counts(model):
    """The reported values of `model`, in the order of its fields."""
    return [field for field in model._meta.concrete_fields if isinstance(field, ReportedCount)]


class SafetyReport(ImportedRecord):
    """One enterprise's monthly report to the work-safety department."""

    class State(models.TextChoices):
        """Where the report stands in its review (docs/domain.md, "Enterprises report for
        themselves"): every path writes it `submitted`; the district returns or approves it, and an
        approved report is locked."""

        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        APPROVED = "approved", _("approved")

    # A bulk write stores reports by the tens of thousands, and each index and each foreign-key
    # constraint of the table costs each row (benchmarks/write_cost_benchmark.py, README "Cost per
    # write"): the enterprise's own index is left out, the unique (enterprise, month) index below
    # finding a report by its enterprise as well; the import that last wrote a report has no
    # constraint in the database (a check per row at commit, 0.09 s of a 36,000-row import), as
    # the history's references have none (imports.models.RecordChange). Imports are never deleted
    # (the admin may not); Django would still set the field to NULL if one were (on_delete).
    enterprise = models.ForeignKey(
        Enterprise,
        models.CASCADE,
        related_name="safety_reports",
        verbose_name=_("enterprise"),
        db_index=False,
    )
    last_import = models.ForeignKey(
        "imports.ImportBatch",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("last written by import"),
        db_constraint=False,
    )
    month = models.DateField(_("month"), help_text=_("Stored as the first day of the month."))
    # The reported values (docs/domain.md, the safety table): headers in the order of its table.
    inspections = ReportedCount(_("safety inspections"), headers=("安全检查次数", "检查次数", "inspections"))
    hazards_found = ReportedCount(
        _("hazards found"), null=True, blank=True, headers=("发现隐患数", "hazards_found")
    )
    hazards_fixed = ReportedCount(
        _("hazards fixed"), null=True, blank=True, headers=("整改隐患数", "hazards_fixed")
    )
    accidents = ReportedCount(_("accidents"), headers=("事故起数", "accidents"))
    injuries = ReportedCount(_("injuries"), null=True, blank=True, headers=("受伤人数", "injuries"))
    lost_workdays = ReportedCount(
        _("lost workdays"), null=True, blank=True, headers=("损失工作日", "lost_workdays")
    )
    # Of the hazards found, the major accident hazards (重大事故隐患), which the enterprise also
    # reports to the supervising department; and of those, the ones fixed.
    major_hazards_found = ReportedCount(
        _("major hazards found"),
        null=True,
        blank=True,
        headers=("重大隐患数", "重大事故隐患数", "major_hazards_found"),
    )
    major_hazards_fixed = ReportedCount(
        _("major hazards fixed"), null=True, blank=True, headers=("重大隐患整改数", "major_hazards_fixed")
    )
    # When the report first reached the portal (an import's confirmation, a form's save, an API
    # request's commit); an update never changes it. None for reports older than this field whose
    # import is unknown. Timeliness is measured by it (docs/domain.md, "Reporting").
    received_at = models.DateTimeField(_("received"), auto_now_add=True, null=True)
    # When the report was last written (created or changed), for the machine API's updated_since.
    # None for reports written before this field: their received_at stands for it.
    updated_at = models.DateTimeField(_("updated"), auto_now=True, null=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SUBMITTED)
    # The enterprise's explanation (上报说明) of values far from its own history, which the reviewer
    # sees beside them; and the reviewer's comment when the report was last returned or reopened.
    explanation = models.TextField(_("explanation"), blank=True, validators=[TextRule(multi_line=True)])
    review_comment = models.TextField(_("review comment"), blank=True, validators=[TextRule(multi_line=True)])

    class Meta:
        ordering = ["enterprise", "month"]
        verbose_name = _("monthly safety report")
        verbose_name_plural = _("monthly safety reports")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "month"],
                name="safety_report_one_per_enterprise_month",
                violation_error_message=_("This enterprise already has a report for this month."),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="safety_report_month_is_first_day",
                violation_error_message=_("A report's month is stored as its first day."),
            ),
            # NULL passes a CHECK, so "fixed without found" must be refused explicitly.
            models.CheckConstraint(
                condition=Q(hazards_fixed__isnull=True)
                | Q(hazards_found__isnull=False, hazards_fixed__lte=F("hazards_found")),
                name="safety_report_fixed_within_found",
                violation_error_message=_("Hazards fixed cannot be more than hazards found."),
            ),
            models.CheckConstraint(
                condition=Q(major_hazards_found__isnull=True)
                | Q(hazards_found__isnull=False, major_hazards_found__lte=F("hazards_found")),
                name="safety_report_major_within_found",
                violation_error_message=_("Major hazards found cannot be more than hazards found."),
            ),
            models.CheckConstraint(
                condition=Q(major_hazards_fixed__isnull=True)
                | Q(
                    major_hazards_found__isnull=False,
                    hazards_fixed__isnull=False,
                    major_hazards_fixed__lte=F("major_hazards_found"),
                )
                & Q(major_hazards_fixed__lte=F("hazards_fixed")),
                name="safety_report_major_fixed_within_found_and_fixed",
                violation_error_message=_(
                    "Major hazards fixed cannot be more than major hazards found nor than hazards fixed."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["month", "enterprise"]),
            # The review queue's reports in a state (reporting.review_views; the backlog's approval,
            # enterprises.review): its counts read the index alone, enterprise by enterprise of the
            # districts shown, not every report of the city (README, "Self-reporting").
            models.Index(fields=["state", "enterprise", "month"], name="safety_report_state_idx"),
        ]

    def __str__(self):
        return f"{self.enterprise.name} {self.month:%Y-%m}"

    def save(self, *args, **kwargs):
        self.month = self.month.replace(day=1)
        super().save(*args, **kwargs)

    def clean(self):
        # The admin writes through the door, not save(): the month is made its first day here.
        if self.month is not None:
            self.month = self.month.replace(day=1)


class Exemption(models.Model):
    """Months in which an enterprise's production was halted (停产/停业), from `first_month` to
    `last_month` (None: open-ended, until it is ended): requested by the enterprise, approved or
    refused by its district, or declared by the district directly. An approved exemption's months
    are not owed (docs/domain.md, "Enterprises report for themselves")."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    enterprise = models.ForeignKey(
        Enterprise, models.CASCADE, related_name="exemptions", verbose_name=_("enterprise")
    )
    first_month = models.DateField(_("from month"), help_text=_("Stored as the first day of the month."))
    last_month = models.DateField(
        _("to month"), null=True, blank=True, help_text=_("Empty: until production resumes.")
    )
    reason = models.TextField(_("reason"), validators=[TextRule(multi_line=True)])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.CharField(_("requested by"), max_length=150, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, validators=[TextRule(multi_line=True)])
    # Who ended a running exemption when production resumed, and when (its last_month then became
    # the month they gave); empty while it has not been ended.
    ended_by = models.CharField(_("ended by"), max_length=150, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["enterprise", "first_month"]
        verbose_name = _("exempt months")
        verbose_name_plural = _("exempt months")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_month__day=1) & (Q(last_month__isnull=True) | Q(last_month__day=1)),
                name="exemption_months_are_first_days",
            ),
            models.CheckConstraint(
                condition=Q(last_month__isnull=True) | Q(last_month__gte=F("first_month")),
                name="exemption_ends_after_it_starts",
                violation_error_message=_("An exemption cannot end before it starts."),
            ),
            # At most one pending request per enterprise.
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(status="pending"),
                name="exemption_one_pending_per_enterprise",
                violation_error_message=_("This enterprise already has a pending exemption request."),
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "status"])]

    def __str__(self):
        last = f"{self.last_month:%Y-%m}" if self.last_month else "…"
        return f"{self.enterprise_id} {self.first_month:%Y-%m}–{last} {self.status}"
