"""Read an uploaded file into a header row and data rows, whatever district offices send.

Excel files go through python-calamine (`.xlsx` and `.xls`: Rust, about 16 times faster than
openpyxl on a 36,000-row workbook). CSV goes through the standard library's csv reader, which is C
code. Neither goes through pandas: importing pandas and numpy alone takes half a second, a quarter
of the time budget of a 36,000-row import, and its DataFrame would be a second copy of every cell. CSV arrives as UTF-8 (with or without BOM) or GBK/GB18030; the encodings are tried in that order
and strictly, rather than guessed by a detector: a short GBK file often decodes as something else
to a detector, while strict UTF-8 almost never accepts GBK bytes by accident. Excel files are read
from their first sheet.
"""

import csv
import datetime
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

EXTENSIONS = (".csv", ".xlsx", ".xls")
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the OLE2 container of Excel 97-2003


class UnreadableFile(Exception):
    """The file cannot be read as a table; the message says why in the user's language."""


@dataclass
class Table:
    """The first sheet: `headers` as written (row 1) and `rows`, each with its row number in the file."""

    headers: list
    rows: list  # [(file row number, [cell, …]), …]
    encoding: str = ""


def file_format(name):
    lowered = (name or "").lower()
    for extension in (".xlsx", ".xls", ".csv"):
        if lowered.endswith(extension):
            return extension[1:]
    raise UnreadableFile(
        _("%(name)s is not a file the portal can read: send .xlsx, .xls or .csv.") % {"name": name}
    )


def table_read(content, name):
    """The table in `content` (bytes of a file called `name`), or UnreadableFile."""
    kind = file_format(name)
    if not content:
        raise UnreadableFile(_("The file is empty."))
    if kind == "csv":
        cells, encoding = _read_csv(content)
        # All text: a row is blank when its cells joined are only spaces.
        filled = [bool("".join(row).strip()) for row in cells]
    else:
        if kind == "xlsx":
            cells = _read_excel(content, XLSX_MAGIC, ".xlsx")
        else:
            cells = _read_excel(content, XLS_MAGIC, ".xls")
        encoding = ""
        filled = [any(map(_filled, row)) for row in cells]
    # Excel keeps formatted-but-empty rows at the end, and clerks leave blank lines: skip them,
    # keeping each row's number as Excel shows it (the header is row 1).
    rows = [(number, row) for number, row in enumerate(cells[1:], start=2) if filled[number - 1]]
    if not any(filled):
        raise UnreadableFile(_("The file is empty."))
    if not filled[0]:
        raise UnreadableFile(_("The first row of the file should hold the column headers; it is empty."))
    headers = ["" if not _filled(cell) else str(cell).strip() for cell in cells[0]]
    if not rows:
        raise UnreadableFile(_("The file has column headers but no rows of data."))
    return Table(headers=headers, rows=rows, encoding=encoding)


def _filled(cell):
    if cell is None:
        return False
    if isinstance(cell, float) and cell != cell:  # NaN
        return False
    return not (isinstance(cell, str) and not cell.strip())


def _read_csv(content):
    if content.startswith(XLSX_MAGIC) or content.startswith(XLS_MAGIC):
        raise UnreadableFile(_("This file is an Excel workbook, not CSV: save it as .xlsx or .xls."))
    if b"\x00" in content[:65536]:
        raise UnreadableFile(_("This file is not a CSV text file (it holds binary data)."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise UnreadableFile(_("This file is neither UTF-8 nor GBK/GB18030 text; save it as CSV (UTF-8)."))
    if _looks_binary(text):
        raise UnreadableFile(_("This file is not a CSV text file (it holds binary data)."))
    try:
        # One record is one row in Excel, even when a quoted cell holds a line break.
        cells = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise UnreadableFile(_("The CSV file cannot be read: %(reason)s") % {"reason": error}) from None
    if not cells:
        raise UnreadableFile(_("The file is empty."))
    return cells, encoding


def _looks_binary(text):
    # GB18030 decodes almost any byte sequence, so garbage passes the decoding step: control
    # characters other than tab and line ends give it away.
    sample = text[:4096]
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\t\r\n")
    return controls > 0 or "\ufffd" in sample


def _read_excel(content, magic, extension):
    if not content.startswith(magic):
        raise UnreadableFile(
            _("This file is not a real %(extension)s workbook (its content is something else).")
            % {"extension": extension}
        )
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        # From A1 as the file numbers its rows, not from the first filled cell.
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False) if book.sheet_names else []
    except Exception as error:  # noqa: BLE001 - calamine raises its own error types
        raise UnreadableFile(
            _("The workbook cannot be read: %(reason)s") % {"reason": error or type(error).__name__}
        ) from None
    if not rows:
        raise UnreadableFile(_("The file is empty."))
    _as_excel_values(rows)
    return rows


def _as_excel_values(rows):
    """In place, the values as Excel shows them (and pandas gave them): a whole number, which
    calamine gives as a float, as an int; a date as a datetime at midnight."""
    date, datetime_ = datetime.date, datetime.datetime
    for row in rows:
        for index, cell in enumerate(row):
            kind = type(cell)
            if kind is float:
                if cell.is_integer():
                    row[index] = int(cell)
            elif kind is date:
                row[index] = datetime_(cell.year, cell.month, cell.day)
