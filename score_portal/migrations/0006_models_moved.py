"""Profile and LoginFailure now belong to the accounts app, ImportBatch to the imports app (their
0001 migrations take them over, tables included): the project package keeps no models."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("score_portal", "0005_import_statuses"),
        ("accounts", "0001_initial"),
        ("imports", "0001_initial"),
        ("enterprises", "0004_fields_point_to_moved_models"),
        ("improvements", "0003_last_import_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Profile"),
                migrations.DeleteModel(name="LoginFailure"),
                migrations.DeleteModel(name="ImportBatch"),
            ],
            database_operations=[],
        ),
    ]
