"""Each figure of docs/domain.md on data built here, the expected value worked out by hand."""

import datetime
from decimal import Decimal

import pytest

from common.months import Period
from dashboard.figures import change_pct, district_figures
from districts.models import District
from enterprises.models import SafetyReport
from tests.factories import ZERO, make_enterprise, make_project, make_reports, make_suggestion, month_range

D = datetime.date
YEAR_2017 = Period(first=D(2017, 1, 1), last=D(2017, 12, 1))


def figures_of(code, period, districts=None):
    rows, _total = district_figures(districts or District.objects.all(), period)
    return next(figures for district, figures in rows if district.code == code)


def test_enterprises_count_a_start_on_the_last_day_of_to_but_not_the_day_after(nanxun):
    make_enterprise(nanxun, score_start=D(2017, 12, 31))  # last day of `to`: counted
    make_enterprise(nanxun, score_start=D(2018, 1, 1))  # the day after: not counted
    make_enterprise(nanxun, score_start=D(2014, 3, 1))  # long before `from`: counted, `from` plays no part
    assert figures_of("nanxun", YEAR_2017).enterprises == 2  # 2017-12-31 and 2014-03-01


def test_suggestions_count_every_status_within_the_period_boundaries_included(nanxun):
    enterprise = make_enterprise(nanxun)
    make_suggestion(enterprise, submitted_on=D(2016, 12, 31))  # the day before `from`: out
    make_suggestion(enterprise, submitted_on=D(2017, 1, 1))  # first day: in
    make_suggestion(enterprise, submitted_on=D(2017, 6, 15), status="rejected")  # any status: in
    make_suggestion(enterprise, submitted_on=D(2017, 12, 31), status="implemented")  # last day: in
    make_suggestion(enterprise, submitted_on=D(2018, 1, 1))  # the day after `to`: out
    assert figures_of("nanxun", YEAR_2017).suggestions == 3


def test_projects_completed_and_savings_count_only_completed_within_the_period(nanxun):
    enterprise = make_enterprise(nanxun)
    started = D(2016, 6, 1)
    make_project(
        enterprise, status="completed", started_on=started, completed_on=D(2017, 1, 1), savings="1000.50"
    )
    make_project(
        enterprise, status="completed", started_on=started, completed_on=D(2017, 12, 31), savings="200.25"
    )
    make_project(enterprise, status="completed", started_on=started, completed_on=D(2017, 7, 1))  # no savings
    # Completed outside the period, on either side: neither counted nor summed.
    make_project(
        enterprise, status="completed", started_on=started, completed_on=D(2016, 12, 31), savings="7"
    )
    make_project(enterprise, status="completed", started_on=started, completed_on=D(2018, 1, 1), savings="9")
    # In progress with a date inside the period: not completed, so not counted.
    make_project(
        enterprise, status="in_progress", started_on=started, completed_on=D(2017, 5, 1), savings="5"
    )
    figures = figures_of("nanxun", YEAR_2017)
    assert figures.projects_completed == 3
    assert figures.as_json()["savings_rmb"] == "1200.75"  # 1000.50 + 200.25 + nothing


def test_inspections_and_accidents_sum_the_report_months_within_the_period(nanxun):
    enterprise = make_enterprise(nanxun)
    other = make_enterprise(nanxun)
    make_reports(enterprise, [D(2016, 12, 1)], inspections=100, accidents=100)  # month before `from`: out
    make_reports(enterprise, [D(2017, 1, 1), D(2017, 12, 1)], inspections=3, accidents=1)  # boundaries: in
    make_reports(enterprise, [D(2018, 1, 1)], inspections=100, accidents=100)  # month after `to`: out
    make_reports(other, [D(2017, 6, 1)], inspections=4, accidents=2)
    figures = figures_of("nanxun", YEAR_2017)
    assert figures.inspections == 10  # 3 + 3 + 4
    assert figures.accidents == 4  # 1 + 1 + 2


def test_an_open_from_counts_everything_up_to_to(nanxun):
    enterprise = make_enterprise(nanxun)
    make_reports(enterprise, [D(2001, 1, 1), D(2017, 12, 1), D(2018, 1, 1)], inspections=2, accidents=1)
    make_suggestion(enterprise, submitted_on=D(2001, 5, 5))
    figures = figures_of("nanxun", Period(first=None, last=D(2017, 12, 1)))
    assert (figures.inspections, figures.accidents, figures.suggestions) == (4, 2, 1)  # 2001-01 and 2017-12


def test_a_district_with_no_data_is_listed_with_zeros(nanxun):
    make_reports(make_enterprise(nanxun), [D(2017, 3, 1)], inspections=5, accidents=1)
    rows, _total = district_figures(District.objects.all(), YEAR_2017)
    assert [district.code for district, _figures in rows] == [
        "wuxing",
        "nanxun",
        "deqing",
        "changxing",
        "anji",
    ]
    # Every figure of docs/domain.md: counts 0, percentages and rates null (tests.factories.ZERO).
    assert dict(rows)[District.objects.get(code="anji")].as_json() == ZERO


# --- The before/after change. `to` = 2017-12: the follow-up window is 2017-01..2017-12. ---------


def reports(enterprise, first, count, *, inspections, accidents, skip=()):
    months = [month for month in month_range(first, count) if month not in skip]
    make_reports(enterprise, months, inspections=inspections, accidents=accidents)


def full_history(enterprise, start_month, *, baseline, followup, skip=()):
    """Reports for the 12 months before `start_month` (baseline) and for 2017 (follow-up);
    months in between get huge numbers, which must not leak into either window."""
    baseline_first = D(start_month.year - 1, start_month.month, 1)
    reports(enterprise, baseline_first, 12, inspections=baseline[0], accidents=baseline[1], skip=skip)
    between = [m for m in month_range(start_month, 36) if start_month <= m < D(2017, 1, 1)]
    make_reports(enterprise, between, inspections=1000, accidents=1000)
    # E3 starts 2017-02: its baseline already holds 2017-01.
    skip = [*skip, *(m for m in month_range(baseline_first, 12) if m.year == 2017)]
    reports(enterprise, D(2017, 1, 1), 12, inspections=followup[0], accidents=followup[1], skip=skip)


@pytest.fixture
def change_data(nanxun, deqing):
    # E1 started 2016-01-15: baseline 2015-01..2015-12 (inspections 2, accidents 3 a month),
    # follow-up 2017 (inspections 5, accidents 1 a month).
    e1 = make_enterprise(nanxun, score_start=D(2016, 1, 15))
    full_history(e1, D(2016, 1, 1), baseline=(2, 3), followup=(5, 1))
    # E2 started 2017-01-01: the follow-up window starts in its start month, so it qualifies.
    # Baseline 2016 (inspections 1, accidents 0), follow-up 2017 (inspections 3, accidents 0).
    e2 = make_enterprise(nanxun, score_start=D(2017, 1, 1))
    full_history(e2, D(2017, 1, 1), baseline=(1, 0), followup=(3, 0))
    # E3 started 2017-02-01: the follow-up window starts before its start month: out.
    e3 = make_enterprise(nanxun, score_start=D(2017, 2, 1))
    full_history(e3, D(2017, 2, 1), baseline=(50, 50), followup=(50, 50))
    # E4 misses one baseline month (2015-06): out.
    e4 = make_enterprise(nanxun, score_start=D(2016, 1, 1))
    full_history(e4, D(2016, 1, 1), baseline=(50, 50), followup=(50, 50), skip=[D(2015, 6, 1)])
    # E5 misses one follow-up month (2017-12, the boundary month): out.
    e5 = make_enterprise(nanxun, score_start=D(2016, 1, 1))
    full_history(e5, D(2016, 1, 1), baseline=(50, 50), followup=(50, 50), skip=[D(2017, 12, 1)])
    # Deqing: one enterprise with no accidents in its baseline.
    # Baseline 2015 (inspections 4, accidents 0), follow-up 2017 (inspections 2, accidents 1).
    d1 = make_enterprise(deqing, score_start=D(2016, 1, 1))
    full_history(d1, D(2016, 1, 1), baseline=(4, 0), followup=(2, 1))


def test_change_counts_the_qualifying_enterprises_and_pools_their_sums(change_data):
    figures = figures_of("nanxun", YEAR_2017)
    assert figures.change_enterprises == 2  # E1 and E2
    # inspections: baseline 12×2 + 12×1 = 36, follow-up 12×5 + 12×3 = 96; (96 − 36) × 100 / 36 = 166.67
    assert figures.inspections_change_pct == 166.7
    # accidents: baseline 12×3 + 12×0 = 36, follow-up 12×1 + 0 = 12; (12 − 36) × 100 / 36 = −66.67
    assert figures.accidents_change_pct == -66.7


def test_a_zero_baseline_gives_null_not_infinity(change_data):
    figures = figures_of("deqing", YEAR_2017)
    assert figures.change_enterprises == 1
    assert figures.inspections_change_pct == -50.0  # baseline 48, follow-up 24: −24 × 100 / 48
    assert figures.accidents_change_pct is None  # baseline 12 × 0 = 0


def test_the_total_pools_the_districts_sums(change_data):
    _rows, total = district_figures(District.objects.all(), YEAR_2017)
    assert total.change_enterprises == 3
    # inspections: baseline 36 + 48 = 84, follow-up 96 + 24 = 120; 36 × 100 / 84 = 42.857
    assert total.inspections_change_pct == 42.9
    # accidents: baseline 36 + 0 = 36, follow-up 12 + 12 = 24; −12 × 100 / 36 = −33.33
    assert total.accidents_change_pct == -33.3


def test_change_depends_on_to_only(change_data):
    with_from = figures_of("nanxun", Period(first=D(2017, 11, 1), last=D(2017, 12, 1)))
    open_from = figures_of("nanxun", Period(first=None, last=D(2017, 12, 1)))
    assert (with_from.change_enterprises, with_from.inspections_change_pct) == (2, 166.7)
    assert (open_from.change_enterprises, open_from.inspections_change_pct) == (2, 166.7)


def test_no_qualifying_enterprise_gives_null(change_data):
    # `to` 2015-12: the follow-up window 2015-01..2015-12 starts before every start month (2016-01 on).
    figures = figures_of("nanxun", Period(first=None, last=D(2015, 12, 1)))
    assert figures.change_enterprises == 0
    assert figures.inspections_change_pct is None
    assert figures.accidents_change_pct is None


def test_a_negative_half_rounds_away_from_zero_in_the_database_path(nanxun):
    # Baseline inspections 2000 over 12 months (11 × 167 + 163), follow-up 469 (11 × 39 + 40):
    # (469 − 2000) × 100 / 2000 = −76.55 → −76.6 (banker's rounding would give −76.6 too, and
    # a float −76.55 rounds to −76.5: the Decimal path is what makes this −76.6).
    enterprise = make_enterprise(nanxun, score_start=D(2016, 1, 1))
    baseline = month_range(D(2015, 1, 1), 12)
    followup = month_range(D(2017, 1, 1), 12)
    SafetyReport.objects.bulk_create(
        [
            SafetyReport(enterprise=enterprise, month=m, inspections=163 if i == 0 else 167, accidents=0)
            for i, m in enumerate(baseline)
        ]
        + [
            SafetyReport(enterprise=enterprise, month=m, inspections=40 if i == 0 else 39, accidents=0)
            for i, m in enumerate(followup)
        ]
    )
    assert figures_of("nanxun", YEAR_2017).inspections_change_pct == -76.6


@pytest.mark.parametrize(
    ("baseline", "followup", "expected"),
    [
        (2000, 469, -76.6),  # (469 − 2000) × 100 / 2000 = −76.55: half away from zero
        (2000, 2245, 12.3),  # 245 × 100 / 2000 = 12.25: half away from zero (banker's: 12.2)
        (2000, 2247, 12.4),  # 12.35 → 12.4
        (3, 1, -66.7),  # −200 / 3 = −66.666…
        (10, 10, 0.0),
        (0, 5, None),  # zero baseline
    ],
)
def test_change_pct_rounds_halves_away_from_zero(baseline, followup, expected):
    assert change_pct(baseline, followup) == expected


def test_savings_keep_two_decimals(nanxun):
    enterprise = make_enterprise(nanxun)
    make_project(
        enterprise, status="completed", started_on=D(2017, 1, 1), completed_on=D(2017, 2, 1), savings="0.10"
    )
    make_project(
        enterprise, status="completed", started_on=D(2017, 1, 1), completed_on=D(2017, 3, 1), savings="0.20"
    )
    assert figures_of("nanxun", YEAR_2017).savings_rmb == Decimal("0.30")  # not 0.30000000000000004


def test_the_figures_of_one_enterprise_leave_its_neighbours_out(nanxun):
    alone = make_enterprise(nanxun)
    neighbour = make_enterprise(nanxun)
    make_reports(alone, [D(2017, 5, 1)], inspections=7, accidents=1)
    make_reports(neighbour, [D(2017, 5, 1)], inspections=70, accidents=10)
    _rows, figures = district_figures([nanxun], YEAR_2017, enterprise=alone)
    assert (figures.enterprises, figures.inspections, figures.accidents) == (1, 7, 1)
