"""The review figures (docs/domain.md, "Reporting" and "Exempt months"): reports_expected without
the months of approved exemptions, reports_exempt, reports_approved, approval_pct, the enterprises
left out of the comparison for exempt months; and exempt months shown as exempt, never missing."""

import datetime

import pytest
import time_machine

from common.months import Period
from dashboard.figures import district_figures, missing_reports, reporting_calendar
from districts.models import District
from enterprises.exemptions import exemption_declare, exemption_end
from enterprises.models import Exemption, SafetyReport
from tests.factories import login_as, make_enterprise, make_reports, make_user, month_range

D = datetime.date
JAN_2026 = D(2026, 1, 1)
FIRST_HALF_2026 = Period(JAN_2026, D(2026, 6, 1))


@pytest.fixture(autouse=True)
def today():
    # 2026-12-07, before the due day (the 10th): the latest due month is 2026-10.
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, tzinfo=datetime.UTC), tick=False):
        yield


def approve(reports, *months):
    SafetyReport.objects.filter(pk__in=[r.pk for r in reports if r.month in months]).update(state="approved")


def figures_of(code, period):
    [(_district, figures)], _total = district_figures(District.objects.filter(code=code), period)
    return figures


@pytest.fixture
def nanxun_halted(db):
    """Two Nanxun enterprises started on 2026-01-15 (owing every month of 2026's first half):

    A: exempt 2026-03..2026-04 (approved); reports for January, February (both approved) and May
    (submitted); June missing. B: asked for an exemption from May, still pending (so it exempts
    nothing); reports for January to March, January approved; April to June missing."""
    a = make_enterprise("nanxun", score_start=D(2026, 1, 15), credit_code="91330503000000001C")
    b = make_enterprise("nanxun", score_start=D(2026, 1, 15), credit_code="91330503000000002A")
    approve(make_reports(a, [JAN_2026, D(2026, 2, 1), D(2026, 5, 1)], inspections=1, accidents=0), JAN_2026)
    SafetyReport.objects.filter(enterprise=a, month=D(2026, 2, 1)).update(state="approved")
    approve(make_reports(b, month_range(JAN_2026, 3), inspections=1, accidents=0), JAN_2026)
    official = make_user("district_official", district="nanxun")
    exemption_declare(
        writer=official, enterprise=a, first_month=D(2026, 3, 1), last_month=D(2026, 4, 1), reason="停产"
    )
    Exemption.objects.create(enterprise=b, first_month=D(2026, 5, 1), reason="停产", status="pending")
    return a, b


def test_exempt_months_are_not_owed_and_are_counted_apart(nanxun_halted):
    figures = figures_of("nanxun", FIRST_HALF_2026)
    # A owes 6 − 2 exempt = 4 months, B all 6 (a pending request exempts nothing): 10 owed, 2 exempt.
    assert (figures.reports_expected, figures.reports_exempt) == (10, 2)
    # Received: A 3, B 3. Approved: A 2, B 1.
    assert (figures.reports_received, figures.reports_approved) == (6, 3)
    assert figures.completeness_pct == 60.0  # 6 × 100 ÷ 10
    assert figures.approval_pct == 50.0  # 3 × 100 ÷ 6
    assert figures.missing_reports == 4  # A: June; B: April to June


def test_the_summary_api_carries_the_review_figures(nanxun_halted, client):
    body = (
        login_as(client, "district_official")
        .get("/dashboard/api/summary/", {"from": "2026-01", "to": "2026-06"})
        .json()
    )
    [nanxun] = body["districts"]
    figures = {
        key: nanxun[key] for key in ("reports_expected", "reports_exempt", "reports_approved", "approval_pct")
    }
    assert figures == {
        "reports_expected": 10,
        "reports_exempt": 2,
        "reports_approved": 3,
        "approval_pct": 50.0,
    }
    assert body["total"]["approval_pct"] == 50.0


def test_who_owes_what_never_lists_an_exempt_month(nanxun_halted):
    listed = missing_reports(District.objects.filter(code="nanxun"), FIRST_HALF_2026)
    assert [(row["credit_code"], row["months"]) for row in listed] == [
        ("91330503000000001C", [D(2026, 6, 1)]),
        ("91330503000000002A", [D(2026, 4, 1), D(2026, 5, 1), D(2026, 6, 1)]),
    ]


def test_the_calendar_strip_shows_exempt_months_as_exempt(nanxun_halted):
    a, _b = nanxun_halted
    # The reports were received today, long after their due days: late.
    assert [cell["status"] for cell in reporting_calendar(a, FIRST_HALF_2026)] == [
        "late",
        "late",
        "exempt",
        "exempt",
        "late",
        "missing",
    ]


def test_the_roll_up_follows_an_exemption_ended_and_declared(nanxun_halted):
    a, _b = nanxun_halted
    official = make_user("district_official", district="nanxun")
    assert figures_of("nanxun", FIRST_HALF_2026).reports_exempt == 2  # the roll-up built
    exemption_end(writer=official, enterprise=a, month=D(2026, 3, 1))
    # April owed again, and missing: 11 owed, 1 exempt.
    figures = figures_of("nanxun", FIRST_HALF_2026)
    assert (figures.reports_expected, figures.reports_exempt) == (11, 1)
    exemption_declare(
        writer=official, enterprise=a, first_month=D(2026, 6, 1), last_month=None, reason="再次停产"
    )
    # June exempt too (and every month after it, up to the latest due month, outside this period).
    figures = figures_of("nanxun", FIRST_HALF_2026)
    assert (figures.reports_expected, figures.reports_exempt) == (10, 2)
    # 2026-06..2026-10, the latest due month: five exempt months from June on.
    assert figures_of("nanxun", Period(D(2026, 6, 1), D(2026, 10, 1))).reports_exempt == 5


def test_approval_pct_rounds_halves_away_from_zero(db):
    # 16 reports received (2025-01..2026-04), 1 approved: 1 × 100 ÷ 16 = 6.25 → 6.3 (not 6.2).
    anji = make_enterprise("anji", score_start=D(2026, 1, 15))
    months = month_range(D(2025, 1, 1), 16)
    approve(make_reports(anji, months, inspections=1, accidents=0), months[0])
    figures = figures_of("anji", Period(D(2025, 1, 1), D(2026, 4, 1)))
    assert (figures.reports_received, figures.reports_approved, figures.approval_pct) == (16, 1, 6.3)


def test_approval_pct_is_null_when_no_report_was_received(db):
    make_enterprise("anji", score_start=D(2026, 1, 15))
    figures = figures_of("anji", FIRST_HALF_2026)
    # Six months owed, none received: nothing to approve.
    assert (figures.reports_expected, figures.reports_received, figures.approval_pct) == (6, 0, None)
    assert figures_of("deqing", FIRST_HALF_2026).approval_pct is None  # no enterprise at all


@pytest.fixture
def comparison(db):
    """Three Deqing enterprises started on 2025-01-15 (baseline 2024-01..2024-12; follow-up for a period
    ending 2026-06: 2025-07..2026-06): E reported every month; X every month but 2025-09 and 2025-10,
    exempt (approved); M every month but 2025-08, with no exemption."""
    months = month_range(D(2024, 1, 1), 30)  # 2024-01..2026-06
    e = make_enterprise("deqing", score_start=D(2025, 1, 15))
    make_reports(e, months, inspections=2, accidents=1)
    x = make_enterprise("deqing", score_start=D(2025, 1, 15))
    make_reports(
        x, [m for m in months if m not in (D(2025, 9, 1), D(2025, 10, 1))], inspections=5, accidents=5
    )
    admin = make_user("programme_admin")
    exemption_declare(
        writer=admin, enterprise=x, first_month=D(2025, 9, 1), last_month=D(2025, 10, 1), reason="停产"
    )
    m = make_enterprise("deqing", score_start=D(2025, 1, 15))
    make_reports(m, [month for month in months if month != D(2025, 8, 1)], inspections=5, accidents=5)
    return e, x, m


def test_an_exempt_month_in_a_window_leaves_the_enterprise_out_for_that_reason(comparison):
    figures = figures_of("deqing", Period(None, D(2026, 6, 1)))
    # Three candidates; E qualifies; X is left out for its exempt months, M for its missing one.
    assert (figures.change_candidates, figures.change_enterprises) == (3, 1)
    assert (figures.change_left_out_exempt, figures.change_left_out) == (1, 1)
    # E alone: 24 baseline inspections and 24 follow-up: no change.
    assert figures.inspections_change_pct == 0.0


def test_an_exempt_baseline_month_leaves_it_out_too(comparison):
    _e, x, _m = comparison
    # A period ending 2026-12 (follow-up 2026-01..2026-12): X's exemption lies in neither window, and
    # none of the three reported after 2026-06: all three are left out for missing months.
    figures = figures_of("deqing", Period(None, D(2026, 12, 1)))
    assert (figures.change_candidates, figures.change_enterprises, figures.change_left_out_exempt) == (
        3,
        0,
        0,
    )
    assert figures.change_left_out == 3
    # An exemption in its baseline (2024-05, declared over a report-less month) leaves it out for that.
    SafetyReport.objects.filter(enterprise=x, month=D(2024, 5, 1)).delete()
    Exemption.objects.create(
        enterprise=x, first_month=D(2024, 5, 1), last_month=D(2024, 5, 1), reason="停产", status="approved"
    )
    figures = figures_of("deqing", Period(None, D(2026, 12, 1)))
    assert (figures.change_left_out_exempt, figures.change_left_out) == (1, 2)
