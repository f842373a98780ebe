"""The role becomes a field of the profile, taken from the role groups every account was in; the
groups, which carried no permissions, go. An account in several role groups keeps the widest (the
order below, as the portal decided before); an account with a role and no profile gets one."""

from django.db import migrations, models

# Widest first.
ROLES = ["programme_admin", "city_official", "district_official", "trainer"]


def roles_from_groups(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Profile = apps.get_model("accounts", "Profile")
    User = apps.get_model("auth", "User")
    for role in reversed(ROLES):  # the widest last, so it wins
        members = User.objects.using(db).filter(groups__name=role).values_list("pk", flat=True)
        for user_id in members:
            Profile.objects.using(db).update_or_create(user_id=user_id, defaults={"role": role})
    Group.objects.using(db).filter(name__in=ROLES).delete()


def groups_from_roles(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Profile = apps.get_model("accounts", "Profile")
    for role in ROLES:
        group, _ = Group.objects.using(db).get_or_create(name=role)
        for profile in Profile.objects.using(db).filter(role=role).select_related("user"):
            profile.user.groups.add(group)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("score_portal", "0006_models_moved"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="role",
            field=models.CharField(
                blank=True,
                choices=[
                    ("programme_admin", "programme admin"),
                    ("city_official", "city official"),
                    ("district_official", "district official"),
                    ("trainer", "trainer"),
                ],
                max_length=20,
                verbose_name="role",
            ),
        ),
        migrations.RunPython(roles_from_groups, groups_from_roles),
    ]
