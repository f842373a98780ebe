"""The district report for review workshops: the dashboard's figures on A4, as a PDF.

Programme review workshops (such as Huzhou's mid-term workshop of 15 November 2017) hand the
figures out on paper. The report shows, for the city or one district and a period: every figure
with its definition and what it rests on, the change since SCORE with the enterprises it rests
on, the monthly charts, reporting completeness, training, and the ten largest savings. Every
value comes from dashboard.figures; nothing here computes a figure.

WeasyPrint turns the HTML into the PDF (docs/dashboard.md, "The printed report", says why it and
not a headless Chromium). It embeds the subset of the CJK font it uses, so the Chinese report
prints on any machine.
"""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from districts.models import City

from . import print_charts
from .figures import (
    DEFINITIONS,
    district_figures,
    largest_savings,
    monthly_trend,
    training_figures,
)
from .labels import DISTRICT_COLUMNS, LABELS, RATE_CARDS, TREND_CHARTS

# The headline figures, the rates and the changes: as the dashboard labels them (dashboard.labels).
HEADLINE = DISTRICT_COLUMNS[:6]
CHANGES = [(key, LABELS[key]) for key in ("inspections_change_pct", "accidents_change_pct")]
# The reporting table's columns after the district: (figure, label).
COMPLETENESS_COLUMNS = [
    *((key, LABELS[key]) for key in ("reports_expected", "reports_received", "reports_on_time")),
    ("missing_reports", gettext_lazy("Reports missing")),
    *((key, LABELS[key]) for key in ("completeness_pct", "timeliness_pct")),
]
CHART_TITLES = {metric: title for metric, title, _kind in TREND_CHARTS}
TOP_SAVINGS = 10


def report_scope_name(districts, chosen):
    """What the report covers, in the active language: the district and its city when one district
    was asked for (or is all the user sees), else the cities of the districts. One query."""
    cities = {
        city.pk: city for city in City.objects.filter(pk__in={district.city_id for district in districts})
    }
    if chosen or len(districts) == 1:
        district = districts[0]
        return _("%(district)s, %(city)s") % {
            "district": district.name,
            "city": cities[district.city_id].name,
        }
    return _(", ").join(city.name for city in cities.values())


def trend_charts(trend):
    """The four monthly charts of the dashboard as SVG: completeness, inspections and accidents a
    line per district, savings a bar per month (all the districts' together)."""
    if not trend["months"]:
        return []
    separator = get_format("THOUSAND_SEPARATOR")
    months, districts = trend["months"], trend["districts"]
    names = [district["name"] for district in districts]
    charts = []
    for metric in ("completeness", "inspections", "accidents"):
        charts.append(
            {
                "title": CHART_TITLES[metric],
                "svg": print_charts.line_chart(
                    CHART_TITLES[metric],
                    months,
                    [(district["name"], district[metric]) for district in districts],
                    separator=separator,
                    percent=metric == "completeness",
                ),
                "legend": print_charts.legend(names),
            }
        )
    savings = trend["total"]["savings"]  # the districts' pooled, as monthly_trend sums them
    charts.append(
        {
            "title": CHART_TITLES["savings"],
            "svg": print_charts.bar_chart(CHART_TITLES["savings"], months, savings, separator=separator),
            "legend": [],
        }
    )
    return charts


def page_footer_css():
    """The CSS `content` of the page number, "Page 1 of 3" in the active language: the translated
    sentence with CSS counters in place of its placeholders."""
    sentence = _("Page %(page)s of %(pages)s")
    quoted = '"' + sentence.replace("\\", "").replace('"', "") + '"'
    return quoted.replace("%(page)s", '" counter(page) "').replace("%(pages)s", '" counter(pages) "')


def report_context(districts, period, *, chosen=False):
    """Everything the report shows, for `districts` (those the user may see, or the one asked for:
    `chosen`) over `period`: figures, trend, training, the largest savings. A fixed number of
    queries, whatever the amount of data (tests/test_report.py counts them)."""
    districts = list(districts)
    rows, total = district_figures(districts, period)
    trend = monthly_trend(districts, period)
    return {
        "scope_name": report_scope_name(districts, chosen),
        "period": period,
        "generated_at": timezone.localtime(),
        "rows": rows,
        "several": len(rows) > 1,
        "any_small_sample": any(figures.small_sample for _district, figures in rows),
        "total": total,
        "headline": [(key, label, getattr(total, key), DEFINITIONS[key]) for key, label in HEADLINE],
        "rates": [
            (key, label, kind, getattr(total, key), DEFINITIONS[key]) for key, label, kind in RATE_CARDS
        ],
        "changes": [(key, label, getattr(total, key), DEFINITIONS[key]) for key, label in CHANGES],
        "definitions": DEFINITIONS,
        "completeness_columns": COMPLETENESS_COLUMNS,
        "charts": trend_charts(trend),
        "training": training_figures(districts, period),
        "largest_savings": largest_savings(districts, period, count=TOP_SAVINGS),
        "top_count": TOP_SAVINGS,
        "page_number": page_footer_css(),
    }


def refuse_fetch(url, *args, **kwargs):
    """WeasyPrint's URL fetcher: the report needs nothing outside its own HTML (charts inline, the
    font from the system), so nothing is fetched, neither a file nor the network."""
    raise ValueError(f"The report fetches nothing: {url[:80]}")


def report_pdf(context):
    """The report as PDF bytes."""
    # Imported here: WeasyPrint loads Pango and fontconfig, which only this download needs.
    from weasyprint import CSS, HTML

    html = render_to_string("dashboard/report.html", context)
    # A stylesheet apart, not a <style> in the HTML: no template has an inline style (the CSP,
    # tests/test_production.py), though WeasyPrint alone reads this one.
    css = render_to_string("dashboard/report.css", context)
    return HTML(string=html, url_fetcher=refuse_fetch).write_pdf(
        stylesheets=[CSS(string=css, url_fetcher=refuse_fetch)]
    )
