"""Reading the history of values (imports.models.RecordChange)."""

from django.utils import timezone

from imports.models import RecordChange

# The enterprise page lists this many changes at most, the newest; the rest stay in the admin's
# history of values.
PAGE_HISTORY_LIMIT = 200


def enterprise_history(credit_code):
    """The changes of an enterprise and of its reports, suggestions and projects, newest first, and
    how many there are in all: two queries."""
    changes = RecordChange.objects.filter(credit_code=credit_code)
    return list(changes.order_by("-at", "-id")[:PAGE_HISTORY_LIMIT]), changes.count()


def record_history(*, kind, credit_code, record_key):
    """One record's changes, oldest first, as the machine API answers them (docs/domain.md,
    "History of every value")."""
    changes = RecordChange.objects.filter(kind=kind, credit_code=credit_code, record_key=record_key)
    return [
        {
            "at": timezone.localtime(change.at).isoformat(),
            "by": change.by,
            "path": change.path,
            "changes": change.changes,
            "state": change.state,
            "comment": change.comment,
        }
        for change in changes.order_by("at", "id")
    ]
