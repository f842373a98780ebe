"""Test data with every field that decides a figure given explicitly by the caller."""

import datetime
import itertools
from decimal import Decimal

from accounts.services import api_client_create, user_create_or_update
from common.months import add_months
from districts.models import District
from enterprises.credit_code import check_character
from enterprises.models import Enterprise, SafetyReport
from improvements.models import ImprovementProject, Suggestion
from training.models import Attendance, Module, Participant, Workshop

_serial = itertools.count(1)

# A district's figures in the summary API when it has no data (docs/domain.md, "The summary API").
ZERO = {
    "enterprises": 0,
    "suggestions": 0,
    "projects_completed": 0,
    "savings_rmb": "0.00",
    "inspections": 0,
    "accidents": 0,
    "change_enterprises": 0,
    "inspections_change_pct": None,
    "accidents_change_pct": None,
    "small_sample": False,
    "reports_expected": 0,
    "reports_received": 0,
    "reports_on_time": 0,
    "completeness_pct": None,
    "timeliness_pct": None,
    "injuries": 0,
    "lost_workdays": 0,
    "hazards_found": 0,
    "hazards_fixed": 0,
    "hazard_fix_pct": None,
    "worker_months": 0,
    "accident_rate": None,
    "injury_rate": None,
    "suggestions_adopted": 0,
    "adoption_pct": None,
    "major_hazards_found": 0,
    "major_hazards_fixed": 0,
    "major_hazard_fix_pct": None,
    "reports_exempt": 0,
    "reports_approved": 0,
    "approval_pct": None,
    "savings_by_enterprises_rmb": "0.00",
    "savings_by_enterprises_pct": None,
}


def valid_code(division="330503", serial=None):
    """A valid credit code registered in `division`, distinct per call."""
    body = f"91{division}{serial if serial is not None else next(_serial):09d}"
    return body + check_character(body)


def make_user(role, *, district="nanxun", username=None, password="pw-for-tests-only", enterprise=None):
    """A new account of `role` (of `district` for the district roles; of `enterprise`, an
    Enterprise, for the enterprise role)."""
    district_roles = ("district_official", "trainer")
    return user_create_or_update(
        username=username or f"{role}-{next(_serial)}",
        role=role,
        password=password,
        district_code=district if role in district_roles else None,
        enterprise_code=enterprise.credit_code if enterprise is not None else None,
    )


def login_as(client, role, district="nanxun"):
    """The test client logged in as a new account of `role` (of `district` for the district roles).

    "anonymous" leaves it logged out; "no_role" logs in an account that has no role.
    """
    if role == "no_role":
        from django.contrib.auth.models import User

        client.force_login(User.objects.create_user(f"nobody-{next(_serial)}"))
    elif role != "anonymous":
        client.force_login(make_user(role, district=district))
    return client


def api_token(name, *, districts, write=False):
    """A new API client's token: of `districts` (codes), or of every district for "all"
    (add_api_client --all-districts)."""
    every = districts == "all"
    return api_client_create(
        name=name, district_codes=() if every else districts, all_districts=every, may_write=write
    )[1]


def make_enterprise(district, *, score_start=datetime.date(2016, 1, 15), employees=100, **fields):
    if isinstance(district, str):
        district = District.objects.get(code=district)
    fields.setdefault("credit_code", valid_code(district.division))
    fields.setdefault("name", f"企业{next(_serial)}")
    return Enterprise.objects.create(
        district=district, score_start=score_start, employees=employees, **fields
    )


def make_reports(enterprise, months, *, inspections, accidents):
    """One report per month in `months` (first days), with the given counts."""
    return SafetyReport.objects.bulk_create(
        SafetyReport(enterprise=enterprise, month=month, inspections=inspections, accidents=accidents)
        for month in months
    )


def make_suggestion(enterprise, *, submitted_on, status="submitted", reference=None):
    return Suggestion.objects.create(
        enterprise=enterprise,
        reference=reference or f"S{next(_serial)}",
        submitted_on=submitted_on,
        text="建议",
        status=status,
    )


def make_project(
    enterprise,
    *,
    status,
    started_on,
    completed_on=None,
    savings=None,
    cost=None,
    reference=None,
    entered_by_enterprise=False,
):
    return ImprovementProject.objects.create(
        entered_by_enterprise=entered_by_enterprise,
        enterprise=enterprise,
        reference=reference or f"P{next(_serial)}",
        title="项目",
        status=status,
        started_on=started_on,
        completed_on=completed_on,
        savings=Decimal(savings) if savings is not None else None,
        cost=Decimal(cost) if cost is not None else None,
    )


def month_range(first, count):
    """`count` first-of-month dates starting with `first`."""
    return [add_months(first, offset) for offset in range(count)]


def make_workshop(district, *, module, date, kind="classroom", enterprises=(), place="培训室"):
    """A workshop of module number `module` in `district` (a District or its code)."""
    if isinstance(district, str):
        district = District.objects.get(code=district)
    workshop = Workshop.objects.create(
        district=district, module=Module.objects.get(number=module), kind=kind, date=date, place=place
    )
    workshop.enterprises.set(enterprises)
    return workshop


def make_participant(enterprise, name, *, role, sex, phone=""):
    return Participant.objects.create(enterprise=enterprise, name=name, role=role, sex=sex, phone=phone)


def attend(workshop, *people):
    Attendance.objects.bulk_create(Attendance(workshop=workshop, participant=p) for p in people)
