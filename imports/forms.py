from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy

from imports.models import ImportBatch
from imports.uploads import ImportFileField


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"),
        choices=[(value, capfirst(label)) for value, label in ImportBatch.Kind.choices],
    )
    file = ImportFileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("Excel (.xlsx, .xls) or CSV (UTF-8 or GBK); the first sheet is read."),
    )
