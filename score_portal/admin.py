from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.utils.translation import gettext_lazy as _

from imports.admin import ReadOnlyAdmin

admin.site.site_header = _("SCORE portal administration")
admin.site.site_title = _("SCORE portal")


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
