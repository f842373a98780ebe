"""The triggers that mark the dashboard's roll-up stale on every write to the tables it sums
(dashboard/rollup.py explains the scheme).

The SQL is a frozen copy of dashboard.rollup.trigger_sql as this migration was written, so that
replaying history does not depend on today's code (which may name tables a later migration
creates). After every migrate, dashboard.rollup.triggers_ensure brings the triggers up to date.
"""

from django.db import migrations

TABLES = (
    "enterprises_enterprise",
    "enterprises_safetyreport",
    "improvements_suggestion",
    "improvements_improvementproject",
)
BUMP = (
    "INSERT INTO dashboard_rollupstate (id, data_version, rollup_version) VALUES (1, 1, -1) "
    "ON CONFLICT (id) DO UPDATE SET data_version = dashboard_rollupstate.data_version + 1"
)


def statements(vendor):
    create, drop = [], []
    if vendor == "postgresql":
        create.append(
            "CREATE OR REPLACE FUNCTION dashboard_rollup_stale() RETURNS trigger LANGUAGE plpgsql "
            f"SET search_path FROM CURRENT AS $$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in TABLES:
            create.append(f"DROP TRIGGER IF EXISTS dashboard_rollup_stale ON {table}")
            create.append(
                "CREATE TRIGGER dashboard_rollup_stale BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION dashboard_rollup_stale()"
            )
            drop.append(f"DROP TRIGGER IF EXISTS dashboard_rollup_stale ON {table}")
        drop.append("DROP FUNCTION IF EXISTS dashboard_rollup_stale()")
    elif vendor == "sqlite":
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                name = f"dashboard_rollup_stale_{table}_{event.lower()}"
                create.append(
                    f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} BEGIN {BUMP}; END"
                )
                drop.append(f"DROP TRIGGER IF EXISTS {name}")
    else:
        raise NotImplementedError(
            f"The dashboard's roll-up triggers are written for PostgreSQL and SQLite, not {vendor}."
        )
    return create, drop


def create_triggers(apps, schema_editor):
    for statement in statements(schema_editor.connection.vendor)[0]:
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    for statement in statements(schema_editor.connection.vendor)[1]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_initial"),
        ("enterprises", "0003_last_import"),
        ("improvements", "0002_last_import"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
