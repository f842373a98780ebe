from django.contrib import admin

from accounts.admin_scoping import DistrictScopedAdmin
from training.models import Attendance, Module, Participant, Workshop


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["number", "name_zh", "name_en"]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    autocomplete_fields = ["participant"]


@admin.register(Workshop)
class WorkshopAdmin(DistrictScopedAdmin, admin.ModelAdmin):
    list_display = ["date", "module", "kind", "district", "place"]
    list_filter = ["district", "module", "kind", ("date", admin.DateFieldListFilter)]
    search_fields = ["place", "enterprises__name"]
    date_hierarchy = "date"
    list_select_related = ["module", "district"]
    filter_horizontal = ["trainers", "enterprises"]
    inlines = [AttendanceInline]


@admin.register(Participant)
class ParticipantAdmin(DistrictScopedAdmin, admin.ModelAdmin):
    district_path = "enterprise__district"
    list_display = ["name", "enterprise", "role", "sex", "phone"]
    list_filter = ["enterprise__district", "role", "sex"]
    search_fields = ["name", "phone", "enterprise__name", "enterprise__credit_code"]
    list_select_related = ["enterprise"]
    autocomplete_fields = ["enterprise"]
