"""Imports in one round: every error of a file at once (cell errors, cross-field rules for the
fields that parsed, unknown credit codes, duplicates), every error of each row; lists in Chinese
joined with 、 and districts named, never coded."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import translation

from accounts.services import api_client_create
from enterprises.models import SafetyReport
from imports.engine import import_plan
from imports.kinds import import_kind
from tests.factories import make_enterprise
from tests.import_files import csv_bytes

NANXUN_A = "91330503375583185N"
NANXUN_B = "91330503968301438Y"
ANJI_A = "91330523285269512N"
SAFETY_HEADERS = ["统一社会信用代码", "月份", "安全检查次数", "发现隐患数", "整改隐患数", "事故起数"]
ENTERPRISE_HEADERS = [
    "credit_code",
    "name",
    "district",
    "employees",
    "female_employees",
    "score_start",
    "left_on",
]


@pytest.fixture
def portal(db):
    enterprise = make_enterprise("nanxun", credit_code=NANXUN_A, name="南浔甲企业")
    SafetyReport.objects.create(
        enterprise=enterprise, month=datetime.date(2017, 1, 1), inspections=1, accidents=0
    )
    return enterprise


def planned(kind, rows, language="en"):
    with translation.override(language):
        plan = import_plan(import_kind(kind), content=csv_bytes(rows), file_name="f.csv")
        return [(e.row, e.column, e.value, e.message) for e in plan.errors]


def test_an_unknown_code_a_bad_cell_and_a_broken_rule_of_every_row_show_together(portal):
    # Each row: a valid code of no enterprise in the portal, a month that is none, a count that is
    # no number, a negative count, and more hazards fixed than found. Before, the rule waited for
    # the cells to be fixed: a third upload.
    row = [NANXUN_B, "2017-13", "x", "2", "5", "-1"]
    errors = planned("safety", [SAFETY_HEADERS, row, row, row])
    unknown = "No enterprise with this credit code is in the portal; import it with the enterprises first."
    for number in (2, 3, 4):
        assert errors[:5] == [
            (number, "统一社会信用代码", NANXUN_B, unknown),
            (number, "月份", "2017-13", "There is no month 13."),
            (number, "安全检查次数", "x", "Expected a whole number."),
            (number, "事故起数", "-1", "Cannot be negative."),
            (number, "整改隐患数", "5", "Hazards fixed (5) cannot be more than hazards found (2)."),
        ]
        errors = errors[5:]
    assert errors == []
    assert SafetyReport.objects.count() == 1


def test_rules_run_on_the_fields_that_parsed_and_a_duplicate_shows_with_cell_errors(portal):
    rows = [
        ENTERPRISE_HEADERS,
        # name missing, district unknown, left before it started, 9 women of 5 employees
        [NANXUN_B, "", "上海", "5", "9", "2016-01-01", "2015-01-01"],
        # employees no number (so the women's rule cannot run), left before it started, the
        # same code as row 2
        [NANXUN_B, "乙", "南浔", "x", "1", "2016-01-01", "2015-06-01"],
    ]
    districts = "吴兴区, 南浔区, 德清县, 长兴县, 安吉县"
    assert planned("enterprises", rows) == [
        (2, "name", "", "This cell is required."),
        (2, "district", "上海", f"Unknown district; write one of: {districts}."),
        (
            2,
            "left_on",
            "2015-01-01",
            "The enterprise cannot leave (2015-01-01) before its SCORE start date (2016-01-01).",
        ),
        (2, "female_employees", "9", "Female employees (9) cannot be more than the employees (5)."),
        (3, "employees", "x", "Expected a whole number."),
        (
            3,
            "left_on",
            "2015-06-01",
            "The enterprise cannot leave (2015-06-01) before its SCORE start date (2016-01-01).",
        ),
        (3, "credit_code", NANXUN_B, "The same credit_code as row 2: each record may appear once in a file."),
    ]


def test_a_rule_never_reads_a_cell_that_failed(portal):
    # Hazards found is no number: "fixed needs found" would be wrong, so the rule waits.
    rows = [SAFETY_HEADERS, [NANXUN_A, "2017-02", "1", "abc", "3", "0"]]
    assert planned("safety", rows) == [(2, "发现隐患数", "abc", "Expected a whole number.")]


def test_chinese_lists_take_the_enumeration_comma(portal):
    rows = [ENTERPRISE_HEADERS, [NANXUN_B, "甲", "上海", "5", "", "2016-01-01", ""]]
    assert planned("enterprises", rows, "zh-hans") == [
        (2, "district", "上海", "未知的区县；请填写以下之一：吴兴区、南浔区、德清县、长兴县、安吉县。")
    ]


def test_the_chinese_duplicate_message_has_no_space_before_its_verb(portal):
    headers = ["统一社会信用代码", "企业名称", "所属区县", "职工人数", "SCORE开始日期"]
    row = [NANXUN_B, "甲", "南浔", "5", "2016-01-01"]
    assert planned("enterprises", [headers, row, row], "zh-hans") == [
        (3, "统一社会信用代码", NANXUN_B, "统一社会信用代码与第 2 行相同：每条记录在一个文件中只能出现一次。")
    ]


def test_the_api_names_the_clients_districts_by_name_in_the_requests_language(portal):
    make_enterprise("anji", credit_code=ANJI_A, name="安吉乙企业")
    token = api_client_create(name="nanxun-writer", district_codes=["nanxun"], may_write=True)[1]
    rows = [{"credit_code": ANJI_A, "month": "2017-01", "inspections": 1, "accidents": 0}]
    response = Client().post(
        "/api/v1/imports/safety/",
        json.dumps({"rows": rows}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh-hans"},
    )
    assert response.status_code == 400
    assert (
        response.json()["errors"][0]["message"]
        == "此记录属于安吉县，不在此客户端可写入的区县（南浔区）之内。"
    )


def test_a_list_in_a_sentence_takes_the_separator_of_the_language():
    from common.text import listed

    with translation.override("zh-hans"):
        assert listed(["南浔区", "安吉县", 3]) == "南浔区、安吉县、3"
    with translation.override("en"):
        assert listed(["Nanxun", "Anji"]) == "Nanxun, Anji"


def test_the_error_sheet_carries_every_error_of_each_row_in_one_cell(portal):
    from imports.error_sheet import error_sheet

    row = [NANXUN_B, "2017-13", "x", "2", "5", "-1"]
    content = csv_bytes([SAFETY_HEADERS, row, row])
    with translation.override("en"):
        plan = import_plan(import_kind("safety"), content=content, file_name="s.csv")
        body, name, _type = error_sheet(content=content, file_name="s.csv", errors=plan.errors)
    lines = body.decode("utf-8-sig").splitlines()
    assert name == "s-errors.csv"
    unknown = "No enterprise with this credit code is in the portal; import it with the enterprises first."
    expected = (
        f"统一社会信用代码: {unknown}; 月份: There is no month 13.; 安全检查次数: Expected a whole number.; "
        "事故起数: Cannot be negative.; 整改隐患数: Hazards fixed (5) cannot be more than hazards found (2)."
    )
    assert [line.rsplit(",", 1)[-1].strip('"') for line in lines[1:]] == [expected, expected]
