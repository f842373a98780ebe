"""A copy of the whole test database, taken once and put back for each test that asks for it.

The browser tests that need the demo data (Huzhou's 1,000 enterprises, 100,000 monthly reports)
are transactional: each ends by emptying every table, so each would run `seed_demo` again, several
seconds a test, on a slow CI machine most of the suite's time. A copy put back costs a fraction.

SQLite: the sqlite3 module's online backup (`Connection.backup`), page by page, both ways; the live
server shares the test thread's connection to an in-memory database, so it sees the copy at once.
PostgreSQL: every table of the portal's models written out with `COPY … TO STDOUT`, read back with
`COPY … FROM STDIN` after a TRUNCATE of them all, in one transaction (Django's foreign keys are
DEFERRABLE INITIALLY DEFERRED, so the order of the tables does not matter), then each sequence set
past the largest id, as `manage.py sqlsequencereset` would.
"""

import io
import sqlite3

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction


def snapshot_take():
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        return copy
    tables = {}
    with connection.cursor() as cursor:
        for table in _tables():
            rows = io.StringIO()
            cursor.copy_expert(f"COPY {connection.ops.quote_name(table)} TO STDOUT", rows)
            tables[table] = rows.getvalue()
    return tables


def snapshot_restore(snapshot):
    """Make the test database what it was when `snapshot` was taken, every table."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        snapshot.backup(connection.connection)
    else:
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(quote(table) for table in _tables()))
            for table, rows in snapshot.items():
                cursor.copy_expert(f"COPY {quote(table)} FROM STDIN", io.StringIO(rows))
            for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                cursor.execute(statement)
    # Content types are cached by id in this process; the copy's ids may differ from the ones the
    # last flush made.
    ContentType.objects.clear_cache()


def _tables():
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
