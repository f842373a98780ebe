from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from score_portal.models import ImportBatch, Profile

admin.site.site_header = _("SCORE portal administration")
admin.site.site_title = _("SCORE portal")


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    verbose_name_plural = _("where this user works")


class PortalUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "first_name", "last_name", "is_staff", "is_active"]
    list_filter = ["groups", "is_staff", "is_active"]


admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """The import history, read-only: imports are made through the import pages or the command."""

    list_display = [
        "created_at",
        "user",
        "kind",
        "file_name",
        "file_size",
        "status",
        "created",
        "updated",
        "unchanged",
        "errors",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["file_name", "sha256", "user__username"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    exclude = ["content", "plan_fingerprint"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
