"""The shapes of the machine API's answers and bodies, for its OpenAPI document (drf-spectacular
reads them; the views write plain dictionaries built by the same code as the portal's pages)."""

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from dashboard import registry
from enterprises.models import SafetyReport, reported_counts
from imports.services import error_limit


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(
        help_text=gettext_lazy("What went wrong, in the request's Accept-Language.")
    )


class DistrictSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    city = serializers.CharField(help_text=gettext_lazy("The city's code."))


class DistrictListSerializer(serializers.Serializer):
    results = DistrictSerializer(many=True)


class EnterpriseSerializer(serializers.Serializer):
    credit_code = serializers.CharField()
    name = serializers.CharField()
    district = serializers.CharField(help_text=gettext_lazy("The district's code."))
    sector = serializers.CharField(allow_blank=True)
    employees = serializers.IntegerField()
    female_employees = serializers.IntegerField(allow_null=True)
    score_start = serializers.DateField()
    cohort = serializers.CharField(allow_blank=True)
    address = serializers.CharField(allow_blank=True)
    contact = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    left_on = serializers.DateField(allow_null=True)


class SafetyReportSerializer(serializers.Serializer):
    """Every field of the import table: the reported values as their model fields declare them
    (enterprises.models.ReportedCount), read when the document is made."""

    def get_fields(self):
        return {
            "credit_code": serializers.CharField(),
            "month": serializers.RegexField(r"^\d{4}-\d{2}$", help_text=gettext_lazy("YYYY-MM")),
            **{
                field.name: serializers.IntegerField(allow_null=field.null)
                for field in reported_counts(SafetyReport)
            },
            "received_at": serializers.DateTimeField(allow_null=True),
            "state": serializers.ChoiceField(
                choices=SafetyReport.State.values,
                help_text=gettext_lazy(
                    "The report's review state: submitted (received, not yet reviewed), returned (sent "
                    "back to the enterprise; its values still count) or approved (reviewed and locked: "
                    "a write that would change it is an error of its row)."
                ),
            ),
        }


def paginated(name, item):
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


EnterprisePageSerializer = paginated("EnterprisePage", EnterpriseSerializer)
SafetyReportPageSerializer = paginated("SafetyReportPage", SafetyReportSerializer)


def figure_field(figure):
    """A figure's field in the JSON bodies, by its kind (dashboard.registry): counts integers,
    money text, flags booleans, percentages and rates numbers or null."""
    if figure.kind == registry.COUNT:
        return serializers.IntegerField(help_text=figure.definition)
    if figure.kind == registry.MONEY:
        return serializers.CharField(help_text=gettext_lazy("RMB, two decimals, as text"))
    if figure.kind == registry.FLAG:
        return serializers.BooleanField(help_text=figure.definition)
    return serializers.FloatField(allow_null=True, help_text=figure.definition)


class FiguresSerializer(serializers.Serializer):
    """The figures of the summary API (dashboard.registry: every figure in the JSON bodies)."""

    def get_fields(self):
        return {figure.key: figure_field(figure) for figure in registry.in_json()}


class DistrictFiguresSerializer(FiguresSerializer):
    def get_fields(self):
        return {**super().get_fields(), "code": serializers.CharField(), "name": serializers.CharField()}


class SummarySerializer(serializers.Serializer):
    # "from" is a Python keyword: declared below.
    to = serializers.RegexField(r"^\d{4}-\d{2}$")
    districts = DistrictFiguresSerializer(many=True)
    total = FiguresSerializer()
    training = serializers.DictField(
        help_text=gettext_lazy("The training figures (docs/domain.md, 'Training figures').")
    )

    def get_fields(self):
        return {"from": serializers.RegexField(r"^\d{4}-\d{2}$", allow_null=True), **super().get_fields()}


class MissingEnterpriseSerializer(serializers.Serializer):
    credit_code = serializers.CharField()
    name = serializers.CharField()
    district = serializers.CharField()
    months = serializers.ListField(child=serializers.RegexField(r"^\d{4}-\d{2}$"))


class MissingSerializer(serializers.Serializer):
    to = serializers.RegexField(r"^\d{4}-\d{2}$")
    enterprises = MissingEnterpriseSerializer(many=True)

    def get_fields(self):
        return {"from": serializers.RegexField(r"^\d{4}-\d{2}$", allow_null=True), **super().get_fields()}


class ImportRowField(serializers.DictField):
    """A row of an import: an object of the kind's columns (api.schema.ImportRowScheme describes
    its key columns, from the kinds' declarations)."""


class ImportRowsSerializer(serializers.Serializer):
    rows = serializers.ListField(
        child=ImportRowField(),
        min_length=1,
        help_text=gettext_lazy(
            "The rows, each an object whose keys are the English headers of the kind's import table "
            '(docs/domain.md, "Import files": credit_code, month, inspections, …), each key once; '
            "numbers as JSON numbers, "
            "dates YYYY-MM-DD, months YYYY-MM; credit codes, months and references as JSON strings (a "
            "number there is an error of its row). A string must be valid Unicode (no lone surrogate)."
        ),
    )


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    ignored_fields = serializers.ListField(child=serializers.CharField())


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("Position in rows, from 1; null: the request.")
    )
    field = serializers.CharField(allow_null=True)
    value = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ImportErrorsSerializer(serializers.Serializer):
    # A refused write's rows: at most SCORE_IMPORT_MAX_ERRORS errors, as the import pages list, the
    # limit read when the document is made (the setting may differ between deployments). Not a
    # docstring: drf-spectacular would show it, untranslated, as the schema's description.

    def get_fields(self):
        return {
            "errors": serializers.ListField(
                child=RowErrorSerializer(),
                max_length=error_limit(),
                help_text=gettext_lazy(
                    "The first errors, in the order of the rows, at most SCORE_IMPORT_MAX_ERRORS of them."
                ),
            ),
            "more_errors": serializers.IntegerField(
                min_value=0, help_text=gettext_lazy("The errors not listed (0 when every error is).")
            ),
        }


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    by = serializers.CharField()
    path = serializers.ChoiceField(choices=["form", "import", "api", "admin", "review", "undo"])
    changes = serializers.DictField(
        child=serializers.ListField(min_length=2, max_length=2, allow_null=True),
        help_text="Each changed field: [old value, new value] (null where there was none).",
    )
    state = serializers.CharField(
        allow_null=True,
        help_text=gettext_lazy(
            "A review step's new state (submitted, returned, approved); a write's is null, but "
            "submitted where it corrected a returned report and approved where a programme admin "
            "overrode the report's lock."
        ),
    )
    comment = serializers.CharField(
        allow_null=True,
        help_text=gettext_lazy(
            "A return's comment, a reopening's reason, or the reason for overriding a lock; else null."
        ),
    )


class HistorySerializer(serializers.Serializer):
    results = HistoryEntrySerializer(many=True)
