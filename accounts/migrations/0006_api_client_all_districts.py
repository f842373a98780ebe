from django.db import migrations, models
from django.utils import timezone


def flag_city_wide_clients(apps, schema_editor):
    """Clients made without a district read every district until now, by design (the city's
    systems): they keep doing so through the flag that now says it."""
    ApiClient = apps.get_model("accounts", "ApiClient")
    ApiClient.objects.filter(districts__isnull=True).update(all_districts=True)


def unflag_city_wide_clients(apps, schema_editor):
    """Back to the code that reads no district as every district: a flagged client keeps every
    district by having none; a client left with no district and no flag would become city-wide
    there, so its token is revoked instead (the admin can restore it once it has districts)."""
    ApiClient = apps.get_model("accounts", "ApiClient")
    for client in ApiClient.objects.filter(all_districts=True):
        client.districts.clear()
    ApiClient.objects.filter(all_districts=False, districts__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_api_client"),
        ("districts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apiclient",
            name="all_districts",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "The client reads (and writes, if it may write) every district, those added later "
                    "included; for the city's systems. Then choose no district above."
                ),
                verbose_name="all districts",
            ),
        ),
        migrations.AlterField(
            model_name="apiclient",
            name="districts",
            field=models.ManyToManyField(
                blank=True,
                help_text="The districts the client reads (and writes, if it may write). None chosen: none.",
                related_name="+",
                to="districts.district",
                verbose_name="districts",
            ),
        ),
        migrations.RunPython(flag_city_wide_clients, unflag_city_wide_clients),
    ]
