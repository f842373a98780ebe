from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from accounts.models import Role
from accounts.scoping import (
    OFFICIAL_ROLES,
    reads_whole_districts,
    require_role,
    user_role,
    visible_districts,
    visible_scope,
)
from common.months import Period, add_months
from dashboard import page_cache, registry
from dashboard.db_router import reads_from_replica
from dashboard.exports import figure_kind, period_label, table_download
from dashboard.figures import (
    DEFINITIONS,
    TREND_DEFINITIONS,
    district_figures,
    due_soon,
    enterprise_figures,
    missing_reports,
    monthly_trend,
    reporting_figures,
    training_figures,
    within,
)
from dashboard.forms import EnterpriseFilterForm, PeriodForm
from dashboard.labels import DISTRICT_COLUMNS, LABELS, RATE_CARDS, TREND_CHARTS
from dashboard.report import report_context, report_pdf
from dashboard.report_slots import ReportsBusy, report_slot
from enterprises.models import Enterprise, SafetyReport
from enterprises.reporting import latest_due_month, report_due_on

EXPORT_FORMATS = ("csv", "xlsx")

# The district table on the page: each district's reporting coverage first, so that a low figure
# is read with it; the rates have a table of their own, with what they rest on. Its header for the
# comparison is short: the table must fit a 1280 px screen.
PAGE_COLUMNS = [
    (key, LABELS[key])
    for key in (
        "completeness_pct",
        "timeliness_pct",
        "enterprises",
        "suggestions",
        "projects_completed",
        "savings_rmb",
        "inspections",
        "accidents",
    )
] + [
    # With, under it, those left out for missing months.
    ("change_enterprises", gettext_lazy("Enterprises compared")),
    ("inspections_change_pct", LABELS["inspections_change_pct"]),
    ("accidents_change_pct", LABELS["accidents_change_pct"]),
]
# A district's enterprise list: the enterprise, its figures (dashboard.registry.enterprise_columns,
# labelled as in the district table) and, appended as in the district export, the reports received
# and owed that the sums of the safety reports rest on. Downloads and page alike; a figure added to
# the list comes after the others, so that a spreadsheet reading the download by position keeps
# working.
ENTERPRISE_FIELD_COLUMNS = [
    ("credit_code", gettext_lazy("unified social credit code")),
    ("name", gettext_lazy("enterprise name")),
    ("sector", gettext_lazy("sector")),
    ("cohort", gettext_lazy("cohort")),
    ("score_start", gettext_lazy("SCORE start date")),
    ("employees", gettext_lazy("employees")),
]
ENTERPRISE_FIGURE_COLUMNS = registry.LiveList(
    lambda: [(figure.enterprise_attribute, figure.label) for figure in registry.enterprise_columns()]
)
ENTERPRISE_REPORT_COLUMNS = [(key, LABELS[key]) for key in ("reports_received", "reports_expected")]
ENTERPRISE_COLUMNS = registry.LiveList(
    lambda: [*ENTERPRISE_FIELD_COLUMNS, *ENTERPRISE_FIGURE_COLUMNS, *ENTERPRISE_REPORT_COLUMNS]
)
# On the page the reports are one column, "11 / 12", before the sums they qualify (where a
# 1280 px screen still shows it without scrolling the table).
ENTERPRISE_PAGE_COLUMNS = registry.LiveList(
    lambda: [
        *ENTERPRISE_FIELD_COLUMNS,
        ("reports", gettext_lazy("Reports received / owed")),
        *ENTERPRISE_FIGURE_COLUMNS,
    ]
)
# What the export's cells are, column by column (common.spreadsheets.NUMBER_FORMATS).
ENTERPRISE_FIELD_KINDS = (None, None, None, None, "date", "count")
ENTERPRISE_KINDS = registry.LiveList(
    lambda: [
        *ENTERPRISE_FIELD_KINDS,
        *(figure.kind for figure in registry.enterprise_columns()),
        "count",
        "count",
    ]
)


def enterprise_figure_cells():
    """The figure cells of an enterprise's row on the page: [{key, label, kind, reported}], a
    `reported` figure (a sum of the safety reports) being marked incomplete when the enterprise
    owes a report."""
    return [
        {
            "key": figure.enterprise_attribute,
            "label": figure.label,
            "kind": figure.kind,
            "reported": figure.source == registry.REPORTED,
        }
        for figure in registry.enterprise_columns()
    ]


# The dashboard's charts: what the officials ask (how much, how fast, how safe, how complete).
DASHBOARD_TREND = (
    "suggestions",
    "projects_completed",
    "savings_cumulative",
    "inspections_per_report",
    "accident_rate",
    "completeness",
)
TREND_FORMATS = {"count": "{:,}", "money": "{:,.2f}", "rate": "{:,.2f}", "pct": "{:.1f}"}


def trend_charts(trend, metrics=DASHBOARD_TREND):
    """The monthly trend laid out for the charts and their tables: one chart per figure of
    `metrics`, a table row per month of the axis (a cut-out run of months as one row saying so),
    a column per district and one for their total when there are several. The cells are formatted
    and joined here: 540 cells through template tags and number_format were half of the page's
    time."""
    separator = get_format("THOUSAND_SEPARATOR")
    charts = {metric: (title, kind) for metric, title, kind in TREND_CHARTS}
    series = trend["districts"] + ([trend["total"]] if len(trend["districts"]) > 1 else [])
    breaks = {cut["after"]: cut for cut in trend.get("breaks", [])}

    def cell(kind, value):
        if value is None:
            return "—"  # no safety report that month, or none owed
        return TREND_FORMATS[kind].format(value).replace(",", separator)

    def rows(metric, kind):
        def cut_row(cut):
            # Safe: months the code wrote and a translated sentence, nothing a user typed.
            return (
                f"{cut['from']} – {cut['to']}",
                mark_safe(
                    f'<td colspan="{len(series)}" class="trend-break">'
                    f"{escape(_('No safety reports and no completed projects: left out of the charts.'))}</td>"
                ),
            )

        table = [cut_row(breaks[-1])] if -1 in breaks else []
        for index, month in enumerate(trend["months"]):
            cells = "".join(f'<td class="text-end">{cell(kind, one[metric][index])}</td>' for one in series)
            table.append((month, mark_safe(cells)))  # Safe: numbers formatted just above.
            if index in breaks:
                table.append(cut_row(breaks[index]))
        return table

    return [
        {
            "metric": metric,
            "title": charts[metric][0],
            "kind": charts[metric][1],
            "definition": TREND_DEFINITIONS[metric],
            "rows": rows(metric, charts[metric][1]),
        }
        for metric in metrics
    ]


def trend_chart_data(trend, charts):
    """What static/js/trend_charts.js draws, for json_script: the months, the cut-out runs, each
    series (the districts, then their total) with its start month and the figures charted, the
    charts and the words on them in the user's language."""
    metrics = [chart["metric"] for chart in charts]
    several = len(trend["districts"]) > 1
    series = trend["districts"] + ([trend["total"]] if several else [])
    return {
        "months": trend["months"],
        "breaks": trend.get("breaks", []),
        "series": [
            {"code": one["code"], "name": str(one["name"]), "started": one["started"]}
            | {metric: one[metric] for metric in metrics}
            for one in series
        ],
        # The index of the total among the series (the city, in "a district against the city").
        "total": len(trend["districts"]) if several else None,
        "charts": [
            {"metric": chart["metric"], "kind": chart["kind"], "title": str(chart["title"])}
            for chart in charts
        ],
        "words": {"started": _("SCORE started")}
        | (
            # A district against the city, for counts and money: its share of the city's figure.
            {
                "share": _("%(district)s as a share of %(city)s (%%)")
                % {"district": "{district}", "city": str(trend["total"]["name"])}
            }
            if several
            else {}
        ),
    }


NUMERIC_ENTERPRISE_COLUMNS = registry.LiveList(lambda: [key for key, _label in ENTERPRISE_PAGE_COLUMNS[5:]])


def sort_headers(columns, sort, numeric, sortable):
    """The headers of a sortable table: (key, label, is numeric, the sort a click on it asks for
    or "" when it does not sort, its aria-sort or "").

    A number sorts largest first on the first click: an official looks for the most accidents,
    not the fewest; a name, a code or a date sorts A to Z. A second click on the sorted column
    turns its order round."""
    headers = []
    for key, label in columns:
        first = f"-{key}" if key in numeric else key
        if sort == key:
            click, state = f"-{key}", "ascending"
        elif sort == f"-{key}":
            click, state = key, "descending"
        else:
            click, state = first, ""
        headers.append((key, label, key in numeric, click if key in sortable else "", state))
    return headers


def _error_response(form):
    return JsonResponse(
        {"error": form.error_message()}, status=400, json_dumps_params={"ensure_ascii": False}
    )


def _error_page(request, form):
    """A download asked for a period the form refuses: a page with the reason (templates/400.html),
    not JSON, since a person clicked the link."""
    return render(request, "400.html", {"message": form.error_message()}, status=400)


def summary_content(who, period):
    """The summary API's body (JSON bytes) for the districts `who` (a user or an API client) may
    see over `period`: /dashboard/api/summary/ and the machine API's /api/v1/figures/ answer it."""

    def build():
        districts = list(visible_districts(who))
        rows, total = district_figures(districts, period)
        payload = {
            "from": f"{period.first:%Y-%m}" if period.first else None,
            "to": f"{period.last:%Y-%m}",
            "districts": [
                {"code": district.code, "name": district.name, **figures.as_json()}
                for district, figures in rows
            ],
            "total": total.as_json(),
            "training": training_figures(districts, period),
        }
        return JsonResponse(payload, json_dumps_params={"ensure_ascii": False}).content

    return page_cache.cached(page_cache.versions(), ("summary_api", visible_scope(who), period), build)


@login_required
@reads_from_replica
def summary_api(request):
    """GET /dashboard/api/summary/ as docs/domain.md ("The summary API") specifies, over the districts
    the user may see."""
    if user_role(request.user) is None:
        return JsonResponse({"error": _("Your account has no role in the portal.")}, status=403)
    if not reads_whole_districts(request.user):
        return JsonResponse({"error": _("An enterprise account reads its own enterprise only.")}, status=403)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _error_response(form)
    return HttpResponse(summary_content(request.user, form.period), content_type="application/json")


def districts_asked(who, code, form, visible=None):
    """The districts `who` may see (`visible`, when the caller has them already), or only the one
    `code` names (None: no choice); None (and the form given the error) when it names one `who`
    cannot see or that does not exist."""
    districts = list(visible_districts(who)) if visible is None else visible
    if code is None:
        return districts
    chosen = [district for district in districts if district.code == code]
    if not chosen:
        form.add_error(None, _("There is no district “%(code)s” among yours.") % {"code": code[:40]})
        return None
    return chosen


def _districts_asked(request, form, visible=None):
    return districts_asked(request.user, request.GET.get("district"), form, visible)


def missing_content(who, districts, period):
    """The missing API's body (JSON bytes): who owes which monthly report, for `districts` (of
    those `who` may see) over `period`; /dashboard/api/missing/ and /api/v1/missing/ answer it."""

    def build():
        return JsonResponse(
            {
                "from": f"{period.first:%Y-%m}" if period.first else None,
                "to": f"{period.last:%Y-%m}",
                "enterprises": [
                    {
                        "credit_code": row["credit_code"],
                        "name": row["name"],
                        "district": row["district"],
                        # isoformat: strftime costs 15 µs a month, 0.2 s for 10,000 enterprises.
                        "months": [month.isoformat()[:7] for month in row["months"]],
                    }
                    for row in missing_reports(districts, period)
                ],
            },
            json_dumps_params={"ensure_ascii": False},
        ).content

    key = ("missing_api", visible_scope(who), period, tuple(d.pk for d in districts))
    return page_cache.cached(page_cache.versions(), key, build)


@login_required
@reads_from_replica
def missing_api(request):
    """GET /dashboard/api/missing/ as docs/domain.md ("The summary API") specifies: who owes which
    monthly report."""
    if user_role(request.user) is None:
        return JsonResponse({"error": _("Your account has no role in the portal.")}, status=403)
    if not reads_whole_districts(request.user):
        return JsonResponse({"error": _("An enterprise account reads its own enterprise only.")}, status=403)
    form = PeriodForm(request.GET)
    districts = _districts_asked(request, form) if form.is_valid() else None
    if districts is None:
        return _error_response(form)
    return HttpResponse(
        missing_content(request.user, districts, form.period), content_type="application/json"
    )


def _city_name(districts):
    """The name of the city whose districts these are, when they are all of one city (the "district
    against the city" charts); None otherwise."""
    cities = {district.city_id for district in districts}
    return districts[0].city.name if len(districts) > 1 and len(cities) == 1 else None


def dashboard_context(user, form):
    """The dashboard's content for the districts `user` sees over the form's period."""
    period = form.period
    districts = list(visible_districts(user).select_related("city"))
    rows, total = district_figures(districts, period)
    # The latest due month alone, beside the period: a long period's completeness hides a bad month.
    latest = latest_due_month()
    latest_rows, latest_total = reporting_figures(districts, Period(first=latest, last=latest))
    trend = monthly_trend(districts, period, total_name=_city_name(districts))
    charts = trend_charts(trend)
    cards = [(key, label, getattr(total, key), DEFINITIONS[key]) for key, label in DISTRICT_COLUMNS[:6]]
    return {
        "form": form,
        "period": period,
        "period_query": form.query(),
        "rows": rows,
        "total": total,
        "district_rows": [
            (district, figures, latest_figures)
            for (district, figures), (_district, latest_figures) in zip(rows, latest_rows, strict=True)
        ],
        "latest_month": latest,
        "latest_total": latest_total,
        "next_month": add_months(latest, 1),
        "next_due_on": report_due_on(add_months(latest, 1)),
        "scope_names": [district.name for district in districts],  # printed under the title
        "cards": cards,
        "rate_cards": [
            (key, label, kind, getattr(total, key), DEFINITIONS[key]) for key, label, kind in RATE_CARDS
        ],
        "change_cards": [
            (key, label, DEFINITIONS[key]) for key, label in DISTRICT_COLUMNS if key.endswith("_change_pct")
        ],
        "columns": PAGE_COLUMNS,
        "rate_columns": RATE_CARDS,
        # Each cell's label, which a phone shows beside it when a row becomes a card.
        "column_labels": dict(PAGE_COLUMNS),
        "definitions": DEFINITIONS,
        "trend": trend,
        "trend_charts": charts,
        "chart_data": trend_chart_data(trend, charts),
        "trend_definitions": TREND_DEFINITIONS,
        "has_data": bool(trend["months"]) or total.enterprises > 0,
        "training": training_figures(districts, period),
    }


@login_required
@reads_from_replica
def dashboard(request):
    require_role(request.user, *OFFICIAL_ROLES)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        content = render_to_string("dashboard/_dashboard.html", {"form": form}, request=request)
        return render(request, "dashboard/dashboard.html", {"content": content}, status=400)
    content = page_cache.cached(
        page_cache.versions(),
        ("dashboard", visible_scope(request.user), form.period),
        lambda: render_to_string(
            "dashboard/_dashboard.html", dashboard_context(request.user, form), request=request
        ),
    )
    return render(request, "dashboard/dashboard.html", {"content": content})


@login_required
@reads_from_replica
def export_districts(request, file_format):
    require_role(request.user, *OFFICIAL_ROLES)
    if file_format not in EXPORT_FORMATS:
        raise Http404
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _error_page(request, form)
    districts = list(visible_districts(request.user))
    rows, total = district_figures(districts, form.period)
    table = [
        [district.name, *(getattr(figures, key) for key, _label in DISTRICT_COLUMNS)]
        for district, figures in rows
    ]
    table.append([_("Total"), *(getattr(total, key) for key, _label in DISTRICT_COLUMNS)])
    return table_download(
        name="districts",
        period=form.period,
        headers=[_("District"), *(label for _key, label in DISTRICT_COLUMNS)],
        rows=table,
        file_format=file_format,
        what=_("SCORE figures per district"),
        districts=districts,
        kinds=[None, *(figure_kind(key) for key, _label in DISTRICT_COLUMNS)],
    )


@require_safe
@login_required
@reads_from_replica
def district_report(request):
    """GET /dashboard/report.pdf?from=&to=[&district=]: the report for review workshops, an A4 PDF
    in the user's language (dashboard/report.py), for every district the user sees or the one asked
    for. A district outside the user's districts (or none of that code) is a 404, as a district
    page is: the report is that district's page on paper. A malformed period is a 400.

    The PDF and its file name are kept in the page cache (per scope, period, district asked for,
    language and data versions): asked again while the data is unchanged, the same bytes come from
    the cache, "Generated on" included, which is right: the figures are those of that time, and
    the data has not changed since. Making one takes a report slot of the user's
    (dashboard.report_slots); with none free, a 429 page asks to try again in a few seconds."""
    require_role(request.user, *OFFICIAL_ROLES)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _error_page(request, form)
    versions = page_cache.versions()  # before anything the report shows (dashboard.page_cache)
    code = request.GET.get("district")
    districts = None
    if code is not None:
        # Asked for one district: whether the user may see it decides between the report and a 404.
        districts = _districts_asked(request, form)
        if districts is None:
            raise Http404(form.error_message())

    def build():
        with report_slot(request.user):
            asked = districts if districts is not None else list(visible_districts(request.user))
            pdf = report_pdf(report_context(asked, form.period, chosen=districts is not None))
        name = f"score-report-{asked[0].code}" if districts is not None else "score-report"
        return pdf, f"{name}_{period_label(form.period)}.pdf"

    try:
        pdf, filename = page_cache.cached(
            versions,
            ("report", visible_scope(request.user), form.period, code),
            build,
            alias=page_cache.REPORT_CACHE_ALIAS,
        )
    except ReportsBusy as busy:
        return _reports_busy_page(request, busy.limit)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


# Seconds a refused report asks the browser (or script) to wait: a report takes a few.
REPORT_RETRY_AFTER = 10


def _reports_busy_page(request, limit):
    """429: the user has `limit` reports in the making already (dashboard.report_slots)."""
    message = ngettext(
        "You already have %(count)s report being made; try again in a few seconds.",
        "You already have %(count)s reports being made; try again in a few seconds.",
        limit,
    ) % {"count": limit}
    response = render(
        request, "429.html", {"message": message, "retry_path": request.get_full_path()}, status=429
    )
    response["Retry-After"] = str(REPORT_RETRY_AFTER)
    return response


def _district_enterprises(request, code):
    """The district (404 unless visible), the period form, the filter form and the filtered list
    (None when either form refuses what the URL says)."""
    require_role(request.user, *OFFICIAL_ROLES)
    district = get_object_or_404(visible_districts(request.user), code=code)
    form = PeriodForm(request.GET)
    # Every filter is optional and an unknown sort falls back to the name; what is refused is
    # text no enterprise can hold (a NUL character).
    filters = EnterpriseFilterForm(request.GET)
    enterprises = None
    if filters.is_valid() and form.is_valid():
        enterprises = filters.filtered(Enterprise.objects.filter(district=district))
        if filters.sorts_by_figure:
            enterprises = enterprise_figures(enterprises, district, form.period)
        enterprises = filters.ordered(enterprises)
    return district, form, filters, enterprises


@login_required
@reads_from_replica
def district_enterprises(request, code):
    district, form, filters, enterprises = _district_enterprises(request, code)
    if enterprises is None:
        return render(
            request,
            "dashboard/district.html",
            {"district": district, "form": form, "filters": filters},
            status=400,
        )
    rows, _total = district_figures([district], form.period)
    page = Paginator(enterprises, 50).get_page(request.GET.get("page"))
    if not filters.sorts_by_figure:  # the page's enterprises alone need their figures
        page.object_list = enterprise_figures(page.object_list, district, form.period, only_these=True)
    choices = Enterprise.objects.filter(district=district).order_by()
    keep = request.GET.copy()
    keep.pop("page", None)
    sort_query = keep.copy()
    sort_query.pop("sort", None)
    context = {
        "district": district,
        "figures": rows[0][1],
        "form": form,
        "period": form.period,
        "filters": filters,
        "period_query": form.query(),
        "page": page,
        "sectors": sorted(set(choices.exclude(sector="").values_list("sector", flat=True))),
        "cohorts": sorted(set(choices.exclude(cohort="").values_list("cohort", flat=True))),
        "sort": filters.cleaned_data["sort"],
        "page_query": keep.urlencode(),
        "sort_query": sort_query.urlencode(),
        "columns": ENTERPRISE_PAGE_COLUMNS,
        "labels": dict(ENTERPRISE_PAGE_COLUMNS),
        "figure_cells": enterprise_figure_cells(),
        "headers": sort_headers(
            ENTERPRISE_PAGE_COLUMNS,
            filters.cleaned_data["sort"],
            NUMERIC_ENTERPRISE_COLUMNS,
            EnterpriseFilterForm.SORTS,
        ),
        # The dashboard's trend charts compare a district with the city for those who see the city.
        "against_city": user_role(request.user) != Role.DISTRICT_OFFICIAL,
    }
    return render(request, "dashboard/district.html", context)


@login_required
@reads_from_replica
def export_district_enterprises(request, code, file_format):
    if file_format not in EXPORT_FORMATS:
        raise Http404
    district, form, filters, enterprises = _district_enterprises(request, code)
    if enterprises is None:
        return _error_page(request, filters if filters.errors else form)
    if not filters.sorts_by_figure:
        enterprises = enterprise_figures(enterprises, district, form.period)
    table = [[getattr(enterprise, key) for key, _label in ENTERPRISE_COLUMNS] for enterprise in enterprises]
    return table_download(
        name="enterprises",
        period=form.period,
        headers=[label for _key, label in ENTERPRISE_COLUMNS],
        rows=table,
        file_format=file_format,
        what=_("SCORE enterprises of %(district)s") % {"district": district.name},
        districts=[district],
        kinds=list(ENTERPRISE_KINDS),
    )


# --- Who owes what ----------------------------------------------------------------------------------

MISSING_PER_PAGE = 50
# The who-owes list's orders: the missing API's (the districts' order, then credit code), or the
# enterprises missing the most months first (the API's order among equals).
MISSING_SORTS = ("", "most")
MISSING_COLUMNS = [
    ("credit_code", gettext_lazy("unified social credit code")),
    ("name", gettext_lazy("enterprise name")),
    ("district_name", gettext_lazy("district")),
    ("contact", gettext_lazy("contact person")),
    ("phone", gettext_lazy("phone")),
    ("month_ranges", gettext_lazy("missing months")),
    ("missing", gettext_lazy("number of missing months")),
]


def month_runs(months):
    """Months in order written as runs of consecutive months: ["2015-06–2016-12", "2017-06"]."""
    runs = []
    for month in months:
        if runs and add_months(runs[-1][1], 1) == month:
            runs[-1][1] = month
        else:
            runs.append([month, month])
    return [f"{first:%Y-%m}" if first == last else f"{first:%Y-%m}–{last:%Y-%m}" for first, last in runs]


def _missing_reports(request):
    """The who-owes list for the request: (form, every district the user sees, the districts
    asked, sort, rows); rows is None (and the form has the error) for a bad period or district.
    Each row is dashboard.figures.missing_reports' with the district's name, the number of its
    missing months and those months as runs of consecutive months."""
    require_role(request.user, *OFFICIAL_ROLES)
    form = PeriodForm(request.GET)
    visible = list(visible_districts(request.user))
    districts = _districts_asked(request, form, visible) if form.is_valid() else None
    sort = request.GET.get("sort", "")
    sort = sort if sort in MISSING_SORTS else ""
    if districts is None:
        return form, visible, None, sort, None
    names = {district.code: district.name for district in districts}
    rows = []
    for row in missing_reports(districts, form.period):
        runs = month_runs(row["months"])
        rows.append(
            {
                **row,
                "district_name": names[row["district"]],
                "missing": len(row["months"]),
                "month_runs": runs,  # the page keeps each run on one line
                "month_ranges": ", ".join(runs),  # the export's cell
            }
        )
    if sort == "most":
        rows.sort(key=lambda row: -row["missing"])  # stable: the API's order among equals
    return form, visible, districts, sort, rows


# The reports returned for correction listed on the who-owes page (all of them counted).
RETURNED_SHOWN = 50


@login_required
@reads_from_replica
def missing_reports_page(request):
    """Who owes which monthly safety report, with whom to call: the missing API's enterprises and
    months, for people."""
    form, visible, districts, sort, rows = _missing_reports(request)
    context = {"form": form, "visible": visible, "sort": sort, "definitions": DEFINITIONS}
    if rows is None:
        return render(request, "dashboard/missing_reports.html", context, status=400)
    period_query = form.query()
    code = request.GET.get("district")
    soon = due_soon(districts, form.period)
    if soon is not None:
        names = {district.code: district.name for district in districts}
        for row in soon["not_sent"]:
            row["district_name"] = names[row["district"]]

    def query(*, district=code, order=sort):
        """This list's query string with another district (None: all) or order."""
        return period_query + "".join(
            f"&{name}={value}" for name, value in (("district", district), ("sort", order)) if value
        )

    # Received but sent back by the district office: owed a correction, not a report (docs/domain.md,
    # "Enterprises report for themselves"). Two queries: the count and the first RETURNED_SHOWN.
    returned = (
        SafetyReport.objects.filter(
            within(form.period, "month"),
            state=SafetyReport.State.RETURNED,
            enterprise__district__in=districts,
        )
        .select_related("enterprise__district")
        .order_by("-month", "enterprise__district__division", "enterprise__credit_code")
    )
    context.update(
        returned_count=returned.count(),
        returned=list(returned[:RETURNED_SHOWN]),
        period=form.period,
        period_query=period_query,
        # The period form keeps the district and the order; a new period starts at page 1.
        keep=[(name, value) for name, value in (("district", code), ("sort", sort)) if value],
        district_links=[(_("All districts"), query(district=None), code is None)]
        + [(district.name, query(district=district.code), district.code == code) for district in visible]
        if len(visible) > 1
        else [],
        sort_links=[
            (_("By district and credit code"), query(order=""), sort == ""),
            (_("Most missing first"), query(order="most"), sort == "most"),
        ],
        page=Paginator(rows, MISSING_PER_PAGE).get_page(request.GET.get("page")),
        page_query=query(),
        enterprise_count=len(rows),
        month_count=sum(row["missing"] for row in rows),
        # A period of months not yet due owes nothing yet: it must not read as complete.
        any_due=form.period.first is None or form.period.first <= latest_due_month(),
        due_soon=soon,
    )
    return render(request, "dashboard/missing_reports.html", context)


@login_required
@reads_from_replica
def export_missing_reports(request, file_format):
    require_role(request.user, *OFFICIAL_ROLES)
    if file_format not in EXPORT_FORMATS:
        raise Http404
    form, _visible, districts, _sort, rows = _missing_reports(request)
    if rows is None:
        return _error_page(request, form)
    return table_download(
        name="missing-reports",
        period=form.period,
        headers=[capfirst(label) for _key, label in MISSING_COLUMNS],
        rows=[[row[key] for key, _label in MISSING_COLUMNS] for row in rows],
        file_format=file_format,
        what=_("Monthly safety reports missing"),
        districts=districts,
        kinds=[None, None, None, None, None, None, "count"],
    )
