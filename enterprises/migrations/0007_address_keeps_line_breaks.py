"""The address is multi-line text under the portal's rule for text (common.text): it keeps tabs
and line breaks where every other CharField turns them into spaces. No change to the column."""

from django.db import migrations, models

import common.text


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0006_left_on_received_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="enterprise",
            name="address",
            field=models.CharField(
                blank=True,
                max_length=300,
                validators=[common.text.TextRule(multi_line=True)],
                verbose_name="address",
            ),
        ),
    ]
