"""The breakdown by sector, cohort or district (dashboard.figures.breakdown_figures and
/dashboard/breakdown/): the district figures' definitions grouped by the enterprise's sector or
cohort, checked against values worked out by hand and against a Python oracle on random data;
totals that pool sums; scope per role; constant query counts; errors; both languages; exports."""

import csv
import datetime
import io
import random
import unittest.mock
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.months import Period, add_months
from dashboard import rollup
from dashboard.figures import breakdown_figures, district_figures
from dashboard.models import SegmentChangeRollup, SegmentMonthlyRollup
from districts.models import District
from enterprises.models import Enterprise, SafetyReport
from enterprises.reporting import latest_due_month
from imports.engine import Writer
from imports.models import RecordChange
from imports.services import record_save
from improvements.models import ImprovementProject, Suggestion
from tests.exports import xlsx_rows
from tests.factories import (
    login_as,
    make_enterprise,
    make_project,
    make_reports,
    make_suggestion,
    month_range,
)
from tests.html import main_content, table_rows
from tests.test_dashboard_rollup import PERIODS, SHANGHAI, build_random_portal

D = datetime.date
YEAR_2017 = Period(first=D(2017, 1, 1), last=D(2017, 12, 1))
QUERY_2017 = {"from": "2017-01", "to": "2017-12"}


# --- Known answers ---------------------------------------------------------------------------------


def history(enterprise, *, baseline, between, followup, start):
    """Reports for the 12 months before `start` (baseline: (inspections, accidents) a month), the
    months from `start` to 2016-12 (between) and every month of 2017 (follow-up)."""
    make_reports(
        enterprise, month_range(add_months(start, -12), 12), inspections=baseline[0], accidents=baseline[1]
    )
    months = [month for month in month_range(start, 24) if month < D(2017, 1, 1)]
    make_reports(enterprise, months, inspections=between[0], accidents=between[1])
    make_reports(enterprise, month_range(D(2017, 1, 1), 12), inspections=followup[0], accidents=followup[1])


@pytest.fixture
def sectors(db):
    """Four enterprises over three districts; the period is 2017, so the follow-up window is
    2017-01..2017-12.

    E1 Nanxun, 纺织, cohort 2016, 100 employees, start 2016-01: baseline 2015 2 inspections and
      3 accidents a month (24, 36), 2017 5 and 1 (60, 12): qualifies.
    E2 Nanxun, 化工, cohort 2016, 200 employees, start 2016-01: baseline 10 and 1 (120, 12), 2017
      10 and 2 (120, 24): qualifies.
    E3 Deqing, 纺织, no cohort, 50 employees, start 2016-06: baseline 2015-06..2016-05 1 and 0
      (12, 0), 2017 3 and 0 (36, 0): qualifies.
    E4 Anji, no sector, cohort 2017, 20 employees, start 2017-03: 2017 without June and July, 4 and
      2 a month (10 reports: 40, 20); its follow-up window starts before its start: not compared.
    """
    e1 = make_enterprise("nanxun", score_start=D(2016, 1, 15), employees=100, sector="纺织", cohort="2016")
    e2 = make_enterprise("nanxun", score_start=D(2016, 1, 15), employees=200, sector="化工", cohort="2016")
    e3 = make_enterprise("deqing", score_start=D(2016, 6, 1), employees=50, sector="纺织", cohort="")
    e4 = make_enterprise("anji", score_start=D(2017, 3, 10), employees=20, sector="", cohort="2017")
    history(e1, start=D(2016, 1, 1), baseline=(2, 3), between=(1, 1), followup=(5, 1))
    history(e2, start=D(2016, 1, 1), baseline=(10, 1), between=(1, 1), followup=(10, 2))
    history(e3, start=D(2016, 6, 1), baseline=(1, 0), between=(1, 1), followup=(3, 0))
    make_reports(
        e4, [m for m in month_range(D(2017, 1, 1), 12) if m.month not in (6, 7)], inspections=4, accidents=2
    )
    make_suggestion(e1, submitted_on=D(2017, 3, 1), status="accepted")
    make_suggestion(e3, submitted_on=D(2017, 4, 1), status="rejected")
    make_suggestion(e4, submitted_on=D(2017, 5, 1), status="implemented")
    make_project(
        e2, status="completed", started_on=D(2017, 1, 1), completed_on=D(2017, 5, 5), savings="100.25"
    )
    make_project(
        e4, status="completed", started_on=D(2017, 1, 1), completed_on=D(2017, 6, 6), savings="50.50"
    )
    rollup.rebuild()  # written past the door (the factories): the rebuild command's part
    return e1, e2, e3, e4


def by_name(rows):
    return {group: figures for group, figures in rows}


def test_the_breakdown_by_sector_gives_the_figures_worked_out_by_hand(sectors):
    rows, total = breakdown_figures(District.objects.all(), YEAR_2017, by="sector")
    # Sectors in text order, the enterprises without one last.
    assert [group for group, _figures in rows] == ["化工", "纺织", ""]
    groups = by_name(rows)
    textile, chemicals, blank = groups["纺织"], groups["化工"], groups[""]
    assert (textile.enterprises, chemicals.enterprises, blank.enterprises) == (2, 1, 1)
    assert textile.inspections == 96  # E1 12 × 5 + E3 12 × 3
    assert textile.accidents == 12  # E1 12 × 1 + E3 0
    assert (textile.suggestions, textile.suggestions_adopted, textile.adoption_pct) == (2, 1, 50.0)
    assert (chemicals.projects_completed, chemicals.savings_rmb) == (1, Decimal("100.25"))
    # The before/after comparison pooled over E1 and E3: inspections 24 + 12 = 36 → 60 + 36 = 96,
    # (96 − 36) × 100 ÷ 36 = 166.66… (not the mean of E1's +150.0 and E3's +200.0); accidents
    # 36 + 0 = 36 → 12 + 0 = 12: −66.66…. Two enterprises: too few to compare.
    assert textile.change_enterprises == 2
    assert textile.inspections_change_pct == 166.7
    assert textile.accidents_change_pct == -66.7
    assert textile.small_sample is True
    assert (chemicals.inspections_change_pct, chemicals.accidents_change_pct) == (
        0.0,
        100.0,
    )  # 120 → 120, 12 → 24
    assert (blank.change_enterprises, blank.inspections_change_pct, blank.small_sample) == (0, None, False)
    # Accidents per 1,000 worker-years: 纺织 12 × 12,000 ÷ (100 × 12 + 50 × 12 = 1,800) = 80.00;
    # 化工 24 × 12,000 ÷ 2,400 = 120.00; no sector 20 × 12,000 ÷ (20 × 10 = 200) = 1,200.00.
    assert (textile.accident_rate, chemicals.accident_rate, blank.accident_rate) == (80.0, 120.0, 1200.0)
    # E4 owes 2017's twelve reports (from 2016-03, twelve months before its start) and sent ten.
    assert (blank.reports_expected, blank.reports_received, blank.completeness_pct) == (12, 10, 83.3)


def test_the_total_pools_the_groups_sums_never_their_rates(sectors):
    rows, total = breakdown_figures(District.objects.all(), YEAR_2017, by="sector")
    groups = by_name(rows)
    # Change: inspections 24 + 120 + 12 = 156 → 60 + 120 + 36 = 216: 60 × 100 ÷ 156 = 38.46… → 38.5;
    # the mean of the sectors' 166.7 and 0.0 would be 83.4. Accidents 48 → 36: −25.0.
    assert (total.inspections_change_pct, total.accidents_change_pct) == (38.5, -25.0)
    assert total.inspections_change_pct != round((groups["纺织"].inspections_change_pct + 0.0) / 2, 1)
    # Accidents 12 + 24 + 0 + 20 = 56 over 1,200 + 2,400 + 600 + 200 = 4,400 worker-months:
    # 56 × 12,000 ÷ 4,400 = 152.727… → 152.73 (the mean of 80, 120 and 1,200 would be 466.67).
    assert (total.accidents, total.worker_months, total.accident_rate) == (56, 4400, 152.73)
    # Reports: 12 + 12 + 12 + 12 owed, 46 received: 95.83… → 95.8 (the mean would be 94.4).
    assert (total.reports_expected, total.reports_received, total.completeness_pct) == (48, 46, 95.8)
    # Suggestions: 2 adopted of 3: 66.7 (the sectors' 50.0, — and 100.0 would average 75.0).
    assert (total.suggestions, total.suggestions_adopted, total.adoption_pct) == (3, 2, 66.7)
    # The total of any breakdown is the districts' total: each enterprise is in exactly one group.
    _districts, district_total = district_figures(District.objects.all(), YEAR_2017)
    for by in ("sector", "cohort", "district"):
        assert vars(breakdown_figures(District.objects.all(), YEAR_2017, by=by)[1]) == vars(district_total)


def test_the_breakdown_reads_the_roll_up_and_follows_a_change_of_sector(sectors):
    e1, _e2, _e3, _e4 = sectors
    with CaptureQueriesContext(connection) as queries:
        rows, _total = breakdown_figures(District.objects.all(), YEAR_2017, by="sector")
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert SegmentMonthlyRollup._meta.db_table in read and SegmentChangeRollup._meta.db_table in read
    # E1 moves from 纺织 to 化工, past the door: the figures come from the tables until the rebuild
    # command has run, then from the roll-up again, the same; through the door the roll-up follows.
    Enterprise.objects.filter(pk=e1.pk).update(sector="化工")
    for rebuilt in (False, True):
        if rebuilt:
            rollup.rebuild()
        assert (rollup.current_alias() is not None) == rebuilt
        rows, _total = breakdown_figures(District.objects.all(), YEAR_2017, by="sector")
        groups = by_name(rows)
        assert (groups["纺织"].enterprises, groups["化工"].enterprises) == (1, 2)
        assert groups["化工"].inspections == 180  # E1 60 + E2 120
        # Inspections 24 + 120 = 144 → 60 + 120 = 180: +25.0.
        assert groups["化工"].inspections_change_pct == 25.0
    e1.refresh_from_db()
    e1.sector = "纺织"
    record_save(instance=e1, writer=Writer.of(None, RecordChange.Path.ADMIN))
    assert rollup.current_alias() is not None
    groups = by_name(breakdown_figures(District.objects.all(), YEAR_2017, by="sector")[0])
    assert (groups["纺织"].enterprises, groups["化工"].enterprises) == (2, 1)


def test_the_breakdown_by_cohort_groups_by_the_enterprises_cohort(sectors):
    rows, total = breakdown_figures(District.objects.all(), YEAR_2017, by="cohort")
    assert [group for group, _figures in rows] == ["2016", "2017", ""]
    cohort_2016 = by_name(rows)["2016"]
    # E1 and E2: inspections 24 + 120 = 144 → 60 + 120 = 180, +25.0; accidents 48 → 36, −25.0.
    assert (cohort_2016.enterprises, cohort_2016.change_enterprises) == (2, 2)
    assert (cohort_2016.inspections_change_pct, cohort_2016.accidents_change_pct) == (25.0, -25.0)
    assert by_name(rows)[""].inspections == 36  # E3 alone


def test_the_breakdown_by_district_is_the_district_table(sectors):
    districts = District.objects.all()
    rows, total = breakdown_figures(districts, YEAR_2017, by="district")
    expected_rows, expected_total = district_figures(districts, YEAR_2017)
    assert [(d.code, vars(f)) for d, f in rows] == [(d.code, vars(f)) for d, f in expected_rows]
    assert vars(total) == vars(expected_total)


def test_a_district_official_sees_no_other_districts_enterprises_in_any_group(sectors):
    anji = District.objects.filter(code="anji")
    for by in ("sector", "cohort", "district"):
        rows, total = breakdown_figures(anji, YEAR_2017, by=by)
        assert total.enterprises == 1  # E4 alone
        assert sum(figures.enterprises for _group, figures in rows) == 1
    rows, _total = breakdown_figures(anji, YEAR_2017, by="sector")
    assert [group for group, _figures in rows] == [""]  # not 纺织 nor 化工: Nanxun's and Deqing's
    rows, _total = breakdown_figures(District.objects.filter(code="deqing"), YEAR_2017, by="sector")
    assert [(group, figures.inspections) for group, figures in rows] == [("纺织", 36)]  # E3 without E1


def test_the_page_of_a_district_official_lists_only_their_districts_groups(sectors, client):
    user_client = login_as(client, "district_official", "deqing")
    response = user_client.get("/dashboard/breakdown/", {**QUERY_2017, "by": "sector"})
    assert response.status_code == 200
    assert [row[:2] for row in table_rows(response.content.decode(), "breakdown-table")] == [["纺织", "1"]]
    cohorts = user_client.get("/dashboard/breakdown/", {**QUERY_2017, "by": "cohort"}).content.decode()
    assert [row[0] for row in table_rows(cohorts, "breakdown-table")] == ["未填写"]
    export = user_client.get("/dashboard/breakdown/export.csv", {**QUERY_2017, "by": "sector"})
    lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [line[:2] for line in lines[1:]] == [["纺织", "1"], ["合计", "1"]]
    # Another district by name is refused, not shown.
    refused = user_client.get("/dashboard/breakdown/", {**QUERY_2017, "district": "nanxun"})
    assert refused.status_code == 400
    assert "纺织" not in main_content(refused)


# --- The oracle: the figures worked out row by row in Python on random data --------------------------


def on_time(report):
    """Received before 00:00 in Shanghai of the day after the due day of the month after its own."""
    deadline = add_months(report.month, 1) + datetime.timedelta(days=settings.SCORE_REPORT_DUE_DAY)
    moment = datetime.datetime(deadline.year, deadline.month, deadline.day, tzinfo=SHANGHAI)
    return report.received_at is not None and report.received_at < moment


def figures_of_enterprises(enterprises, period):
    """docs/domain.md's figures over `enterprises`, computed here from their rows one by one."""
    window = 12
    end = add_months(period.last, 1)
    due_month = latest_due_month()
    ids = {e.pk for e in enterprises}

    def within(day):
        return day is not None and day < end and (period.first is None or day >= period.first)

    reports = [r for r in SafetyReport.objects.all() if r.enterprise_id in ids]
    by_key = {(r.enterprise_id, r.month): r for r in reports}
    in_period = [r for r in reports if within(r.month)]
    employees = {e.pk: e.employees for e in enterprises}
    suggestions = [s for s in Suggestion.objects.all() if s.enterprise_id in ids and within(s.submitted_on)]
    completed = [
        p
        for p in ImprovementProject.objects.filter(status="completed")
        if p.enterprise_id in ids and within(p.completed_on)
    ]
    owed = []
    for e in enterprises:
        month = add_months(e.score_start.replace(day=1), -window)
        last = due_month if e.left_on is None else min(due_month, add_months(e.left_on.replace(day=1), -1))
        while month <= last:
            if within(month):
                owed.append((e.pk, month))
            month = add_months(month, 1)
    figures = {
        "enterprises": sum(
            e.score_start < end and (e.left_on is None or e.left_on >= end) for e in enterprises
        ),
        "suggestions": len(suggestions),
        "projects_completed": len(completed),
        "savings_rmb": sum((p.savings or Decimal(0) for p in completed), Decimal("0.00")),
        "savings_by_enterprises_rmb": sum(
            (p.savings or Decimal(0) for p in completed if p.entered_by_enterprise), Decimal("0.00")
        ),
        "inspections": sum(r.inspections for r in in_period),
        "accidents": sum(r.accidents for r in in_period),
        "change_enterprises": 0,
        "change_candidates": 0,
        "reports_expected": len(owed),
        "reports_received": sum(key in by_key for key in owed),
        "reports_on_time": sum(key in by_key and on_time(by_key[key]) for key in owed),
        "reports_approved": sum(key in by_key and by_key[key].state == "approved" for key in owed),
        # build_random_portal draws no exemption here (tests/test_dashboard_rollup.py's oracle does).
        "reports_exempt": 0,
        "change_left_out_exempt": 0,
        "injuries": sum(r.injuries or 0 for r in in_period),
        "lost_workdays": sum(r.lost_workdays or 0 for r in in_period),
        "hazards_found": sum(r.hazards_found or 0 for r in in_period),
        "hazards_fixed": sum(r.hazards_fixed or 0 for r in in_period),
        "major_hazards_found": sum(r.major_hazards_found or 0 for r in in_period),
        "major_hazards_fixed": sum(r.major_hazards_fixed or 0 for r in in_period),
        "worker_months": sum(employees[r.enterprise_id] for r in in_period),
        "suggestions_adopted": sum(s.status in ("accepted", "implemented") for s in suggestions),
        "baseline_inspections": 0,
        "followup_inspections": 0,
        "baseline_accidents": 0,
        "followup_accidents": 0,
    }
    followup = [add_months(period.last, -n) for n in range(window)]
    for e in enterprises:
        start = e.score_start.replace(day=1)
        baseline = [add_months(start, -n) for n in range(1, window + 1)]
        figures["change_candidates"] += min(followup) >= start
        if min(followup) >= start and all((e.pk, m) in by_key for m in baseline + followup):
            figures["change_enterprises"] += 1
            for name in ("inspections", "accidents"):
                figures[f"baseline_{name}"] += sum(getattr(by_key[e.pk, m], name) for m in baseline)
                figures[f"followup_{name}"] += sum(getattr(by_key[e.pk, m], name) for m in followup)
    return figures


def breakdown_worked_out_here(districts, period, by):
    """{group: figures} over the districts' enterprises grouped by their `by` field, in Python."""
    groups = {}
    for enterprise in Enterprise.objects.filter(district__in=districts):
        groups.setdefault(getattr(enterprise, by), []).append(enterprise)
    return {group: figures_of_enterprises(members, period) for group, members in groups.items()}


@pytest.mark.parametrize("seed", [4, 5])
def test_the_breakdown_gives_the_figures_worked_out_row_by_row(db, seed):
    build_random_portal(seed, enterprises=30)
    rng = random.Random(seed)
    # Sectors and cohorts at random, blanks among them, over the three districts of the data.
    for enterprise in Enterprise.objects.order_by("pk"):
        Enterprise.objects.filter(pk=enterprise.pk).update(
            sector=rng.choice(["纺织", "竹制品", "化工", "", "=1+1"]), cohort=rng.choice(["2016", "2017", ""])
        )
    scopes = [District.objects.all(), District.objects.filter(code__in=["anji", "deqing"])]
    periods = [*PERIODS, Period(None, D(2018, 6, 1)), Period(D(2019, 1, 1), D(2019, 12, 1))]
    compared = 0
    for districts in scopes:
        for period in periods:
            for by in ("sector", "cohort"):
                rows, total = breakdown_figures(districts, period, by=by)
                expected = breakdown_worked_out_here(districts, period, by)
                assert {group: vars(figures) for group, figures in rows} == expected, (by, period)
                # The same from the statements on the tables (while a writer holds the roll-up back).
                with unittest.mock.patch.object(rollup, "current_alias", return_value=None):
                    live, _live_total = breakdown_figures(districts, period, by=by)
                assert {group: vars(figures) for group, figures in live} == expected
                # The total is the groups' sums added up, every one of them.
                pooled = {name: sum(figures[name] for figures in expected.values()) for name in vars(total)}
                assert vars(total) == pooled
                compared += sum(figures.change_enterprises for _group, figures in rows)
    assert compared > 0  # the data exercise the before/after comparison


# --- The page ------------------------------------------------------------------------------------


def test_the_page_shows_each_sector_with_its_figures_and_a_pooled_total(sectors, client):
    client.cookies["django_language"] = "en"
    response = login_as(client, "city_official").get("/dashboard/breakdown/", {**QUERY_2017, "by": "sector"})
    html = response.content.decode()
    header = table_rows(html, "breakdown-table", "thead")[0]
    assert header[:5] == [
        "Sector",
        "Enterprises",
        "Inspections change (%)",
        "Accidents change (%)",
        "Enterprises compared",
    ]
    body = table_rows(html, "breakdown-table")
    assert [row[0] for row in body] == ["化工", "纺织", "not given"]
    # 纺织's change rests on two enterprises: greyed, and said so.
    assert body[1][2] == "+166.7% Based on 2 enterprises: too few to compare."
    assert body[1][3] == "-66.7% Based on 2 enterprises: too few to compare."
    [total] = table_rows(html, "breakdown-table", "tfoot")
    # The total rests on three: too few as well.
    assert total[:5] == [
        "Total",
        "4",
        "+38.5% Based on 3 enterprises: too few to compare.",
        "-25.0% Based on 3 enterprises: too few to compare.",
        "3",
    ]
    assert "95.8% 46 / 48" in total  # completeness with what it rests on
    # The definitions of the figures, and of "too few to compare".
    assert "pooled over those enterprises (not an average of percentages)" in html
    assert "Fewer than 5 enterprises qualify" in html


def test_the_page_renders_in_chinese(sectors, client):
    client.cookies["django_language"] = "zh-hans"
    html = (
        login_as(client, "city_official")
        .get("/dashboard/breakdown/", {**QUERY_2017, "by": "cohort"})
        .content.decode()
    )
    assert table_rows(html, "breakdown-table", "thead")[0][0] == "批次"
    assert [row[0] for row in table_rows(html, "breakdown-table")] == ["2016", "2017", "未填写"]
    assert table_rows(html, "breakdown-table", "tfoot")[0][0] == "合计"
    assert "按批次统计" in html
    assert "仅基于 2 家企业：数量太少，不宜比较。" in html


def test_the_page_sorts_by_a_figure_both_ways_with_groups_without_it_last(sectors, client):
    user_client = login_as(client, "city_official")

    def order(sort):
        html = user_client.get(
            "/dashboard/breakdown/", {**QUERY_2017, "by": "sector", "sort": sort}
        ).content.decode()
        return [row[0] for row in table_rows(html, "breakdown-table")]

    # Inspections change: 纺织 +166.7, 化工 0.0, no sector none (last either way).
    assert order("-inspections_change_pct") == ["纺织", "化工", "未填写"]
    assert order("inspections_change_pct") == ["化工", "纺织", "未填写"]
    assert order("-accident_rate") == ["未填写", "化工", "纺织"]  # 1,200.00, 120.00, 80.00
    assert order("-name") == ["未填写", "纺织", "化工"]
    assert order("") == ["化工", "纺织", "未填写"]


def test_the_dashboard_links_to_the_breakdown_in_one_click(sectors, client):
    html = login_as(client, "city_official").get("/dashboard/", QUERY_2017).content.decode()
    assert 'href="/dashboard/breakdown/?from=2017-01&amp;to=2017-12&amp;by=sector"' in html


@pytest.mark.parametrize(
    ("query", "language", "message"),
    [
        ({"by": "region"}, "en", "“region” is not a breakdown: choose district, sector or cohort."),
        ({"by": "region"}, "zh-hans", "“region”不是可用的分组方式：请选择区县、行业或批次。"),
        ({"sort": "colour"}, "en", "The breakdown cannot be sorted by “colour”."),
        ({"district": "nowhere"}, "en", "There is no district “nowhere” among yours."),
        ({"to": "2017-13"}, "en", "2017-13"),
        ({"by": "a\x00b"}, "en", "NUL"),
    ],
)
def test_bad_parameters_get_a_400_that_says_why(sectors, client, query, language, message):
    client.cookies["django_language"] = language
    user_client = login_as(client, "city_official")
    response = user_client.get("/dashboard/breakdown/", query)
    assert response.status_code == 400
    assert message in response.content.decode()
    download = user_client.get("/dashboard/breakdown/export.xlsx", query)
    assert download.status_code == 400
    assert message in download.content.decode()


# --- The exports -----------------------------------------------------------------------------------


def test_the_csv_export_has_every_figure_per_group_and_the_pooled_total(sectors, client):
    client.cookies["django_language"] = "en"
    response = login_as(client, "programme_admin").get(
        "/dashboard/breakdown/export.csv", {**QUERY_2017, "by": "sector", "sort": "-inspections"}
    )
    assert (
        response["Content-Disposition"] == 'attachment; filename="score-breakdown-sector_2017-01_2017-12.csv"'
    )
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = lines[0]
    assert header[:3] == ["Sector", "Enterprises", "Suggestions"]
    rows = {line[0]: dict(zip(header, line, strict=True)) for line in lines[1:]}
    assert [line[0] for line in lines[1:]] == [
        "化工",
        "纺织",
        "not given",
        "Total",
    ]  # 120, 96, 40 inspections
    assert rows["纺织"]["Inspections change (%)"] == "166.7"
    assert rows["Total"]["Inspections change (%)"] == "38.5"
    assert rows["Total"]["Accidents per 1,000 worker-years"] == "152.73"
    assert rows["not given"]["Inspections change (%)"] == ""  # none: no enterprise compared


def test_the_xlsx_export_of_one_district_names_it_and_guards_formulas(sectors, client):
    Enterprise.objects.filter(sector="化工").update(sector="=HYPERLINK(1)")
    response = login_as(client, "city_official").get(
        "/dashboard/breakdown/export.xlsx", {**QUERY_2017, "by": "sector", "district": "nanxun"}
    )
    assert "score-breakdown-sector-nanxun_2017-01_2017-12.xlsx" in response["Content-Disposition"]
    values = xlsx_rows(response.content)
    assert [row[0] for row in values[1:]] == ["'=HYPERLINK(1)", "纺织", "合计"]
    assert [row[1] for row in values[1:]] == [1, 1, 2]  # E2, E1: Nanxun's alone
    assert values[-1][values[0].index("安全检查变化（%）")] == 25.0  # 144 → 180, pooled


# --- Queries ---------------------------------------------------------------------------------------


def build_enterprises(count):
    for number in range(count):
        enterprise = make_enterprise(
            "nanxun" if number % 2 else "deqing",
            score_start=D(2016, 1, 1),
            sector=["纺织", "化工", ""][number % 3],
            cohort=str(2015 + number % 4),
        )
        make_reports(enterprise, [D(2017, 1, 1)], inspections=1, accidents=0)
        make_suggestion(enterprise, submitted_on=D(2017, 1, 5))


@pytest.mark.parametrize("count", [3, 150])
def test_the_breakdown_query_count_does_not_grow_with_enterprises(
    client, db, settings, django_assert_num_queries, count
):
    build_enterprises(count)
    user_client = login_as(client, "city_official")
    # session, user with its role and profile, the data versions (the page cache), the districts
    # the user sees, whether the roll-up is current, then the figures:
    # enterprises started per sector, the monthly roll-up per sector summed over the period, the
    # before/after roll-up per sector of its last month.
    with django_assert_num_queries(8):
        response = user_client.get("/dashboard/breakdown/", {"to": "2017-12", "by": "sector"})
    assert response.status_code == 200
    assert (
        sum(int(row[1].replace(",", "")) for row in table_rows(response.content.decode(), "breakdown-table"))
        == count
    )
    # Again: the content from the page cache (session, user, versions, districts).
    with django_assert_num_queries(4):
        again = user_client.get("/dashboard/breakdown/", {"to": "2017-12", "by": "sector"})
    assert main_content(again) == main_content(response)
    # By district: the same, from the district roll-up (district_figures).
    with django_assert_num_queries(8):
        user_client.get("/dashboard/breakdown/", {"to": "2017-12", "by": "district"})
    settings.SCORE_PAGE_CACHE = False
    with django_assert_num_queries(7):
        user_client.get("/dashboard/breakdown/", {"to": "2017-12", "by": "cohort"})
    # The export: session, user, districts, the roll-up's check and the three figure queries.
    with django_assert_num_queries(7):
        user_client.get("/dashboard/breakdown/export.csv", {"to": "2017-12", "by": "cohort"})
