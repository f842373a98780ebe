"""The downloadable error sheet writes nothing a spreadsheet would run: every cell the portal writes
goes through common.spreadsheets' formula guard, whatever the uploaded file held."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.utils import translation

from common.spreadsheets import CONTENT_TYPES, cell_safe
from imports.engine import Problem
from imports.error_sheet import error_sheet
from imports.models import ImportBatch
from tests.factories import make_enterprise
from tests.import_files import csv_bytes, xls_bytes

NANXUN_A = "91330503375583185N"
HEADERS = ["统一社会信用代码", "月份", "安全检查次数", "事故起数", "备注"]

# What a spreadsheet runs as a formula: the usual CSV-injection payloads, and tab or carriage
# return in front, which some programs strip before they look.
FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "+cmd",
    "-1+1",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "-2+3+cmd|' /C calc'!A0",
    "=cmd|' /C notepad'!'A1'",
]


def rows_with(remark):
    # Row 2 holds the remark, and an error (inspections "x") so that there is a sheet to download.
    return [HEADERS, [NANXUN_A, "2017-10", "x", "0", remark]]


@pytest.fixture
def admin_client(role_client):
    return role_client("programme_admin")


def download(client, content, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.cookies["django_language"] = "en"
    client.post("/imports/", {"kind": "safety", "file": SimpleUploadedFile(name, content)})
    batch = ImportBatch.objects.get()
    return client.get(f"/imports/{batch.pk}/errors/")


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_formula_in_a_csv_comes_back_as_text_in_the_csv(admin_client, formula):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    response = download(admin_client, csv_bytes(rows_with(formula)), "s.csv")
    sheet = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert sheet[1] == [
        NANXUN_A,
        "2017-10",
        "x",
        "0",
        "'" + formula,
        "安全检查次数: Expected a whole number.",
    ]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_formula_in_an_xls_comes_back_as_text_in_the_xlsx(admin_client, formula):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    response = download(admin_client, xls_bytes(rows_with(formula)), "s.xls")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    cell = sheet["E2"]
    # XML reads a bare carriage return back as a line feed; either way the text is quoted.
    assert (cell.value, cell.data_type) == ("'" + formula.replace("\r", "\n"), "s")
    assert [c.data_type for c in sheet[2]] == ["s", "s", "s", "s", "s", "s"]


def test_numbers_stay_numbers_and_signed_numbers_in_text_stay_as_written(admin_client):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    rows = [[*HEADERS, "差额"], [NANXUN_A, "2017-10", -3, 0, "-3", -1.5]]
    response = download(admin_client, xls_bytes(rows), "s.xls")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    # The negative count is the error; it and the other numbers come back as numbers.
    assert [(c.value, c.data_type) for c in sheet[2]][2:] == [
        (-3, "n"),
        (0, "n"),
        ("-3", "s"),
        (-1.5, "n"),
        ("安全检查次数: Cannot be negative.", "s"),
    ]


def test_signed_numbers_in_a_csv_come_back_without_a_quote(admin_client):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    rows = [[*HEADERS, "差额"], [NANXUN_A, "2017-10", "-3", "0", "+1.5", "-0.25"]]
    response = download(admin_client, csv_bytes(rows), "s.csv")
    sheet = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert sheet[1] == [NANXUN_A, "2017-10", "-3", "0", "+1.5", "-0.25", "安全检查次数: Cannot be negative."]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_formula_header_comes_back_as_text(admin_client, formula):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    rows = [[*HEADERS[:4], formula], [NANXUN_A, "2017-10", "x", "0", "note"]]
    response = download(admin_client, csv_bytes(rows), "s.csv")
    sheet = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    # Headers are read without their surrounding spaces, tab and carriage return included.
    assert sheet[0] == [*HEADERS[:4], "'" + formula.strip(), "Errors"]


def xlsx_with_text(rows, text_cells):
    """A workbook whose `text_cells` hold their value as text, as Excel keeps a cell typed '=x."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cell, value in text_cells.items():
        sheet[cell].value = value
        sheet[cell].data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# An .xlsx cannot hold a bare carriage return: XML reads it back as a line feed, which no
# spreadsheet takes for the start of a formula.
@pytest.mark.parametrize("formula", [formula for formula in FORMULAS if not formula.startswith("\r")])
def test_an_xlsx_comes_back_with_its_formatting_and_every_formula_as_text(db, formula):
    content = xlsx_with_text(
        [HEADERS, [NANXUN_A, datetime.datetime(2017, 10, 1), 3, 0, "", "=1+1"]], {"E2": formula}
    )
    # An error quoting a column header as written in the file, which may itself look like a formula.
    errors = [Problem(2, formula, "x", "Expected a whole number.")]
    body, name, content_type = error_sheet(content=content, file_name="s.xlsx", errors=errors)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    quoted = "'" + formula
    assert (sheet["E2"].value, sheet["E2"].data_type) == (quoted, "s")
    assert (sheet["G2"].value, sheet["G2"].data_type) == (f"{quoted}: Expected a whole number.", "s")
    # A real formula comes back as the value saved with it (none here: openpyxl saves no values).
    assert (sheet["F2"].value, sheet["F2"].data_type) == (None, "n")
    assert (sheet["C2"].value, sheet["C2"].data_type) == (3, "n")
    assert sheet["B2"].value == datetime.datetime(2017, 10, 1)
    assert name == "s-errors.xlsx"


def test_a_large_xlsx_comes_back_written_anew_from_its_values(db, monkeypatch):
    # Two data rows of six columns: 3 × 6 = 18 cells, past a limit of 17.
    monkeypatch.setattr("imports.error_sheet.KEEP_FORMATTING_CELLS", 17)
    content = xlsx_with_text(
        [
            [*HEADERS, "差额"],
            [NANXUN_A, datetime.datetime(2017, 10, 1), 3, 0, "", -1.5],
            [NANXUN_A, datetime.datetime(2017, 11, 1), "x", 0, "", 2],
        ],
        {"E3": "=1+1"},
    )
    errors = [Problem(3, "安全检查次数", "x", "Expected a whole number.")]
    with translation.override("en"):
        body, name, content_type = error_sheet(content=content, file_name="s.xlsx", errors=errors)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    assert sheet.title == "Errors"  # a new workbook: the sheet the portal names, not the user's
    # Empty cells come back as empty text (openpyxl reads them as None of type inlineStr).
    assert [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows(min_row=2)] == [
        [
            (NANXUN_A, "s"),
            (datetime.datetime(2017, 10, 1), "d"),
            (3, "n"),
            (0, "n"),
            (None, "inlineStr"),
            (-1.5, "n"),
            (None, "inlineStr"),
        ],
        [
            (NANXUN_A, "s"),
            (datetime.datetime(2017, 11, 1), "d"),
            ("x", "s"),
            (0, "n"),
            ("'=1+1", "s"),
            (2, "n"),
            ("安全检查次数: Expected a whole number.", "s"),
        ],
    ]
    assert (name, content_type) == ("s-errors.xlsx", CONTENT_TYPES["xlsx"])


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd", "'+cmd"),
        ("-1+1", "'-1+1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t1", "'\t1"),
        ("\r1", "'\r1"),
        ("-", "'-"),
        ("--1", "'--1"),
        ("-1e5", "'-1e5"),
        ("-3", "-3"),
        ("+1.5", "+1.5"),
        ("-0.25", "-0.25"),
        ("3-1", "3-1"),
        ("南浔-1", "南浔-1"),
        (-3, -3),
        (-1.5, -1.5),
        (None, None),
    ],
)
def test_cell_safe_quotes_what_a_spreadsheet_would_run_and_nothing_else(value, written):
    assert cell_safe(value) == written
