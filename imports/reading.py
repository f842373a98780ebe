"""Read an uploaded file into a header row and data rows, whatever district offices send.

Excel files go through python-calamine (`.xlsx` and `.xls`: Rust, about 16 times faster than
openpyxl on a 36,000-row workbook), after imports.workbooks has measured what they unpack to and
how far their cells reach. CSV goes through the standard library's csv reader, which is C code.
Neither goes through pandas: importing pandas and numpy alone takes half a second, a quarter of
the time budget of a 36,000-row import, and its DataFrame would be a second copy of every cell.

Every bound of imports.limits (rows, columns, cells, unpacked size, time) is checked while reading,
before the work it would cost, and every failure gets the portal's own message in the user's
language; a library's own text goes to the log.

CSV arrives as UTF-8 (with or without BOM) or GBK/GB18030; the encodings are tried in that order
and strictly, rather than guessed by a detector: a short GBK file often decodes as something else
to a detector, while strict UTF-8 almost never accepts GBK bytes by accident. Excel files are read
from their first sheet.
"""

import csv
import datetime
import io
import logging
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from imports import workbooks
from imports.limits import ReadLimits, UnreadableFile, number_text

__all__ = ["EXTENSIONS", "Table", "UnreadableFile", "file_format", "table_read"]

logger = logging.getLogger(__name__)

EXTENSIONS = (".csv", ".xlsx", ".xls")
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the OLE2 container of Excel 97-2003
# Control characters a CSV file may hold at its start and still be read as text (see _read_csv).
STRAY_CONTROLS = 3
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A CSV line longer than this has its delimiters counted before the csv module splits it, so that a
# line of a million cells is refused before a million strings are made of it.
LONG_LINE = 65536
QUOTED = re.compile(r'"[^"]*"')


@dataclass
class Table:
    """The first sheet: `headers` as written (row 1) and `rows`, each with its row number in the file."""

    headers: list
    rows: list  # [(file row number, [cell, …]), …]
    encoding: str = ""
    header_row: int | None = 1  # what errors about the headers name as their row


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
    limits = ReadLimits.from_settings()
    if kind == "csv":
        cells, encoding = _read_csv(content, limits)
        # All text: a row is blank when its cells joined are only spaces.
        filled = [bool("".join(row).strip()) for row in cells]
    else:
        cells, encoding = _read_workbook(content, kind, limits), ""
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


def _read_csv(content, limits):
    if content.startswith(XLSX_MAGIC) or content.startswith(XLS_MAGIC):
        raise UnreadableFile(_("This file is an Excel workbook, not CSV: save it as .xlsx or .xls."))
    if content.startswith(UTF16_BOMS) or _utf16_without_bom(content[:512]):
        raise UnreadableFile(
            _("This CSV file is saved as UTF-16 (Unicode text); save it as CSV UTF-8 and upload it again.")
        )
    # Binary files hold NUL bytes by the hundred; a NUL or two typed into a cell, anywhere in the
    # file, is text, refused in its cell by the rule for text (common.text) with its row and column,
    # at the preview: never written, so never refused by the database at the confirm.
    if content[:65536].count(b"\x00") > STRAY_CONTROLS:
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
    rows = []
    cells = 0
    # One record is one row in Excel, even when a quoted cell holds a line break.
    reader = csv.reader(_lines(text, limits))
    try:
        for row in reader:
            rows.append(row)
            number = len(rows)
            width = len(row)
            cells += width
            if width > limits.columns:
                # Trailing empty cells (a spreadsheet's formatted but empty columns) hold nothing.
                while width and not row[width - 1]:
                    width -= 1
                limits.check_columns(width, number)
            if number > limits.rows + 1 or cells > limits.cells:
                limits.check_rows(number)
                limits.check_cells(cells)
            if not number & 0xFFF:
                limits.check_time()
    except csv.Error as error:
        logger.info("unreadable CSV at row %d: %s", len(rows) + 1, error)
        if "field larger than field limit" in str(error):
            raise UnreadableFile(
                _(
                    "Row %(row)s holds a cell longer than %(limit)s characters: perhaps a quotation mark "
                    '(") opens a cell and never closes it. Correct that row and upload the file again.'
                )
                % {"row": number_text(len(rows) + 1), "limit": number_text(csv.field_size_limit())}
            ) from None
        raise UnreadableFile(
            _("The CSV file cannot be read from row %(row)s on; save it again as CSV UTF-8.")
            % {"row": number_text(len(rows) + 1)}
        ) from None
    if not rows:
        raise UnreadableFile(_("The file is empty."))
    return rows, encoding


def _lines(text, limits):
    """The physical lines of `text` for the csv reader, each long one checked for its width first:
    its delimiters outside quotes, trailing ones aside, give at least its number of cells."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > LONG_LINE:
            unquoted = QUOTED.sub("", line.rstrip("\r\n").rstrip(","))
            limits.check_columns(unquoted.count(",") + 1, number)
        yield line


def _utf16_without_bom(sample):
    # Commas and line ends in UTF-16 are a byte and a NUL: a sample with NULs that decodes to text
    # holding them, and nothing binary, is UTF-16. Binary data rarely decodes (lone surrogates).
    # A NUL or two is a stray character in a UTF-8 or GB18030 file, refused in its cell.
    if sample.count(b"\x00") <= STRAY_CONTROLS:
        return False
    even = sample[: len(sample) // 2 * 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        for cut in (even, even[:-2]):  # the sample may end inside a surrogate pair
            try:
                text = cut.decode(encoding)
            except UnicodeDecodeError:
                continue
            if ("," in text or "\n" in text) and not _looks_binary(text):
                return True
            break
    return False


def _looks_binary(text):
    # GB18030 decodes almost any byte sequence, so garbage passes the decoding step: control
    # characters other than tab and line ends give it away (about one character in ten of it).
    # A few of them, and fewer than one in a hundred characters, were typed into cells of a text
    # file, and are refused there.
    sample = text[:4096]
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\t\r\n")
    return (controls > STRAY_CONTROLS and controls * 100 > len(sample)) or "\ufffd" in sample


def _read_workbook(content, kind, limits):
    extension = f".{kind}"
    if _looks_like_markup(content):
        raise UnreadableFile(
            _(
                "This %(extension)s file is really a web page or XML file given an Excel name. Open it in "
                "Excel and save it as an Excel workbook (.xlsx)."
            )
            % {"extension": extension}
        )
    if kind == "xlsx":
        if content.startswith(XLS_MAGIC) and workbooks.encrypted(content):
            raise workbooks.protected()
        if not content.startswith(XLSX_MAGIC):
            raise workbooks.not_a_workbook(extension)
        workbooks.xlsx_check(content, limits)
    else:
        if not content.startswith(XLS_MAGIC):
            raise workbooks.not_a_workbook(extension)
        workbooks.xls_check(content, limits)
    limits.check_time()
    from python_calamine import CalamineWorkbook, PasswordError, XmlError, ZipError

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        if not book.sheet_names:
            raise UnreadableFile(_("The file is empty."))
        # From A1 as the file numbers its rows, not from the first filled cell.
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except UnreadableFile:
        raise
    except PasswordError as error:
        logger.info("unreadable %s: %r", extension, error)
        raise workbooks.protected() from None
    except XmlError as error:
        logger.info("unreadable %s: %r", extension, error)
        raise workbooks.damaged_xml() from None
    except ZipError as error:
        logger.info("unreadable %s: %r", extension, error)
        raise workbooks.damaged() from None
    except Exception as error:  # noqa: BLE001 - calamine's own error types, and whatever else
        logger.info("unreadable %s: %r", extension, error)
        raise _unreadable() from None
    except BaseException as error:
        # A Rust panic inside calamine reaches Python as pyo3's PanicException, a BaseException.
        if type(error).__name__ != "PanicException":
            raise
        logger.warning("calamine panicked on a %s: %r", extension, error)
        raise _unreadable() from None
    limits.check_time()
    if not rows:
        raise UnreadableFile(_("The file is empty."))
    _as_excel_values(rows, limits)
    return rows


def _unreadable():
    return UnreadableFile(
        _(
            "The workbook cannot be read: it holds something the portal does not understand. Open it in "
            "Excel, save it again as .xlsx and upload it again."
        )
    )


def _looks_like_markup(content):
    start = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype", b"<html", b"<?xml", b"<table", b"<head", b"<meta"))


def _as_excel_values(rows, limits):
    """In place, the values as Excel shows them: a whole number (calamine gives every number as a
    float) as an int, a date as a datetime at midnight."""
    date, datetime_ = datetime.date, datetime.datetime
    for number, row in enumerate(rows):
        for index, cell in enumerate(row):
            kind = type(cell)
            if kind is float:
                if cell.is_integer():
                    row[index] = int(cell)
            elif kind is date:
                row[index] = datetime_(cell.year, cell.month, cell.day)
        if not number & 0xFFF:
            limits.check_time()
