"""Every date the portal reads, from a file, a form or the admin, lies between 1990-01-01 and the
last day of next year (docs/domain.md, "Dates"); anything outside is an error naming the range. (Months
in URLs and the dashboard's forms: tests/test_month_pages.py.) Today is 1 December 2026 in
Shanghai: the range ends on 2027-12-31."""

import datetime

import pytest
from django.utils import translation

from common.months import check_date
from imports.engine import import_plan
from imports.kinds import import_kind
from tests.factories import make_enterprise, make_workshop
from tests.import_files import csv_bytes, xlsx_bytes
from training.forms import WorkshopForm
from training.models import Workshop

pytestmark = pytest.mark.time_machine(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
NANXUN_A = "91330503MA28C4P033"
RANGE = "dates run from 1990-01-01 to 2027-12-31."


def refused(value):
    return f"{value} is not a date the portal accepts: {RANGE}"


@pytest.mark.parametrize(
    ("day", "accepted"),
    [
        (datetime.date(1989, 12, 31), False),
        (datetime.date(1990, 1, 1), True),
        (datetime.date(2027, 12, 31), True),
        (datetime.date(2028, 1, 1), False),
        (datetime.date(1, 1, 1), False),
        (datetime.date(9999, 12, 31), False),
    ],
)
def test_the_range_ends_are_inclusive(day, accepted):
    try:
        check_date(day)
    except Exception:  # noqa: BLE001 - the test asserts which
        assert accepted is False
    else:
        assert accepted is True


def plan_errors(kind, headers, row, *, xlsx=False):
    content = xlsx_bytes([headers, row]) if xlsx else csv_bytes([headers, row])
    with translation.override("en"):
        plan = import_plan(import_kind(kind), content=content, file_name="f.xlsx" if xlsx else "f.csv")
    return [(e.row, e.column, e.message) for e in plan.errors]


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("1989-12-31", "1989-12-31"),
        ("2028-01-01", "2028-01-01"),
        ("1900/1/1", "1900-01-01"),
        ("9999年12月31日", "9999-12-31"),
        ("20300101", "2030-01-01"),
    ],
)
def test_an_imported_date_outside_the_range_is_an_error_of_its_cell(db, cell, shown):
    headers = ["统一社会信用代码", "企业名称", "区县", "职工人数", "开始日期"]
    assert plan_errors("enterprises", headers, [NANXUN_A, "甲", "南浔", "10", cell]) == [
        (2, "开始日期", refused(shown))
    ]


@pytest.mark.parametrize(
    ("cell", "shown"), [("1989-12", "1989-12-01"), ("2028-01", "2028-01-01"), ("0000-05", None)]
)
def test_an_imported_month_outside_the_range_is_an_error_of_its_cell(db, cell, shown):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    headers = ["统一社会信用代码", "月份", "检查次数", "事故起数"]
    errors = plan_errors("safety", headers, [NANXUN_A, cell, "1", "0"])
    message = refused(shown) if shown else "Expected a month such as 2017-10 or 2017年10月."
    assert errors == [(2, "月份", message)]


def test_an_excel_date_cell_outside_the_range_is_an_error_too(db):
    headers = ["统一社会信用代码", "企业名称", "区县", "职工人数", "开始日期"]
    errors = plan_errors(
        "enterprises", headers, [NANXUN_A, "甲", "南浔", 10, datetime.date(1985, 6, 1)], xlsx=True
    )
    assert errors == [(2, "开始日期", refused("1985-06-01"))]


@pytest.mark.parametrize("date", ["1989-12-31", "2028-01-01", "0001-01-01"])
def test_the_workshop_form_refuses_a_date_outside_the_range(db, date):
    enterprise = make_enterprise("nanxun")
    workshop = make_workshop("nanxun", module=1, date=datetime.date(2024, 4, 12), enterprises=[enterprise])
    form = WorkshopForm(
        {
            "district": workshop.district_id,
            "module": workshop.module_id,
            "kind": "classroom",
            "date": date,
            "place": "",
            "enterprises": [enterprise.pk],
        },
        instance=Workshop(),
        districts=type(workshop.district).objects.filter(pk=workshop.district_id),
    )
    with translation.override("en"):
        assert form.errors["date"] == [refused(date)]


def test_the_admin_refuses_a_left_on_outside_the_range(client, db):
    from tests.factories import make_user

    enterprise = make_enterprise("anji", name="安吉乙企业", employees=100)
    client.force_login(make_user("programme_admin"))
    client.cookies["django_language"] = "en"
    url = f"/admin/enterprises/enterprise/{enterprise.pk}/change/"
    data = {
        "credit_code": enterprise.credit_code,
        "name": enterprise.name,
        "district": enterprise.district_id,
        "sector": "",
        "cohort": "",
        "score_start": "2016-01-15",
        "left_on": "2030-06-01",
        "employees": "100",
        "female_employees": "",
        "address": "",
        "contact": "",
        "phone": "",
        "safety_reports-TOTAL_FORMS": "0",
        "safety_reports-INITIAL_FORMS": "0",
        "safety_reports-MIN_NUM_FORMS": "0",
        "safety_reports-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert refused("2030-06-01") in response.content.decode()
