from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin_scoping import DistrictScopedAdmin
from districts.models import City, District
from enterprises.models import Enterprise, Exemption, SafetyReport, reported_counts
from imports.admin import ReadOnlyAdmin
from imports.admin_door import DoorAdmin

# The reported values of a monthly report, as declared by their model fields.
REPORTED_FIELDS = [field.name for field in reported_counts(SafetyReport)]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "code", "division"]
    search_fields = ["name_zh", "name_en", "code", "division"]


class DistrictInline(admin.TabularInline):
    model = District
    extra = 0


CityAdmin.inlines = [DistrictInline]


@admin.register(District)
class DistrictAdmin(DistrictScopedAdmin, admin.ModelAdmin):
    district_path = "pk"
    list_display = ["name_zh", "name_en", "code", "division", "city"]
    list_filter = ["city"]
    search_fields = ["name_zh", "name_en", "code", "division"]
    list_select_related = ["city"]


@admin.register(Enterprise)
class EnterpriseAdmin(DoorAdmin, DistrictScopedAdmin, admin.ModelAdmin):
    list_display = [
        "name",
        "credit_code",
        "district",
        "sector",
        "employees",
        "female_employees",
        "score_start",
        "left_on",
        "cohort",
    ]
    list_filter = ["district", "sector", "cohort"]
    search_fields = ["name", "credit_code"]
    date_hierarchy = "score_start"
    list_select_related = ["district"]
    # No inline of the enterprise's reports: saving this page would write every report it showed
    # (a thousand fields) back over what imports and the API changed meanwhile. They are linked.
    readonly_fields = ["reports_link"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "credit_code",
                    "name",
                    "district",
                    "sector",
                    "cohort",
                    "score_start",
                    "left_on",
                    "shown_version",
                ]
            },
        ),
        (_("Workforce"), {"fields": ["employees", "female_employees"]}),
        (_("Contact"), {"fields": ["address", "contact", "phone"]}),
        (_("Monthly safety reports"), {"fields": ["reports_link"]}),
    ]

    @admin.display(description=_("monthly safety reports"))
    def reports_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:enterprises_safetyreport_changelist") + f"?enterprise__id__exact={obj.pk}"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            url,
            _("edit them one by one"),
            obj.get_absolute_url(),
            _("the enterprise's page, with the history of every value"),
        )


@admin.register(SafetyReport)
class SafetyReportAdmin(DoorAdmin, DistrictScopedAdmin, admin.ModelAdmin):
    district_path = "enterprise__district"
    list_display = [
        "enterprise",
        "month",
        *REPORTED_FIELDS,
        "state",
        "received_at",
    ]
    # The state moves only by review (enterprises.review) and by the door's writes, never here.
    readonly_fields = ["state", "review_comment", "received_at"]
    list_filter = ["state", "enterprise__district", ("month", admin.DateFieldListFilter)]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    date_hierarchy = "month"
    list_select_related = ["enterprise", "enterprise__district"]
    autocomplete_fields = ["enterprise"]

    # An approved report is locked (docs/domain.md, "Enterprises report for themselves"): shown
    # read-only, without a save or a delete button. The door refuses it anyway (a report approved
    # while its form was open: imports.admin_door), and so does a bulk delete that includes one.
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _locked(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _locked(obj)


@admin.register(Exemption)
class ExemptionAdmin(DistrictScopedAdmin, ReadOnlyAdmin):
    """Exempt months as they were requested, decided and ended, to read: every step is a service's
    (enterprises.exemptions, through /report/ and /review/), which checks the months and keeps who
    took it; a form here would write past those checks."""

    district_path = "enterprise__district"
    list_display = [
        "enterprise",
        "first_month",
        "last_month",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "ended_by",
        "ended_at",
    ]
    list_filter = ["status", "enterprise__district"]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    list_select_related = ["enterprise"]


def _locked(report):
    return report is not None and report.state == SafetyReport.State.APPROVED
