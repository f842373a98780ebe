"""ImportBatch, moved here from the score_portal app with its table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    """Keep the content types (and with them permissions and admin history) of the moved models."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label='score_portal', model__in=['importbatch']
    ).update(app_label='imports')


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label='imports', model__in=['importbatch']
    ).update(app_label='score_portal')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("score_portal", "0005_import_statuses"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # The tables stay where they are (db_table): only Django's idea of them moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ImportBatch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded')),
                        ('committed_at', models.DateTimeField(blank=True, null=True, verbose_name='imported')),
                        ('kind', models.CharField(choices=[('enterprises', 'enterprises'), ('safety', 'monthly safety reports'), ('suggestions', 'suggestions'), ('projects', 'improvement projects')], max_length=20, verbose_name='kind')),
                        ('file_name', models.CharField(max_length=255, verbose_name='file name')),
                        ('file_size', models.PositiveBigIntegerField(verbose_name='size (bytes)')),
                        ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                        ('content', models.BinaryField(blank=True, verbose_name='file content')),
                        ('status', models.CharField(choices=[('previewed', 'awaiting confirmation'), ('invalid', 'refused: errors in the file'), ('committed', 'imported'), ('unchanged', 'nothing to import: already in the portal'), ('expired', 'expired: not confirmed in time')], max_length=20, verbose_name='status')),
                        ('rows', models.PositiveIntegerField(default=0, verbose_name='rows')),
                        ('created', models.PositiveIntegerField(default=0, verbose_name='new')),
                        ('updated', models.PositiveIntegerField(default=0, verbose_name='updated')),
                        ('unchanged', models.PositiveIntegerField(default=0, verbose_name='unchanged')),
                        ('errors', models.PositiveIntegerField(default=0, verbose_name='errors')),
                        ('plan_fingerprint', models.CharField(blank=True, max_length=64)),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='import_batches', to=settings.AUTH_USER_MODEL, verbose_name='imported by')),
                    ],
                    options={
                        'verbose_name': 'import',
                        'verbose_name_plural': 'imports',
                        'db_table': 'score_portal_importbatch',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
