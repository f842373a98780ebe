"""The four roles as auth groups. What a role may do is decided by score_portal.scoping, not by
model permissions, so the groups carry no permissions of their own."""

from django.db import migrations

ROLES = ["programme_admin", "city_official", "district_official", "trainer"]


def seed(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("score_portal", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
