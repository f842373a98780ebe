"""The district table and the enterprise list as CSV and XLSX downloads.

The rows come from dashboard.figures; this module only writes them out.
"""

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection); tab and
# carriage return are the OWASP additions that some programs strip before looking.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def table_download(*, name, period, headers, rows, file_format):
    """An attachment `score-<name>_<period>.<csv|xlsx>` holding `headers` and `rows`."""
    filename = f"score-{name}_{period_label(period)}.{file_format}"
    rows = [[cell_safe(value) for value in row] for row in rows]
    headers = [cell_safe(str(header)) for header in headers]
    if file_format == "csv":
        buffer = io.StringIO()
        # The BOM makes Excel read the file as UTF-8, so Chinese names are not garbled.
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(["" if value is None else value for value in row] for row in rows)
        response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(name[:31])
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
