"""content_version, and the triggers that raise it on every write to the other tables the cached
dashboard pages show (dashboard.page_cache; dashboard/rollup.py explains the scheme).

The SQL is a frozen copy of dashboard.rollup.trigger_sql for this set as this migration was written;
after every migrate, dashboard.rollup.triggers_ensure brings the triggers up to date.

On SQLite, adding the column remakes the state table, and SQLite refuses to rename the new table
while triggers (0002's) name it: they are dropped around the change and made again. A later
migration that changes this table must do the same.
"""

from importlib import import_module

from django.db import migrations, models

ROLLUP_TRIGGERS = import_module("dashboard.migrations.0002_rollup_triggers")

NAME = "dashboard_content_changed"
TABLES = (
    "enterprises_city",
    "enterprises_district",
    "training_module",
    "training_workshop",
    "training_workshop_trainers",
    "training_workshop_enterprises",
    "training_participant",
    "training_attendance",
)
BUMP = (
    "INSERT INTO dashboard_rollupstate (id, data_version, rollup_version, content_version) "
    "VALUES (1, 1, -1, 1) ON CONFLICT (id) DO UPDATE SET "
    "content_version = dashboard_rollupstate.content_version + 1"
)


def statements(vendor):
    create, drop = [], []
    if vendor == "postgresql":
        create.append(
            f"CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql "
            f"SET search_path FROM CURRENT AS $$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in TABLES:
            create.append(f"DROP TRIGGER IF EXISTS {NAME} ON {table}")
            create.append(
                f"CREATE TRIGGER {NAME} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {NAME}()"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {NAME} ON {table}")
        drop.append(f"DROP FUNCTION IF EXISTS {NAME}()")
    elif vendor == "sqlite":
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                name = f"{NAME}_{table}_{event.lower()}"
                create.append(
                    f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} BEGIN {BUMP}; END"
                )
                drop.append(f"DROP TRIGGER IF EXISTS {name}")
    else:
        raise NotImplementedError(
            f"The dashboard's content triggers are written for PostgreSQL and SQLite, not {vendor}."
        )
    return create, drop


def create_triggers(apps, schema_editor):
    for statement in statements(schema_editor.connection.vendor)[0]:
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    for statement in statements(schema_editor.connection.vendor)[1]:
        schema_editor.execute(statement, params=None)


def sqlite_only(function):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            function(apps, schema_editor)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0002_rollup_triggers"),
        ("enterprises", "0003_last_import"),
        ("training", "0003_walkthrough_consultant_inspector"),
    ]

    operations = [
        migrations.RunPython(
            sqlite_only(ROLLUP_TRIGGERS.drop_triggers), sqlite_only(ROLLUP_TRIGGERS.create_triggers)
        ),
        migrations.AddField(
            model_name="rollupstate",
            name="content_version",
            field=models.BigIntegerField(db_default=0, default=0),
        ),
        migrations.RunPython(
            sqlite_only(ROLLUP_TRIGGERS.create_triggers), sqlite_only(ROLLUP_TRIGGERS.drop_triggers)
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
