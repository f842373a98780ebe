"""Enterprises and reports now point to districts.District and imports.ImportBatch: the same
tables, so only Django's state changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0003_last_import"),
        ("districts", "0001_initial"),
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="enterprise",
                    name="district",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="enterprises",
                        to="districts.district",
                        verbose_name="district",
                    ),
                ),
                *(
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
                    for model_name in ("enterprise", "safetyreport")
                ),
            ],
            database_operations=[],
        ),
    ]
