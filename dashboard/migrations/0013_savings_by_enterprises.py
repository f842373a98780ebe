"""The savings of the projects the enterprises entered themselves, a monthly sum of the roll-up
(improvements 0005 marks those projects). No project was marked before, so 0 is every stored row's
sum: the roll-up stays what a rebuild makes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0012_review_figures"),
        ("improvements", "0005_entered_by_enterprise"),
    ]

    operations = [
        migrations.AddField(
            model_name="monthlyrollup",
            name="savings_by_enterprises",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=18),
        ),
        migrations.AddField(
            model_name="segmentmonthlyrollup",
            name="savings_by_enterprises",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=18),
        ),
    ]
