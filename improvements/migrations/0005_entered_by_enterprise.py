"""The mark of a suggestion or project its enterprise's own user created (set by the write door);
FALSE in the database too, for rows written past the ORM (a benchmark's SQL, psql)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("improvements", "0004_record_versions"),
    ]

    operations = [
        migrations.AddField(
            model_name="improvementproject",
            name="entered_by_enterprise",
            field=models.BooleanField(
                db_default=False, default=False, editable=False, verbose_name="entered by the enterprise"
            ),
        ),
        migrations.AddField(
            model_name="suggestion",
            name="entered_by_enterprise",
            field=models.BooleanField(
                db_default=False, default=False, editable=False, verbose_name="entered by the enterprise"
            ),
        ),
    ]
