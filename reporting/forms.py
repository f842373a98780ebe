"""The month's report form: a field per reported value of the safety report (its model's
ReportedCount fields, the one declaration of a reported value), the explanation and the version."""

from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.models import SafetyReport, reported_counts


class NumberInput(forms.NumberInput):
    """A whole number on a phone: the numeric keyboard, no spinner arrows to mistap."""

    def __init__(self):
        super().__init__(
            attrs={"inputmode": "numeric", "pattern": "[0-9]*", "min": "0", "class": "form-control"}
        )


class MonthReportForm(forms.Form):
    explanation = forms.CharField(
        label=_("explanation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Needed when a value is far from the enterprise's usual: say why (上报说明)."),
    )
    version = forms.IntegerField(
        required=False, min_value=1, max_value=2_147_483_647, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        counts = {
            field.name: forms.IntegerField(
                label=field.verbose_name,
                required=not field.null,
                min_value=0,
                max_value=2_147_483_647,
                widget=NumberInput(),
            )
            for field in reported_counts(SafetyReport)
        }
        # The reported values first, in the model's order; the explanation and version after them.
        self.fields = {**counts, **self.fields}

    @property
    def count_fields(self):
        return [self[name] for name in self.fields if name not in ("explanation", "version")]
