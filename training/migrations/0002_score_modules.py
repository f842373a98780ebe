"""SCORE's five modules (docs/domain.md, "SCORE in one page")."""

from django.db import migrations

MODULES = [
    (1, "工作场所合作", "Workplace Cooperation"),
    (2, "质量管理", "Quality Management"),
    (3, "清洁生产提高生产率", "Productivity through Cleaner Production"),
    (4, "人力资源管理", "Human Resource Management"),
    (5, "职业安全与健康", "Occupational Safety and Health"),
]


def seed(apps, schema_editor):
    Module = apps.get_model("training", "Module")
    for number, name_zh, name_en in MODULES:
        Module.objects.update_or_create(number=number, defaults={"name_zh": name_zh, "name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
