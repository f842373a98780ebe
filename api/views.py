"""The machine API's views (docs/domain.md, "The machine API"; docs/api.md).

Thin, as the pages' views are: the districts come from accounts.scoping (a client's go through the
same function as a user's), the figures and missing reports from the dashboard's own functions
(dashboard.views.summary_content and missing_content: the same bytes as the summary and missing
APIs), writes from the import engine (api.writes).
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scoping import visible_districts
from api import serializers as shapes
from api.errors import ApiError, error_response, not_found_message
from api.writes import import_request
from common.months import check_date, check_period, parse_month
from dashboard.db_router import reads_from_replica
from dashboard.forms import MonthField, PeriodForm
from dashboard.registry import LiveList
from dashboard.views import districts_asked, missing_content, summary_content
from enterprises.credit_code import credit_code_error
from enterprises.models import Enterprise, SafetyReport, reported_counts
from imports.kinds import KINDS
from imports.selectors import record_history


class Pages(PageNumberPagination):
    page_size = 500
    page_size_query_param = "page_size"
    max_page_size = 5000

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise ApiError(
                _("There is no page %(page)s: the last page is %(last)s.")
                % {"page": request.query_params.get("page"), "last": self.last_page(queryset, request)},
                404,
            ) from None

    def last_page(self, queryset, request):
        size = self.get_page_size(request)
        return max(1, -(-queryset.count() // size))


ERRORS = {
    400: OpenApiResponse(shapes.ErrorSerializer, description=gettext_lazy("A malformed parameter or body.")),
    401: OpenApiResponse(
        shapes.ErrorSerializer, description=gettext_lazy("No token, or an unknown, expired or revoked one.")
    ),
    404: OpenApiResponse(shapes.ErrorSerializer, description=gettext_lazy("No such page.")),
    429: OpenApiResponse(
        shapes.ErrorSerializer, description=gettext_lazy("Past SCORE_API_RATE requests a minute.")
    ),
}


class QueryForm(forms.Form):
    """Query parameters, checked: every problem is a 400 naming the parameter."""

    def error_message(self):
        for name, messages in self.errors.items():
            if name == "__all__":
                return messages[0]
            return f"{name}: {messages[0]}"
        return ""

    def checked(self):
        if not self.is_valid():
            raise ApiError(self.error_message())
        return self.cleaned_data


class ListQuery(QueryForm):
    district = forms.CharField(required=False, strip=False)
    updated_since = forms.CharField(required=False, strip=False)
    page = forms.IntegerField(required=False, min_value=1)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=Pages.max_page_size)

    def clean_updated_since(self):
        text = self.cleaned_data["updated_since"]
        if not text:
            return None
        try:
            moment = parse_datetime(text)
            day = None if moment else parse_date(text)
        except ValueError:
            moment = day = None
        if moment is None and day is None:
            raise forms.ValidationError(
                gettext_lazy("expected an ISO 8601 date or date-time such as 2026-01-31T08:00:00+08:00.")
            )
        if moment is None:
            moment = datetime.datetime.combine(day, datetime.time())
        check_date(moment.date())
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment


class ReportQuery(ListQuery):
    credit_code = forms.CharField(required=False, strip=False)
    to = MonthField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"from": MonthField(required=False), **self.fields}

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("from"), cleaned.get("to")
        if first and last:
            check_period(first, last)
        return cleaned


def _districts(client, code, form):
    """The districts asked for (all the client sees without `district`), or a 400."""
    districts = districts_asked(client, code or None, form)
    if districts is None:
        raise ApiError(form.error_message())
    return districts


# The parameters as the forms above check them (every query parameter may also be sent empty,
# which is leaving it out: api.schema.ApiSchema says so in the document).
MONTHS = gettext_lazy("from 1990-01 to December of next year")
LIST_PARAMETERS = [
    OpenApiParameter("district", str, description=gettext_lazy("A district's code (one of the client's).")),
    OpenApiParameter(
        "updated_since",
        str,
        description=gettext_lazy(
            "An ISO 8601 date or date-time (2026-01-31, 2026-01-31T08:00:00+08:00; without a zone, "
            "Shanghai time), from 1990-01-01 to the last day of next year: records written since."
        ),
    ),
    OpenApiParameter("page", {"type": "integer", "minimum": 1}, description=gettext_lazy("From 1.")),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": Pages.max_page_size},
        description=gettext_lazy("500 by default, at most 5,000."),
    ),
]


def month_parameter(name, description):
    return OpenApiParameter(
        name, str, pattern=r"^\d{4}-\d{2}$", description=format_lazy("YYYY-MM, {}; {}", MONTHS, description)
    )


PERIOD_PARAMETERS = [
    month_parameter("from", gettext_lazy("open: since the first record.")),
    month_parameter("to", gettext_lazy("default: the latest due month. Not before `from`.")),
]


class DistrictList(APIView):
    @extend_schema(
        responses={200: shapes.DistrictListSerializer, **ERRORS},
        summary=gettext_lazy("The client's districts"),
    )
    def get(self, request):
        districts = visible_districts(request.auth).select_related("city")
        return Response(
            {
                "results": [
                    {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "city": d.city.code}
                    for d in districts
                ]
            }
        )


ENTERPRISE_FIELDS = [
    "credit_code",
    "name",
    "district__code",
    "sector",
    "employees",
    "female_employees",
    "score_start",
    "cohort",
    "address",
    "contact",
    "phone",
    "left_on",
]


ENTERPRISE_KEYS = [field.removesuffix("__code") for field in ENTERPRISE_FIELDS]


class EnterpriseList(APIView):
    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses={200: shapes.EnterprisePageSerializer, **ERRORS},
        summary=gettext_lazy("Enterprises, with every field of the import table"),
    )
    @reads_from_replica
    def get(self, request):
        form = ListQuery(request.query_params)
        query = form.checked()
        districts = _districts(request.auth, query["district"], form)
        enterprises = Enterprise.objects.filter(district__in=districts)
        if query["updated_since"]:
            enterprises = enterprises.filter(updated_at__gte=query["updated_since"])
        rows = enterprises.order_by("district__division", "credit_code").values(*ENTERPRISE_FIELDS)
        pages = Pages()
        page = pages.paginate_queryset(rows, request, view=self)
        page = [
            {key: row["district__code" if key == "district" else key] for key in ENTERPRISE_KEYS}
            for row in page
        ]
        return pages.get_paginated_response(page)


# Every field of the import table: the reported values as their model fields declare them.
REPORT_FIELDS = LiveList(
    lambda: [
        "enterprise__credit_code",
        "month",
        *(field.name for field in reported_counts(SafetyReport)),
        "received_at",
        "state",
    ]
)


class SafetyReportList(APIView):
    @extend_schema(
        parameters=[
            *PERIOD_PARAMETERS[:1],
            month_parameter("to", gettext_lazy("open: every month. Not before `from`.")),
            OpenApiParameter("credit_code", str),
            *LIST_PARAMETERS,
        ],
        responses={200: shapes.SafetyReportPageSerializer, **ERRORS},
        summary=gettext_lazy("Monthly safety reports, with every field of the import table"),
    )
    @reads_from_replica
    def get(self, request):
        form = ReportQuery(request.query_params)
        query = form.checked()
        districts = _districts(request.auth, query["district"], form)
        reports = SafetyReport.objects.filter(enterprise__district__in=districts)
        if query["from"]:
            reports = reports.filter(month__gte=query["from"])
        if query["to"]:
            reports = reports.filter(month__lte=query["to"])
        if query["credit_code"]:
            reports = reports.filter(enterprise__credit_code=query["credit_code"].strip().upper())
        if query["updated_since"]:
            since = query["updated_since"]
            # Reports written before updated_at was kept stand on their received_at.
            reports = reports.filter(updated_at__gte=since) | reports.filter(
                updated_at__isnull=True, received_at__gte=since
            )
        rows = reports.order_by("enterprise__credit_code", "month").values(*REPORT_FIELDS)
        pages = Pages()
        page = pages.paginate_queryset(rows, request, view=self)
        page = [
            {
                "credit_code": row["enterprise__credit_code"],
                **{key: row[key] for key in REPORT_FIELDS[1:]},
                "month": row["month"].isoformat()[:7],
                # In the portal's time zone, as the pages show it.
                "received_at": row["received_at"] and timezone.localtime(row["received_at"]).isoformat(),
            }
            for row in page
        ]
        return pages.get_paginated_response(page)


def _json(body):
    return HttpResponse(body, content_type="application/json")


class SafetyReportHistory(APIView):
    @extend_schema(
        responses={200: shapes.HistorySerializer, **ERRORS},
        summary=gettext_lazy(
            'Every change of one monthly safety report, oldest first (docs/domain.md, "History of every value")'
        ),
    )
    def get(self, request, credit_code, month):
        try:
            month_start = parse_month(month)
        except ValidationError:
            raise NotFound(not_found_message()) from None
        code = credit_code.strip().upper()
        if credit_code_error(code):  # never a query with it (PostgreSQL refuses NUL in text)
            raise NotFound(not_found_message())
        enterprise = (
            Enterprise.objects.filter(credit_code=code, district__in=visible_districts(request.auth))
            .only("pk")
            .first()
        )
        if enterprise is None:
            raise NotFound(not_found_message())
        results = record_history(kind="safety", credit_code=code, record_key=f"{month_start:%Y-%m}")
        if not results and not SafetyReport.objects.filter(enterprise=enterprise, month=month_start).exists():
            raise NotFound(not_found_message())
        return Response({"results": results})


class Figures(APIView):
    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses={200: shapes.SummarySerializer, **ERRORS},
        summary=gettext_lazy("The dashboard's figures: the summary API's body"),
    )
    @reads_from_replica
    def get(self, request):
        form = PeriodForm(request.query_params)
        if not form.is_valid():
            raise ApiError(form.error_message())
        return _json(summary_content(request.auth, form.period))


class Missing(APIView):
    @extend_schema(
        parameters=[*PERIOD_PARAMETERS, LIST_PARAMETERS[0]],
        responses={200: shapes.MissingSerializer, **ERRORS},
        summary=gettext_lazy("Who owes which monthly safety report: the missing API's body"),
    )
    @reads_from_replica
    def get(self, request):
        form = PeriodForm(request.query_params)
        if not form.is_valid():
            raise ApiError(form.error_message())
        districts = _districts(request.auth, request.query_params.get("district"), form)
        return _json(missing_content(request.auth, districts, form.period))


class DryRunQuery(QueryForm):
    dry_run = forms.CharField(required=False)

    TRUE, FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")

    def clean_dry_run(self):
        value = self.cleaned_data["dry_run"].strip().lower()
        if value not in self.TRUE + self.FALSE:
            raise forms.ValidationError(gettext_lazy("write 1 to check without writing, or 0."))
        return value in self.TRUE


class Import(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                OpenApiParameter.PATH,
                enum=list(KINDS) or None,
                examples=[OpenApiExample("safety", value="safety")],
            ),
            OpenApiParameter(
                "dry_run",
                str,
                enum=["0", "1"],
                description=gettext_lazy(
                    "1 (also true, yes, on): check and count, write nothing; 0 (also false, no, off): write."
                ),
            ),
        ],
        request=shapes.ImportRowsSerializer,
        examples=[
            OpenApiExample(
                "A month's safety report",
                value={
                    "rows": [
                        {
                            "credit_code": "91330503375583185N",
                            "month": "2017-01",
                            "inspections": 4,
                            "accidents": 0,
                        }
                    ]
                },
                request_only=True,
            )
        ],
        responses={
            200: shapes.ImportResultSerializer,
            400: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="ImportRefused",
                    serializers=[shapes.ErrorSerializer, shapes.ImportErrorsSerializer],
                    resource_type_field_name=None,
                ),
                description=gettext_lazy("A malformed body, or the rows' errors (nothing written)."),
            ),
            401: ERRORS[401],
            403: OpenApiResponse(
                shapes.ErrorSerializer, description=gettext_lazy("The client may only read.")
            ),
            404: OpenApiResponse(shapes.ErrorSerializer, description=gettext_lazy("No such kind.")),
            409: OpenApiResponse(
                shapes.ErrorSerializer,
                description=gettext_lazy("A conflict with a write committed meanwhile."),
            ),
            413: OpenApiResponse(
                shapes.ErrorSerializer, description=gettext_lazy("Larger than the import limit.")
            ),
            429: ERRORS[429],
        },
        summary=gettext_lazy("Import rows, all or nothing, through the same engine as files"),
    )
    def post(self, request, kind):
        if kind not in KINDS:
            raise ApiError(not_found_message(), 404)
        query = DryRunQuery(request.query_params).checked()
        status_code, body = import_request(request, kind, dry_run=query["dry_run"])
        return Response(body, status=status_code)


@csrf_exempt  # a POST to a wrong address gets its JSON 404, not the CSRF failure page
def not_found(request, *args, **kwargs):
    """Any other address under /api/: JSON, not the portal's HTML page."""
    return error_response(not_found_message(), 404)


class ApiDocs(TemplateView):
    """/api/v1/docs/: the OpenAPI document, readable (Swagger UI, served by the portal)."""

    template_name = "api/docs.html"
