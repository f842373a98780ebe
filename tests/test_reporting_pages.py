"""The pages that show reporting: the dashboard's coverage, rates and change cards, the district
page's received-of-owed, the enterprise page's calendar, the completeness trend. The data and the
hand-worked figures are tests/test_reporting.py's (`portal`, `comparison`); this file checks what
a person reads on the pages."""

import csv
import io
import re
from html import unescape

import pytest

from tests import test_reporting
from tests.factories import login_as, make_enterprise, make_reports, month_range
from tests.html import table_rows
from tests.test_reporting import TODAY, D

# tests/test_reporting.py's data, by the fixtures' names (pytest finds them here).
portal = test_reporting.portal
comparison = test_reporting.comparison

pytestmark = pytest.mark.time_machine(TODAY, tick=False)
YEAR_2017 = {"from": "2017-01", "to": "2017-12"}


def dashboard(client, language="zh-hans", **query):
    client.cookies["django_language"] = language
    response = login_as(client, "city_official").get("/dashboard/", {**YEAR_2017, **query})
    assert response.status_code == 200
    return response.content.decode()


def card(html, key):
    """The text of the card of figure `key`, whitespace collapsed, up to its definition."""
    start = html.index(f'data-figure="{key}"><div class="card-body">')
    end = html.index('<div class="collapse"', start)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html[start:end].split(">", 1)[1])).split())


# --- The dashboard ----------------------------------------------------------------------------------
# 2017, worked out in tests/test_reporting.py: Nanxun owes 20 reports, received 19, 10 on time;
# Anji 12, 11, 0; pooled 32, 30, 10. Hazards 30 fixed of 40 found (Nanxun). Accidents 1 (Nanxun)
# and 11 (Anji) over 1,600 and 110 worker-months; injuries 1 (Nanxun). Suggestions 4, 2 adopted.


@pytest.mark.usefixtures("portal")
def test_the_cards_show_each_rate_with_what_it_rests_on(client):
    html = dashboard(client)
    assert (
        card(html, "completeness_pct")
        # February 2018 alone (the latest due month): A's in, D's not: 1 of 2.
        == "报送完整率 93.8% 应报 32 份，已收 30 份 最近一个月（2018-02）： 50.0% (1 / 2) "
        "2018-03 的月报于 2018年4月10日 截止：谁尚未报送 已收 30 份，审核通过 0 份 缺报 2 份：查看缺报企业 定义"
    )
    assert card(html, "timeliness_pct") == "报送及时率 31.3% 应报 32 份，按时收到 10 份 定义"
    assert card(html, "hazard_fix_pct") == "隐患整改率 75.0% 整改 30 项 ÷ 发现 40 项隐患 定义"
    # 12 × 12,000 ÷ 1,710 = 84.21; 1 × 12,000 ÷ 1,710 = 7.02.
    assert card(html, "accident_rate") == "千人年事故率 84.21 12 起事故 ÷ 1,710 工作人月 × 12,000 定义"
    assert card(html, "injury_rate") == "千人负伤率 7.02 1 人受伤 ÷ 1,710 工作人月 × 12,000 定义"
    assert card(html, "adoption_pct") == "建议采纳率 50.0% 采纳 2 条 ÷ 提交 4 条建议 定义"
    assert 'id="who-owes-link" href="/dashboard/missing/?from=2017-01&amp;to=2017-12"' in html
    # Each with its definition.
    assert "已收报告数 × 100 ÷ 应报报告数，保留一位小数" in html
    assert "事故起数 × 12,000 ÷ 工作人月数：每千人年事故起数" in html


@pytest.mark.usefixtures("portal")
def test_the_cards_in_english_say_accident_and_accidents(client):
    html = dashboard(client, "en")
    assert card(html, "accident_rate") == (
        "Accidents per 1,000 worker-years 84.21 12 accidents ÷ 1,710 worker-months × 12,000 Definition"
    )
    assert card(html, "injury_rate") == (
        "Injuries per 1,000 worker-years 7.02 1 injury ÷ 1,710 worker-months × 12,000 Definition"
    )
    assert card(html, "completeness_pct") == (
        "Reporting completeness 93.8% 30 of 32 reports owed received Latest month (2018-02): 50.0% (1 / 2) "
        "2018-03 due on 10 April 2018: who has not sent it yet approved 0 of 30 received "
        "2 reports missing: who owes them Definition"
    )


@pytest.mark.usefixtures("portal")
def test_each_district_shows_its_completeness_and_timeliness_beside_its_figures(client):
    html = dashboard(client)
    header = table_rows(html, "district-table", "thead")[0]
    assert header[:4] == ["区县", "报送完整率（%）", "报送及时率（%）", "企业"]
    assert header[9] == "对比企业数"
    rows = {row[0]: row for row in table_rows(html, "district-table")}
    # Nanxun: A (B left in September); 4 suggestions; 32 inspections, 1 accident; A and B are
    # candidates for the comparison (started by 2017-01) and neither qualifies: 0 compared, 2 more
    # left out.
    # Under each completeness, the latest due month's alone (2018-02): A sent it, D did not.
    assert rows["南浔区"] == [
        "南浔区",
        "95.0% 19 / 20 2018-02: 100.0%",
        "50.0% 10 / 20",
        "1",
        "4",
        "0",
        "0.00",
        "32",
        "1",
        "0 另 2 家缺月",
        "—",
        "—",
    ]
    # Anji: D is left out (no baseline reports); C starts in 2019.
    assert rows["安吉县"] == [
        "安吉县",
        "91.7% 11 / 12 2018-02: 0.0%",
        "0.0% 0 / 12",
        "1",
        "0",
        "0",
        "0.00",
        "11",
        "11",
        "0 另 1 家缺月",
        "—",
        "—",
    ]
    assert rows["吴兴区"][1:3] == ["— 0 / 0 2018-02: —", "— 0 / 0"]  # nothing owed: no percentage, not 0 %
    total = table_rows(html, "district-table", "tfoot")[0]
    assert total == [
        "合计",
        "93.8% 30 / 32 2018-02: 50.0%",
        "31.3% 10 / 32",
        "2",
        "4",
        "0",
        "0.00",
        "43",
        "12",
        "0 另 3 家缺月",
        "—",
        "—",
    ]
    # A completeness below 100 % leads to who owes the reports.
    assert 'href="/dashboard/missing/?from=2017-01&amp;to=2017-12&amp;district=nanxun">95.0%</a>' in html
    assert 'href="/dashboard/missing/?from=2017-01&amp;to=2017-12">93.8%</a>' in html


@pytest.mark.usefixtures("portal")
def test_the_rates_table_shows_numerators_and_denominators_and_pools_the_total(client):
    html = dashboard(client)
    rows = {row[0]: row for row in table_rows(html, "rate-table")}
    assert rows["南浔区"] == [
        "南浔区",
        "95.0% 19 / 20",
        "50.0% 10 / 20",
        "75.0% 30 ÷ 40",
        "7.50 1 ÷ 1,600 × 12,000",
        "7.50 1 ÷ 1,600 × 12,000",
        "50.0% 2 ÷ 4",
        "— 0 ÷ 0",  # no major hazards reported
        "0.0% 0 / 19",  # none of the 19 received approved
        "— ¥0.00 / ¥0.00",  # no project completed
    ]
    # Anji: nothing found, no suggestions: no percentage; 11 × 12,000 ÷ 110 = 1,200.
    assert rows["安吉县"] == [
        "安吉县",
        "91.7% 11 / 12",
        "0.0% 0 / 12",
        "— 0 ÷ 0",
        "1,200.00 11 ÷ 110 × 12,000",
        "0.00 0 ÷ 110 × 12,000",
        "— 0 ÷ 0",
        "— 0 ÷ 0",
        "0.0% 0 / 11",
        "— ¥0.00 / ¥0.00",
    ]
    # Pooled, not averaged: 84.21, not (7.50 + 1,200.00) ÷ 2.
    assert table_rows(html, "rate-table", "tfoot")[0] == [
        "合计",
        "93.8% 30 / 32",
        "31.3% 10 / 32",
        "75.0% 30 ÷ 40",
        "84.21 12 ÷ 1,710 × 12,000",
        "7.02 1 ÷ 1,710 × 12,000",
        "50.0% 2 ÷ 4",
        "— 0 ÷ 0",
        "0.0% 0 / 30",
        "— ¥0.00 / ¥0.00",
    ]


@pytest.mark.usefixtures("comparison")
def test_the_change_cards_say_who_qualified_and_who_was_left_out(client):
    # tests/test_reporting.py's `comparison`: E1 and E3 qualify (Nanxun), E2 and E5 are left out.
    # Each reported 1 inspection a month, before and after: a change of 0.0 %, on 2 enterprises.
    html = dashboard(client)
    text = card(html, "inspections_change_pct")
    assert text == (
        "安全检查变化（%） 0.0% 仅基于 2 家企业：数量太少，不宜比较。 另有 2 家企业因缺月报未纳入对比。 查看谁缺哪些月份 定义"
    )
    # Greyed, and the link lists who misses months up to the period's last month.
    assert '<div class="figure-value small-sample">0.0%</div>' in html
    assert html.count('<a href="/dashboard/missing/?to=2017-12">') == 2  # both change cards
    assert "因缺月报而未纳入前后对比的企业" in html  # the definition of those left out
    # In the table, Nanxun's change is greyed with the reason; Anji has none to grey.
    assert 'title="仅基于 2 家企业：数量太少，不宜比较。">0.0%</span>' in html


@pytest.mark.usefixtures("portal")
def test_enough_enterprises_are_not_greyed(client):
    html = dashboard(client)
    assert "small-sample" not in html.replace(".small-sample", "")
    assert "data-small-sample" not in html


@pytest.mark.usefixtures("portal")
def test_the_district_export_carries_coverage_and_rates(client):
    client.cookies["django_language"] = "en"
    response = login_as(client, "city_official").get("/dashboard/export/districts.csv", YEAR_2017)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))
    by_name = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    expected = {
        "Left out of the comparison for missing months": ("2", "1", "3"),
        "Reports owed": ("20", "12", "32"),
        "Reports received": ("19", "11", "30"),
        "Reports received on time": ("10", "0", "10"),
        "Completeness (%)": ("95.0", "91.7", "93.8"),
        "Timeliness (%)": ("50.0", "0.0", "31.3"),
        "Hazards found": ("40", "0", "40"),
        "Hazards fixed": ("30", "0", "30"),
        "Hazards fixed (%)": ("75.0", "", "75.0"),
        "Injuries": ("1", "0", "1"),
        "Lost workdays": ("5", "0", "5"),
        "Worker-months": ("1600", "110", "1710"),
        "Accidents per 1,000 worker-years": ("7.5", "1200.0", "84.21"),
        "Injuries per 1,000 worker-years": ("7.5", "0.0", "7.02"),
        "Suggestions adopted": ("2", "0", "2"),
        "Suggestions adopted (%)": ("50.0", "", "50.0"),
    }
    for column, values in expected.items():
        assert (by_name["Nanxun"][column], by_name["Anji"][column], by_name["Total"][column]) == values, (
            column
        )


# --- The district page -------------------------------------------------------------------------------


def district_page(client, code="nanxun", **query):
    response = login_as(client, "city_official").get(f"/dashboard/districts/{code}/", {**YEAR_2017, **query})
    assert response.status_code == 200
    return response.content.decode()


# What the marker says (its title, and the text a screen reader reads).
INCOMPLETE_A = "不完整：应报的 12 份月报中缺 1 份；此合计只计已报送的月份。"


@pytest.mark.usefixtures("portal")
def test_the_district_page_shows_reports_received_of_owed_and_marks_incomplete_sums(client):
    html = district_page(client)
    header = table_rows(html, "enterprise-table", "thead")[0]
    assert header[5:8] == ["职工人数", "已收 / 应报月报", "建议数"]
    rows = {row[1]: row for row in table_rows(html, "enterprise-table")}
    # A in 2017: owed 12, sent 11 (June missing), so its 22 inspections (11 × 2) and 1 accident
    # count 11 months: marked. B: owed January to August, sent them: complete, though its 10
    # inspections include September and October, sent after it left.
    assert rows["甲"][4:] == [
        "2017-01-20",
        "100",
        "11 / 12",
        "4",
        "0",
        "0.00",
        f"22⚠ ({INCOMPLETE_A})",
        f"1⚠ ({INCOMPLETE_A})",
    ]
    assert rows["乙"][4:] == ["2016-06-01", "50", "8 / 8", "0", "0", "0.00", "10", "0"]
    assert html.count("data-incomplete") == 2  # A's inspections and accidents, nothing of B's
    assert f'title="{INCOMPLETE_A}">11 / 12</td>' in html
    assert 'id="incomplete-legend"' in html


@pytest.mark.usefixtures("portal")
def test_the_district_summary_shows_completeness_and_timeliness_with_who_owes(client):
    html = district_page(client)
    summary = table_rows(html, "district-figures")
    # Nanxun 2017: 19 of 20 received, 10 on time.
    assert summary[2] == [
        "报送完整率",
        "95.0% (19 / 20)",
        "报送及时率",
        "50.0% (10 / 20)",
        "缺报 1 份：查看缺报企业",
    ]
    assert (
        'href="/dashboard/missing/?from=2017-01&amp;to=2017-12&amp;district=nanxun" id="district-who-owes"'
        in html
    )


@pytest.mark.usefixtures("portal")
def test_the_district_export_carries_reports_received_and_owed(client):
    client.cookies["django_language"] = "en"
    response = login_as(client, "city_official").get("/dashboard/districts/nanxun/export.csv", YEAR_2017)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))
    assert rows[0][-4:] == ["Safety inspections", "Accidents", "Reports received", "Reports owed"]
    assert {row[1]: row[-4:] for row in rows[1:]} == {
        "乙": ["10", "0", "8", "8"],
        "甲": ["22", "1", "11", "12"],
    }


@pytest.mark.parametrize("count", [2, 200])
def test_the_district_page_query_count_does_not_grow_with_incomplete_enterprises(
    db, client, django_assert_num_queries, count
):
    for k in range(count):
        # Started 2017-01-20, so owing 2016-01..; each misses May 2017: all incomplete.
        enterprise = make_enterprise("nanxun", score_start=D(2017, 1, 20), sector=f"行业{k % 3}")
        months = [m for m in month_range(D(2016, 1, 1), 24) if m != D(2017, 5, 1)]
        make_reports(enterprise, months, inspections=1, accidents=0)
    official = login_as(client, "city_official")
    official.get("/dashboard/districts/nanxun/", YEAR_2017)  # rebuilds the roll-up after the data's change
    # session, user with its role and profile, the district (within the user's), whether the
    # roll-up is current, the district's enterprises counted, its monthly and before/after
    # roll-ups, the enterprises filtered counted for the pager, the page of them, their sums
    # (dashboard.sums' statement for the page's enterprises, reports owed and received included),
    # the district's sectors and cohorts for the filters.
    with django_assert_num_queries(12):
        response = official.get("/dashboard/districts/nanxun/", YEAR_2017)
    assert response.content.decode().count("data-incomplete") == 2 * min(count, 50)
    # Sorted by a figure: every enterprise of the district with its sums (two statements), no
    # count for the pager (the list is in hand); the same marks.
    with django_assert_num_queries(11):
        response = official.get("/dashboard/districts/nanxun/", {**YEAR_2017, "sort": "-accidents"})
    assert response.content.decode().count("data-incomplete") == 2 * min(count, 50)


# --- The enterprise page -----------------------------------------------------------------------------


def enterprise_page(client, enterprise, language="zh-hans", **query):
    client.cookies["django_language"] = language
    response = login_as(client, "city_official").get(enterprise.get_absolute_url(), {**YEAR_2017, **query})
    assert response.status_code == 200
    return response.content.decode()


def strip(html):
    """The calendar strip as (year, [symbol of each month, "" outside the period])."""
    return [(row[0], row[1:]) for row in table_rows(html, "report-calendar")]


def test_the_enterprise_page_shows_its_months_as_a_calendar_strip(portal, client):
    html = enterprise_page(client, portal["a"])
    # A in 2017 (tests/test_reporting.py): June missing, December late, the rest on time. Each cell
    # says it in words too, for a screen reader and without colour.
    [(year, cells)] = strip(html)
    assert year == "2017"
    assert [cell.split(" ", 1)[0] for cell in cells] == ["✓"] * 5 + ["✗"] + ["✓"] * 5 + ["!"]
    assert cells[5] == "✗ 2017-06: 缺报：应报而未收到"
    assert '<td data-month="2017-06" data-status="missing" title="2017-06: 缺报：应报而未收到">' in html
    assert 'data-month="2017-12" data-status="late"' in html
    assert html.count('data-status="on_time"') == 10
    assert 'id="report-legend"' in html and "缺报：应报且已到期，但未收到" in html


def test_an_open_period_lays_the_strip_out_a_year_a_row(portal, client):
    html = enterprise_page(client, portal["a"], "en", **{"from": "", "to": ""})
    # To 2018-02; from A's first owed month, 2016-01, every month sent on time but June 2017 and
    # December 2017; 2018 has January and February, the other months are outside the period.
    rows = strip(html)
    assert [year for year, _cells in rows] == ["2016", "2017", "2018"]
    assert [cell[:1] for cell in rows[0][1]] == ["✓"] * 12
    assert rows[2][1][:3] == ["✓ 2018-01: received on time", "✓ 2018-02: received on time", ""]


def test_the_page_of_an_enterprise_that_left_says_when_and_what_it_no_longer_owes(portal, client):
    html = enterprise_page(client, portal["b"], "en")
    assert '<dd class="col-sm-9" id="enterprise-left-on">2017-09-15 ' in html
    [(_year, cells)] = strip(html)
    # Owed January to August, sent with no receipt time: late; September and October sent after
    # it left: not owed; November and December not owed.
    assert [cell.split(" ", 1)[0] for cell in cells] == ["!"] * 8 + ["–"] * 4
    assert cells[8] == "– 2017-09: not owed (a report was sent)"
    assert cells[11] == "– 2017-12: not owed"


def test_the_reports_table_shows_when_each_report_arrived(portal, client):
    html = enterprise_page(client, portal["a"])
    rows = {row[0]: row[-1] for row in table_rows(html, "enterprise-reports")}
    # In Shanghai time; November's at 23:59 on its due day, December's at 00:00 the day after.
    assert rows["2017-11"] == "2017-12-10 23:59"
    assert rows["2017-12"] == "2018-01-11 00:00"
    assert rows["2017-10"] == "2017-11-05 09:00"
    assert "2017-06" not in rows  # missing
    unknown = {
        row[0]: row[-1] for row in table_rows(enterprise_page(client, portal["d"]), "enterprise-reports")
    }
    assert unknown["2017-12"] == "未知"


def test_an_enterprise_that_owes_nothing_yet_has_no_strip(portal, client):
    html = enterprise_page(client, portal["c"])
    assert 'id="report-calendar"' not in html
    assert "本期间既无应报月报，也未收到月报。" in html


# --- The completeness trend ---------------------------------------------------------------------------


@pytest.mark.usefixtures("portal")
def test_the_dashboard_charts_completeness_per_district_with_a_table(client):
    html = dashboard(client)
    # One small chart per district (tests/test_trend_charts.py has the rest).
    assert (
        '<canvas data-trend-metric="completeness" data-trend-series="1" role="img" aria-label="每月报送完整率（%）: 南浔区">'
        in html
    )
    table = {row[0]: row[1:] for row in table_rows(html, "trend-completeness-table")}
    header = table_rows(html, "trend-completeness-table", "thead")[0]
    assert header == ["月份", "吴兴区", "南浔区", "德清县", "长兴县", "安吉县", "湖州市"]
    # June: Nanxun received 1 of its 2 reports owed; March: Anji 0 of 1; Wuxing owes nothing.
    # The city pools them: June (1 + 1) of (2 + 1), March (2 + 0) of (2 + 1): 66.7.
    assert table["2017-06"] == ["—", "50.0", "—", "—", "100.0", "66.7"]
    assert table["2017-03"] == ["—", "100.0", "—", "—", "0.0", "66.7"]
    assert "<script>" not in html  # the data goes through json_script, the drawing in trend_charts.js


def test_the_enterprise_page_keeps_its_three_charts(portal, client):
    html = enterprise_page(client, portal["a"])
    assert 'data-trend-metric="completeness"' not in html  # its calendar strip says it month by month
    assert html.count("<canvas data-trend-metric=") == 3
