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
    # Only for who may override the locks (a programme admin: accounts.scoping, OVERRIDE_LOCK).
    override_locks = forms.BooleanField(
        label=gettext_lazy("Override the locks: change approved reports too (they stay approved)"),
        required=False,
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Reason for overriding the locks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required with the override; kept in the history of every report it changes."),
    )

    def __init__(self, *args, may_override=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_override:
            del self.fields["override_locks"]
            del self.fields["override_reason"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("override_locks"):
            cleaned["override_reason"] = ""
        elif not cleaned.get("override_reason", "").strip():
            self.add_error(
                "override_reason",
                gettext_lazy("Write why the locks are overridden, or leave the box unticked."),
            )
        else:
            cleaned["override_reason"] = cleaned["override_reason"].strip()
        return cleaned
