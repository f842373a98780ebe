import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.models import Enterprise
from training.models import Module, Workshop
from training.selectors import trainers_of

# A record's id as a form sends it: ASCII digits, within a 64-bit key. Django asks the database
# about any integer int() reads, and SQLite refuses one beyond 64 bits in `IN (…)` with an
# OverflowError (a 500) where PostgreSQL finds nothing.
RECORD_ID = re.compile(r"[0-9]{1,18}")


class RecordsChoiceField(forms.ModelMultipleChoiceField):
    """Several records chosen by id; an id no record can have is refused before the database is
    asked, with the field's own message."""

    def clean(self, value):
        for pk in value or ():
            if not RECORD_ID.fullmatch(str(pk)):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super().clean(value)


class TrainerChoiceField(RecordsChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class ConsultantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class EnterpriseChoiceField(RecordsChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class WorkshopForm(forms.ModelForm):
    """A workshop of one of the districts the user may change; its people come from that district."""

    enterprises = EnterpriseChoiceField(
        queryset=Enterprise.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("enterprises taking part"),
    )
    trainers = TrainerChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, required=False, label=gettext_lazy("trainers")
    )
    consultant = ConsultantChoiceField(queryset=None, required=False, label=gettext_lazy("consultant"))
    # The version of the workshop the form showed (training.services.workshop_save refuses a save
    # over a newer one).
    shown_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Workshop
        fields = [
            "district",
            "module",
            "kind",
            "date",
            "place",
            "enterprises",
            "trainers",
            "consultant",
            "inspector",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "kind": forms.RadioSelect,
        }

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("shown_version", self.instance.version)
        self.fields["district"].queryset = districts
        self.fields["module"].queryset = Module.objects.all()
        self.fields["module"].empty_label = None
        self.fields["enterprises"].queryset = (
            Enterprise.objects.filter(district__in=districts).select_related("district").order_by("name")
        )
        self.fields["trainers"].queryset = trainers_of(districts)
        self.fields["consultant"].queryset = trainers_of(districts)
        # A new workshop is usually entered on its day. (The instance's empty date is in
        # self.initial, which wins over a field's initial: hence set here.)
        if not self.initial.get("date"):
            self.initial["date"] = datetime.date.today()
        if districts.count() == 1:
            # A trainer works in one district: nothing to choose.
            if self.instance.district_id is None:
                self.initial["district"] = districts.get().pk
            self.fields["district"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        district = cleaned.get("district")
        enterprises = cleaned.get("enterprises") or []
        if district:
            foreign = [e.name for e in enterprises if e.district_id != district.pk]
            if foreign:
                self.add_error(
                    "enterprises",
                    _("Not in the workshop's district: %(names)s.") % {"names": "、".join(foreign)},
                )
            for person in list(cleaned.get("trainers") or []) + [cleaned.get("consultant")]:
                if person is not None and person.profile.district_id != district.pk:
                    self.add_error(
                        "trainers", _("%(name)s works in another district.") % {"name": person.username}
                    )
        if cleaned.get("kind") == Workshop.Kind.WALKTHROUGH:
            if len(enterprises) > 1:
                self.add_error("enterprises", _("A factory walk-through visits one enterprise."))
            if not cleaned.get("consultant"):
                self.add_error("consultant", _("A factory walk-through needs its consultant."))
            if not cleaned.get("inspector", "").strip():
                self.add_error("inspector", _("A factory walk-through needs its safety inspector."))
        else:
            cleaned["consultant"] = None
            cleaned["inspector"] = ""
        return cleaned

    def _save_m2m(self):
        super()._save_m2m()
        # The consultant leads the walk-through: list them among its trainers too.
        if self.instance.consultant_id:
            self.instance.trainers.add(self.instance.consultant_id)
