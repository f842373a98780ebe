"""Profile and LoginFailure, moved here from the score_portal app with their tables."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    """Keep the content types (and with them permissions and admin history) of the moved models."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label='score_portal', model__in=['profile', 'loginfailure']
    ).update(app_label='accounts')


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label='accounts', model__in=['profile', 'loginfailure']
    ).update(app_label='score_portal')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('districts', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("score_portal", "0005_import_statuses"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # The tables stay where they are (db_table): only Django's idea of them moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='LoginFailure',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('username', models.CharField(max_length=150, verbose_name='username')),
                        ('ip_address', models.GenericIPAddressField(verbose_name='IP address')),
                        ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='time')),
                    ],
                    options={
                        'verbose_name': 'failed login',
                        'verbose_name_plural': 'failed logins',
                        'db_table': 'score_portal_loginfailure',
                        'indexes': [models.Index(fields=['username', 'at'], name='score_porta_usernam_c4f2fd_idx'), models.Index(fields=['ip_address', 'at'], name='score_porta_ip_addr_06562b_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='Profile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('city', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='districts.city', verbose_name='city')),
                        ('district', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='districts.district', verbose_name='district')),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='profile', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'profile',
                        'verbose_name_plural': 'profiles',
                        'db_table': 'score_portal_profile',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
