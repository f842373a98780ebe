"""A random `generation` on RollupState and ContentState, drawn afresh by every write's trigger, to
key dashboard.page_cache: the counters come back to numbers they had after a rollback or a restore,
with other data behind them (dashboard/rollup.py explains the scheme).

The triggers get new bodies: each is dropped and created again (on SQLite `CREATE TRIGGER IF NOT
EXISTS` would keep an existing trigger's old body); on PostgreSQL their function is replaced. Going
back puts back the bodies without a generation (0002's and 0003's, on the tables watched since).

The SQL is a frozen copy of dashboard.rollup.trigger_sql as this migration was written; after every
migrate, dashboard.rollup.triggers_ensure brings the triggers up to date.
"""

from django.db import migrations, models

import dashboard.models

GENERATION = {
    "postgresql": "gen_random_uuid()::text",
    "sqlite": "lower(hex(randomblob(16)))",
}
SETS = (
    (
        "dashboard_rollup_stale",
        (
            "enterprises_enterprise",
            "enterprises_safetyreport",
            "improvements_suggestion",
            "improvements_improvementproject",
        ),
        "INSERT INTO dashboard_rollupstate (id, data_version, rollup_version, generation) "
        "VALUES (1, 1, -1, {generation}) "
        "ON CONFLICT (id) DO UPDATE SET data_version = dashboard_rollupstate.data_version + 1, "
        "generation = excluded.generation",
        "INSERT INTO dashboard_rollupstate (id, data_version, rollup_version) VALUES (1, 1, -1) "
        "ON CONFLICT (id) DO UPDATE SET data_version = dashboard_rollupstate.data_version + 1",
    ),
    (
        "dashboard_content_changed",
        (
            "enterprises_city",
            "enterprises_district",
            "training_module",
            "training_workshop",
            "training_workshop_trainers",
            "training_workshop_enterprises",
            "training_participant",
            "training_attendance",
            "imports_recordchange",
        ),
        "INSERT INTO dashboard_contentstate (id, version, generation) VALUES (1, 1, {generation}) "
        "ON CONFLICT (id) DO UPDATE SET version = dashboard_contentstate.version + 1, "
        "generation = excluded.generation",
        "INSERT INTO dashboard_contentstate (id, version) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET version = dashboard_contentstate.version + 1",
    ),
)


def statements(vendor, *, generation):
    """The statements that create every trigger, with the body with a generation or without, and
    those that drop them."""
    if vendor not in GENERATION:
        raise NotImplementedError(
            f"The dashboard's triggers are written for PostgreSQL and SQLite, not {vendor}."
        )
    create, drop = [], []
    for name, tables, with_generation, without in SETS:
        bump = with_generation.format(generation=GENERATION[vendor]) if generation else without
        if vendor == "postgresql":
            create.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
                f"SET search_path FROM CURRENT AS $$ BEGIN {bump}; RETURN NULL; END $$"
            )
            for table in tables:
                create.append(
                    f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
                )
                drop.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        else:
            for table in tables:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    trigger = f"{name}_{table}_{event.lower()}"
                    create.append(f"CREATE TRIGGER {trigger} AFTER {event} ON {table} BEGIN {bump}; END")
                    drop.append(f"DROP TRIGGER IF EXISTS {trigger}")
    return create, drop


def run(made):
    def operation(apps, schema_editor):
        for statement in made(schema_editor.connection.vendor):
            schema_editor.execute(statement, params=None)

    return operation


def drop(vendor):
    return statements(vendor, generation=False)[1]


def create_with_generation(vendor):
    return statements(vendor, generation=True)[0]


def create_without_generation(vendor):
    return statements(vendor, generation=False)[0]


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0009_report_slot"),
        ("imports", "0003_record_change"),
    ]

    operations = [
        # The triggers go first: on SQLite, adding a column remakes the state table, and renaming
        # the new table into place fails while a trigger names the table dropped.
        migrations.RunPython(run(drop), run(create_without_generation)),
        # Each row's first generation is drawn here (a random default, as for a row the ORM makes).
        migrations.AddField(
            model_name="contentstate",
            name="generation",
            field=models.CharField(default=dashboard.models.generation_new, max_length=36),
        ),
        migrations.AddField(
            model_name="rollupstate",
            name="generation",
            field=models.CharField(default=dashboard.models.generation_new, max_length=36),
        ),
        migrations.RunPython(run(create_with_generation), run(drop)),
    ]
