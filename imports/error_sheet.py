"""The user's own file with an error column added, to fix and send back."""

import io

from django.utils.translation import gettext as _

from common.spreadsheets import CONTENT_TYPES, cell_safe, spreadsheet, xlsx_text
from imports.reading import file_format, table_read

# Keeping an .xlsx's formatting means openpyxl loading every cell as an object: about 0.5 kB and
# 20 µs a cell, 870 MB and 33 s for the 1.6 million cells of the largest file the reader accepts.
# Past this many cells (a 36,000-row file of 8 columns is 288,000) the sheet is written anew from
# its values, streamed, as an .xls's is.
KEEP_FORMATTING_CELLS = 300_000


def error_sheet(*, content, file_name, errors):
    """(bytes, download name, content type) of the file with a column of this row's errors.

    An .xlsx keeps its formatting (the column is added to its first sheet) up to
    KEEP_FORMATTING_CELLS; a CSV stays CSV (UTF-8 with BOM, which Excel opens correctly); an .xls,
    which nothing here can write, becomes .xlsx, as does a larger .xlsx, without its formatting.
    Rows keep their numbers, so the sheet lines up with the messages on screen.

    Every cell the portal writes goes through the formula guard of common.spreadsheets: a cell
    typed `=HYPERLINK(…)`, `+cmd` or `@SUM(1)` in the upload, or a header quoted in an error
    message, comes back as text, never as a live formula. An .xlsx keeps its formatting but not its
    formulas: each comes back as the value Excel saved with it, which is what the import read.
    """
    by_row = {}
    for problem in errors:
        text = f"{problem.column}: {problem.message}" if problem.column else problem.message
        by_row.setdefault(problem.row or 1, []).append(text)
    heading = _("Errors")
    stem = file_name.rsplit(".", 1)[0]
    kind = file_format(file_name)
    table = table_read(content, file_name)
    width = len(table.headers)
    if kind == "xlsx" and table.rows[-1][0] * width <= KEEP_FORMATTING_CELLS:
        import openpyxl  # with numpy behind it: loaded when a sheet is asked for, not with the views

        workbook = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
        for each in workbook.worksheets:
            for row in each.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        cell.value = xlsx_text(cell_safe(cell.value))
        sheet = workbook.worksheets[0]
        sheet.freeze_panes = "A2"
        column = sheet.max_column + 1
        sheet.cell(row=1, column=column, value=xlsx_text(cell_safe("; ".join([heading, *by_row.get(1, [])]))))
        for row, texts in by_row.items():
            if row > 1:
                sheet.cell(row=row, column=column, value=xlsx_text(cell_safe("; ".join(texts))))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue(), f"{stem}-{_('errors')}.xlsx", CONTENT_TYPES["xlsx"]
    written = "csv" if kind == "csv" else "xlsx"
    body = spreadsheet(
        headers=[*table.headers, "; ".join([heading, *by_row.get(1, [])])],
        rows=_numbered_rows(table, by_row),
        file_format=written,
        sheet=heading,
    )
    return body, f"{stem}-{_('errors')}.{written}", CONTENT_TYPES[written]


def _numbered_rows(table, by_row):
    """The table's rows with their errors, one at a time, and an empty row where the file had a
    blank one, so that each keeps its number."""
    width = len(table.headers)
    following = 2
    for number, cells in table.rows:
        yield from ([] for _blank in range(following, number))
        shown = ["" if cell is None else cell for cell in cells] + [""] * (width - len(cells))
        yield [*shown[:width], "; ".join(by_row.get(number, []))]
        following = number + 1
