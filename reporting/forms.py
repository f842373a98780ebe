"""The month's report form: a field per reported value of the safety report (its model's
ReportedCount fields, the one declaration of a reported value), the explanation and the version."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from enterprises.models import SafetyReport, reported_counts
from imports import values
from imports.services import kind_of_model
from improvements.models import ImprovementProject, Suggestion


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


class DateInput(forms.DateInput):
    """A date picked on the phone's own calendar."""

    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class AmountField(forms.CharField):
    """RMB as an import file's cell is read (imports.values.amount): 0 or more, two decimals at
    most, `1,234.50` and `¥1234.5` too; on a phone, the keyboard with a decimal point."""

    def __init__(self, model_field):
        super().__init__(
            label=capfirst(model_field.verbose_name),
            required=False,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        )

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return values.amount(text)
        except values.CellError as error:
            raise ValidationError(str(error), code="invalid") from error


class ImprovementForm(forms.ModelForm):
    """The short form of an enterprise's suggestion or improvement project (docs/domain.md,
    "Enterprises report for themselves"): the model's fields as the import reads them, the
    reference (a new record's; the key is fixed once it exists, as everywhere), and the version
    the form showed. The write goes through the door (imports.services.record_save)."""

    version = forms.IntegerField(
        required=False, min_value=1, max_value=2_147_483_647, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            del self.fields["reference"]
            self.initial.setdefault("version", self.instance.version)
        else:
            self.fields["reference"].required = False
            self.fields["reference"].help_text = _("Empty: the portal numbers it.")
        self.fields["module"].empty_label = "—"
        for field in self.fields.values():
            # Large touch targets (crispy-forms adds Bootstrap's form-control or form-select).
            if isinstance(field, forms.TypedChoiceField | forms.ModelChoiceField):
                field.widget.attrs["class"] = "form-select-lg"
            elif not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs["class"] = "form-control-lg"

    def clean(self):
        """The door's rules across fields (a completed project's date), beside the field they name,
        as the door would refuse them: a rule runs when the fields it reads are valid."""
        cleaned = super().clean()
        for rule in kind_of_model(self._meta.model).rules:
            if all(name in cleaned for name in rule.fields):
                for name, message in rule.check(cleaned, None):
                    self.add_error(name if name in self.fields else None, message)
        return cleaned


class SuggestionForm(ImprovementForm):
    class Meta:
        model = Suggestion
        fields = ["text", "submitted_on", "submitted_by", "module", "status", "reference"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "submitted_on": DateInput()}


class ProjectForm(ImprovementForm):
    class Meta:
        model = ImprovementProject
        fields = ["title", "module", "status", "started_on", "completed_on", "cost", "savings", "reference"]
        widgets = {"started_on": DateInput(), "completed_on": DateInput()}

    cost = AmountField(ImprovementProject._meta.get_field("cost"))
    savings = AmountField(ImprovementProject._meta.get_field("savings"))


def door_errors_placed(form, model, problems):
    """The write door's problems (imports.services.RecordRefused) beside the form's fields they
    name, by their import column's label (a foreign key's column names its field: module_id is
    `module`); the others on top of the form."""
    fields = {str(column.label): column.field.removesuffix("_id") for column in kind_of_model(model).columns}
    for problem in problems:
        field = fields.get(problem.column)
        form.add_error(field if field in form.fields else None, problem.message)
