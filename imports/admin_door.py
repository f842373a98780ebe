"""The admin's saves and deletes of imported records go through the write door (imports.services):
the same rules, rights, versions and history as every other path.

The change form carries the record's version as shown; a save after the record changed (an import,
the API, another admin) is refused with a message and the page shows the newer values, instead of
writing the form's older values over them. A record's key (an enterprise's credit code, a report's
enterprise and month, a suggestion's or project's reference) is fixed once the record exists: the
history names records by it (to correct a wrong key, delete the record and add it again, both kept
in the history).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from imports.engine import Writer
from imports.models import RecordChange
from imports.services import RecordRefused, StaleRecord, kind_of_model, record_save, records_delete


class VersionedForm(forms.ModelForm):
    """A model form that remembers the version of the record it showed."""

    # Not named `version`: a model form may not list the model's non-editable field of that name.
    shown_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("shown_version", self.instance.version)

    @property
    def changed_data(self):
        # The version rides along; it is never a change of the record (nor of the admin's log).
        return [name for name in super().changed_data if name != "shown_version"]

    def clean(self):
        cleaned = super().clean()
        shown = cleaned.get("shown_version")
        if self.instance.pk is None or shown is None:
            return cleaned
        stored = type(self.instance).objects.filter(pk=self.instance.pk).first()
        if stored is not None and stored.version != shown:
            newer = [
                f"{stored._meta.get_field(name).verbose_name}: {getattr(stored, name)}"
                for name in self.changed_data
                if name in {f.name for f in stored._meta.concrete_fields}
            ]
            message = str(StaleRecord(stored))
            if newer:
                message += " " + _("Stored now: %(values)s.") % {"values": "; ".join(newer)}
            raise forms.ValidationError(message, code="stale")
        return cleaned


class DoorAdmin:
    """Mixin for the ModelAdmin of a kind the import engine writes (enterprises, safety reports,
    suggestions, improvement projects)."""

    form = VersionedForm

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            kind = kind_of_model(type(obj))
            fields += [
                name.removesuffix("_id") for name in kind.key if name.removesuffix("_id") not in fields
            ]
        return fields

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return fields if "shown_version" in fields else [*fields, "shown_version"]

    def save_model(self, request, obj, form, change):
        writer = Writer.of(request.user, RecordChange.Path.ADMIN)
        obj.pk = record_save(instance=obj, writer=writer, version=form.cleaned_data.get("shown_version"))
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """Nothing related is edited here (no inline writes a record of its own)."""

    def delete_model(self, request, obj):
        self._delete(request, [obj.pk])

    def delete_queryset(self, request, queryset):
        self._delete(request, list(queryset.values_list("pk", flat=True)))

    def _delete(self, request, pks):
        writer = Writer.of(request.user, RecordChange.Path.ADMIN)
        records_delete(model=self.model, pks=pks, writer=writer)

    def changelist_view(self, request, extra_context=None):
        # The bulk delete of records one of which the door refuses (an approved report): nothing
        # deleted, the reason shown on the list.
        try:
            return super().changelist_view(request, extra_context)
        except RecordRefused as refused:
            messages.error(request, " ".join(f"{p.value}: {p.message}" for p in refused.problems[:20]))
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A refusal found under lock, after the form was valid (a write committed in between, or
        # a rule or right of the door): the message, and the page again with what is stored now.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleRecord as stale:
            messages.error(request, str(stale))
        except RecordRefused as refused:
            messages.error(request, " ".join(problem.message for problem in refused.problems))
        except PermissionDenied:
            raise
        return HttpResponseRedirect(request.get_full_path())
