from django.contrib import admin

from imports.models import ImportBatch, RecordChange


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record to look at, never to edit: what the portal writes by itself (changes, imports)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    """The import history, read-only: imports are made through the import pages or the command."""

    list_display = [
        "created_at",
        "user",
        "api_client",
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
    search_fields = ["file_name", "sha256", "user__username", "api_client__name"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "api_client"]
    exclude = ["content", "plan_fingerprint"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")


@admin.register(RecordChange)
class RecordChangeAdmin(ReadOnlyAdmin):
    """The history of every value: kept by the write door, never edited nor deleted."""

    list_display = ["at", "kind", "credit_code", "record_key", "by", "path", "action"]
    list_filter = ["kind", "path", "action"]
    search_fields = ["credit_code", "record_key", "by"]
    date_hierarchy = "at"

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser
