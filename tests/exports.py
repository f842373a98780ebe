"""Reading back the portal's XLSX exports: the title block above, the table below it."""

import io

from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_from_string


def xlsx_export(content):
    """(sheet, title lines, rows): the rows from the header row down, as tuples of values. The
    header is the row above the frozen pane; the title lines are the non-empty first cells above
    it."""
    sheet = load_workbook(io.BytesIO(content)).active
    header_row = coordinate_from_string(sheet.freeze_panes)[1] - 1
    title = [row[0] for row in sheet.iter_rows(max_row=header_row - 1, values_only=True) if row[0]]
    return sheet, title, list(sheet.iter_rows(min_row=header_row, values_only=True))


def xlsx_rows(content):
    """The rows of an XLSX export from its header row down."""
    return xlsx_export(content)[2]
