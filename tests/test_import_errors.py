"""Bad input: a clear message naming the row and column, a non-zero exit, and nothing written."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from enterprises.models import Enterprise, SafetyReport
from imports.engine import import_plan
from imports.kinds import import_kind
from imports.models import ImportBatch
from improvements.models import ImprovementProject, Suggestion
from tests.factories import make_enterprise
from tests.import_files import csv_bytes, xlsx_bytes

NANXUN_A = "91330503375583185N"
NANXUN_B = "91330503968301438Y"
ENTERPRISE_HEADERS = ["credit_code", "name", "district", "employees", "female_employees", "score_start"]
SAFETY_HEADERS = ["统一社会信用代码", "月份", "安全检查次数", "发现隐患数", "整改隐患数", "事故起数"]


def counts():
    return (
        Enterprise.objects.count(),
        SafetyReport.objects.count(),
        Suggestion.objects.count(),
        ImprovementProject.objects.count(),
        ImportBatch.objects.count(),
    )


@pytest.fixture
def portal(db):
    """One enterprise with one report, so 'nothing moved' is checked against rows that exist."""
    enterprise = make_enterprise("nanxun", credit_code=NANXUN_A, name="南浔甲企业")
    SafetyReport.objects.create(
        enterprise=enterprise, month=datetime.date(2017, 1, 1), inspections=1, accidents=0
    )
    return enterprise


def run(tmp_path, capsys, kind, content, name="file.csv"):
    """Run import_data on `content` in English; return the printed errors, checking nothing moved."""
    before = counts()
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=r"nothing was imported"):
        call_command("import_data", kind, str(path), "--language", "en")
    assert counts() == before
    return capsys.readouterr().err


def test_an_empty_file(portal, tmp_path, capsys):
    assert run(tmp_path, capsys, "enterprises", b"") == "The file is empty.\n"


def test_a_file_of_only_blank_lines(portal, tmp_path, capsys):
    assert run(tmp_path, capsys, "enterprises", b"\r\n\r\n") == "The file is empty.\n"


def test_an_xlsx_that_is_really_csv(portal, tmp_path, capsys):
    err = run(tmp_path, capsys, "enterprises", csv_bytes([ENTERPRISE_HEADERS]), name="e.xlsx")
    assert err == "This file is not a real .xlsx workbook (its content is something else).\n"


def test_a_csv_that_is_really_an_xlsx(portal, tmp_path, capsys):
    err = run(tmp_path, capsys, "enterprises", xlsx_bytes([ENTERPRISE_HEADERS]), name="e.csv")
    assert err == "This file is an Excel workbook, not CSV: save it as .xlsx or .xls.\n"


def test_binary_garbage(portal, tmp_path, capsys):
    garbage = bytes(range(256)) * 40
    err = run(tmp_path, capsys, "enterprises", garbage, name="e.csv")
    assert err == "This file is not a CSV text file (it holds binary data).\n"


def test_an_unknown_extension(portal, tmp_path, capsys):
    err = run(tmp_path, capsys, "enterprises", b"credit_code\n", name="e.pdf")
    assert err == "e.pdf is not a file the portal can read: send .xlsx, .xls or .csv.\n"


def test_a_missing_required_column_is_named(portal, tmp_path, capsys):
    rows = [["credit_code", "name", "district", "score_start"], [NANXUN_B, "乙", "南浔", "2016-01-01"]]
    err = run(tmp_path, capsys, "enterprises", csv_bytes(rows))
    assert err.splitlines()[0] == (
        "Row 1, column 职工人数, value '': The required column employees is missing; "
        "name it one of: 职工人数, employees."
    )


def test_an_unknown_district(portal, tmp_path, capsys):
    rows = [
        ENTERPRISE_HEADERS,
        [NANXUN_B, "乙", "南浔", "10", "", "2016-01-01"],
        [NANXUN_A, "甲", "上海", "10", "", "2016-01-01"],
    ]
    err = run(tmp_path, capsys, "enterprises", csv_bytes(rows))
    assert err.splitlines()[0] == (
        "Row 3, column district, value '上海': Unknown district; write one of: 吴兴区, 南浔区, 德清县, 长兴县, 安吉县."
    )


def test_a_bad_check_character_in_the_sample(portal, tmp_path, capsys):
    from tests.test_import_files import SAMPLES

    err = run(tmp_path, capsys, "enterprises", (SAMPLES / "bad_enterprises_checksum.csv").read_bytes())
    assert err.splitlines()[0] == (
        "Row 3, column credit_code, value '913305033755831851': "
        "The check character (the 18th) should be N, not 1."
    )


def test_negative_and_fractional_counts(portal, tmp_path, capsys):
    rows = [
        SAFETY_HEADERS,
        [NANXUN_A, "2017-02", "-1", "", "", "0"],
        [NANXUN_A, "2017-03", "2.5", "", "", "0"],
    ]
    err = run(tmp_path, capsys, "safety", csv_bytes(rows)).splitlines()
    assert err[:2] == [
        "Row 2, column 安全检查次数, value '-1': Cannot be negative.",
        "Row 3, column 安全检查次数, value '2.5': Expected a whole number, not a fraction.",
    ]


def test_female_employees_over_employees(portal, tmp_path, capsys):
    rows = [ENTERPRISE_HEADERS, [NANXUN_B, "乙", "南浔", "10", "11", "2016-01-01"]]
    err = run(tmp_path, capsys, "enterprises", csv_bytes(rows))
    assert err.splitlines()[0] == (
        "Row 2, column female_employees, value '11': "
        "Female employees (11) cannot be more than the employees (10)."
    )


def test_hazards_fixed_over_found(portal, tmp_path, capsys):
    rows = [SAFETY_HEADERS, [NANXUN_A, "2017-02", "1", "2", "3", "0"]]
    err = run(tmp_path, capsys, "safety", csv_bytes(rows))
    assert err.splitlines()[0] == (
        "Row 2, column 整改隐患数, value '3': Hazards fixed (3) cannot be more than hazards found (2)."
    )


def test_a_bad_date(portal, tmp_path, capsys):
    rows = [
        ENTERPRISE_HEADERS,
        [NANXUN_B, "乙", "南浔", "10", "", "2016-02-30"],
        [NANXUN_A, "甲", "南浔", "10", "", "15/01/2016"],
    ]
    err = run(tmp_path, capsys, "enterprises", csv_bytes(rows)).splitlines()
    assert err[:2] == [
        "Row 2, column score_start, value '2016-02-30': There is no such date.",
        "Row 3, column score_start, value '15/01/2016': Expected a date such as 2015-08-15.",
    ]


def test_a_bad_month(portal, tmp_path, capsys):
    rows = [SAFETY_HEADERS, [NANXUN_A, "2017-13", "1", "", "", "0"], [NANXUN_A, "十月", "1", "", "", "0"]]
    err = run(tmp_path, capsys, "safety", csv_bytes(rows)).splitlines()
    assert err[:2] == [
        "Row 2, column 月份, value '2017-13': There is no month 13.",
        "Row 3, column 月份, value '十月': Expected a month such as 2017-10 or 2017年10月.",
    ]


def test_a_duplicate_key_within_the_file(portal, tmp_path, capsys):
    # 2017/2 and 2017年02月 are the same month of the same enterprise.
    rows = [
        SAFETY_HEADERS,
        [NANXUN_A, "2017/2", "1", "", "", "0"],
        [NANXUN_A.lower(), "2017年02月", "1", "", "", "0"],
    ]
    err = run(tmp_path, capsys, "safety", csv_bytes(rows))
    assert err.splitlines()[0] == (
        "Row 3, column 月份, value '2017年02月': The same 统一社会信用代码 + 月份 as row 2: "
        "each record may appear once in a file."
    )


def test_a_row_for_an_enterprise_not_in_the_portal(portal, tmp_path, capsys):
    rows = [SAFETY_HEADERS, [NANXUN_B, "2017-02", "1", "", "", "0"]]
    err = run(tmp_path, capsys, "safety", csv_bytes(rows))
    assert err.splitlines()[0] == (
        "Row 2, column 统一社会信用代码, value '91330503968301438Y': No enterprise with this credit code "
        "is in the portal; import it with the enterprises first."
    )


def test_a_completed_project_without_its_date(portal, tmp_path, capsys):
    rows = [
        ["credit_code", "reference", "title", "status", "started_on", "completed_on"],
        [NANXUN_A, "P1", "t", "已完成", "2016-01-01", ""],
        [NANXUN_A, "P2", "t", "completed", "2016-01-01", "2015-12-31"],
    ]
    err = run(tmp_path, capsys, "projects", csv_bytes(rows)).splitlines()
    assert err[:2] == [
        "Row 2, column completed_on, value '': A completed project needs its completion date.",
        "Row 3, column completed_on, value '2015-12-31': "
        "A project cannot be completed (2015-12-31) before it started (2016-01-01).",
    ]


def test_errors_in_chinese_by_default(portal, tmp_path, capsys):
    rows = [SAFETY_HEADERS, [NANXUN_A, "2017-02", "-1", "", "", "0"]]
    path = tmp_path / "s.csv"
    path.write_bytes(csv_bytes(rows))
    with pytest.raises(CommandError, match="1 个错误"):
        call_command("import_data", "safety", str(path))
    assert capsys.readouterr().err.splitlines()[0] == "第 2 行，“安全检查次数”列，值 '-1'：不能为负数。"


def test_every_error_is_listed_up_to_the_limit(portal, tmp_path, capsys, settings):
    settings.SCORE_IMPORT_MAX_ERRORS = 3
    rows = [SAFETY_HEADERS] + [[NANXUN_A, f"2016-{m}", "x", "", "", "0"] for m in range(1, 11)]
    err = run(tmp_path, capsys, "safety", csv_bytes(rows)).splitlines()
    # 10 bad rows: 3 shown, then the count of the other 7.
    assert err == [
        "Row 2, column 安全检查次数, value 'x': Expected a whole number.",
        "Row 3, column 安全检查次数, value 'x': Expected a whole number.",
        "Row 4, column 安全检查次数, value 'x': Expected a whole number.",
        "… and 7 more.",
    ]


def test_the_plan_lists_every_error_at_once(portal):
    rows = [ENTERPRISE_HEADERS, [NANXUN_B, "", "上海", "-3", "", "昨天"]]
    plan = import_plan(import_kind("enterprises"), content=csv_bytes(rows), file_name="e.csv")
    assert [(e.row, e.column) for e in plan.errors] == [
        (2, "name"),
        (2, "district"),
        (2, "employees"),
        (2, "score_start"),
    ]
