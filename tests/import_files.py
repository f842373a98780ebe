"""Write real import files the way district offices make them: CSV in three encodings, .xlsx, .xls."""

import csv
import io

import openpyxl
import xlwt


def csv_bytes(rows, encoding="utf-8"):
    """`rows` (header first) as CSV bytes; encoding utf-8, utf-8-sig (with BOM) or gbk."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows, number_formats=None):
    """`rows` as the first sheet of a workbook; dates and numbers stay Excel cells."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    for cell, number_format in (number_formats or {}).items():
        sheet[cell].number_format = number_format
    workbook.create_sheet("second sheet, never read").append(["ignored"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xls_bytes(rows):
    """`rows` as an Excel 97-2003 workbook; datetime.date cells get a date format."""
    import datetime

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("Sheet1")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write(r, c, value, date_style)
            elif value is not None:
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
