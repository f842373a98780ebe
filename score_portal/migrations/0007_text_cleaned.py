"""Bring the text already stored under the portal's rule for text (common.text).

Before the rule, a control character typed or imported into a name was stored, and made every XLSX
export that included it fail. Rows holding one are cleaned with common.text.text_cleaned: in
one-line text every control character becomes a space; multi-line text (a TextField, an address)
keeps tab, line feed and carriage return and loses the others. Every text column of every table of
the portal's apps is covered, as the tables stand at this point of the migrations.
"""

from django.db import IntegrityError, migrations, models, transaction

from common.text import text_cleaned, text_rule_of

# The portal's apps when this migration was written (score_portal.apps.PORTAL_APPS then).
PORTAL_APPS = ("districts", "accounts", "imports", "enterprises", "training", "improvements", "dashboard")
# The characters text_cleaned changes, as a regular expression both SQLite (Python's re) and
# PostgreSQL read, so that only the rows to clean are read.
CHANGED_IN_ONE_LINE = r"[\x00-\x1f\x7f-\x9f]"
CHANGED_IN_MULTI_LINE = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"


def text_columns(model):
    """{attname: multi-line?} of the model's text columns."""
    return {
        f.attname: text_rule_of(f).multi_line
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
    }


def rows_cleaned(model):
    """Clean the rows of `model` that hold a control character; returns how many were changed."""
    columns = text_columns(model)
    if not columns:
        return 0
    dirty = models.Q()
    for attname, multi_line in columns.items():
        dirty |= models.Q(
            **{f"{attname}__regex": CHANGED_IN_MULTI_LINE if multi_line else CHANGED_IN_ONE_LINE}
        )
    changed = 0
    for row in model._base_manager.filter(dirty).values("pk", *columns).iterator():
        values = {
            attname: text_cleaned(row[attname], multi_line=multi_line)
            for attname, multi_line in columns.items()
            if row[attname] is not None
        }
        values = {attname: value for attname, value in values.items() if value != row[attname]}
        try:
            with transaction.atomic():
                model._base_manager.filter(pk=row["pk"]).update(**values)
        except IntegrityError:
            # Cleaned, the row would equal another on a unique key (two spellings of one person):
            # it stays as it is, for an admin to merge. The exports write it safely meanwhile.
            continue
        changed += 1
    return changed


def tables_cleaned(apps, schema_editor):
    for label in PORTAL_APPS:
        for model in apps.get_app_config(label).get_models():
            rows_cleaned(model)


class Migration(migrations.Migration):
    dependencies = [
        ("score_portal", "0006_models_moved"),
        ("districts", "0001_initial"),
        ("accounts", "0003_sessions_name_the_moved_backend"),
        ("imports", "0001_initial"),
        ("enterprises", "0007_address_keeps_line_breaks"),
        ("training", "0004_workshop_district_moved"),
        ("improvements", "0003_last_import_moved"),
        ("dashboard", "0004_rollup_district_moved"),
    ]

    operations = [migrations.RunPython(tables_cleaned, migrations.RunPython.noop, elidable=True)]
