"""City and District now belong to the districts app (its 0001 takes them over, tables included):
forget them here once nothing in any app's state points to them any more."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0004_fields_point_to_moved_models"),
        ("training", "0004_workshop_district_moved"),
        ("dashboard", "0004_rollup_district_moved"),
        ("score_portal", "0006_models_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="District"), migrations.DeleteModel(name="City")],
            database_operations=[],
        ),
    ]
