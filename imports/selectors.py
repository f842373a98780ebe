"""Reading the history of values (imports.models.RecordChange)."""

from django.utils import timezone

from imports.history import history_field
from imports.kinds import KINDS
from imports.models import RecordChange

# The enterprise page lists this many changes at most, the newest; the rest stay in the admin's
# history of values.
PAGE_HISTORY_LIMIT = 200


def enterprise_history(credit_code):
    """The changes of an enterprise and of its reports, suggestions and projects, newest first, and
    how many there are in all: two queries. Each change carries `shown`: [(the field's label in the
    user's language, old, new)], the label from the kind's declaration."""
    changes = RecordChange.objects.filter(credit_code=credit_code)
    latest = list(changes.order_by("-at", "-id")[:PAGE_HISTORY_LIMIT])
    labels = {
        kind.name: {history_field(column.field): column.label for column in kind.columns}
        for kind in KINDS.values()
    }
    for change in latest:
        named = labels.get(change.kind, {})
        change.shown = [(named.get(name, name), old, new) for name, (old, new) in change.changes.items()]
    return latest, changes.count()


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
