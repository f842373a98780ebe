"""City and District, moved here from the enterprises app with their tables."""

import django.db.models.deletion
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    """Keep the content types (and with them permissions and admin history) of the moved models."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label='enterprises', model__in=['city', 'district']
    ).update(app_label='districts')


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label='districts', model__in=['city', 'district']
    ).update(app_label='enterprises')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("enterprises", "0003_last_import"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # The tables stay where they are (db_table): only Django's idea of them moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='City',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name_zh', models.CharField(max_length=100, verbose_name='Chinese name')),
                        ('name_en', models.CharField(max_length=100, verbose_name='English name')),
                        ('code', models.SlugField(max_length=40, unique=True, verbose_name='code')),
                        ('division', models.CharField(max_length=6, unique=True, verbose_name='division code')),
                    ],
                    options={
                        'verbose_name': 'city',
                        'verbose_name_plural': 'cities',
                        'db_table': 'enterprises_city',
                        'ordering': ['division'],
                    },
                ),
                migrations.CreateModel(
                    name='District',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name_zh', models.CharField(max_length=100, verbose_name='Chinese name')),
                        ('name_en', models.CharField(max_length=100, verbose_name='English name')),
                        ('code', models.SlugField(max_length=40, unique=True, verbose_name='code')),
                        ('division', models.CharField(max_length=6, unique=True, verbose_name='division code')),
                        ('city', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='districts', to='districts.city', verbose_name='city')),
                    ],
                    options={
                        'verbose_name': 'district',
                        'verbose_name_plural': 'districts',
                        'db_table': 'enterprises_district',
                        'ordering': ['city__division', 'division'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
