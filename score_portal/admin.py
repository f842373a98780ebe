from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from score_portal.models import ImportBatch, Profile
from score_portal.throttle import ThrottledAdminAuthenticationForm

admin.site.site_header = _("SCORE portal administration")
admin.site.site_title = _("SCORE portal")
# The admin's own login page is throttled like the portal's.
admin.site.login_form = ThrottledAdminAuthenticationForm


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record to look at, never to edit: what the portal writes by itself (changes, imports)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    """Every change made in the admin (who, what, when), as Django records it: read-only.

    Nobody may add, change or delete an entry here, programme admins included: a record of
    changes that its subjects can edit proves nothing.
    """

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag", "change"]
    list_filter = [
        ("user", admin.RelatedOnlyFieldListFilter),
        ("content_type", admin.RelatedOnlyFieldListFilter),
        "action_flag",
        "action_time",
    ]
    date_hierarchy = "action_time"
    search_fields = ["object_repr", "change_message", "user__username"]
    list_select_related = ["user", "content_type"]
    fields = ["action_time", "user", "content_type", "object_id", "object_repr", "action_flag", "change"]
    readonly_fields = fields

    @admin.display(description=_("change"))
    def change(self, entry):
        return entry.get_change_message()


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
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
