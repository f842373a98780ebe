"""The triggers that mark the dashboard's roll-up stale on every write to the tables it sums
(dashboard/rollup.py explains the scheme)."""

from django.db import migrations

from dashboard.rollup import trigger_sql


def create_triggers(apps, schema_editor):
    create, _drop = trigger_sql(schema_editor.connection.vendor)
    for statement in create:
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    _create, drop = trigger_sql(schema_editor.connection.vendor)
    for statement in drop:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_initial"),
        ("enterprises", "0003_last_import"),
        ("improvements", "0002_last_import"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
