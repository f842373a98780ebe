"""Reporting and rates (docs/domain.md, "Reporting" and "Rates"): who owes which monthly report, how
complete and timely reporting is, and the rates with the sums they rest on. Every expected value is
worked out by hand in the comments, through the roll-up and through the statements the roll-up is
built from, on SQLite and PostgreSQL."""

import datetime
import unittest.mock
import zoneinfo

import pytest
import time_machine

from common.months import Period
from dashboard import rollup
from dashboard.figures import district_figures, monthly_trend, reporting_calendar
from districts.models import District
from enterprises.models import SafetyReport
from enterprises.reporting import latest_due_month
from tests.factories import ZERO, login_as, make_enterprise, make_reports, make_suggestion, month_range

D = datetime.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
YEAR_2017 = Period(D(2017, 1, 1), D(2017, 12, 1))
# Today, for every test here: 15 March 2018 in Shanghai, after the due day (10th): reports are due
# up to February 2018.
TODAY = datetime.datetime(2018, 3, 15, 10, 0, tzinfo=SHANGHAI)
pytestmark = pytest.mark.time_machine(TODAY, tick=False)


def local(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def reports(enterprise, months, **counts):
    """One report per month, with the counts given (received_at: now, changed by the test)."""
    return [SafetyReport.objects.create(enterprise=enterprise, month=month, **counts) for month in months]


@pytest.fixture
def portal(db):
    """A: Nanxun, started 2017-01-20 (owes from 2016-01), 100 employees; every month from 2016-01
    to 2018-02 reported but 2017-06. B: Nanxun, started 2016-06-01, left 2017-09-15 (owes
    2015-06..2017-08), 50 employees; 2017-01..2017-10 reported, received_at unknown. C: Anji,
    starts 2019-05-01 (owes nothing yet). D: Anji, started 2016-01-10 (owes from 2015-01), 10
    employees; 2017 reported but March, received_at unknown."""
    a = make_enterprise("nanxun", score_start=D(2017, 1, 20), employees=100, name="甲")
    b = make_enterprise("nanxun", score_start=D(2016, 6, 1), employees=50, name="乙", left_on=D(2017, 9, 15))
    c = make_enterprise("anji", score_start=D(2019, 5, 1), employees=30, name="丙")
    d = make_enterprise("anji", score_start=D(2016, 1, 10), employees=10, name="丁")
    # A in 2017: 2 inspections a month; an accident in February; an injury and 5 lost workdays in
    # March; 3 hazards found and 2 fixed each month, except April, which left them empty.
    for month in month_range(D(2016, 1, 1), 26):
        if month == D(2017, 6, 1):
            continue
        empty = month == D(2017, 4, 1)
        (report,) = reports(
            a,
            [month],
            inspections=2,
            accidents=1 if month == D(2017, 2, 1) else 0,
            injuries=1 if month == D(2017, 3, 1) else None,
            lost_workdays=5 if month == D(2017, 3, 1) else None,
            hazards_found=None if empty else 3,
            hazards_fixed=None if empty else 2,
        )
        # Received on the 5th of the next month: on time.
        received = local(month.year + month.month // 12, month.month % 12 + 1, 5, 9, 0)
        SafetyReport.objects.filter(pk=report.pk).update(received_at=received)
    # 2017-11: received at 23:59 on its due day (10 December): on time. 2017-12: received at 00:00
    # the day after its due day (11 January): late.
    SafetyReport.objects.filter(enterprise=a, month=D(2017, 11, 1)).update(
        received_at=local(2017, 12, 10, 23, 59)
    )
    SafetyReport.objects.filter(enterprise=a, month=D(2017, 12, 1)).update(
        received_at=local(2018, 1, 11, 0, 0)
    )
    reports(b, month_range(D(2017, 1, 1), 10), inspections=1, accidents=0, hazards_found=1, hazards_fixed=1)
    reports(d, [m for m in month_range(D(2017, 1, 1), 12) if m != D(2017, 3, 1)], inspections=1, accidents=1)
    SafetyReport.objects.filter(enterprise__in=[b, d]).update(received_at=None)
    for status in ("accepted", "implemented", "submitted", "rejected"):
        make_suggestion(a, submitted_on=D(2017, 5, 1), status=status)
    return {"a": a, "b": b, "c": c, "d": d}


# What 2017 gives, worked out by hand:
# Nanxun. Owed: A 12 (2017-01..12), B 8 (2017-01..08, it left in September) = 20. Received: A 11
#   (June missing), B 8 (its September and October reports are after leaving: not owed) = 19. On
#   time: A's 9 months received on the 5th, and November's at 23:59 on the due day = 10 (December's
#   at 00:00 after the due day is late; B's receipt times are unknown: not on time).
#   completeness 19 × 100 ÷ 20 = 95.0; timeliness 10 × 100 ÷ 20 = 50.0.
#   Sums over every report of 2017 (B's after leaving included): inspections 11 × 2 + 10 × 1 = 32;
#   accidents 1; injuries 1; lost workdays 5; hazards found 10 × 3 + 10 × 1 = 40, fixed 10 × 2 +
#   10 × 1 = 30, 75.0 %; worker-months 11 × 100 + 10 × 50 = 1,600; accident rate 1 × 12,000 ÷
#   1,600 = 7.50, injury rate 7.50. Suggestions 4, adopted 2 (accepted, implemented): 50.0 %.
#   Enterprises: A (B left on 2017-09-15, before the period's last day).
# Anji. Owed: D 12 (C owes from 2018-05). Received 11 (March missing), on time 0 (unknown):
#   91.7 % (91.66…), 0.0 %. Accidents 11, worker-months 11 × 10 = 110: rate 1,200.00.
#   Enterprises: D (C starts in 2019).
# Total, pooled: owed 32, received 30: 93.8 % (93.75); on time 10: 31.3 % (31.25); accidents 12,
#   worker-months 1,710: 84.21 (84.2105…), not the mean of 7.50 and 1,200.00.
NANXUN = {
    "enterprises": 1,
    "inspections": 32,
    "accidents": 1,
    "suggestions": 4,
    "reports_expected": 20,
    "reports_received": 19,
    "reports_on_time": 10,
    "completeness_pct": 95.0,
    "timeliness_pct": 50.0,
    "injuries": 1,
    "lost_workdays": 5,
    "hazards_found": 40,
    "hazards_fixed": 30,
    "hazard_fix_pct": 75.0,
    "worker_months": 1600,
    "accident_rate": 7.5,
    "injury_rate": 7.5,
    "suggestions_adopted": 2,
    "adoption_pct": 50.0,
}
ANJI = {
    "enterprises": 1,
    "inspections": 11,
    "accidents": 11,
    "reports_expected": 12,
    "reports_received": 11,
    "reports_on_time": 0,
    "completeness_pct": 91.7,
    "timeliness_pct": 0.0,
    "worker_months": 110,
    "accident_rate": 1200.0,
    "injury_rate": 0.0,
}
TOTAL = {
    "enterprises": 2,
    "inspections": 43,
    "accidents": 12,
    "suggestions": 4,
    "reports_expected": 32,
    "reports_received": 30,
    "reports_on_time": 10,
    "completeness_pct": 93.8,
    "timeliness_pct": 31.3,
    "injuries": 1,
    "lost_workdays": 5,
    "hazards_found": 40,
    "hazards_fixed": 30,
    "hazard_fix_pct": 75.0,
    "worker_months": 1710,
    "accident_rate": 84.21,
    "injury_rate": 7.02,  # 1 × 12,000 ÷ 1,710 = 7.017…
    "suggestions_adopted": 2,
    "adoption_pct": 50.0,
}


def figures_of(period, codes=("nanxun", "anji")):
    rows, total = district_figures(District.objects.filter(code__in=codes), period)
    return {d.code: f.as_json() for d, f in rows}, total.as_json()


def assert_has(actual, expected):
    assert {key: actual[key] for key in expected} == expected


@pytest.mark.parametrize("path", ["roll-up", "statements while a writer holds the roll-up back"])
def test_reporting_and_rates_of_2017_per_district_and_pooled(portal, path):
    if path == "roll-up":
        by_district, total = figures_of(YEAR_2017)
    else:
        with unittest.mock.patch.object(rollup, "current_alias", return_value=None):
            by_district, total = figures_of(YEAR_2017)
    assert_has(by_district["nanxun"], NANXUN)
    assert_has(by_district["anji"], ANJI)
    assert_has(total, TOTAL)
    # An empty count is 0, and nothing found means no fix percentage, not 0 %.
    assert (by_district["anji"]["hazards_found"], by_district["anji"]["hazard_fix_pct"]) == (0, None)
    assert (by_district["anji"]["suggestions"], by_district["anji"]["adoption_pct"]) == (0, None)


def test_a_district_without_enterprises_has_zeros_and_no_percentages(portal):
    by_district, _total = figures_of(YEAR_2017, codes=("wuxing",))
    assert by_district["wuxing"] == ZERO


def test_the_enterprise_drill_down_counts_its_own_reports(portal):
    rows, figures = district_figures([District.objects.get(code="nanxun")], YEAR_2017, enterprise=portal["b"])
    # B in 2017: owed 8 (January to August), all received, none known to be on time; 10 reports.
    assert (figures.reports_expected, figures.reports_received, figures.reports_on_time) == (8, 8, 0)
    assert (figures.inspections, figures.worker_months, figures.enterprises) == (10, 500, 0)


@pytest.mark.parametrize(
    ("moment", "due_month"),
    [
        (local(2018, 3, 9, 23, 59), D(2018, 1, 1)),  # the day before February's due day
        (local(2018, 3, 10, 0, 0), D(2018, 2, 1)),  # from 00:00 of the due day
        (local(2018, 1, 1, 0, 0), D(2017, 11, 1)),
        (local(2018, 1, 10, 0, 0), D(2017, 12, 1)),
    ],
)
def test_a_month_is_owed_from_00_00_of_its_due_day(portal, moment, due_month):
    with time_machine.travel(moment, tick=False):
        assert latest_due_month() == due_month
        _rows, total = district_figures(
            District.objects.filter(code="nanxun"), Period(D(2018, 1, 1), D(2018, 2, 1))
        )
    # Only A owes 2018 (B left): January once it is due, February once it is due; A reported both.
    owed = {D(2017, 11, 1): 0, D(2017, 12, 1): 0, D(2018, 1, 1): 1, D(2018, 2, 1): 2}[due_month]
    assert (total.reports_expected, total.reports_received) == (owed, owed)


def test_the_due_day_comes_from_the_setting(portal, settings):
    settings.SCORE_REPORT_DUE_DAY = 20
    assert latest_due_month() == D(2018, 1, 1)  # 15 March is before the 20th
    # A's November report, received on 10 December at 23:59, is on time by the 20th; December's,
    # received on 11 January, too: on time 12 − 1 (June missing) = 11.
    _rows, total = district_figures(District.objects.filter(code="nanxun"), YEAR_2017)
    assert total.reports_on_time == 11


def test_summary_api_carries_every_new_figure_and_defaults_to_the_latest_due_month(portal, client):
    login_as(client, "city_official")
    body = client.get("/dashboard/api/summary/", {"from": "2017-01", "to": "2017-12"}).json()
    nanxun = next(row for row in body["districts"] if row["code"] == "nanxun")
    assert_has(nanxun, NANXUN)
    assert_has(body["total"], TOTAL)
    assert body["total"]["small_sample"] is False
    assert client.get("/dashboard/api/summary/").json()["to"] == "2018-02"


def test_missing_api_lists_who_owes_what_in_the_contract_order(portal, client):
    login_as(client, "city_official")
    body = client.get("/dashboard/api/missing/", {"from": "2017-01", "to": "2017-12"}).json()
    assert body == {
        "from": "2017-01",
        "to": "2017-12",
        "enterprises": [
            {
                "credit_code": portal["a"].credit_code,
                "name": "甲",
                "district": "nanxun",
                "months": ["2017-06"],
            },
            {"credit_code": portal["d"].credit_code, "name": "丁", "district": "anji", "months": ["2017-03"]},
        ],
    }
    anji = client.get(
        "/dashboard/api/missing/", {"from": "2017-01", "to": "2017-12", "district": "anji"}
    ).json()
    assert [row["name"] for row in anji["enterprises"]] == ["丁"]
    # Open `from`, `to` the latest due month: B owed 2015-06..2016-05 too, and reported none of it.
    everything = client.get("/dashboard/api/missing/").json()
    b = next(row for row in everything["enterprises"] if row["name"] == "乙")
    assert b["months"] == [f"{month:%Y-%m}" for month in month_range(D(2015, 6, 1), 19)]
    assert everything["to"] == "2018-02"


@pytest.mark.parametrize("district", ["nowhere", "NANXUN", "", "nanxun\x00"])
def test_missing_api_refuses_an_unknown_district_with_400(portal, client, district):
    login_as(client, "city_official")
    response = client.get("/dashboard/api/missing/", {"district": district}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "among yours" in response.json()["error"]


def test_missing_api_refuses_a_district_the_official_does_not_see(portal, client):
    login_as(client, "district_official", district="anji")
    response = client.get("/dashboard/api/missing/", {"district": "nanxun"})
    assert response.status_code == 400
    assert response.json() == {"error": "你的区县中没有“nanxun”。"}


def test_received_at_is_set_once_and_an_update_keeps_it(portal):
    report = SafetyReport.objects.create(
        enterprise=portal["c"], month=D(2018, 2, 1), inspections=1, accidents=0
    )
    assert report.received_at == TODAY
    with time_machine.travel(local(2018, 4, 1, 8, 0)):
        report.inspections = 5
        report.save()
    report.refresh_from_db()
    assert report.received_at == TODAY


def test_every_figure_has_a_definition_in_both_languages():
    from django.utils import translation

    from dashboard.figures import DEFINITIONS

    assert set(ZERO) <= set(DEFINITIONS)
    for key, text in DEFINITIONS.items():
        with translation.override("en"):
            english = str(text)
        with translation.override("zh-hans"):
            chinese = str(text)
        assert chinese != english, key


@pytest.fixture
def comparison(db):
    """Who qualifies for the before/after comparison of a period ending 2017-12 (follow-up window
    2017-01..2017-12), and who is left out of it for missing months.

    Nanxun. E1 started 2016-01-15, reported 2015-01..2017-12: qualifies. E2 started 2016-03-01,
    reported 2015-03..2017-12 but May 2015 (a baseline month): left out. E3 started 2017-01-31 (its
    start month is the window's first), reported 2016-01..2017-12: qualifies. E4 started 2017-02-01,
    reported 2016-02..2017-12: the window starts before its start month, so it is neither.
    Anji. E5 started 2016-06-10, left 2017-08-20, reported 2015-06..2017-07: left out (no report
    for 2017-08..12, months it no longer owes but the comparison needs)."""
    made = {}
    for name, district, start, first, count, gap, left in [
        ("E1", "nanxun", D(2016, 1, 15), D(2015, 1, 1), 36, None, None),
        ("E2", "nanxun", D(2016, 3, 1), D(2015, 3, 1), 34, D(2015, 5, 1), None),
        ("E3", "nanxun", D(2017, 1, 31), D(2016, 1, 1), 24, None, None),
        ("E4", "nanxun", D(2017, 2, 1), D(2016, 2, 1), 23, None, None),
        ("E5", "anji", D(2016, 6, 10), D(2015, 6, 1), 26, None, D(2017, 8, 20)),
    ]:
        made[name] = make_enterprise(district, score_start=start, name=name, left_on=left)
        months = [m for m in month_range(first, count) if m != gap]
        make_reports(made[name], months, inspections=1, accidents=0)
    return made


def test_enterprises_left_out_of_the_comparison_for_missing_months(comparison):
    by_district, total = district_figures(District.objects.filter(code__in=["nanxun", "anji"]), YEAR_2017)
    nanxun, anji = (figures for _district, figures in by_district)
    # Nanxun: candidates E1, E2, E3 (E4 started after the window's first month); E1 and E3 qualify.
    assert (nanxun.change_candidates, nanxun.change_enterprises, nanxun.change_left_out) == (3, 2, 1)
    # Anji: E5 is a candidate and misses its follow-up months after leaving.
    assert (anji.change_candidates, anji.change_enterprises, anji.change_left_out) == (1, 0, 1)
    assert (total.change_enterprises, total.change_left_out) == (2, 2)
    # A month later (window 2017-02..2018-01) nobody has January 2018: E1–E5 are all left out.
    _rows, later = district_figures(
        District.objects.filter(code__in=["nanxun", "anji"]), Period(None, D(2018, 1, 1))
    )
    assert (later.change_enterprises, later.change_left_out) == (0, 5)


def test_the_left_out_count_is_the_same_while_a_writer_holds_the_roll_up_back(comparison):
    with unittest.mock.patch.object(rollup, "current_alias", return_value=None):
        _rows, total = district_figures(District.objects.filter(code__in=["nanxun", "anji"]), YEAR_2017)
    assert (total.change_candidates, total.change_enterprises, total.change_left_out) == (4, 2, 2)


def statuses(calendar):
    return [(f"{cell['month']:%Y-%m}", cell["status"], cell["reported"]) for cell in calendar]


def test_the_calendar_strip_of_an_enterprise_that_left(portal):
    # B owes January to August 2017 and sent them, receipt times unknown: late. It left on
    # 2017-09-15: September and October are not owed, though it reported them; November and
    # December not owed, nothing sent.
    assert statuses(reporting_calendar(portal["b"], YEAR_2017)) == [
        *[(f"2017-{m:02d}", "late", True) for m in range(1, 9)],
        ("2017-09", "not_owed", True),
        ("2017-10", "not_owed", True),
        ("2017-11", "not_owed", False),
        ("2017-12", "not_owed", False),
    ]


def test_the_calendar_strip_on_time_late_and_missing(portal):
    # A in 2017: received on the 5th of the next month (on time), but June, missing; November's at
    # 23:59 on its due day (on time); December's at 00:00 the day after its due day (late).
    assert [cell["status"] for cell in reporting_calendar(portal["a"], YEAR_2017)] == [
        *["on_time"] * 5,
        "missing",
        *["on_time"] * 5,
        "late",
    ]


def test_an_open_calendar_starts_with_the_first_month_owed_or_reported(portal):
    # D started 2016-01-10: owes from 2015-01, which it did not send; 2017 sent but March,
    # receipt unknown (late); nothing since. To the latest due month, 2018-02: 38 months.
    calendar = reporting_calendar(portal["d"], Period(None, D(2018, 2, 1)))
    assert [cell["status"] for cell in calendar] == [
        *["missing"] * 24,  # 2015-01..2016-12
        "late",
        "late",
        "missing",  # 2017-03
        *["late"] * 9,
        "missing",  # 2018-01
        "missing",  # 2018-02
    ]
    assert calendar[0]["month"] == D(2015, 1, 1)
    # C starts in 2019: nothing owed yet, nothing sent, so no strip.
    assert reporting_calendar(portal["c"], Period(None, D(2018, 2, 1))) == []


def test_months_not_due_yet_are_not_owed(portal):
    # Today (15 March 2018) February is due, March is not (due on 10 April).
    calendar = reporting_calendar(portal["a"], Period(D(2018, 1, 1), D(2018, 4, 1)))
    assert statuses(calendar) == [
        ("2018-01", "on_time", True),
        ("2018-02", "on_time", True),
        ("2018-03", "not_owed", False),
        ("2018-04", "not_owed", False),
    ]


@pytest.mark.parametrize("path", ["roll-up", "statements while a writer holds the roll-up back"])
def test_the_completeness_trend_per_district_and_month(portal, path):
    districts = District.objects.filter(code__in=["wuxing", "nanxun", "anji"])
    if path == "roll-up":
        trend = monthly_trend(districts, YEAR_2017)
    else:
        with unittest.mock.patch.object(rollup, "current_alias", return_value=None):
            trend = monthly_trend(districts, YEAR_2017)
    completeness = {series["code"]: series["completeness"] for series in trend["districts"]}
    # Nanxun: A and B owe January to August (2 a month; June: A's missing, 1 × 100 ÷ 2 = 50.0),
    # A alone September to December (B left): 1 of 1.
    assert completeness["nanxun"] == [100.0] * 5 + [50.0] + [100.0] * 6
    # Anji: D owes every month (C nothing yet) and missed March: 0 of 1.
    assert completeness["anji"] == [100.0, 100.0, 0.0] + [100.0] * 9
    # Wuxing owes nothing: no percentage, not 0.
    assert completeness["wuxing"] == [None] * 12
