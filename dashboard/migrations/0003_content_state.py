"""ContentState, and the triggers that raise its version on every write to the other tables the
cached dashboard pages show (dashboard.page_cache; dashboard/rollup.py explains the scheme).

The SQL is a frozen copy of dashboard.rollup.trigger_sql for this set as this migration was written;
after every migrate, dashboard.rollup.triggers_ensure brings the triggers up to date.
"""

from django.db import migrations, models

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
    "INSERT INTO dashboard_contentstate (id, version) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = dashboard_contentstate.version + 1"
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
    schema_editor.execute(BUMP, params=None)  # the row, so that pages can be cached from the start


def drop_triggers(apps, schema_editor):
    for statement in statements(schema_editor.connection.vendor)[1]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0002_rollup_triggers"),
        ("enterprises", "0003_last_import"),
        ("training", "0003_walkthrough_consultant_inspector"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContentState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "page content state"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
