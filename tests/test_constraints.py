"""Each database constraint refuses a bad row by itself, whatever the forms and importers do."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from enterprises.models import Enterprise, SafetyReport
from improvements.models import ImprovementProject, Suggestion
from tests.factories import make_enterprise, valid_code
from training.models import Attendance, Module, Participant, Workshop

JAN = datetime.date(2017, 1, 1)


def refused(create, name):
    """`create()` must fail with an IntegrityError naming the constraint (or its column)."""
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        create()
    assert name in str(info.value).lower()


@pytest.fixture
def enterprise(nanxun):
    return make_enterprise(nanxun, credit_code="91330503375583185N", employees=10)


def test_credit_code_is_unique(enterprise, nanxun):
    refused(
        lambda: Enterprise.objects.create(
            credit_code="91330503375583185N",
            name="Other",
            district=nanxun,
            employees=1,
            score_start=JAN,
        ),
        "credit_code",
    )


def test_credit_code_has_18_characters(nanxun):
    refused(
        lambda: Enterprise.objects.bulk_create(
            [Enterprise(credit_code="91330503", name="x", district=nanxun, employees=1, score_start=JAN)]
        ),
        "enterprise_credit_code_18_characters",
    )


def test_employees_cannot_be_negative(nanxun):
    refused(lambda: make_enterprise(nanxun, employees=-1), "employees")


def test_female_employees_cannot_exceed_employees(nanxun):
    refused(
        lambda: make_enterprise(nanxun, employees=10, female_employees=11),
        "enterprise_female_within_employees",
    )


def test_female_employees_equal_to_employees_is_accepted(nanxun):
    assert make_enterprise(nanxun, employees=10, female_employees=10).female_employees == 10


def test_one_safety_report_per_enterprise_and_month(enterprise):
    SafetyReport.objects.create(enterprise=enterprise, month=JAN, inspections=1, accidents=0)
    refused(
        lambda: SafetyReport.objects.create(enterprise=enterprise, month=JAN, inspections=2, accidents=0),
        "month",  # SQLite names the columns, PostgreSQL the constraint
    )


def test_safety_report_month_is_a_first_day(enterprise):
    refused(
        lambda: SafetyReport.objects.bulk_create(
            [SafetyReport(enterprise=enterprise, month=datetime.date(2017, 1, 5), inspections=1, accidents=0)]
        ),
        "safety_report_month_is_first_day",
    )


@pytest.mark.parametrize("field", ["inspections", "accidents", "hazards_found", "injuries", "lost_workdays"])
def test_safety_counts_cannot_be_negative(enterprise, field):
    values = {"inspections": 0, "accidents": 0, field: -1}
    refused(lambda: SafetyReport.objects.create(enterprise=enterprise, month=JAN, **values), field)


def test_hazards_fixed_cannot_exceed_found(enterprise):
    refused(
        lambda: SafetyReport.objects.create(
            enterprise=enterprise, month=JAN, inspections=1, accidents=0, hazards_found=2, hazards_fixed=3
        ),
        "safety_report_fixed_within_found",
    )


def test_hazards_fixed_needs_hazards_found(enterprise):
    refused(
        lambda: SafetyReport.objects.create(
            enterprise=enterprise, month=JAN, inspections=1, accidents=0, hazards_fixed=1
        ),
        "safety_report_fixed_within_found",
    )


def test_suggestion_reference_unique_per_enterprise(enterprise, nanxun):
    Suggestion.objects.create(enterprise=enterprise, reference="JY01", submitted_on=JAN, text="a")
    other = make_enterprise(nanxun, credit_code=valid_code())
    Suggestion.objects.create(enterprise=other, reference="JY01", submitted_on=JAN, text="a")
    refused(
        lambda: Suggestion.objects.create(
            enterprise=enterprise, reference="JY01", submitted_on=JAN, text="b"
        ),
        "reference",
    )


def project(enterprise, **fields):
    values = {"reference": "XM01", "title": "t", "status": "planned", "started_on": JAN, **fields}
    return lambda: ImprovementProject.objects.create(enterprise=enterprise, **values)


def test_project_reference_unique_per_enterprise(enterprise):
    project(enterprise)()
    refused(project(enterprise), "reference")


def test_completed_project_needs_a_completion_date(enterprise):
    refused(project(enterprise, status="completed"), "project_completed_has_date")


def test_project_cannot_complete_before_it_started(enterprise):
    refused(
        project(enterprise, status="completed", completed_on=datetime.date(2016, 12, 31)),
        "project_completed_not_before_started",
    )


def test_project_cost_cannot_be_negative(enterprise):
    refused(project(enterprise, cost=-1), "project_cost_not_negative")


def test_project_savings_cannot_be_negative(enterprise):
    refused(project(enterprise, savings=-1), "project_savings_not_negative")


def test_participant_unique_per_enterprise_name_and_phone(enterprise):
    Participant.objects.create(enterprise=enterprise, name="王芳", phone="138", role="worker", sex="female")
    refused(
        lambda: Participant.objects.create(
            enterprise=enterprise, name="王芳", phone="138", role="worker", sex="female"
        ),
        "name",
    )


def test_attendance_once_per_workshop(enterprise, nanxun):
    workshop = Workshop.objects.create(module=Module.objects.get(number=1), date=JAN, district=nanxun)
    person = Participant.objects.create(enterprise=enterprise, name="王芳", role="worker", sex="female")
    Attendance.objects.create(workshop=workshop, participant=person)
    refused(lambda: Attendance.objects.create(workshop=workshop, participant=person), "participant")
