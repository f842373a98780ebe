"""The shapes of the machine API's answers and bodies, for its OpenAPI document (drf-spectacular
reads them; the views write plain dictionaries built by the same code as the portal's pages)."""

from django.utils.translation import gettext_lazy
from rest_framework import serializers


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
    credit_code = serializers.CharField()
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text=gettext_lazy("YYYY-MM"))
    inspections = serializers.IntegerField()
    hazards_found = serializers.IntegerField(allow_null=True)
    hazards_fixed = serializers.IntegerField(allow_null=True)
    accidents = serializers.IntegerField()
    injuries = serializers.IntegerField(allow_null=True)
    lost_workdays = serializers.IntegerField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)


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

PCT = {"allow_null": True}


class FiguresSerializer(serializers.Serializer):
    enterprises = serializers.IntegerField()
    suggestions = serializers.IntegerField()
    projects_completed = serializers.IntegerField()
    savings_rmb = serializers.CharField(help_text=gettext_lazy("RMB, two decimals, as text"))
    inspections = serializers.IntegerField()
    accidents = serializers.IntegerField()
    change_enterprises = serializers.IntegerField()
    inspections_change_pct = serializers.FloatField(**PCT)
    accidents_change_pct = serializers.FloatField(**PCT)
    small_sample = serializers.BooleanField()
    reports_expected = serializers.IntegerField()
    reports_received = serializers.IntegerField()
    reports_on_time = serializers.IntegerField()
    completeness_pct = serializers.FloatField(**PCT)
    timeliness_pct = serializers.FloatField(**PCT)
    injuries = serializers.IntegerField()
    lost_workdays = serializers.IntegerField()
    hazards_found = serializers.IntegerField()
    hazards_fixed = serializers.IntegerField()
    hazard_fix_pct = serializers.FloatField(**PCT)
    worker_months = serializers.IntegerField()
    accident_rate = serializers.FloatField(**PCT)
    injury_rate = serializers.FloatField(**PCT)
    suggestions_adopted = serializers.IntegerField()
    adoption_pct = serializers.FloatField(**PCT)


class DistrictFiguresSerializer(FiguresSerializer):
    code = serializers.CharField()
    name = serializers.CharField()


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
    errors = RowErrorSerializer(many=True)


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    by = serializers.CharField()
    path = serializers.ChoiceField(choices=["form", "import", "api", "admin", "review", "undo"])
    changes = serializers.DictField(
        child=serializers.ListField(min_length=2, max_length=2, allow_null=True),
        help_text="Each changed field: [old value, new value] (null where there was none).",
    )
    state = serializers.CharField(allow_null=True)
    comment = serializers.CharField(allow_null=True)


class HistorySerializer(serializers.Serializer):
    results = HistoryEntrySerializer(many=True)
