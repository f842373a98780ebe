"""Workshops now point to districts.District: the same table, state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0003_walkthrough_consultant_inspector"),
        ("districts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="workshop",
                    name="district",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="workshops",
                        to="districts.district",
                        verbose_name="district",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
