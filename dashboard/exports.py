"""Tables as CSV and XLSX downloads: the dashboard's district table and enterprise list, and the
trainers' attendance lists (training.exports).

The rows come from dashboard.figures and training; this module only writes them out.
"""

import csv
import io

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection); tab and
# carriage return are the OWASP additions that some programs strip before looking.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def cell_safe(value):
    """Text a spreadsheet would run as a formula, prefixed with ' so it stays text.

    Numbers are left alone: a negative percentage is a number, not a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def period_label(period):
    """The period as it appears in a file name: 2016-01_2016-12, or until-2016-12 when `from` is open."""
    if period.first is None:
        return f"until-{period.last:%Y-%m}"
    return f"{period.first:%Y-%m}_{period.last:%Y-%m}"


def spreadsheet(*, headers, rows, file_format, sheet, widths=()):
    """`headers` and `rows` (any iterable of rows, read once) as the bytes of a CSV file (UTF-8 with
    a BOM, so that Excel reads Chinese right; None as an empty cell) or of an XLSX workbook with one
    sheet named `sheet`, its columns `widths` characters wide. Text a spreadsheet would run as a
    formula stays text (cell_safe)."""
    headers = [cell_safe(str(header)) for header in headers]
    rows = ([cell_safe(value) for value in row] for row in rows)
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


def table_download(*, name, period, headers, rows, file_format):
    """An attachment `score-<name>_<period>.<csv|xlsx>` holding `headers` and `rows`."""
    body = spreadsheet(headers=headers, rows=rows, file_format=file_format, sheet=name)
    response = HttpResponse(body, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"score-{name}_{period_label(period)}.{file_format}"
    )
    return response
