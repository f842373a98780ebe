"""Look inside a workbook before python-calamine opens it: what it unpacks to and how far its cells
reach, refused past the bounds of imports.limits.

calamine builds a sheet as one dense block from its first to its last filled cell, in Rust, where
a failed allocation ends the process: a 1 kB .xlsx with a cell at XFD1048576, or a 6 kB .xls with
one at IV65536, costs gigabytes or kills the worker. A shared-strings part declaring a trillion
strings does the same (calamine reserves them). So the extent of the sheet is measured here, the
way calamine will place its cells, with streaming parsers that hold one chunk at a time: expat for
the XML of an .xlsx, the record headers of an .xls's BIFF stream (through olefile, which reads the
OLE2 container). A damaged file gets the portal's own message here too, never a library's.
"""

import io
import logging
import posixpath
import struct
import zipfile
import zlib
from xml.parsers import expat

from django.utils.translation import gettext as _

from imports.limits import UnreadableFile, number_text

logger = logging.getLogger(__name__)

# A workbook's XML packs about 10 to 1 (a 36,000-row sheet: 10.5); deflate cannot pass about 1,030
# to 1, which is where a run of repeated bytes, a zip bomb, sits. Parts smaller than a megabyte
# unpacked are left alone: their ratio says nothing and they cost nothing.
MAX_RATIO = 100
RATIO_FLOOR = 2**20
CHUNK = 2**20

# The grid of an .xls (BIFF8): a DIMENSIONS record past it is damaged (calamine reserves its cells).
XLS_ROWS = 65536
XLS_COLUMNS = 256


def damaged():
    return UnreadableFile(
        _(
            "The workbook cannot be read: it is damaged or incomplete (perhaps cut short while "
            "uploading). Open it in Excel, save it again and upload it again."
        )
    )


def damaged_xml():
    return UnreadableFile(
        _(
            "The workbook cannot be read: part of its content is damaged (it is not well-formed XML). "
            "Open it in Excel, save it again and upload it again."
        )
    )


def protected():
    return UnreadableFile(
        _(
            "The workbook cannot be read: it is protected by a password. Remove the password in Excel, "
            "save the workbook and upload it again."
        )
    )


def not_a_workbook(extension):
    return UnreadableFile(
        _("This file is not a real %(extension)s workbook (its content is something else).")
        % {"extension": extension}
    )


def too_packed(ratio):
    return UnreadableFile(
        _(
            "A part of this workbook unpacks to %(ratio)s times its packed size; the portal reads parts "
            "packed at most %(limit)s to 1, far more than Excel ever packs. Save it again from Excel."
        )
        % {"ratio": number_text(ratio), "limit": MAX_RATIO}
    )


# .xlsx ------------------------------------------------------------------------------------------


def xlsx_check(content, limits):
    """Refuse an .xlsx that unpacks past the limits or whose first sheet reaches past them."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        logger.info("unreadable .xlsx, zip directory: %r", error)
        raise damaged() from None
    limits.check_unzipped(sum(member.file_size for member in members))
    for member in members:
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise too_packed(member.file_size // max(member.compress_size, 1))
    try:
        sheet, shared_strings = _first_sheet_parts(archive)
        # Every XML part calamine may parse is unpacked once here, in chunks: zipfile stops at the
        # size the directory declares and checks the CRC, so a part cannot unpack to more than the
        # sizes checked above, and the first sheet and the shared strings are measured on the way.
        for member in members:
            if member.is_dir() or not member.filename.endswith((".xml", ".rels")):
                continue
            parser = expat.ParserCreate()
            if member.filename == sheet:
                parser.StartElementHandler = _SheetExtent(limits).start
            elif member.filename == shared_strings:
                parser.StartElementHandler = _SharedStrings(limits).start
            else:
                parser = None
            with archive.open(member) as stream:
                while chunk := stream.read(CHUNK):
                    if parser:
                        parser.Parse(chunk, False)
                    limits.check_time()
            if parser:
                parser.Parse(b"", True)
    except expat.ExpatError as error:
        logger.info("unreadable .xlsx, XML: %s", error)
        raise damaged_xml() from None
    except RuntimeError as error:  # zipfile: "File … is encrypted, password required"
        logger.info("unreadable .xlsx, zip: %s", error)
        raise protected() from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as error:
        logger.info("unreadable .xlsx, zip member: %r", error)
        raise damaged() from None


def _first_sheet_parts(archive):
    """The zip names of the first sheet and of the shared strings, found as calamine finds them:
    the workbook part named by _rels/.rels, its first <sheet>, that sheet's relationship. Each part
    is read by expat only up to what is sought, keeping nothing else: they can be as large as the
    unpacked limit allows."""
    names = set(archive.namelist())
    workbook = _first(archive, "_rels/.rels", "Relationship", lambda a: _target(a, "", "/officeDocument"))
    if workbook not in names:
        raise not_a_workbook(".xlsx")
    folder, base = posixpath.split(workbook)
    sheet_id = _first(
        archive, workbook, "sheet", lambda a: next((v for k, v in a.items() if k.endswith(":id")), None)
    )
    sheet = _first(
        archive,
        f"{folder}/_rels/{base}.rels",
        "Relationship",
        lambda a: a.get("Id") == sheet_id and _target(a, folder),
    )
    if sheet_id is None or sheet not in names:
        raise not_a_workbook(".xlsx")
    return sheet, posixpath.join(folder, "sharedStrings.xml")


class _Found(Exception):
    pass


def _first(archive, name, element, pick):
    """The first non-empty pick(attributes) of an `element` of the part `name`; None if none."""
    if name not in archive.namelist():
        return None
    found = []

    def start(tag, attributes):
        if tag.rpartition(":")[2] == element and (value := pick(attributes)):
            found.append(value)
            raise _Found

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Found:
        pass
    return found[0] if found else None


def _target(attributes, folder, kind=""):
    """The zip name a relationship points to (relative to `folder`, or absolute), if of `kind`."""
    if not attributes.get("Type", "").endswith(kind):
        return None
    target = attributes.get("Target", "")
    return posixpath.normpath(target[1:] if target.startswith("/") else posixpath.join(folder, target))


class _SheetExtent:
    """Follows a sheet's XML as calamine places its cells: a cell's `r` (B7) gives its place; without
    one it is the next column of the current row; a <row> without `r` follows the previous row. Only
    a cell with a value (<v> or <is>) widens the block, as in calamine."""

    def __init__(self, limits):
        self.limits = limits
        self.row = 0  # current row, from 1
        self.column = 0  # column of the last cell of the row, from 1
        self.cell = None  # (row, column) of the cell being read, until its value is seen
        self.rows = 0
        self.columns = 0
        self.letters = {}

    def start(self, name, attributes):
        # Called for every element of the sheet, a few hundred thousand times: the cheap tests first.
        if ":" in name:  # a prefixed SpreadsheetML (x:c), as some libraries write it
            name = name[name.index(":") + 1 :]
        if name == "c":
            reference = attributes.get("r")
            place = self._place(reference) if reference else None
            if place is None:
                self.column += 1
                place = (self.row, self.column)
            else:
                self.column = place[1]
            self.cell = place
        elif name == "v" or name == "is":
            if self.cell is None:
                return
            row, column = self.cell
            self.cell = None
            if row > self.rows:
                self.rows = row
                self.limits.check_rows(row)
                self.limits.check_cells(self.rows * self.columns)
            if column > self.columns:
                self.columns = column
                self.limits.check_columns(column, row)
                self.limits.check_cells(self.rows * self.columns)
        elif name == "row":
            number = attributes.get("r")
            self.row = int(number) if number and number.isdigit() else self.row + 1
            self.column = 0

    def _place(self, reference):
        digits = reference.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        letters = reference[: len(reference) - len(digits)]
        if not letters or not digits.isdigit() or len(letters) > 3:
            return None
        column = self.letters.get(letters)
        if column is None:
            column = 0
            for letter in letters.upper():
                column = column * 26 + ord(letter) - 64
            self.letters[letters] = column
        return int(digits), column


class _SharedStrings:
    """Counts the shared strings (and the count the part declares, which calamine reserves)."""

    def __init__(self, limits):
        self.limits = limits
        self.count = 0

    def start(self, name, attributes):
        local = name[name.index(":") + 1 :] if ":" in name else name
        if local == "si":
            self.count += 1
            if self.count > self.limits.cells:
                self.limits.check_cells(self.count)
        elif local == "sst":
            for declared in (attributes.get("uniqueCount"), attributes.get("count")):
                if declared and declared.isdigit():
                    self.limits.check_cells(int(declared))


# .xls -------------------------------------------------------------------------------------------

BOF, EOF, BOUNDSHEET, DIMENSIONS, FILEPASS, MULRK = 0x0809, 0x000A, 0x0085, 0x0200, 0x002F, 0x00BD
# Records of a cell calamine keeps (BLANK and MULBLANK, formatting only, it skips): NUMBER, LABEL,
# RSTRING, BOOLERR, RK, LABELSST, FORMULA (its text and its value).
CELLS = frozenset({0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006})
HEADER = struct.Struct("<HH")


def encrypted(content):
    """Whether an OLE2 container is a password-protected .xlsx (Excel encrypts it into one)."""
    import olefile

    try:
        return olefile.OleFileIO(io.BytesIO(content)).exists("EncryptedPackage")
    except Exception:  # noqa: BLE001 - not a readable container: the caller says what it is not
        return False


def xls_check(content, limits):
    """Refuse an .xls whose sheets reach past the limits. calamine reads every sheet of an .xls
    when it opens it, so every sheet counts towards the cells; rows and columns are the first's."""
    import olefile

    try:
        container = olefile.OleFileIO(io.BytesIO(content))
        if container.exists("EncryptedPackage"):
            raise protected()
        name = next((n for n in ("Workbook", "Book") if container.exists(n)), None)
        if name is None:
            raise not_a_workbook(".xls")
        stream = container.openstream(name).read()
    except UnreadableFile:
        raise
    except Exception as error:  # noqa: BLE001 - olefile raises OSError, ValueError, struct.error…
        logger.info("unreadable .xls, OLE2 container: %r", error)
        raise damaged() from None
    sheets = []
    for record, start, size in _records(stream, 0, limits):
        if record == FILEPASS:
            raise protected()
        if record == BOUNDSHEET and size >= 4:
            sheets.append(struct.unpack_from("<I", stream, start)[0])
        elif record == EOF:
            break
    cells = 0
    for index, offset in enumerate(sheets or [0]):
        rows, columns, row_of_last_column = _xls_sheet_extent(stream, offset, limits)
        if index == 0:
            limits.check_rows(rows)
            limits.check_columns(columns, row_of_last_column)
        cells += rows * columns
        limits.check_cells(cells)


def _records(stream, offset, limits):
    """(type, offset of its data, size) of each BIFF record from `offset` on."""
    end = len(stream)
    position = offset
    count = 0
    while position + 4 <= end:
        record, size = HEADER.unpack_from(stream, position)
        yield record, position + 4, size
        position += 4 + size
        count += 1
        if not count & 0xFFFF:
            limits.check_time()


def _xls_sheet_extent(stream, offset, limits):
    """(rows, columns, row reaching the last column) of the block calamine makes of the sheet whose
    BOF is at `offset`, from A1 to its last filled cell or formula."""
    if offset >= len(stream):
        raise damaged()
    rows = columns = last_column_row = 0
    depth = 0
    seen_bof = False
    unpack = HEADER.unpack_from
    for record, start, size in _records(stream, offset, limits):
        if depth:
            # A chart or other substream inside the sheet: calamine skips it.
            depth += record == BOF
            depth -= record == EOF
            continue
        if record in CELLS:
            if size < 4:
                raise damaged()
            row, column = unpack(stream, start)
        elif record == MULRK:
            if size < 6:
                raise damaged()
            row = unpack(stream, start)[0]
            column = struct.unpack_from("<H", stream, start + size - 2)[0]
        elif record == DIMENSIONS:
            if size == 14:
                first_row, last_row = struct.unpack_from("<II", stream, start)
            elif size == 10:
                first_row, last_row = unpack(stream, start)
            else:
                raise damaged()
            last_column = struct.unpack_from("<H", stream, start + (10 if size == 14 else 6))[0]
            # Rows and columns past their last (+1), as BIFF writes them. calamine reserves this
            # block (address space only) but counts it in unsigned integers: past the grid, or
            # ending before it starts, it overflows.
            if last_row > XLS_ROWS or last_column > XLS_COLUMNS or 1 <= last_row <= first_row:
                raise damaged()
            continue
        elif record == BOF:
            depth = int(seen_bof)
            seen_bof = True
            continue
        elif record == EOF:
            break
        else:
            continue
        if row >= rows:
            rows = row + 1
        if column >= columns:
            columns = column + 1
            last_column_row = row + 1
    return rows, columns, last_column_row
