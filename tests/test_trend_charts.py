"""The dashboard's trend charts: the figures the page hands to the charts (its "trend-data" JSON),
worked out by hand, their tables, and the months on the axis."""

import datetime
import json
import re

import pytest

from common.months import Period
from dashboard.figures import TREND_BREAK_MONTHS, _trend_axis, monthly_trend
from districts.models import District
from tests.factories import (
    login_as,
    make_enterprise,
    make_project,
    make_reports,
    make_suggestion,
    month_range,
)

D = datetime.date


def chart_data(response):
    """The JSON the page gives static/js/trend_charts.js (json_script, id "trend-data")."""
    match = re.search(
        r'<script id="trend-data" type="application/json">(.*?)</script>', response.content.decode()
    )
    assert match, "no trend-data on the page"
    return json.loads(match.group(1))


def series(data, code):
    return next(one for one in data["series"] if one["code"] == code)


@pytest.fixture
def two_districts(db):
    """Nanxun: A (100 employees, started 2016-03) and B (50, started 2016-05); Anji: C (200,
    started 2015-11). January to April 2016 are owed by all three (from 12 months before their
    start); A misses March."""
    a = make_enterprise("nanxun", score_start=D(2016, 3, 10), employees=100)
    b = make_enterprise("nanxun", score_start=D(2016, 5, 20), employees=50)
    c = make_enterprise("anji", score_start=D(2015, 11, 1), employees=200)
    make_reports(a, [D(2016, 1, 1), D(2016, 2, 1), D(2016, 4, 1)], inspections=3, accidents=1)
    make_reports(b, month_range(D(2016, 1, 1), 4), inspections=6, accidents=0)
    make_reports(c, month_range(D(2016, 1, 1), 4), inspections=2, accidents=1)
    make_project(
        a, status="completed", started_on=D(2016, 1, 1), completed_on=D(2016, 2, 10), savings="1000.50"
    )
    make_project(
        a, status="completed", started_on=D(2016, 1, 1), completed_on=D(2016, 4, 1), savings="250.25"
    )
    make_project(b, status="in_progress", started_on=D(2016, 3, 1))
    make_project(
        c, status="completed", started_on=D(2016, 1, 1), completed_on=D(2016, 3, 31), savings="99.99"
    )
    make_suggestion(a, submitted_on=D(2016, 1, 5))
    make_suggestion(a, submitted_on=D(2016, 1, 20), status="accepted")
    make_suggestion(c, submitted_on=D(2016, 4, 30))
    return a, b, c


def test_the_charts_get_cumulative_savings_rates_and_completeness_per_month(two_districts, client):
    response = login_as(client, "city_official").get("/dashboard/", {"from": "2016-01", "to": "2016-04"})
    data = chart_data(response)
    assert data["months"] == ["2016-01", "2016-02", "2016-03", "2016-04"]
    assert data["breaks"] == []
    # The five districts in the table's order, then the city (the total), which the charts compare.
    assert [one["code"] for one in data["series"]] == ["wuxing", "nanxun", "deqing", "changxing", "anji", ""]
    assert data["total"] == 5
    assert data["series"][5]["name"] == "湖州市"
    assert [chart["metric"] for chart in data["charts"]] == [
        "suggestions",
        "projects_completed",
        "savings_cumulative",
        "inspections_per_report",
        "accident_rate",
        "completeness",
    ]
    nanxun, anji, city = series(data, "nanxun"), series(data, "anji"), series(data, "")
    # SCORE started: the earliest start of the district's enterprises (A's 2016-03 in Nanxun); the
    # city's is Anji's C, 2015-11; Wuxing has no enterprise.
    assert (nanxun["started"], anji["started"], city["started"]) == ("2016-03", "2015-11", "2015-11")
    assert series(data, "wuxing")["started"] is None
    assert nanxun["suggestions"] == [2, 0, 0, 0]
    assert anji["suggestions"] == [0, 0, 0, 1]
    assert city["suggestions"] == [2, 0, 0, 1]
    assert nanxun["projects_completed"] == [0, 1, 0, 1]  # B's project is not completed
    # 1,000.50 in February, 250.25 in April: 1,250.75. Anji: 99.99 in March.
    assert nanxun["savings_cumulative"] == [0.0, 1000.5, 1000.5, 1250.75]
    assert anji["savings_cumulative"] == [0.0, 0.0, 99.99, 99.99]
    assert city["savings_cumulative"] == [0.0, 1000.5, 1100.49, 1350.74]
    # Inspections per report: (3 + 6) ÷ 2 = 4.5; March, A's report missing: 6 ÷ 1.
    assert nanxun["inspections_per_report"] == [4.5, 4.5, 6.0, 4.5]
    assert anji["inspections_per_report"] == [2.0, 2.0, 2.0, 2.0]
    # The city pools the sums: (3 + 6 + 2) ÷ 3 = 3.666… → 3.67; March (6 + 2) ÷ 2 = 4.
    assert city["inspections_per_report"] == [3.67, 3.67, 4.0, 3.67]
    # Accidents × 12,000 ÷ worker-months: Nanxun 1 × 12,000 ÷ (100 + 50) = 80; March, B alone
    # (50) without accidents: 0. Anji 1 × 12,000 ÷ 200 = 60. City 2 × 12,000 ÷ 350 = 68.571… →
    # 68.57; March 1 × 12,000 ÷ 250 = 48.
    assert nanxun["accident_rate"] == [80.0, 80.0, 0.0, 80.0]
    assert anji["accident_rate"] == [60.0] * 4
    assert city["accident_rate"] == [68.57, 68.57, 48.0, 68.57]
    # Received × 100 ÷ owed: Nanxun March 1 of 2 = 50; the city's March 2 of 3 = 66.7; Wuxing owes
    # nothing: no percentage, not 0.
    assert nanxun["completeness"] == [100.0, 100.0, 50.0, 100.0]
    assert city["completeness"] == [100.0, 100.0, 66.7, 100.0]
    assert series(data, "wuxing")["completeness"] == [None] * 4
    assert series(data, "wuxing")["inspections_per_report"] == [None] * 4  # no report: a gap


def test_each_figure_has_one_small_chart_per_district_a_comparison_a_table_and_a_definition(
    two_districts, client
):
    response = login_as(
        client,
        "city_official",
    ).get("/dashboard/", {"from": "2016-01", "to": "2016-04"})
    html = response.content.decode()
    for metric in ("suggestions", "savings_cumulative", "accident_rate", "completeness"):
        assert len(re.findall(f'data-trend-metric="{metric}"', html)) == 5
        assert len(re.findall(f'data-trend-compare="{metric}"', html)) == 1
        assert f'<details class="trend-table mt-2" id="trend-{metric}-table">' in html
        assert f'id="definition-trend-{metric}"' in html
    assert 'id="trend-view"' in html
    assert "南浔区 与 湖州市 对比" in html  # "Nanxun against Huzhou"
    # The definitions of the marker and of the axis, and each district's start month.
    assert "虚线标出SCORE开始的月份" in html
    assert 'data-started="nanxun">南浔区: 2016-03<' in html
    # The table says what the chart says: inspections per reporting enterprise in March, for
    # Wuxing (no report), Nanxun, Deqing, Changxing, Anji and the city.
    table = next(
        chart for chart in response.context["trend_charts"] if chart["metric"] == "inspections_per_report"
    )
    march = dict(table["rows"])["2016-03"]
    assert re.findall(r">([^<]*)</td>", march) == ["—", "6.00", "—", "—", "2.00", "4.00"]
    savings = next(
        chart for chart in response.context["trend_charts"] if chart["metric"] == "savings_cumulative"
    )
    assert re.findall(r">([^<]*)</td>", dict(savings["rows"])["2016-04"]) == [
        "0.00",
        "1,250.75",
        "0.00",
        "0.00",
        "99.99",
        "1,350.74",
    ]


def test_the_charts_speak_english_to_an_english_user(two_districts, client):
    user_client = login_as(client, "city_official")
    user_client.post("/i18n/setlang/", {"language": "en"})
    response = user_client.get("/dashboard/", {"from": "2016-01", "to": "2016-04"})
    data = chart_data(response)
    assert series(data, "")["name"] == "Huzhou"
    assert series(data, "nanxun")["name"] == "Nanxun"
    # A district against the city, for counts and money: its share of the city (the JS puts the name in).
    assert data["words"] == {"started": "SCORE started", "share": "{district} as a share of Huzhou (%)"}
    assert data["charts"][2]["title"] == "Savings of completed projects, cumulative (RMB)"
    assert "Nanxun against Huzhou" in response.content.decode()


def test_a_district_official_gets_their_district_alone_without_the_city(two_districts, client):
    response = login_as(client, "district_official", "anji").get(
        "/dashboard/", {"from": "2016-01", "to": "2016-04"}
    )
    html = response.content.decode()
    data = chart_data(response)
    assert [one["code"] for one in data["series"]] == ["anji"]
    assert data["total"] is None
    assert 'id="trend-view"' not in html
    assert "data-trend-compare" not in html
    assert "南浔区" not in html
    assert len(re.findall('data-trend-metric="completeness"', html)) == 1


@pytest.fixture
def old_import_and_today(db):
    """An enterprise reporting 2015-01 to 2016-12 but for 2016-05 (a short gap), nothing for nine
    years, then 2026-01 to 2026-03 (an old import and this year's reports)."""
    enterprise = make_enterprise("nanxun", score_start=D(2016, 1, 1), employees=10)
    months = [month for month in month_range(D(2015, 1, 1), 24) if month != D(2016, 5, 1)]
    make_reports(enterprise, months + month_range(D(2026, 1, 1), 3), inspections=1, accidents=0)
    return enterprise


def test_the_axis_starts_with_the_data_and_cuts_out_the_empty_years(old_import_and_today, client):
    response = login_as(client, "city_official").get("/dashboard/", {"to": "2026-03"})
    data = chart_data(response)
    # 2015-01 (the first month with data, `from` being open) to 2016-12: 24 months, the gap of
    # 2016-05 kept; 2017-01 to 2025-12 (108 months without data) cut; then 2026-01 to 2026-03.
    assert data["months"][0] == "2015-01"
    assert len(data["months"]) == 24 + 3
    assert data["months"][23:25] == ["2016-12", "2026-01"]
    assert data["breaks"] == [{"after": 23, "from": "2017-01", "to": "2025-12"}]
    nanxun = series(data, "nanxun")
    assert nanxun["inspections_per_report"][16] is None  # 2016-05: no report, a gap
    assert data["months"][16] == "2016-05"
    html = response.content.decode()
    assert 'id="trend-breaks"' in html
    table = next(chart for chart in response.context["trend_charts"] if chart["metric"] == "completeness")
    months = [month for month, _cells in table["rows"]]
    assert months[23:26] == ["2016-12", "2017-01 – 2025-12", "2026-01"]
    assert "既无安全月报也无完成项目：图表中略去。" in dict(table["rows"])["2017-01 – 2025-12"]


def test_a_period_asked_from_long_before_the_data_starts_with_the_data(old_import_and_today, client):
    response = login_as(client, "city_official").get("/dashboard/", {"from": "2010-01", "to": "2016-12"})
    data = chart_data(response)
    # 2010-01 to 2014-12, five years without data, are cut before the first month shown.
    assert data["months"][0] == "2015-01" and data["months"][-1] == "2016-12"
    assert data["breaks"] == [{"after": -1, "from": "2010-01", "to": "2014-12"}]
    table = next(chart for chart in response.context["trend_charts"] if chart["metric"] == "suggestions")
    assert table["rows"][0][0] == "2010-01 – 2014-12"


def test_runs_shorter_than_a_year_stay_on_the_axis_as_gaps():
    with_data = {D(2016, 1, 1), D(2016, 12, 1), D(2018, 1, 1)}
    # 2016-02 to 2016-11 (10 months) stay; 2017-01 to 2017-12 (12 months) go; a `from` three months
    # early is kept, as asked.
    months, breaks = _trend_axis(D(2015, 10, 1), D(2018, 1, 1), with_data)
    assert TREND_BREAK_MONTHS == 12
    assert months == Period(D(2015, 10, 1), D(2016, 12, 1)).months() + [D(2018, 1, 1)]
    assert breaks == [{"after": 14, "from": "2017-01", "to": "2017-12"}]


def test_the_enterprise_page_charts_the_enterprise_with_its_own_start(two_districts, client):
    a, _b, _c = two_districts
    response = login_as(client, "city_official").get(
        f"/enterprises/{a.credit_code}/", {"from": "2016-01", "to": "2016-04"}
    )
    data = chart_data(response)
    assert [chart["metric"] for chart in data["charts"]] == ["inspections", "accidents", "savings_cumulative"]
    assert len(data["series"]) == 1 and data["total"] is None
    (own,) = data["series"]
    assert own["name"] == a.name
    assert own["started"] == "2016-03"
    assert own["inspections"] == [3, 3, None, 3]
    assert own["savings_cumulative"] == [0.0, 1000.5, 1000.5, 1250.75]


def test_the_district_page_links_to_the_district_against_the_city(two_districts, client):
    html = (
        login_as(client, "city_official")
        .get("/dashboard/districts/nanxun/", {"to": "2016-04"})
        .content.decode()
    )
    assert 'href="/dashboard/?to=2016-04#compare-nanxun"' in html
    # A district official sees no city to compare with.
    html = (
        login_as(client, "district_official", "nanxun").get("/dashboard/districts/nanxun/").content.decode()
    )
    assert 'id="district-trend-link"' not in html


@pytest.mark.parametrize("count", [1, 30])
def test_the_trend_costs_the_same_queries_whatever_the_data(db, django_assert_num_queries, count):
    for index in range(count):
        enterprise = make_enterprise(["nanxun", "anji"][index % 2], score_start=D(2016, 1 + index % 12, 1))
        make_reports(enterprise, month_range(D(2015, 1, 1), 36), inspections=1, accidents=0)
        make_project(
            enterprise, status="completed", started_on=D(2016, 1, 1), completed_on=D(2016, 6, 1), savings="1"
        )
    districts = list(District.objects.all())
    monthly_trend(districts, Period(None, D(2017, 12, 1)))  # rebuilds the roll-up after the writes
    # Whether the roll-up is current, its months of the period, each district's earliest start.
    with django_assert_num_queries(3):
        trend = monthly_trend(districts, Period(None, D(2017, 12, 1)))
    assert len(trend["months"]) == 36
    assert trend["total"]["savings_cumulative"][-1] == count  # 1 RMB each
