"""Tables written as CSV and XLSX files: the dashboard's downloads, the trainers' attendance
lists and the import error sheets use this one writer, and with it the one formula guard
(cell_safe) and the one guard against characters a file format cannot hold (xlsx_text).

An XLSX is ready to hand over: a title block above the table (what, period, districts, when made,
in the user's language; `title_block`), the header row frozen, columns as wide as their content
and numbers formatted as the portal shows them (`NUMBER_FORMATS`), every number a number. A CSV is
the plain table, header first, for programs to read: no title rows (docs/dashboard.md, "Exports").
"""

import csv
import datetime
import io
import re
import unicodedata
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from common.text import listed

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

# A column's kind of value and how Excel shows it. Percentages are kept as the portal states them,
# in percentage points (25.0 for 25 %, under a header saying "(%)"), shown "0.0": Excel's "0.0%"
# would need the value divided by 100, which would change the number a reader or a formula finds
# in the cell from the one on the page, in the CSV and in the API.
NUMBER_FORMATS = {
    "count": "#,##0",
    "money": "#,##0.00",
    "pct": "0.0",
    "rate": "#,##0.00",
    "date": "yyyy-mm-dd",
}
# A column's kind when none is given, from the type of its values.
KIND_OF_TYPE = ((bool, None), (int, "count"), (Decimal, "money"), (float, "rate"), (datetime.date, "date"))
# Widths in characters, a Chinese character counting two: a column never narrower than its header
# needs nor wider than WIDEST (longer text is cut off on screen, not in the cell).
WIDEST = 50
PADDING = 2
# Rows measured to fit the widths: enough to see a column's usual width, and a 100,000-row
# export does not measure every cell.
MEASURED_ROWS = 2000

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


def title_block(*, what, period=None, districts=()):
    """The lines above an XLSX table, in the active language: what it is, the period (a
    common.months.Period, its text, or None when the table has none), the districts, when it was
    made."""
    lines = [str(what)]
    if isinstance(period, str):
        lines.append(_("Period: %(period)s") % {"period": period})
    elif period is not None:
        if period.first is None:
            span = _("until %(last)s") % {"last": f"{period.last:%Y-%m}"}
        else:
            span = f"{period.first:%Y-%m} – {period.last:%Y-%m}"
        lines.append(_("Period: %(period)s") % {"period": span})
    if districts:
        lines.append(_("Districts: %(districts)s") % {"districts": listed(districts)})
    lines.append(_("Made at: %(when)s") % {"when": f"{timezone.localtime():%Y-%m-%d %H:%M}"})
    return lines


def text_width(text):
    """How many characters wide `text` shows: a wide (Chinese) character counts two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _shown(value, kind):
    """The text Excel shows for `value` in a column of `kind`, for measuring its width."""
    if kind == "count" and isinstance(value, int):
        return f"{value:,}"
    if kind in ("money", "rate") and isinstance(value, int | float | Decimal):
        return f"{value:,.2f}"
    if kind == "date":
        return "0000-00-00"
    return str(value)


def _kinds(kinds, rows, width):
    """Each column's kind: as given, or from the type of its first value."""
    found = list(kinds) + [None] * (width - len(kinds))
    for index in range(len(kinds), width):
        value = next((row[index] for row in rows if index < len(row) and row[index] is not None), None)
        found[index] = next((kind for cls, kind in KIND_OF_TYPE if isinstance(value, cls)), None)
    return found


def _widths(headers, rows, kinds):
    widths = [max(map(text_width, header.splitlines() or [""])) for header in headers]
    for row in rows[:MEASURED_ROWS]:
        for index, value in enumerate(row):
            if value is not None and index < len(widths):
                widths[index] = max(widths[index], text_width(_shown(value, kinds[index])))
    return [min(width + PADDING, WIDEST) for width in widths]


def spreadsheet(*, headers, rows, file_format, sheet, kinds=(), title=()):
    """`headers` and `rows` (any iterable of rows, read once) as the bytes of a CSV file (UTF-8 with
    a BOM, so that Excel reads Chinese right; None as an empty cell) or of an XLSX workbook with one
    sheet named `sheet`: the lines of `title` (title_block) above the table, the header row
    frozen, each column as wide as its content and its numbers shown as its kind says (`kinds`:
    a key of NUMBER_FORMATS or None for text, per column; a column not given takes the kind of
    its values' type). Text a spreadsheet would run as a formula stays text (cell_safe); a
    character the format cannot hold becomes U+FFFD (xlsx_text), so whatever is stored can be
    written."""
    if file_format == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow([_csv_text(cell_safe(str(header))) for header in headers])
        writer.writerows(
            ["" if value is None else _csv_text(cell_safe(value)) for value in row] for row in rows
        )
        return buffer.getvalue().encode("utf-8")
    return xlsx_workbook([{"sheet": sheet, "headers": headers, "rows": rows, "kinds": kinds, "title": title}])


def xlsx_workbook(sheets):
    """The bytes of an XLSX workbook of several sheets, each a dict of spreadsheet()'s `sheet`,
    `headers`, `rows` and optional `kinds` and `title`, written as spreadsheet() writes one (an
    import's template: its table, then its rules)."""
    workbook = Workbook(write_only=True)
    for each in sheets:
        headers = [xlsx_text(cell_safe(str(header))) for header in each["headers"]]
        rows = [[xlsx_text(cell_safe(value)) for value in row] for row in each["rows"]]
        _write_sheet(workbook, each["sheet"], headers, rows, each.get("kinds", ()), each.get("title", ()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(workbook, sheet, headers, rows, kinds, title):
    # The widths are set before the first row is written (a write-only sheet streams its rows),
    # so the rows are measured first.
    rows = list(rows)
    kinds = _kinds(kinds, rows, len(headers))
    worksheet = workbook.create_sheet(sheet[:31])
    for index, width in enumerate(_widths(headers, rows, kinds), start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    title = [xlsx_text(cell_safe(line)) for line in title]
    header_row = len(title) + (1 if title else 0) + 1  # a blank row between the title and the table
    worksheet.freeze_panes = f"A{header_row + 1}"
    _write_title(worksheet, title)
    bold = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")
    worksheet.append(
        [
            _styled(worksheet, header, font=bold, alignment=wrapped if "\n" in header else None)
            for header in headers
        ]
    )
    _write_rows(worksheet, rows, kinds)


def _styled(worksheet, value, *, font=None, number_format=None, alignment=None):
    cell = WriteOnlyCell(worksheet, value)
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _write_title(worksheet, title):
    for number, line in enumerate(title):
        worksheet.append([_styled(worksheet, line, font=Font(bold=True, size=14)) if number == 0 else line])
    if title:
        worksheet.append([])


def _write_rows(worksheet, rows, kinds):
    """The rows, a number given its column's format. A write-only sheet writes each row as it is
    appended, so one styled cell per column is filled anew for every row (openpyxl makes a cell
    per value either way): the styles cost a look-up per column, not per cell. A count below
    1,000 reads the same without its format (no separator to show) and is written plain: a styled
    cell costs openpyxl about twice a plain one, and most counts are small."""
    styled = {
        index: (_styled(worksheet, None, number_format=NUMBER_FORMATS[kind]), kind == "count")
        for index, kind in enumerate(kinds)
        if kind is not None
    }
    numbers = (int, float, Decimal, datetime.date)
    for row in rows:
        for index, (cell, count) in styled.items():
            if index < len(row):
                value = row[index]
                if not isinstance(value, numbers) or isinstance(value, bool):
                    continue
                if count and -1000 < value < 1000:
                    continue
                cell.value = value
                row[index] = cell
        worksheet.append(row)
