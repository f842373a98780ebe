"""The review figures' monthly sums (reports_exempt, reports_approved) in the roll-up, and the
roll-up made stale by every write of an exemption, as by the other tables the figures read.

The trigger SQL is a frozen copy of dashboard.rollup.trigger_sql for the exemption table as this
migration was written (the function dashboard_rollup_stale exists since 0002, with its present body
since 0010); after every migrate, dashboard.rollup.triggers_ensure brings the triggers up to date.
"""

from django.db import migrations, models

TABLE = "enterprises_exemption"
NAME = "dashboard_rollup_stale"
BUMP = (
    "INSERT INTO dashboard_rollupstate (id, data_version, rollup_version, generation) "
    "VALUES (1, 1, -1, lower(hex(randomblob(16)))) "
    "ON CONFLICT (id) DO UPDATE SET data_version = dashboard_rollupstate.data_version + 1, "
    "generation = excluded.generation"
)
EVENTS = ("insert", "update", "delete")


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME} ON {TABLE}", params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {NAME} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {TABLE} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {NAME}()",
            params=None,
        )
    elif vendor == "sqlite":
        for event in EVENTS:
            trigger = f"{NAME}_{TABLE}_{event}"
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}", params=None)
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} AFTER {event.upper()} ON {TABLE} BEGIN {BUMP}; END", params=None
            )
    else:
        raise NotImplementedError(
            f"The dashboard's triggers are written for PostgreSQL and SQLite, not {vendor}."
        )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME} ON {TABLE}", params=None)
    else:
        for event in EVENTS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME}_{TABLE}_{event}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0010_state_generation"),
        ("enterprises", "0011_report_states_and_exemptions"),
    ]

    operations = [
        migrations.AddField(
            model_name="monthlyrollup",
            name="reports_approved",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="monthlyrollup",
            name="reports_exempt",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="segmentmonthlyrollup",
            name="reports_approved",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="segmentmonthlyrollup",
            name="reports_exempt",
            field=models.IntegerField(default=0),
        ),
        migrations.RunPython(create, drop),
    ]
