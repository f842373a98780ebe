"""The review figures' monthly sums in the roll-up: reports_exempt (owed months an approved exemption
covers) and reports_approved (reports received and approved). The exemption table is watched since
0011_incremental_rollup; `migrate` rebuilds the roll-up when it is done, filling the new columns."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0011_incremental_rollup"),
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
    ]
