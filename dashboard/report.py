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

from common.months import Period, add_months
from districts.models import City

from . import print_charts
from .figures import (
    DEFINITIONS,
    TREND_DEFINITIONS,
    Figures,
    change_pct,
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
# 同比 on the summary page: (figure, kind of value), labels from dashboard.labels.
YEAR_ON_YEAR = [
    ("suggestions", "count"),
    ("projects_completed", "count"),
    ("savings_rmb", "money"),
    ("inspections", "count"),
    ("accidents", "count"),
    ("accident_rate", "rate"),
    ("completeness_pct", "pct"),
]
# How many districts the summary names under "needs attention".
ATTENTION = 3


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
    """The report's monthly charts as SVG. First the enterprises reporting each month (bars, all the
    districts' together), then, a line per district, completeness and the safety figures as rates
    (inspections per reporting enterprise, accidents per 1,000 worker-years): counts would rise
    when an intake of enterprises starts sending its baseline reports, and read as more accidents.
    Then savings, a bar per month."""
    if not trend["months"]:
        return []
    separator = get_format("THOUSAND_SEPARATOR")
    months, districts = trend["months"], trend["districts"]
    names = [district["name"] for district in districts]

    def bars(metric):
        return {
            "title": CHART_TITLES[metric],
            "definition": TREND_DEFINITIONS[metric],
            "svg": print_charts.bar_chart(
                CHART_TITLES[metric], months, trend["total"][metric], separator=separator
            ),
            "legend": [],
        }

    charts = [bars("reports")]
    for metric in ("completeness", "inspections_per_report", "accident_rate"):
        charts.append(
            {
                "title": CHART_TITLES[metric],
                "definition": TREND_DEFINITIONS[metric],
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
    charts.append(bars("savings"))  # the districts' pooled, as monthly_trend sums them
    return charts


def year_on_year(districts, period, figures):
    """同比: the months compared and the same months a year earlier, the district figures of both
    (dashboard.figures.district_figures over the two periods) and each figure's change in % (its
    change_pct: (now − a year earlier) × 100 ÷ a year earlier). A period without a first month
    compares its last 12 months. `figures`: district_figures' answer for `period`, used again when
    the period has a first month."""
    if period.first is not None:
        now, (now_rows, now_total) = period, figures
    else:
        now = Period(add_months(period.last, -11), period.last)
        now_rows, now_total = district_figures(districts, now)
    earlier = Period(add_months(now.first, -12), add_months(now.last, -12))
    earlier_rows, earlier_total = district_figures(districts, earlier)
    return {
        "now": now,
        "earlier": earlier,
        "total": now_total,
        "earlier_total": earlier_total,
        "rows": {
            district.pk: (figures, before)
            for (district, figures), (_district, before) in zip(now_rows, earlier_rows, strict=True)
        },
        "lines": [
            (
                key,
                LABELS[key],
                kind,
                getattr(now_total, key),
                getattr(earlier_total, key),
                change_pct(getattr(earlier_total, key), getattr(now_total, key))
                if getattr(earlier_total, key) is not None and getattr(now_total, key) is not None
                else None,
            )
            for key, kind in YEAR_ON_YEAR
        ],
    }


def attention(rows, year):
    """What needs attention: the districts with the lowest completeness (of those missing reports) and
    those whose accidents rose most against the same months a year earlier (those that rose)."""
    owing = [
        (district, figures)
        for district, figures in rows
        if figures.completeness_pct is not None and figures.missing_reports > 0
    ]
    least_complete = sorted(owing, key=lambda row: row[1].completeness_pct)[:ATTENTION]
    rises = []
    for district, _figures in rows:
        now, before = year["rows"][district.pk]
        rise = change_pct(before.accidents, now.accidents)
        if rise is not None and rise > 0:
            rises.append((district, before.accidents, now.accidents, rise))
    rises.sort(key=lambda row: -row[3])
    return {"least_complete": least_complete, "rises": rises[:ATTENTION]}


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
    every_row, total = district_figures(districts, period)
    # A district with nothing in the period (no enterprise, no report, no project) is left out of
    # the tables and charts, and named in one line; the total is the same either way.
    left_out = [district for district, figures in every_row if figures == Figures()]
    rows = [(district, figures) for district, figures in every_row if figures != Figures()]
    trend = monthly_trend(districts, period)
    trend["districts"] = [
        series for series in trend["districts"] if series["code"] not in {d.code for d in left_out}
    ]
    year = year_on_year(districts, period, (every_row, total))
    return {
        "scope_name": report_scope_name(districts, chosen),
        "period": period,
        "generated_at": timezone.localtime(),
        "rows": rows,
        "left_out": left_out,
        "ranked": sorted(
            rows,
            key=lambda row: (row[1].accidents_change_pct is None, row[1].accidents_change_pct or 0),
        ),
        "year": year,
        "attention": attention(rows, year),
        "several": len(rows) > 1,
        "any_small_sample": any(figures.small_sample for _district, figures in rows),
        "total": total,
        "headline": [(key, label, getattr(total, key), DEFINITIONS[key]) for key, label in HEADLINE],
        "rates": [
            (key, label, kind, getattr(total, key), DEFINITIONS[key]) for key, label, kind in RATE_CARDS
        ],
        "changes": [(key, label, getattr(total, key), DEFINITIONS[key]) for key, label in CHANGES],
        "definitions": DEFINITIONS,
        "labels": LABELS,
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
