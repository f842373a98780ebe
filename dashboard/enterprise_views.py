from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.models import Role
from accounts.scoping import Action, Facts, Kind, require_role, rights_of, user_role
from dashboard import page_cache
from dashboard.figures import (
    DEFINITIONS,
    TREND_DEFINITIONS,
    district_figures,
    monthly_trend,
    reporting_calendar,
    within,
)
from dashboard.forms import EnterpriseSearchForm, PeriodForm
from dashboard.views import trend_chart_data, trend_charts
from enterprises.models import SafetyReport, reported_counts
from enterprises.selectors import enterprise_for_user_or_404, enterprises_for
from imports.selectors import enterprise_history

READERS = tuple(Role)


@login_required
def enterprise_list(request):
    require_role(request.user, *READERS)
    search = EnterpriseSearchForm(request.GET)
    if not search.is_valid():
        return render(request, "400.html", {"message": search.error_message()}, status=400)
    query = search.cleaned_data["q"].strip()
    page = Paginator(search.searched(enterprises_for(request.user)), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/enterprise_list.html",
        {"page": page, "query": query, "page_query": urlencode({"q": query}) if query else ""},
    )


@login_required
def enterprise_detail(request, credit_code):
    """One enterprise: details, its own figures and monthly trend for the period, suggestions, projects."""
    require_role(request.user, *READERS)
    # Before the enterprise: an enterprise changed after the versions were read is then cached
    # under versions that its change has already passed, never under the new ones.
    versions = page_cache.versions()
    enterprise = enterprise_for_user_or_404(request.user, credit_code)
    form = PeriodForm(request.GET)
    page = {"enterprise": enterprise}
    rights = rights_of(request.user)
    # Who may correct the enterprise's suggestions and projects (reporting.improvement_views).
    may_correct = rights.can(Action.WRITE, Facts(Kind.PROJECT, enterprise.district_id, enterprise.pk))
    # Whether the approved reports' rows offer reopening (docs/domain.md: a district official of
    # its district or a programme admin). Where a role sees the enterprise at all, it reopens there
    # or nowhere (accounts.scoping.RIGHTS; tests/test_enterprise_reopen.py holds it to that), so
    # the role in the cache's key decides it as well.
    reopens = rights.reaches(Action.REOPEN, Facts(Kind.REPORT, enterprise.district_id, enterprise.pk))

    def content():
        context = {
            **_detail_context(enterprise, form),
            "may_correct": may_correct,
            "reopens": reopens,
            "csrf_slot": CSRF_SLOT,
        }
        return render_to_string("dashboard/_enterprise_detail.html", context, request=request)

    if not form.is_valid():
        page["content"] = _with_csrf_token(request, content())
        return render(request, "dashboard/enterprise_detail.html", page, status=400)
    # The breadcrumb differs by role (trainers have no dashboard).
    key = ("enterprise", enterprise.pk, user_role(request.user), may_correct, form.period)
    page["content"] = _with_csrf_token(request, page_cache.cached(versions, key, content))
    return render(request, "dashboard/enterprise_detail.html", page)


# The content is shared by every user of a role, so its forms cannot hold a CSRF token: the token is
# the requesting user's, and another's would be refused (and would let them forge that user's
# requests). They hold this mark, which no escaped text can contain, and each request puts its own
# token in its place.
CSRF_SLOT = mark_safe("<!--csrf-token-->")


def _with_csrf_token(request, content):
    if CSRF_SLOT not in content:
        return content
    token = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
    return mark_safe(content.replace(CSRF_SLOT, token))


def _detail_context(enterprise, form):
    context = {"enterprise": enterprise, "form": form}
    if form.is_valid():
        period = form.period
        _rows, figures = district_figures([enterprise.district], period, enterprise=enterprise)
        trend = monthly_trend([enterprise.district], period, enterprise=enterprise)
        for series in trend["districts"]:
            series["name"] = enterprise.name
        # One enterprise's completeness is 0 or 100 each month: its calendar strip says it better.
        charts = trend_charts(trend, metrics=("inspections", "accidents", "savings_cumulative"))
        context.update(
            period=period,
            period_query=form.query(),
            calendar=calendar_years(reporting_calendar(enterprise, period)),
            figures=figures,
            definitions=DEFINITIONS,
            trend_definitions=TREND_DEFINITIONS,
            trend=trend,
            trend_charts=charts,
            chart_data=trend_chart_data(trend, charts),
        )
    # The period's reports, every one (a month each at most): the table follows the period chosen,
    # as the figures and charts above it do, and prints whole.
    reports = enterprise.safety_reports.filter(within(form.period, "month")) if form.is_valid() else None
    context.update(
        # The reported values' columns, as their model fields declare them: (field, label, required).
        reported_fields=[
            (field.name, field.verbose_name, not field.null) for field in reported_counts(SafetyReport)
        ],
        reports=reports.order_by("-month") if reports is not None else [],
        suggestions=enterprise.suggestions.select_related("module").order_by("-submitted_on", "-reference")[
            :100
        ],
        suggestion_count=enterprise.suggestions.count(),
        projects=enterprise.projects.select_related("module").order_by("-started_on", "-reference"),
    )
    history, history_count = enterprise_history(enterprise.credit_code)
    context.update(history=history, history_count=history_count)
    return context


def calendar_years(calendar):
    """The calendar strip laid out a year a row: [(year, [12 cells, None for a month outside the
    period])], so that a phone shows it as a grid of twelve columns."""
    years = {}
    for cell in calendar:
        years.setdefault(cell["month"].year, [None] * 12)[cell["month"].month - 1] = cell
    return list(years.items())
