from django.contrib import admin

from accounts.admin_scoping import DistrictScopedAdmin
from imports.admin_door import DoorAdmin
from improvements.models import ImprovementProject, Suggestion


@admin.register(Suggestion)
class SuggestionAdmin(DoorAdmin, DistrictScopedAdmin, admin.ModelAdmin):
    district_path = "enterprise__district"
    list_display = [
        "reference",
        "enterprise",
        "submitted_on",
        "module",
        "status",
        "submitted_by",
        "entered_by_enterprise",
    ]
    list_filter = [
        "enterprise__district",
        "module",
        "status",
        "entered_by_enterprise",
        ("submitted_on", admin.DateFieldListFilter),
    ]
    search_fields = ["reference", "text", "enterprise__name", "enterprise__credit_code"]
    date_hierarchy = "submitted_on"
    list_select_related = ["enterprise", "module"]
    autocomplete_fields = ["enterprise"]
    readonly_fields = ["entered_by_enterprise"]  # set by the write door, from the writer's role


@admin.register(ImprovementProject)
class ImprovementProjectAdmin(DoorAdmin, DistrictScopedAdmin, admin.ModelAdmin):
    district_path = "enterprise__district"
    list_display = [
        "reference",
        "title",
        "enterprise",
        "module",
        "status",
        "started_on",
        "completed_on",
        "cost",
        "savings",
        "entered_by_enterprise",
    ]
    list_filter = [
        "enterprise__district",
        "module",
        "status",
        "entered_by_enterprise",
        ("completed_on", admin.DateFieldListFilter),
    ]
    search_fields = ["reference", "title", "enterprise__name", "enterprise__credit_code"]
    date_hierarchy = "started_on"
    list_select_related = ["enterprise", "module"]
    autocomplete_fields = ["enterprise"]
    readonly_fields = ["entered_by_enterprise"]  # set by the write door, from the writer's role
