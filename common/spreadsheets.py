"""Tables written as CSV and XLSX files: the dashboard's downloads and the trainers' attendance
lists use this one writer, and with it the one formula guard (cell_safe) and the one guard against
characters a file format cannot hold (xlsx_text)."""

import csv
import io
import re

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection); tab and
# carriage return are the OWASP additions that some programs strip before looking.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A signed number written as text (a CSV cell such as `-3` or `+1.5`) is a number to a spreadsheet,
# not a formula: it can call nothing, so it is written as it came.
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")

# An XLSX sheet is XML 1.0, which holds tab, line feed, carriage return and U+0020–U+D7FF,
# U+E000–U+FFFD, U+10000 and up; openpyxl refuses most of the rest (IllegalCharacterError) and
# writes some into a file Excel cannot open. UTF-8, and so CSV, cannot hold a lone surrogate.
XLSX_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
CSV_ILLEGAL = re.compile("[\ud800-\udfff]")
# What stands in for such a character: Unicode's own sign for "a character was here".
REPLACEMENT = "\ufffd"

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def cell_safe(value):
    """Text a spreadsheet would run as a formula, prefixed with ' so it stays text.

    Numbers are left alone: a negative percentage is a number, not a formula; so is a signed
    number written as text (`-3` from a CSV file).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def xlsx_text(value):
    """`value` with every character an XLSX sheet cannot hold replaced by U+FFFD; other values as
    they are. The portal refuses control characters on the way in (common.text), but a row stored
    before that, or written behind the portal's back, must not make a whole export fail."""
    if isinstance(value, str):
        return XLSX_ILLEGAL.sub(REPLACEMENT, value)
    return value


def _csv_text(value):
    if isinstance(value, str):
        return CSV_ILLEGAL.sub(REPLACEMENT, value)
    return value


def spreadsheet(*, headers, rows, file_format, sheet, widths=()):
    """`headers` and `rows` (any iterable of rows, read once) as the bytes of a CSV file (UTF-8 with
    a BOM, so that Excel reads Chinese right; None as an empty cell) or of an XLSX workbook with one
    sheet named `sheet`, its columns `widths` characters wide. Text a spreadsheet would run as a
    formula stays text (cell_safe); a character the format cannot hold becomes U+FFFD (xlsx_text),
    so whatever is stored can be written."""
    written = xlsx_text if file_format == "xlsx" else _csv_text
    headers = [written(cell_safe(str(header))) for header in headers]
    rows = ([written(cell_safe(value)) for value in row] for row in rows)
    if file_format == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(["" if value is None else value for value in row] for row in rows)
        return buffer.getvalue().encode("utf-8")
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.append(headers)
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
