"""What an uploaded import file must be, checked in one place for every import view and form.

The size limit is SCORE_IMPORT_MAX_MB; the type is decided by the extension *and* the first bytes,
so a renamed executable or a zip bomb named .csv is refused before a parser sees it.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ZIP_MAGIC = b"PK\x03\x04"  # .xlsx is a zip of XML parts
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (BIFF in an OLE2 compound file)
IMPORT_EXTENSIONS = (".xlsx", ".xls", ".csv")


def validate_import_file(uploaded):
    """Raise ValidationError unless `uploaded` is an .xlsx, .xls or .csv file within the size limit."""
    limit = settings.SCORE_IMPORT_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; the largest file accepted is %(limit)s MB."),
            code="too_large",
            params={"size": f"{uploaded.size / 1024 / 1024:.1f}", "limit": limit // (1024 * 1024)},
        )
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    name = (uploaded.name or "").lower()
    extension = next((ext for ext in IMPORT_EXTENSIONS if name.endswith(ext)), None)
    if extension is None:
        raise ValidationError(
            _("%(name)s is not an Excel (.xlsx, .xls) or CSV (.csv) file."),
            code="wrong_type",
            params={"name": uploaded.name},
        )
    position = uploaded.tell() if hasattr(uploaded, "tell") else 0
    uploaded.seek(0)
    head = uploaded.read(4096)
    uploaded.seek(position)
    expected = {".xlsx": ZIP_MAGIC, ".xls": OLE2_MAGIC}.get(extension)
    looks_binary = b"\x00" in head or head.startswith((ZIP_MAGIC, OLE2_MAGIC))
    if (expected and not head.startswith(expected)) or (expected is None and looks_binary):
        raise ValidationError(
            _("The content of %(name)s is not what its extension says; save it again from Excel."),
            code="wrong_content",
            params={"name": uploaded.name},
        )


class ImportFileField(forms.FileField):
    """A form field for an import file: the upload checks above, then the view reads it."""

    default_validators = [validate_import_file]

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "accept": ",".join(IMPORT_EXTENSIONS)}
