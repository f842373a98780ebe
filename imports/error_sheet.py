"""The user's own file with an error column added, to fix and send back."""

import csv
import io

from django.utils.translation import gettext as _

from common.spreadsheets import xlsx_text
from imports.reading import file_format, table_read


def error_sheet(*, content, file_name, errors):
    """(bytes, download name, content type) of the file with a column of this row's errors.

    An .xlsx keeps its formatting (the column is added to its first sheet); a CSV stays CSV (UTF-8
    with BOM, which Excel opens correctly); an .xls, which nothing here can write, becomes .xlsx.
    Rows keep their numbers, so the sheet lines up with the messages on screen.
    """
    by_row = {}
    for problem in errors:
        text = f"{problem.column}: {problem.message}" if problem.column else problem.message
        by_row.setdefault(problem.row or 1, []).append(text)
    import openpyxl  # with numpy behind it: loaded when a sheet is asked for, not with the views

    heading = _("Errors")
    stem = file_name.rsplit(".", 1)[0]
    kind = file_format(file_name)
    if kind == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        sheet = workbook.worksheets[0]
        column = sheet.max_column + 1
        sheet.cell(row=1, column=column, value=xlsx_text("; ".join([heading, *by_row.get(1, [])])))
        for row, texts in by_row.items():
            if row > 1:
                sheet.cell(row=row, column=column, value=xlsx_text("; ".join(texts)))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue(), f"{stem}-{_('errors')}.xlsx", XLSX
    table = table_read(content, file_name)
    lines = {1: [*table.headers, "; ".join([heading, *by_row.get(1, [])])]}
    width = len(table.headers)
    for number, cells in table.rows:
        shown = ["" if c is None else str(c) for c in cells] + [""] * (width - len(cells))
        lines[number] = [*shown[:width], "; ".join(by_row.get(number, []))]
    last = max(lines)
    if kind == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        for number in range(1, last + 1):
            writer.writerow(lines.get(number, []))
        return text.getvalue().encode("utf-8-sig"), f"{stem}-{_('errors')}.csv", "text/csv; charset=utf-8"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, values in lines.items():
        for index, value in enumerate(values, start=1):
            # A cell the file was refused for may hold a character XLSX cannot.
            sheet.cell(row=number, column=index, value=xlsx_text(value))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), f"{stem}-{_('errors')}.xlsx", XLSX


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
