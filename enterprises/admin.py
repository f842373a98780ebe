from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin_scoping import DistrictScopedAdmin
from districts.models import City, District
from enterprises.models import Enterprise, SafetyReport, reported_counts

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


class SafetyReportInline(admin.TabularInline):
    model = SafetyReport
    extra = 0
    ordering = ["-month"]
    fields = ["month", *REPORTED_FIELDS, "received_at"]
    readonly_fields = ["received_at"]
    show_change_link = True


@admin.register(Enterprise)
class EnterpriseAdmin(DistrictScopedAdmin, admin.ModelAdmin):
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
    inlines = [SafetyReportInline]
    fieldsets = [
        (None, {"fields": ["credit_code", "name", "district", "sector", "cohort", "score_start", "left_on"]}),
        (_("Workforce"), {"fields": ["employees", "female_employees"]}),
        (_("Contact"), {"fields": ["address", "contact", "phone"]}),
    ]


@admin.register(SafetyReport)
class SafetyReportAdmin(DistrictScopedAdmin, admin.ModelAdmin):
    district_path = "enterprise__district"
    list_display = [
        "enterprise",
        "month",
        *REPORTED_FIELDS,
        "received_at",
    ]
    readonly_fields = ["received_at"]
    list_filter = ["enterprise__district", ("month", admin.DateFieldListFilter)]
    search_fields = ["enterprise__name", "enterprise__credit_code"]
    date_hierarchy = "month"
    list_select_related = ["enterprise", "enterprise__district"]
    autocomplete_fields = ["enterprise"]
