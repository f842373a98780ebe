"""The roll-up follows each write through the door (dashboard/rollup.py explains the scheme):

- DistrictGeneration: a generation per district, drawn by the door's writes, for the page cache's key;
- FollowedWrite: on SQLite, the row that tells the triggers the door is writing (PostgreSQL uses a
  setting local to the transaction);
- the triggers leave the state alone while the door follows its write, and also watch the exempt
  months (enterprises_exemption), which decide the reports owed;
- MissingReport goes: who owes what is computed from the owed months and the reports received.

The SQL is a frozen copy of dashboard.rollup.trigger_sql as this migration was written; after every
migrate, dashboard.rollup.triggers_ensure brings the triggers up to date. Going back puts back
0010's bodies (on 0010's tables).
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

import dashboard.models

previous = importlib.import_module("dashboard.migrations.0010_state_generation")

GENERATION = {
    "postgresql": "gen_random_uuid()::text",
    "sqlite": "lower(hex(randomblob(16)))",
}
FOLLOWED = {
    "postgresql": "current_setting('score.followed_write', true) IS DISTINCT FROM 'on'",
    "sqlite": "NOT EXISTS (SELECT 1 FROM dashboard_followedwrite)",
}
SETS = (
    (
        "dashboard_rollup_stale",
        (
            "enterprises_enterprise",
            "enterprises_safetyreport",
            "enterprises_exemption",
            "improvements_suggestion",
            "improvements_improvementproject",
        ),
        "INSERT INTO dashboard_rollupstate (id, data_version, rollup_version, generation) "
        "VALUES (1, 1, -1, {generation}) "
        "ON CONFLICT (id) DO UPDATE SET data_version = dashboard_rollupstate.data_version + 1, "
        "generation = excluded.generation",
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
    ),
)


def statements(vendor):
    """The statements that create every trigger, and those that drop them."""
    if vendor not in GENERATION:
        raise NotImplementedError(
            f"The dashboard's triggers are written for PostgreSQL and SQLite, not {vendor}."
        )
    create, drop = [], []
    for name, tables, bump in SETS:
        bump = bump.format(generation=GENERATION[vendor])
        if vendor == "postgresql":
            create.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
                f"SET search_path FROM CURRENT AS $$ BEGIN IF {FOLLOWED[vendor]} THEN {bump}; END IF; "
                "RETURN NULL; END $$"
            )
            for table in tables:
                create.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                create.append(
                    f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
                )
                drop.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        else:
            for table in tables:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    trigger = f"{name}_{table}_{event.lower()}"
                    create.append(f"DROP TRIGGER IF EXISTS {trigger}")
                    create.append(
                        f"CREATE TRIGGER {trigger} AFTER {event} ON {table} WHEN {FOLLOWED[vendor]} "
                        f"BEGIN {bump}; END"
                    )
                    drop.append(f"DROP TRIGGER IF EXISTS {trigger}")
    return create, drop


def create_new(vendor):
    return statements(vendor)[0]


def back_to_0010(vendor):
    """0010's bodies, on 0010's tables: the exempt months' triggers dropped first."""
    dropped = [statement for statement in statements(vendor)[1] if "enterprises_exemption" in statement]
    return dropped + previous.create_with_generation(vendor)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0010_state_generation"),
        ("districts", "0001_initial"),
        ("enterprises", "0011_report_states_and_exemptions"),
    ]

    operations = [
        migrations.CreateModel(
            name="DistrictGeneration",
            fields=[
                (
                    "district",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="districts.district",
                    ),
                ),
                ("generation", models.CharField(default=dashboard.models.generation_new, max_length=36)),
            ],
            options={
                "verbose_name": "district's data generation",
            },
        ),
        migrations.CreateModel(
            name="FollowedWrite",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
            ],
            options={
                "verbose_name": "followed write",
            },
        ),
        migrations.DeleteModel(
            name="MissingReport",
        ),
        migrations.RunPython(previous.run(create_new), previous.run(back_to_0010)),
    ]
