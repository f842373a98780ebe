"""Huzhou and its five districts and counties (docs/domain.md, "Districts"), in the order of their
division codes."""

from django.db import migrations

HUZHOU = {"code": "huzhou", "name_zh": "湖州市", "name_en": "Huzhou", "division": "330500"}
DISTRICTS = [
    ("wuxing", "吴兴区", "Wuxing", "330502"),
    ("nanxun", "南浔区", "Nanxun", "330503"),
    ("deqing", "德清县", "Deqing", "330521"),
    ("changxing", "长兴县", "Changxing", "330522"),
    ("anji", "安吉县", "Anji", "330523"),
]


def seed(apps, schema_editor):
    City = apps.get_model("enterprises", "City")
    District = apps.get_model("enterprises", "District")
    city, _ = City.objects.update_or_create(code=HUZHOU["code"], defaults=HUZHOU)
    for code, name_zh, name_en, division in DISTRICTS:
        District.objects.update_or_create(
            code=code,
            defaults={"city": city, "name_zh": name_zh, "name_en": name_en, "division": division},
        )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
