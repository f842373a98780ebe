"""Enterprises may leave the programme (left_on); safety reports know when they first reached the
portal (received_at). Reports already in the portal take the confirmation time of the import that
last wrote them where it is known, none otherwise (docs/domain.md, "Reporting")."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def received_from_imports(apps, schema_editor):
    db = schema_editor.connection.alias
    SafetyReport = apps.get_model("enterprises", "SafetyReport")
    ImportBatch = apps.get_model("imports", "ImportBatch")
    SafetyReport.objects.using(db).filter(last_import__isnull=False).update(
        received_at=Subquery(
            ImportBatch.objects.filter(pk=OuterRef("last_import")).values("committed_at")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0005_city_district_moved"),
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="enterprise",
            name="left_on",
            field=models.DateField(
                blank=True,
                help_text="The day the enterprise closed or left the programme, if it did.",
                null=True,
                verbose_name="left on",
            ),
        ),
        # auto_now_add would fill the existing rows with the migration's moment: the column is added
        # plain, and the state says auto_now_add (new rows get the moment they are created).
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AddField(
                    model_name="safetyreport",
                    name="received_at",
                    field=models.DateTimeField(null=True, verbose_name="received"),
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name="safetyreport",
                    name="received_at",
                    field=models.DateTimeField(auto_now_add=True, null=True, verbose_name="received"),
                ),
            ],
        ),
        migrations.RunPython(received_from_imports, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="enterprise",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("left_on__isnull", True), ("left_on__gte", models.F("score_start")), _connector="OR"
                ),
                name="enterprise_left_not_before_start",
                violation_error_message="An enterprise cannot leave before its SCORE start date.",
            ),
        ),
    ]
