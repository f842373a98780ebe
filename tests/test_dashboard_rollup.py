"""The dashboard's roll-up (dashboard/rollup.py) gives the figures worked out here from the data's
rows; a write through the door keeps it current by itself (equal to a full rebuild after every step
of a random sequence of writes); a write that bypasses the door is detected, and the figures come
from the tables until the rebuild command has run: on SQLite and on PostgreSQL."""

import datetime
import io
import random
import threading
import time
import unittest.mock
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, models, transaction
from django.test.utils import CaptureQueriesContext

from common.months import Period, add_months
from dashboard import rollup
from dashboard.figures import district_figures, monthly_trend
from dashboard.models import (
    ChangeRollup,
    MonthlyRollup,
    RollupState,
    SegmentChangeRollup,
    SegmentMonthlyRollup,
)
from districts.models import District
from enterprises.models import Enterprise, Exemption, SafetyReport
from enterprises.reporting import latest_due_month
from imports.engine import Writer
from imports.models import RecordChange
from imports.services import import_file, record_save, records_delete
from imports.signals import write_followed
from improvements.models import ImprovementProject, Suggestion
from tests.factories import (
    make_enterprise,
    make_project,
    make_reports,
    make_suggestion,
    make_user,
    month_range,
    valid_code,
)
from tests.import_files import csv_bytes

D = datetime.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
JAN_2016 = D(2016, 1, 1)


def figures_by_district(result):
    rows, total = result
    return {district.code: vars(figures) for district, figures in rows}, vars(total)


def assert_rollup_matches_tables(period):
    """The figures read from the stored roll-up are those its statements give on the data as it is
    now (the path taken while the roll-up is stale): the roll-up is current."""
    assert rollup.current_alias() == "default"
    districts = District.objects.order_by("pk")
    with CaptureQueriesContext(connection) as queries:
        from_rollup = figures_by_district(district_figures(districts, period))
    # It did read the roll-up (not the tables by another road).
    assert any(MonthlyRollup._meta.db_table in query["sql"] for query in queries.captured_queries)
    with unittest.mock.patch.object(rollup, "current_alias", return_value=None):
        assert from_rollup == figures_by_district(district_figures(districts, period))


def figures_worked_out_here(period):
    """docs/domain.md's figures per district code, computed in Python from the rows, one by one."""
    window = 12
    end = add_months(period.last, 1)

    def within(day):
        return day is not None and day < end and (period.first is None or day >= period.first)

    expected = {}
    for district in District.objects.all():
        enterprises = list(Enterprise.objects.filter(district=district))
        reports = list(SafetyReport.objects.filter(enterprise__district=district))
        completed = [
            p
            for p in ImprovementProject.objects.filter(enterprise__district=district, status="completed")
            if within(p.completed_on)
        ]
        due_month = latest_due_month()
        # The months each enterprise's approved exemptions cover, to the last month the data reach.
        exempt = set()
        for x in Exemption.objects.filter(enterprise__district=district, status="approved"):
            month = x.first_month
            while month <= (x.last_month or D(2030, 12, 1)):
                exempt.add((x.enterprise_id, month))
                month = add_months(month, 1)
        owed = []  # (enterprise, month) pairs owed and due within the period
        exempted = []  # the pairs that would be owed, but for an approved exemption
        for e in enterprises:
            month = add_months(e.score_start.replace(day=1), -window)
            last = (
                due_month if e.left_on is None else min(due_month, add_months(e.left_on.replace(day=1), -1))
            )
            while month <= last:
                if within(month):
                    (exempted if (e.pk, month) in exempt else owed).append((e.pk, month))
                month = add_months(month, 1)
        by_key = {(r.enterprise_id, r.month): r for r in reports}

        def on_time(report):
            # Before 00:00 in Shanghai of the day after the due day, in the month after the report's.
            deadline = add_months(report.month, 1) + datetime.timedelta(days=settings.SCORE_REPORT_DUE_DAY)
            moment = datetime.datetime(deadline.year, deadline.month, deadline.day, tzinfo=SHANGHAI)
            return report.received_at is not None and report.received_at < moment

        in_period = [r for r in reports if within(r.month)]
        employees = {e.pk: e.employees for e in enterprises}
        suggestions = [
            s for s in Suggestion.objects.filter(enterprise__district=district) if within(s.submitted_on)
        ]
        figures = {
            "enterprises": sum(
                e.score_start < end and (e.left_on is None or e.left_on >= end) for e in enterprises
            ),
            "reports_expected": len(owed),
            "reports_received": sum(key in by_key for key in owed),
            "reports_on_time": sum(key in by_key and on_time(by_key[key]) for key in owed),
            "reports_exempt": len(exempted),
            "reports_approved": sum(key in by_key and by_key[key].state == "approved" for key in owed),
            "injuries": sum(r.injuries or 0 for r in in_period),
            "lost_workdays": sum(r.lost_workdays or 0 for r in in_period),
            "hazards_found": sum(r.hazards_found or 0 for r in in_period),
            "hazards_fixed": sum(r.hazards_fixed or 0 for r in in_period),
            "major_hazards_found": sum(r.major_hazards_found or 0 for r in in_period),
            "major_hazards_fixed": sum(r.major_hazards_fixed or 0 for r in in_period),
            "worker_months": sum(employees[r.enterprise_id] for r in in_period),
            "suggestions_adopted": sum(s.status in ("accepted", "implemented") for s in suggestions),
            "suggestions": len(suggestions),
            "projects_completed": len(completed),
            "savings_rmb": sum((p.savings or Decimal(0) for p in completed), Decimal("0.00")),
            "savings_by_enterprises_rmb": sum(
                (p.savings or Decimal(0) for p in completed if p.entered_by_enterprise), Decimal("0.00")
            ),
            "inspections": sum(r.inspections for r in reports if within(r.month)),
            "accidents": sum(r.accidents for r in reports if within(r.month)),
            "change_enterprises": 0,
            "change_candidates": 0,
            "change_left_out_exempt": 0,
            "baseline_inspections": 0,
            "followup_inspections": 0,
            "baseline_accidents": 0,
            "followup_accidents": 0,
        }
        followup = [add_months(period.last, -n) for n in range(window)]
        for enterprise in enterprises:
            start = enterprise.score_start.replace(day=1)
            baseline = [add_months(start, -n) for n in range(1, window + 1)]
            by_month = {r.month: r for r in reports if r.enterprise_id == enterprise.pk}
            figures["change_candidates"] += min(followup) >= start
            # An exempt month of either window leaves the enterprise out, for that reason.
            exempt_window = any((enterprise.pk, m) in exempt for m in baseline + followup)
            figures["change_left_out_exempt"] += min(followup) >= start and exempt_window
            if (
                min(followup) >= start
                and not exempt_window
                and all(m in by_month for m in baseline + followup)
            ):
                figures["change_enterprises"] += 1
                for name in ("inspections", "accidents"):
                    figures[f"baseline_{name}"] += sum(getattr(by_month[m], name) for m in baseline)
                    figures[f"followup_{name}"] += sum(getattr(by_month[m], name) for m in followup)
        expected[district.code] = figures
    return expected


def build_random_portal(seed, enterprises=24, *, review=False):
    """Enterprises over three districts with SCORE starts from 2016 to 2018, reports over 2015–2019
    with random gaps (so some miss a baseline or follow-up month), zero baselines, suggestions and
    projects in every status, savings missing or not. With `review`, reports in every review state
    and one enterprise in four with an exemption (approved, pending or refused; some open-ended) over
    months it did not report, drawn by a generator of their own; without, the data of tests that
    write over them through the door (which approved reports and exempt months would refuse)."""
    rng = random.Random(seed)
    states = random.Random(seed + 1000)
    for number in range(enterprises):
        start = D(rng.choice([2016, 2017, 2018]), rng.randint(1, 12), rng.randint(1, 28))
        enterprise = make_enterprise(
            rng.choice(["nanxun", "deqing", "anji"]),
            score_start=start,
            employees=rng.randint(0, 300),
            # One in five left, some the day they started, some years later.
            left_on=start + datetime.timedelta(days=rng.randint(0, 1500)) if rng.random() < 0.2 else None,
        )
        zero_baseline = number % 7 == 0
        halted = set()
        if review and states.random() < 0.25:
            first = add_months(D(2015, 1, 1), states.randint(0, 59))
            last = states.choice([None, add_months(first, states.randint(0, 8))])
            Exemption.objects.create(
                enterprise=enterprise,
                first_month=first,
                last_month=last,
                reason="停产",
                status=states.choice(["approved", "approved", "pending", "refused"]),
            )
            halted = {m for m in month_range(first, 60) if last is None or m <= last}
        for month in month_range(D(2015, 1, 1), 60):
            if rng.random() < 0.03:
                continue  # a month the enterprise did not report
            if month in halted:
                continue  # production halted: no report, whatever became of the exemption
            before_start = month < enterprise.score_start.replace(day=1)
            found = rng.choice([None, rng.randint(0, 6)])
            fixed = None if found is None else rng.randint(0, found)
            # Of those found, major ones (or none given); of those, some fixed, within the fixed.
            major = None if found is None else rng.choice([None, rng.randint(0, found)])
            major_fixed = None if major is None else rng.choice([None, rng.randint(0, min(major, fixed))])
            report = SafetyReport.objects.create(
                enterprise=enterprise,
                month=month,
                inspections=0 if zero_baseline and before_start else rng.randint(0, 9),
                accidents=0 if zero_baseline and before_start else rng.randint(0, 3),
                injuries=rng.choice([None, rng.randint(0, 2)]),
                lost_workdays=rng.choice([None, rng.randint(0, 9)]),
                hazards_found=found,
                hazards_fixed=fixed,
                major_hazards_found=major,
                major_hazards_fixed=major_fixed,
            )
            # Received: unknown, well on time, in the last minute of the due day, at 00:00 the day
            # after it (late), or weeks late.
            due = add_months(month, 1) + datetime.timedelta(days=settings.SCORE_REPORT_DUE_DAY)
            received = rng.choice(
                [
                    None,
                    datetime.datetime(due.year, due.month, 3, 9, tzinfo=SHANGHAI),
                    datetime.datetime(due.year, due.month, due.day, tzinfo=SHANGHAI)
                    - datetime.timedelta(minutes=1),
                    datetime.datetime(due.year, due.month, due.day, tzinfo=SHANGHAI),
                    datetime.datetime(due.year, due.month, due.day, tzinfo=SHANGHAI)
                    + datetime.timedelta(days=30),
                ]
            )
            SafetyReport.objects.filter(pk=report.pk).update(
                received_at=received,
                state=states.choice(["submitted", "returned", "approved"]) if review else "submitted",
            )
        for _ in range(rng.randint(0, 8)):
            make_suggestion(
                enterprise,
                submitted_on=D(rng.randint(2015, 2019), rng.randint(1, 12), rng.randint(1, 28)),
                status=rng.choice(["submitted", "accepted", "implemented", "rejected"]),
            )
        for _ in range(rng.randint(0, 4)):
            started = D(rng.randint(2015, 2019), rng.randint(1, 12), 1)
            status = rng.choice(["planned", "in_progress", "completed", "completed"])
            make_project(
                enterprise,
                status=status,
                started_on=started,
                completed_on=started + datetime.timedelta(days=rng.randint(0, 200))
                if status == "completed"
                else None,
                savings=rng.choice([None, "0", f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}"]),
                entered_by_enterprise=rng.random() < 0.4,
            )


PERIODS = [
    Period(None, D(2019, 12, 1)),  # open `from`
    Period(D(2017, 1, 1), D(2017, 12, 1)),
    Period(D(2016, 7, 1), D(2018, 6, 1)),
    Period(D(2018, 3, 1), D(2018, 3, 1)),  # one month
    Period(None, D(2016, 12, 1)),  # follow-up windows mostly before the starts
    Period(D(2021, 1, 1), D(2021, 12, 1)),  # after the data
    Period(None, D(2014, 12, 1)),  # before the data
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_rollup_gives_the_figures_worked_out_row_by_row(db, seed):
    build_random_portal(seed, review=True)
    assert rollup.current_alias() is None  # built with the ORM, past the door: stale
    for period in PERIODS:  # from the tables meanwhile
        assert figures_by_district(district_figures(District.objects.order_by("pk"), period))[0] == (
            figures_worked_out_here(period)
        )
    call_command("rebuild_rollup", stdout=io.StringIO())
    everywhere = District.objects.order_by("pk")
    for period in PERIODS:
        assert figures_by_district(district_figures(everywhere, period))[0] == figures_worked_out_here(period)
        assert_rollup_matches_tables(period)
    # Every possible last month of a period, for the before/after comparison.
    qualifying, exempt_left_out = [], []
    for index in range(72):
        period = Period(None, add_months(D(2014, 12, 1), index))
        by_district = figures_by_district(district_figures(everywhere, period))[0]
        assert by_district == figures_worked_out_here(period)
        qualifying.append(sum(figures["change_enterprises"] for figures in by_district.values()))
        exempt_left_out.append(sum(figures["change_left_out_exempt"] for figures in by_district.values()))
    # The data exercise the comparison: some months with qualifying enterprises, not all of them;
    # and the exemptions: exempt months, approved reports, enterprises left out for exempt months.
    assert max(qualifying) > 0
    assert max(qualifying) < Enterprise.objects.count()
    opened = figures_worked_out_here(PERIODS[0]).values()
    assert sum(figures["reports_exempt"] for figures in opened) > 0
    assert sum(figures["reports_approved"] for figures in opened) > 0
    assert max(exempt_left_out) > 0


def test_the_rollup_covers_the_edge_cases_with_known_answers(db):
    """An enterprise missing one baseline month leaves the comparison; one with every month is in."""
    complete = make_enterprise("nanxun", score_start=D(2017, 1, 20))
    make_reports(complete, month_range(D(2016, 1, 1), 12), inspections=2, accidents=3)
    make_reports(complete, month_range(D(2017, 1, 1), 12), inspections=5, accidents=1)
    gap = make_enterprise("nanxun", score_start=D(2017, 1, 20))
    make_reports(
        gap, [m for m in month_range(D(2016, 1, 1), 12) if m != D(2016, 6, 1)], inspections=1, accidents=1
    )
    make_reports(gap, month_range(D(2017, 1, 1), 12), inspections=1, accidents=1)
    [(nanxun, figures)] = [
        row
        for row in district_figures(District.objects.filter(code="nanxun"), Period(None, D(2017, 12, 1)))[0]
    ]
    assert figures.change_enterprises == 1
    assert (figures.baseline_inspections, figures.followup_inspections) == (24, 60)
    assert (figures.baseline_accidents, figures.followup_accidents) == (36, 12)
    assert figures.inspections_change_pct == 150.0  # (60 − 24) × 100 ÷ 24
    assert figures.accidents_change_pct == -66.7  # (12 − 36) × 100 ÷ 36 = −66.66…
    # A month later the follow-up window (2017-02..2018-01) misses January 2018: nobody qualifies.
    _rows, later = district_figures(District.objects.filter(code="nanxun"), Period(None, D(2018, 1, 1)))
    assert later.change_enterprises == 0 and later.inspections_change_pct is None
    # Inspections of 2016 and 2017 from both enterprises: 24 + 60 + 11 + 12.
    assert district_figures([nanxun], Period(None, D(2017, 12, 1)))[1].inspections == 107


def test_the_trend_from_the_rollup_is_the_trend_from_the_tables(db):
    build_random_portal(4, enterprises=12)
    districts = list(District.objects.order_by("pk"))
    expected = {}  # (district code, "YYYY-MM", figure): value, summed here row by row
    for report in SafetyReport.objects.select_related("enterprise__district"):
        for name in ("inspections", "accidents"):
            key = (report.enterprise.district.code, f"{report.month:%Y-%m}", name)
            expected[key] = expected.get(key, 0) + getattr(report, name)
    for project in ImprovementProject.objects.filter(status="completed").select_related(
        "enterprise__district"
    ):
        key = (project.enterprise.district.code, f"{project.completed_on:%Y-%m}", "savings")
        expected[key] = expected.get(key, 0) + float(project.savings or 0)
    for period in PERIODS:
        trend = monthly_trend(districts, period)
        first = period.first or min(D(int(month[:4]), int(month[5:]), 1) for _code, month, _name in expected)
        months = (
            [f"{month:%Y-%m}" for month in Period(first, period.last).months()]
            if first <= period.last
            else []
        )
        has_data = any(month in months for _code, month, _name in expected)
        assert trend["months"] == (months if has_data else [])
        # Every figure summed here for a month of the period is in the trend, where it should be.
        for (code, month, name), value in expected.items():
            if month in trend["months"]:
                row = next(row for row in trend["districts"] if row["code"] == code)
                assert row[name][trend["months"].index(month)] == pytest.approx(value)
        for row in trend["districts"]:
            for name in ("inspections", "accidents", "savings"):
                got = dict(zip(trend["months"], row[name], strict=True))
                for month, value in got.items():
                    # No report in the month: a gap (None), not 0; no completed project: 0 saved.
                    want = expected.get((row["code"], month, name), 0 if name == "savings" else None)
                    assert value == (None if want is None else pytest.approx(want)), (
                        row["code"],
                        month,
                    )


# --- Every write path keeps the roll-up current ----------------------------------------------------


@pytest.fixture
def two_enterprises(db):
    """Two Nanxun enterprises, started 2017-01, with a complete baseline (2016) and 2017 reported."""
    made = []
    for inspections in (2, 4):
        enterprise = make_enterprise("nanxun", score_start=D(2017, 1, 10))
        make_reports(enterprise, month_range(D(2016, 1, 1), 24), inspections=inspections, accidents=1)
        make_suggestion(enterprise, submitted_on=D(2017, 5, 5))
        make_project(
            enterprise,
            status="completed",
            started_on=D(2017, 1, 1),
            completed_on=D(2017, 6, 1),
            savings="100.50",
        )
        made.append(enterprise)
    # Built and current before each write below.
    rollup.rebuild()
    state = RollupState.objects.get()
    assert state.data_version == state.rollup_version
    return made


YEAR_2017 = Period(D(2017, 1, 1), D(2017, 12, 1))


def total(period=YEAR_2017):
    """The total over every district: from the tables while a write past the door has the roll-up
    stale, then the same from the roll-up once the rebuild command has run."""
    everywhere = District.objects.order_by("pk")
    figures = district_figures(everywhere, period)[1]
    if rollup.current_alias() is None:
        call_command("rebuild_rollup", stdout=io.StringIO())
    assert_rollup_matches_tables(period)
    assert district_figures(everywhere, period)[1] == figures
    return figures


def bypassed():
    """A write past the door was detected: the roll-up is stale, and read from nowhere."""
    return rollup.current_alias() is None


def test_orm_saves_and_deletes_are_seen(two_enterprises):
    first, second = two_enterprises
    assert (total().inspections, total().suggestions, total().projects_completed) == (72, 2, 2)
    report = SafetyReport.objects.get(enterprise=first, month=D(2017, 3, 1))
    report.inspections = 12
    report.save()
    assert bypassed()
    assert total().inspections == 82
    report.delete()
    assert total().inspections == 70
    make_suggestion(second, submitted_on=D(2017, 8, 1))
    assert total().suggestions == 3
    project = ImprovementProject.objects.filter(enterprise=first).get()
    project.savings = Decimal("1000.00")
    project.save()
    assert total().savings_rmb == Decimal("1100.50")
    second.delete()  # its reports, suggestions and projects go with it
    assert (total().enterprises, total().inspections, total().suggestions) == (1, 22, 1)


def test_bulk_writes_and_queryset_updates_are_seen(two_enterprises):
    first, _second = two_enterprises
    SafetyReport.objects.filter(enterprise=first).update(accidents=0)
    assert bypassed()
    assert total().accidents == 12
    Suggestion.objects.bulk_create(
        Suggestion(enterprise=first, reference=f"bulk-{n}", submitted_on=D(2017, 9, 1), text="t")
        for n in range(5)
    )
    assert total().suggestions == 7
    ImprovementProject.objects.update(status="in_progress", completed_on=None)
    assert (total().projects_completed, total().savings_rmb) == (0, Decimal("0.00"))
    Suggestion.objects.all().delete()
    assert total().suggestions == 0


def test_an_enterprise_changing_district_or_start_moves_its_figures(two_enterprises):
    first, _second = two_enterprises
    everywhere = District.objects.order_by("pk")
    by_district = figures_by_district(district_figures(everywhere, YEAR_2017))[0]
    assert (by_district["nanxun"]["inspections"], by_district["anji"]["inspections"]) == (72, 0)
    first.district = District.objects.get(code="anji")
    first.save()
    by_district = figures_by_district(district_figures(everywhere, YEAR_2017))[0]
    assert (by_district["nanxun"]["inspections"], by_district["anji"]["inspections"]) == (48, 24)
    assert (by_district["nanxun"]["change_enterprises"], by_district["anji"]["change_enterprises"]) == (1, 1)
    # Started in 2017-06: its baseline (2016-06..2017-05) is complete, its follow-up window
    # (2017-01..2017-12) starts before its start month, so it leaves the comparison.
    Enterprise.objects.filter(pk=first.pk).update(score_start=D(2017, 6, 1))
    assert total().change_enterprises == 1


def test_raw_sql_writes_are_seen(two_enterprises):
    first, _second = two_enterprises
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SafetyReport._meta.db_table} SET inspections = inspections + 1 WHERE enterprise_id = %s",
            [first.pk],
        )
    assert bypassed()
    assert total().inspections == 84


def test_imports_are_seen(two_enterprises):
    first, _second = two_enterprises
    headers = ["统一社会信用代码", "月份", "安全检查次数", "发现隐患数", "整改隐患数", "事故起数"]
    rows = [headers, [first.credit_code, "2017-10", 30, 0, 0, 5], [first.credit_code, "2018-01", 7, 0, 0, 0]]
    import_file(kind="safety", file_name="s.csv", content=csv_bytes(rows))
    # The import followed itself in the roll-up before committing: current, with no rebuild.
    state = RollupState.objects.get()
    assert state.data_version == state.rollup_version
    assert_rollup_matches_tables(YEAR_2017)
    assert (total().inspections, total().accidents) == (72 - 2 + 30, 24 - 1 + 5)
    assert total(Period(D(2018, 1, 1), D(2018, 1, 1))).inspections == 7


def test_seed_demo_is_seen(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    for period in PERIODS:
        assert_rollup_matches_tables(period)


@pytest.mark.time_machine(datetime.datetime(2018, 3, 15, 10, tzinfo=SHANGHAI), tick=False)
def test_nothing_is_rebuilt_while_nothing_changes(two_enterprises, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert rollup.current_alias() == "default"
    # One district; 2016-01 (the first month owed) to 2018-02 (the latest due month on 15 March
    # 2018): 26 months, 24 of them reported.
    assert MonthlyRollup.objects.count() == 26
    assert MonthlyRollup.objects.filter(reports__gt=0).count() == 24
    assert ChangeRollup.objects.filter(month=D(2017, 12, 1)).get().enterprises == 2
    # Each enterprise misses January and February 2018: two reports owed and missing each month.
    assert list(
        MonthlyRollup.objects.filter(month__gte=D(2018, 1, 1)).values_list("reports_expected", "reports")
    ) == [
        (2, 0),
        (2, 0),
    ]


@pytest.mark.time_machine(datetime.datetime(2018, 3, 9, 10, tzinfo=SHANGHAI), tick=False)
def test_the_month_that_falls_due_is_counted_without_a_write(two_enterprises, django_assert_num_queries):
    assert RollupState.objects.get().due_month == D(2018, 1, 1)
    assert not MonthlyRollup.objects.filter(month=D(2018, 2, 1)).exists()
    with time_machine.travel(datetime.datetime(2018, 3, 10, 0, tzinfo=SHANGHAI), tick=False):
        # February is due now: the first reader's step counts it, in a few queries.
        with django_assert_num_queries(12 if connection.vendor == "postgresql" else 10):
            assert rollup.current_alias() == "default"
        assert RollupState.objects.get().due_month == D(2018, 2, 1)
        assert MonthlyRollup.objects.get(month=D(2018, 2, 1)).reports_expected == 2
        assert_rollup_matches_tables(Period(D(2017, 1, 1), D(2018, 2, 1)))
    # The timer's command does the same step; going back a month (a corrected clock) undoes it.
    call_command("rollup_due_month", stdout=io.StringIO())
    assert RollupState.objects.get().due_month == D(2018, 1, 1)
    assert not MonthlyRollup.objects.filter(month=D(2018, 2, 1)).exists()


def test_a_flushed_state_row_means_the_tables_until_a_rebuild(two_enterprises):
    RollupState.objects.all().delete()
    MonthlyRollup.objects.all().delete()
    assert bypassed()
    assert district_figures(District.objects.all(), YEAR_2017)[1].inspections == 72
    assert not RollupState.objects.exists()  # no request rebuilds it
    assert total().inspections == 72
    state = RollupState.objects.get()
    assert state.data_version == state.rollup_version


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_uncommitted_write_is_not_shown_and_a_committed_one_is():
    """Another connection's write: invisible until it commits, then the next reader rebuilds."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer; the second connection's case is PostgreSQL's")
    enterprise = make_enterprise("nanxun", score_start=D(2017, 1, 10))
    make_reports(enterprise, month_range(D(2017, 1, 1), 12), inspections=1, accidents=0)
    assert total().inspections == 12
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            other.set_autocommit(False)
            cursor.execute(
                f"UPDATE {SafetyReport._meta.db_table} SET inspections = 10 WHERE enterprise_id = %s",
                [enterprise.pk],
            )
            assert total().inspections == 12  # not committed: the roll-up is current for what we see
            other.commit()
        assert total().inspections == 120
    finally:
        other.close()


# --- Locks, migrations and restores (found in review) ------------------------------------------------


def seed_year():
    enterprise = make_enterprise("nanxun", score_start=D(2017, 1, 10))
    make_reports(enterprise, month_range(D(2017, 1, 1), 12), inspections=1, accidents=0)
    return enterprise


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's locks; SQLite has one writer at a time")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_truncate_during_a_rebuild_waits_instead_of_deadlocking(monkeypatch):
    """A TRUNCATE locks its table, then its trigger wants the state row; the rebuild takes the
    tables before the state row, so the TRUNCATE waits for it."""
    postgresql_only()
    seed_year()
    failures = []

    def truncate():
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute(f"TRUNCATE {SafetyReport._meta.db_table}")
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            failures.append(error)
        finally:
            other.close()

    thread = threading.Thread(target=truncate)
    monthly_sql = rollup.monthly_sums_sql

    def truncate_meanwhile(vendor, **grouping):
        thread.start()  # the rebuild holds the state row and is about to read the reports
        time.sleep(0.5)
        return monthly_sql(vendor, **grouping)

    monkeypatch.setattr(rollup, "monthly_sums_sql", truncate_meanwhile)
    rollup.rebuild()
    thread.join(30)
    assert failures == []
    monkeypatch.undo()
    assert total().inspections == 0  # the TRUNCATE committed after the rebuild: rebuilt again


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reader_does_not_queue_behind_a_writer_and_reads_the_tables():
    """The roll-up is behind (a committed edit) while an import holds the state row: the dashboard
    computes from the tables at once, showing what is committed, instead of waiting."""
    postgresql_only()
    enterprise = seed_year()
    assert total().inspections == 12
    SafetyReport.objects.filter(enterprise=enterprise, month=D(2017, 1, 1)).update(inspections=2)
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:  # an import under way
            cursor.execute(
                f"UPDATE {SafetyReport._meta.db_table} SET accidents = 1 WHERE enterprise_id = %s",
                [enterprise.pk],
            )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")
        started = time.monotonic()
        figures = district_figures(District.objects.all(), YEAR_2017)[1]
        assert time.monotonic() - started < 1
        assert (figures.inspections, figures.accidents) == (13, 0)  # the edit, not the import
        assert (
            monthly_trend(District.objects.filter(code="nanxun"), YEAR_2017)["districts"][0]["inspections"][0]
            == 2
        )
        other.commit()
    finally:
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    assert (total().inspections, total().accidents) == (13, 12)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrate_puts_back_triggers_that_a_table_remake_dropped():
    """On SQLite a migration that alters a column remakes the table, dropping its triggers; every
    migrate ends by creating any that are missing, and marks the roll-up stale."""
    enterprise = seed_year()
    assert total().inspections == 12
    old = SafetyReport._meta.get_field("lost_workdays")
    new = models.PositiveBigIntegerField(null=True, blank=True)
    new.set_attributes_from_name("lost_workdays")
    new.model = SafetyReport
    with connection.schema_editor() as editor:
        editor.alter_field(SafetyReport, old, new)
    try:
        call_command("migrate", verbosity=0)
        SafetyReport.objects.filter(enterprise=enterprise).update(inspections=5)
        assert total().inspections == 60
    finally:
        with connection.schema_editor() as editor:
            editor.alter_field(SafetyReport, new, old)


def test_the_trigger_finds_the_state_table_whatever_the_search_path(db):
    """pg_restore loads data with an empty search_path; the trigger must still reach its table."""
    postgresql_only()
    enterprise = seed_year()
    assert total().inspections == 12
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path = ''")
        cursor.execute(
            f"UPDATE public.{SafetyReport._meta.db_table} SET inspections = 3 WHERE enterprise_id = %s",
            [enterprise.pk],
        )
        cursor.execute('SET LOCAL search_path = "$user", public')
    assert total().inspections == 36


# --- The door's writes follow themselves: a random sequence, checked after every step -------------


def stored_rollup():
    """Every row of the four roll-up tables, values made exact (SQLite sums decimals as floats)."""
    rows = {}
    for model, key in (
        (SegmentMonthlyRollup, ("district_id", "sector", "cohort", "month")),
        (SegmentChangeRollup, ("district_id", "sector", "cohort", "month")),
        (MonthlyRollup, ("district_id", "month")),
        (ChangeRollup, ("district_id", "month")),
    ):
        columns = [
            f.attname for f in model._meta.concrete_fields if f.attname not in (*key, "id", "district")
        ]
        for row in model.objects.values_list(*key, *columns):
            values = tuple(
                Decimal(str(value)).quantize(Decimal("0.01")) if isinstance(value, float | Decimal) else value
                for value in row[len(key) :]
            )
            rows[model.__name__, *row[: len(key)]] = values
    return rows


class Undone(Exception):
    pass


def rebuilt_rollup():
    """The roll-up a full rebuild makes from the data as it stands (rolled back afterwards)."""
    try:
        with transaction.atomic():
            rollup.rebuild()
            rows = stored_rollup()
            raise Undone
    except Undone:
        return rows


def door_writes(rng):
    """Random writes through the door, each a function of no argument, named for the failure."""
    writer = Writer.of(None, RecordChange.Path.ADMIN)
    districts = list(District.objects.filter(code__in=["nanxun", "deqing", "anji"]))

    def report_changed():
        report = rng.choice(list(SafetyReport.objects.all()))
        report.inspections = rng.randint(0, 20)
        report.accidents = rng.randint(0, 3)
        record_save(instance=report, writer=writer)

    def report_added():
        enterprise = rng.choice(list(Enterprise.objects.all()))
        taken = set(SafetyReport.objects.filter(enterprise=enterprise).values_list("month", flat=True))
        free = [month for month in month_range(D(2014, 1, 1), 72) if month not in taken]
        if free:
            month = rng.choice(free)
            report = SafetyReport(
                enterprise=enterprise, month=month, inspections=rng.randint(0, 9), accidents=1
            )
            record_save(instance=report, writer=writer)

    def report_deleted():
        pks = list(SafetyReport.objects.values_list("pk", flat=True))
        records_delete(model=SafetyReport, pks=rng.sample(pks, min(3, len(pks))), writer=writer)

    def suggestion_moved_on():
        suggestion = rng.choice(list(Suggestion.objects.all()) or [None])
        if suggestion is not None:
            suggestion.status = rng.choice(["submitted", "accepted", "implemented", "rejected"])
            suggestion.submitted_on = D(rng.randint(2015, 2019), rng.randint(1, 12), 5)
            record_save(instance=suggestion, writer=writer)

    def project_completed():
        project = rng.choice(list(ImprovementProject.objects.all()) or [None])
        if project is not None:
            project.status = "completed"
            project.completed_on = add_months(project.started_on, rng.randint(0, 6))
            project.savings = Decimal(f"{rng.randint(0, 5000)}.{rng.randint(0, 99):02d}")
            record_save(instance=project, writer=writer)

    def project_entered_by_its_enterprise():
        enterprise = rng.choice(list(Enterprise.objects.all()))
        user = make_user("enterprise", enterprise=enterprise)
        started = D(rng.randint(2016, 2018), rng.randint(1, 12), 1)
        project = ImprovementProject(
            enterprise=enterprise,
            reference=f"E-{rng.randint(0, 10**9)}",
            title="企业自填项目",
            status="completed",
            started_on=started,
            completed_on=add_months(started, rng.randint(0, 6)),
            savings=Decimal(f"{rng.randint(0, 5000)}.{rng.randint(0, 99):02d}"),
        )
        record_save(instance=project, writer=Writer.of(user, RecordChange.Path.FORM))
        assert ImprovementProject.objects.get(
            enterprise=enterprise, reference=project.reference
        ).entered_by_enterprise

    def report_reviewed():
        from enterprises import review

        reviewer = Writer.of(None, RecordChange.Path.REVIEW)
        report = rng.choice(list(SafetyReport.objects.select_related("enterprise")))
        where = {"writer": reviewer, "credit_code": report.enterprise.credit_code, "month": report.month}
        if rng.random() < 0.3:  # a district's backlog approved up to a month
            review.approve_up_to(writer=reviewer, district=rng.choice(districts), to_month=D(2018, 6, 1))
        elif report.state == "approved":
            review.reopen(**where, reason="数据有误，重新填报")
        elif report.state == "submitted" and rng.random() < 0.3:
            review.return_report(**where, comment="请核实")
        elif report.state == "submitted":
            review.approve(**where)

    def enterprise_moved():
        enterprise = rng.choice(list(Enterprise.objects.all()))
        enterprise.district = rng.choice(districts)
        enterprise.credit_code = enterprise.credit_code  # the key stays
        enterprise.sector = rng.choice(["", "纺织", "机械"])
        enterprise.cohort = rng.choice(["", "2017"])
        enterprise.employees = rng.randint(0, 300)
        record_save(instance=enterprise, writer=writer)

    def enterprise_left_or_back():
        enterprise = rng.choice(list(Enterprise.objects.all()))
        enterprise.left_on = None if enterprise.left_on else enterprise.score_start + datetime.timedelta(400)
        record_save(instance=enterprise, writer=writer)

    def enterprise_restarted():
        enterprise = rng.choice(list(Enterprise.objects.all()))
        enterprise.score_start = D(rng.choice([2016, 2017, 2018]), rng.randint(1, 12), 15)
        enterprise.left_on = None
        record_save(instance=enterprise, writer=writer)

    def enterprise_added():
        district = rng.choice(districts)
        enterprise = Enterprise(
            credit_code=valid_code(district.division),
            name=f"新企业{rng.randint(0, 10**6)}",
            district=district,
            employees=rng.randint(1, 200),
            score_start=D(2017, rng.randint(1, 12), 1),
        )
        record_save(instance=enterprise, writer=writer)

    def enterprise_deleted():
        pks = list(Enterprise.objects.values_list("pk", flat=True))
        if len(pks) > 4:
            records_delete(model=Enterprise, pks=[rng.choice(pks)], writer=writer)

    def safety_file_imported():
        codes = list(Enterprise.objects.values_list("credit_code", flat=True))
        headers = ["统一社会信用代码", "月份", "安全检查次数", "发现隐患数", "整改隐患数", "事故起数"]
        headers += ["重大隐患数", "重大隐患整改数"]
        rows, seen = [headers], set()
        for _ in range(rng.randint(1, 30)):
            code, month = rng.choice(codes), rng.choice(month_range(D(2015, 1, 1), 60))
            if (code, month) not in seen:
                seen.add((code, month))
                rows.append([code, f"{month:%Y-%m}", rng.randint(0, 9), 2, 1, rng.randint(0, 2), 0, 0])
        _batch, plan = import_file(kind="safety", file_name="s.csv", content=csv_bytes(rows))
        assert plan.ok, plan.errors

    return [
        report_changed,
        report_added,
        report_deleted,
        suggestion_moved_on,
        project_completed,
        project_entered_by_its_enterprise,
        report_reviewed,
        enterprise_moved,
        enterprise_left_or_back,
        enterprise_restarted,
        enterprise_added,
        enterprise_deleted,
        safety_file_imported,
    ]


@pytest.mark.parametrize("seed", [5, 6])
def test_door_writes_keep_the_rollup_equal_to_a_rebuild_after_every_step(db, seed):
    rng = random.Random(seed)
    with time_machine.travel(datetime.datetime(2019, 6, 20, 10, tzinfo=SHANGHAI), tick=False) as clock:
        build_random_portal(seed, enterprises=10)
        rollup.rebuild()
        writes = door_writes(rng)
        period = Period(D(2017, 1, 1), D(2019, 5, 1))
        for step in range(40):
            if step % 10 == 9:  # a new due month, with no write: the first reader's step counts it
                clock.move_to(datetime.datetime(2019, 6 + step // 10 + 1, 20, 10, tzinfo=SHANGHAI))
                name = "due month"
            else:
                write = rng.choice(writes)
                write()
                name = write.__name__
            # Current without a rebuild, and what a rebuild would make, row for row.
            assert rollup.current_alias() == "default", (step, name)
            assert stored_rollup() == rebuilt_rollup(), (step, name)
        # And the figures are the ones worked out here, row by row.
        assert figures_by_district(district_figures(District.objects.order_by("pk"), period))[0] == (
            figures_worked_out_here(period)
        )


def test_a_door_write_while_stale_leaves_it_stale_and_a_nested_one_marks_it_stale(two_enterprises):
    first, _second = two_enterprises
    writer = Writer.of(None, RecordChange.Path.ADMIN)
    report = SafetyReport.objects.get(enterprise=first, month=D(2017, 3, 1))
    # Nested door writes: the outer one read its sums before the inner one wrote.
    with transaction.atomic(), write_followed({first.pk}):
        report.inspections = 7
        record_save(instance=report, writer=writer)
    assert bypassed()
    assert total().inspections == 72 - 2 + 7  # from the tables, then rebuilt: the same
    # Stale (a write past the door): a door write adds nothing, and the roll-up stays stale.
    SafetyReport.objects.filter(pk=report.pk).update(inspections=2)
    report.refresh_from_db()
    report.inspections = 3
    record_save(instance=report, writer=writer)
    assert bypassed()
    assert total().inspections == 72 - 2 + 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_writers_at_once_all_succeed_and_leave_the_roll_up_equal_to_a_rebuild():
    """Door writes from several threads at once, in the same district and months (PostgreSQL: each
    thread its own connection and transaction): none fails, none waits for another's whole write,
    and the roll-up is what a rebuild makes."""
    postgresql_only()
    enterprises = [make_enterprise("nanxun", score_start=D(2017, 1, 10)) for _ in range(12)]
    for enterprise in enterprises:
        make_reports(enterprise, month_range(D(2016, 1, 1), 24), inspections=1, accidents=0)
    rollup.rebuild()
    failures, barrier = [], threading.Barrier(len(enterprises))

    def write(enterprise):
        try:
            report = SafetyReport(enterprise=enterprise, month=D(2018, 1, 1), inspections=5, accidents=1)
            barrier.wait(10)
            record_save(instance=report, writer=Writer.of(None, RecordChange.Path.API))
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(enterprise,)) for enterprise in enterprises]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert SafetyReport.objects.filter(month=D(2018, 1, 1), inspections=5).count() == len(enterprises)
    assert rollup.current_alias() == "default"
    assert stored_rollup() == rebuilt_rollup()
