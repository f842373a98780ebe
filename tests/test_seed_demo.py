"""The demo tells Huzhou's story (docs/demo.md): the pilot's figures as the mid-term workshop of
November 2017 reported them, read through the dashboard's own figure functions and its summary
API, and data that looks like an office's records rather than a toy's.

seed_demo takes about half a minute of CPU on SQLite: it runs once for this module, in a transaction
rolled back at its end, and each test runs in a savepoint inside it (as Django's TestCase does with
setUpTestData)."""

import datetime
import re
import time
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from common.months import Period, add_months
from dashboard.figures import district_figures, people_trained
from districts.models import District
from enterprises.models import Enterprise, SafetyReport
from enterprises.reporting import latest_due_month
from improvements.models import ImprovementProject, Suggestion
from training.models import Attendance, Workshop

PILOT_PERIOD = Period(None, datetime.date(2017, 10, 1))  # the first record to October 2017


def seed():
    began = time.monotonic()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    # Measured, not asserted: on a busy shared machine the wall time says little (docs/demo.md).
    print(f"seed_demo took {time.monotonic() - began:.1f} s")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        seed()
        yield
        transaction.set_rollback(True)


def within(value, target, share):
    return abs(value - target) <= target * share


def test_seed_demo_shows_what_the_pilot_reported_in_november_2017(demo, db, client):
    pilot = District.objects.filter(code__in=["nanxun", "deqing"]).order_by("division")
    rows, total = district_figures(pilot, PILOT_PERIOD)
    # Within 5 % of 5,100 suggestions, 4,300 completed projects and RMB 50 million saved.
    assert within(total.suggestions, 5100, Decimal("0.05")) is True
    assert within(total.projects_completed, 4300, Decimal("0.05")) is True
    assert within(total.savings_rmb, Decimal("50000000"), Decimal("0.05")) is True
    # 50 enterprises by the mid-term workshop, all of them in the two pilot districts.
    assert total.enterprises == 50
    for district, figures in rows:
        # Inspections +260 % and accidents −70 %, within 10 percentage points, in each district,
        # over enough enterprises to compare.
        assert 250 <= figures.inspections_change_pct <= 270, district.code
        assert -80 <= figures.accidents_change_pct <= -60, district.code
        assert figures.small_sample is False
        # One enterprise of 2015 in each lacks a baseline month: left out, and shown as left out.
        assert figures.change_left_out >= 1
    # The pilot began in 2015 with 20 enterprises, and nothing else started before 2018.
    assert total.enterprises == 50
    assert district_figures(pilot, Period(None, datetime.date(2015, 12, 1)))[1].enterprises == 20
    others = District.objects.exclude(code__in=["nanxun", "deqing"])
    assert district_figures(others, PILOT_PERIOD)[1].enterprises == 0

    # The summary API says the same for the same districts and period.
    client.force_login(User.objects.get(username="admin"))
    answer = client.get("/dashboard/api/summary/", {"to": "2017-10"}).json()
    assert answer["from"] is None
    shown = {row["code"]: row for row in answer["districts"] if row["code"] in ("nanxun", "deqing")}
    assert sum(row["suggestions"] for row in shown.values()) == total.suggestions
    assert sum(row["projects_completed"] for row in shown.values()) == total.projects_completed
    assert sum(Decimal(row["savings_rmb"]) for row in shown.values()) == total.savings_rmb
    for district, figures in rows:
        assert shown[district.code]["inspections_change_pct"] == figures.inspections_change_pct
        assert shown[district.code]["accidents_change_pct"] == figures.accidents_change_pct


def test_seed_demo_scales_up_to_about_a_thousand_enterprises_by_the_end_of_2019(demo, db):
    rows, total = district_figures(
        District.objects.order_by("division"), Period(None, datetime.date(2019, 12, 1))
    )
    assert 950 <= total.enterprises <= 1000
    assert [figures.enterprises >= 150 for _district, figures in rows] == [True] * 5
    # The pilot's three years and the scale-up's two.
    cohorts = dict(Enterprise.objects.values_list("cohort").annotate(n=Count("pk")))
    assert cohorts["2015"] == 20
    assert cohorts["2016"] + cohorts["2017"] == 30
    assert set(cohorts) == {"2015", "2016", "2017", "2018", "2019"}


def test_a_few_demo_enterprises_left_none_before_the_mid_term_workshop(demo, db):
    left = Enterprise.objects.exclude(left_on=None)
    assert 10 <= left.count() <= 100
    assert left.aggregate(first=Min("left_on"))["first"] > datetime.date(2017, 11, 1)
    # Their reports stop the month before they left.
    for enterprise in left[:20]:
        last = enterprise.safety_reports.aggregate(last=Max("month"))["last"]
        assert last < enterprise.left_on.replace(day=1)


def test_demo_enterprises_have_believable_names_and_varied_sizes(demo, db):
    names = list(Enterprise.objects.values_list("name", flat=True))
    assert [name for name in names if re.search(r"\d", name)] == []
    assert len(set(names)) == len(names)
    assert all(name.endswith("有限公司") for name in names)
    sizes = Enterprise.objects.aggregate(smallest=Min("employees"), largest=Max("employees"))
    assert sizes["smallest"] <= 30 and sizes["largest"] >= 1000
    assert Enterprise.objects.filter(employees__lte=200).count() > Enterprise.objects.count() / 2
    sectors = set(Enterprise.objects.values_list("sector", flat=True))
    assert sectors == {
        "竹制品 bamboo",
        "木业家具 wood & furniture",
        "纺织服装 textiles",
        "电梯 elevators",
        "金属制品 metal products",
    }


def test_womens_share_in_the_demo_varies_by_sector_and_district(demo, db):
    def women_share(sector):
        enterprises = Enterprise.objects.filter(sector__contains=sector)
        return sum(e.female_employees for e in enterprises) / sum(e.employees for e in enterprises)

    assert women_share("textiles") > 0.55 > 0.25 > women_share("elevators")
    everyone = District.objects.order_by("division")
    whole = Period(None, latest_due_month())
    shares = {
        district.code: people_trained(District.objects.filter(pk=district.pk), whole)["women_share_pct"]
        for district in everyone
    }
    assert len(set(shares.values())) == 5, shares
    assert people_trained(everyone, whole)["women_share_pct"] != 50.0


def test_demo_workshops_fall_on_working_days_a_few_a_day(demo, db):
    assert {day.weekday() for day in Workshop.objects.values_list("date", flat=True)} <= {0, 1, 2, 3, 4}
    walks = Workshop.objects.filter(kind=Workshop.Kind.WALKTHROUGH)
    days = Counter(walks.values_list("district", "date"))
    assert len(days) > 500
    assert max(days.values()) <= 3
    classes = Counter(Workshop.objects.filter(kind=Workshop.Kind.CLASSROOM).values_list("district", "date"))
    assert max(classes.values()) <= 2
    # Not every enterprise is visited equally often.
    per_enterprise = Counter(walks.values_list("enterprises", flat=True))
    assert len(set(per_enterprise.values())) > 3
    # Every walk-through has its consultant and inspector, as its form requires.
    assert walks.filter(consultant=None).exists() is False
    assert walks.filter(inspector="").exists() is False


def test_nothing_in_the_demo_is_dated_in_the_future(demo, db):
    today = timezone.localdate()
    assert Suggestion.objects.filter(submitted_on__gt=today).exists() is False
    assert ImprovementProject.objects.filter(started_on__gt=today).exists() is False
    assert ImprovementProject.objects.filter(completed_on__gt=today).exists() is False
    assert Workshop.objects.filter(date__gt=today).exists() is False
    assert Enterprise.objects.filter(score_start__gt=today).exists() is False
    assert Enterprise.objects.filter(left_on__gt=today).exists() is False
    assert SafetyReport.objects.filter(month__gt=latest_due_month()).exists() is False
    assert SafetyReport.objects.filter(received_at__gt=timezone.now()).exists() is False
    # Reports go up to the latest due month.
    assert SafetyReport.objects.filter(month=latest_due_month()).count() > 800


def test_some_demo_reports_are_late_and_some_missing(demo, db):
    last_year = Period(add_months(latest_due_month(), -11), latest_due_month())
    rows, total = district_figures(District.objects.order_by("division"), last_year)
    for district, figures in rows:
        assert figures.reports_received < figures.reports_expected, district.code
        assert figures.reports_on_time < figures.reports_received, district.code
    assert 90 <= total.completeness_pct < 100
    assert 80 <= total.timeliness_pct < 95


def test_seed_demo_lists_only_people_of_the_enterprises_taking_part(demo, db):
    """Every attendee of every demo workshop belongs to one of its enterprises, so each workshop
    can be opened and saved again with its own form."""
    strays = [
        a.pk
        for a in Attendance.objects.select_related("participant", "workshop").prefetch_related(
            "workshop__enterprises"
        )
        if a.participant.enterprise_id not in {e.pk for e in a.workshop.enterprises.all()}
    ]
    assert Attendance.objects.exists() is True
    assert strays == []


def test_seed_demo_shows_a_score_effect(demo, db):
    enterprise = Enterprise.objects.order_by("credit_code").first()
    start = enterprise.score_start.replace(day=1)
    before = [r.inspections for r in enterprise.safety_reports.filter(month__lt=start)]
    after = [r.inspections for r in enterprise.safety_reports.filter(month__gte=start)]
    assert max(before) < min(after)
