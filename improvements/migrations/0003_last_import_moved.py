"""Suggestions and projects now point to imports.ImportBatch: the same table, state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("improvements", "0002_last_import"),
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name=model_name,
                    name="last_import",
                    field=models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="imports.importbatch",
                        verbose_name="last written by import",
                    ),
                )
                for model_name in ("suggestion", "improvementproject")
            ],
            database_operations=[],
        ),
    ]
