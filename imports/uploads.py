"""What an uploaded import file must be, checked in one place for every import form.

The size limit is SCORE_IMPORT_MAX_MB and the type is decided by the extension, before the file is
stored. What the content really is (a renamed executable, an Excel file named .csv, binary garbage)
is decided by the import engine's reader (imports.reading), which the command line
shares, with messages that say what to do.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from imports.reading import EXTENSIONS, UnreadableFile, file_format


def validate_import_file(uploaded):
    """Raise ValidationError unless `uploaded` is an .xlsx, .xls or .csv file within the size limit."""
    limit = settings.SCORE_IMPORT_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the portal takes files up to %(limit)s. Split it into smaller files.")
            % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    try:
        file_format(uploaded.name)
    except UnreadableFile as error:
        raise ValidationError(str(error), code="wrong_type") from None
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")


class ImportFileField(forms.FileField):
    """A form field for an import file: the upload checks above, then the engine reads it."""

    default_validators = [validate_import_file]

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "accept": ",".join(EXTENSIONS)}
