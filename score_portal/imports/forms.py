from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from score_portal.imports.reading import EXTENSIONS
from score_portal.models import ImportBatch


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=ImportBatch.Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("Excel (.xlsx, .xls) or CSV (UTF-8 or GBK); the first sheet is read."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.SCORE_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s; the portal takes files up to %(limit)s. Split it into smaller files."
                )
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        if not upload.name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError(
                _("%(name)s is not a file the portal can read: send .xlsx, .xls or .csv.")
                % {"name": upload.name}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload
