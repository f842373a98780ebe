from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboard.models import DisplayLink


@admin.register(DisplayLink)
class DisplayLinkAdmin(admin.ModelAdmin):
    """Every official's display links, for programme admins to see and revoke. None is made here:
    a link's token is shown once, to its creator, on the screen's page (dashboard.screen_views),
    and only its hash is kept; nor deleted: a revoked link stays on record."""

    list_display = ["name", "creator", "language", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at", "language"]
    search_fields = ["name", "creator__username"]
    list_select_related = ["creator"]
    fields = ["name", "creator", "language", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected display links"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, _("Display links revoked: %(count)s.") % {"count": count})
