"""Failed logins are counted per username and per address (FailedLoginCount) instead of kept one row
each (LoginFailure), so that the check of the limit and the count are one statement.

The failures recorded before the upgrade are dropped with their table: they only matter within the
window (15 minutes by default), so the most this loses is a lockout in force at the upgrade, which ends.
LoginFailure's content type and permissions go with it (it never had admin pages, so no admin
history refers to it).
"""

from django.db import migrations, models


def delete_login_failure_content_type(apps, schema_editor):
    # Django leaves a deleted model's content type behind; its permissions are deleted with it.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label="accounts", model="loginfailure"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_sessions_name_the_moved_backend"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="FailedLoginCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("username", "username"), ("address", "IP address")],
                        max_length=8,
                        verbose_name="counted by",
                    ),
                ),
                ("value", models.CharField(max_length=150, verbose_name="username or IP address")),
                ("failures", models.PositiveIntegerField(verbose_name="failures")),
                ("window_start", models.DateTimeField(verbose_name="window start")),
            ],
            options={
                "verbose_name": "failed login count",
                "verbose_name_plural": "failed login counts",
            },
        ),
        migrations.DeleteModel(
            name="LoginFailure",
        ),
        migrations.RunPython(delete_login_failure_content_type, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="failedlogincount",
            index=models.Index(fields=["window_start"], name="failed_login_count_window"),
        ),
        migrations.AddConstraint(
            model_name="failedlogincount",
            constraint=models.UniqueConstraint(fields=("kind", "value"), name="failed_login_count_per_key"),
        ),
    ]
