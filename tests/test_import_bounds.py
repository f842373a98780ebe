"""A file under the upload limit that expands without bound is refused early, with a message naming
the limit: the rows, the columns, the cells, the unpacked size of a workbook, the time.

The limits are set low here (20 rows, 10 columns, 150 cells, 1 MB unpacked) so that files just past
them are a few kilobytes; one real zip bomb is checked against the default limits.
"""

import io
import zipfile

import pytest
import xlwt
from django.core.management import CommandError, call_command
from django.utils import translation

from enterprises.models import Enterprise
from imports.models import ImportBatch
from imports.reading import UnreadableFile, table_read
from tests.import_files import csv_bytes, xls_bytes
from tests.workbook_files import (
    HEADER_ROW,
    declaring_smaller_sizes,
    number_cell,
    sheet_xml,
    text_cell,
    xlsx_bomb,
    xlsx_from_parts,
)

NANXUN_A = "91330503375583185N"

ROWS = "The file has more than 20 rows below its header; the portal reads at most 20 rows from one file. Split it into smaller files."  # noqa: E501
CELLS = "The file holds more than 150 cells (rows × columns, blank ones included); the portal reads at most 150 from one file. Split it into smaller files."  # noqa: E501
TIME = "Reading the file took more than 0 seconds, the portal's limit. Split it into smaller files."
DAMAGED = "The workbook cannot be read: it is damaged or incomplete (perhaps cut short while uploading). Open it in Excel, save it again and upload it again."  # noqa: E501


def columns(row, count, limit=10):
    return (
        f"Row {row} reaches column {count}; the portal reads at most {limit} columns. "
        "Delete the columns the import does not need."
    )


@pytest.fixture
def low_limits(settings):
    settings.SCORE_IMPORT_MAX_ROWS = 20
    settings.SCORE_IMPORT_MAX_COLUMNS = 10
    settings.SCORE_IMPORT_MAX_CELLS = 150
    settings.SCORE_IMPORT_MAX_UNZIPPED_BYTES = 2**20
    return settings


def refusal(content, name):
    with translation.override("en"), pytest.raises(UnreadableFile) as refused:
        table_read(content, name)
    return str(refused.value)


def data_rows(count, width=2):
    """`count` rows of `width` cells under a header, as (row number, cells) for the writers."""
    return [[f"h{c}" for c in range(width)]] + [[f"r{r}c{c}" for c in range(width)] for r in range(count)]


def sheet_rows(count, width):
    """The same as XML rows, starting at row 2."""
    return "".join(
        f'<row r="{r}">' + "".join(number_cell(f"{chr(65 + c)}{r}", c) for c in range(width)) + "</row>"
        for r in range(2, count + 2)
    )


# .xlsx: how far the first sheet reaches, measured before calamine builds it --------------------


@pytest.mark.parametrize(
    ("rows_xml", "prefix", "message"),
    [
        # One cell in the last row and column of Excel's grid: calamine would build 17 billion cells.
        (HEADER_ROW + '<row r="1048576">' + number_cell("XFD1048576", 1) + "</row>", "", ROWS),
        (HEADER_ROW + '<row r="1048576">' + number_cell("A1048576", 1) + "</row>", "", ROWS),
        (HEADER_ROW + '<row r="22">' + number_cell("A22", 1) + "</row>", "", ROWS),
        (HEADER_ROW + '<row r="2">' + number_cell("XFD2", 1) + "</row>", "", columns(2, "16,384")),
        (HEADER_ROW + '<row r="3">' + number_cell("K3", 1) + "</row>", "", columns(3, 11)),
        # 16 rows × 10 columns: neither limit passed, their product is.
        (HEADER_ROW + '<row r="16">' + number_cell("J16", 1) + "</row>", "", CELLS),
        (HEADER_ROW + '<row r="2">' + text_cell("J2", "x") + "</row>" + sheet_rows(15, 1), "", CELLS),
        # Cells without `r` follow each other along the row; rows without `r` follow each other.
        (HEADER_ROW + "<row>" + "<c><v>1</v></c>" * 11 + "</row>", "", columns(2, 11)),
        (HEADER_ROW + "<row><c><v>1</v></c></row>" * 21, "", ROWS),
        # The same written with a namespace prefix, as some libraries do.
        (
            '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>h</x:t></x:is></x:c></x:row>'
            '<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',
            "x",
            ROWS,
        ),
        ('<x:row r="1"><x:c r="L1"><x:v>1</x:v></x:c></x:row>', "x", columns(1, 12)),
    ],
    ids=[
        "last-cell-of-excel",
        "last-row-of-excel",
        "row-past-the-limit",
        "last-column-of-excel",
        "column-past-the-limit",
        "cells-past-the-limit",
        "cells-past-the-limit-text",
        "cells-without-r",
        "rows-without-r",
        "prefixed-last-cell",
        "prefixed-column",
    ],
)
def test_an_xlsx_reaching_past_the_limits_is_refused(low_limits, rows_xml, prefix, message):
    assert refusal(xlsx_from_parts(sheet_xml(rows_xml, prefix)), "e.xlsx") == message


@pytest.mark.parametrize("target", ["worksheets/data.xml", "/xl/worksheets/data.xml", "../xl/sheets/one.xml"])
def test_the_first_sheet_is_found_wherever_the_workbook_puts_it(low_limits, target):
    # The part named sheet1.xml is a decoy the size of the limits; the first sheet is elsewhere.
    decoy = ("xl/worksheets/sheet1.xml", sheet_xml(HEADER_ROW))
    far = sheet_xml(HEADER_ROW + '<row r="2">' + number_cell("K2", 1) + "</row>")
    content = xlsx_from_parts(far, sheet_target=target, extra=[decoy] if target.endswith("data.xml") else [])
    assert refusal(content, "e.xlsx") == columns(2, 11)


def test_formatted_empty_cells_far_out_do_not_count_as_calamine_skips_them(low_limits):
    rows_xml = (
        HEADER_ROW
        + '<row r="2">'
        + text_cell("A2", NANXUN_A)
        + "</row>"
        + '<row r="1048576"><c r="XFD1048576" s="1"/></row>'
    )
    table = table_read(xlsx_from_parts(sheet_xml(rows_xml)), "e.xlsx")
    assert (table.headers, table.rows) == (["统一社会信用代码", "企业名称"], [(2, [NANXUN_A, ""])])


def test_an_xlsx_at_the_limits_is_read(low_limits):
    # 20 rows below the header × 7 columns = 147 cells (≤ 150); and 10 columns × 5 rows = 50.
    tall = table_read(xlsx_from_parts(sheet_xml(HEADER_ROW + sheet_rows(20, 7))), "e.xlsx")
    assert (len(tall.rows), tall.rows[-1]) == (20, (21, [0, 1, 2, 3, 4, 5, 6]))
    wide = table_read(xlsx_from_parts(sheet_xml(HEADER_ROW + sheet_rows(4, 10))), "e.xlsx")
    assert wide.rows[-1] == (5, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])


@pytest.mark.parametrize(
    "shared_strings",
    [
        # calamine reserves what uniqueCount declares: a trillion strings end the process.
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{10**12}"/>',
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="151"/>',
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "<si><t>x</t></si>" * 151
        + "</sst>",
    ],
    ids=["declared-trillion", "declared-past-the-limit", "strings-past-the-limit"],
)
def test_shared_strings_past_the_cells_limit_are_refused(low_limits, shared_strings):
    assert refusal(xlsx_from_parts(sheet_xml(HEADER_ROW), shared_strings), "e.xlsx") == CELLS


# .xlsx: what it unpacks to, read from the zip's directory before anything is unpacked -----------


def test_a_zip_bomb_is_refused_by_its_declared_size(db):
    # 256 MB of NUL bytes as the first sheet, packed into about 260 kB; the default limits.
    content = xlsx_bomb("xl/worksheets/sheet1.xml", 256 * 2**20)
    assert len(content) < 300_000
    assert refusal(content, "bomb.xlsx") == (
        "Unpacked, this workbook takes 257 MB; the portal reads workbooks of at most 200 MB unpacked. "
        "Split it into smaller files."
    )


@pytest.mark.parametrize(
    "member", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml", "xl/media/image1.png"]
)
def test_a_part_packed_past_any_real_workbook_is_refused(member):
    content = xlsx_bomb(member, 3 * 2**20, byte=b"A")
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(member)
    ratio = info.file_size // info.compress_size  # about a thousand: what deflate does to one byte
    assert ratio > 100
    assert refusal(content, "bomb.xlsx") == (
        f"A part of this workbook unpacks to {ratio:,} times its packed size; the portal reads parts "
        "packed at most 100 to 1, far more than Excel ever packs. Save it again from Excel."
    )


def test_parts_past_the_unpacked_limit_are_refused(low_limits):
    picture = bytes(range(256)) * 6144  # 1.5 MB
    content = xlsx_from_parts(sheet_xml(HEADER_ROW), extra=[("xl/media/image1.png", picture)])
    assert refusal(content, "e.xlsx") == (
        "Unpacked, this workbook takes 2 MB; the portal reads workbooks of at most 1 MB unpacked. "
        "Split it into smaller files."
    )


def test_a_part_unpacking_to_more_than_its_directory_declares_is_refused(db):
    content = xlsx_from_parts(sheet_xml(HEADER_ROW + sheet_rows(3, 2)))
    assert refusal(declaring_smaller_sizes(content, "xl/worksheets/sheet1.xml"), "e.xlsx") == DAMAGED


# .xls: every sheet's extent, from the BIFF records, before calamine opens it -------------------


def xls_with(cells, second_sheet=()):
    """An .xls with `cells` ({(row, column): value}, from 0) on its first sheet."""
    workbook = xlwt.Workbook(encoding="utf-8")
    for number, sheet_cells in enumerate((cells, second_sheet) if second_sheet else (cells,), start=1):
        sheet = workbook.add_sheet(f"Sheet{number}")
        for (row, column), value in dict(sheet_cells).items():
            sheet.write(row, column, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADERS = {(0, 0): "统一社会信用代码", (0, 1): "企业名称"}


@pytest.mark.parametrize(
    ("cells", "second_sheet", "message"),
    [
        # The last cell of the .xls grid: calamine builds 16.7 million cells (1 GB) from a 6 kB file.
        ({**HEADERS, (65535, 255): 1}, (), ROWS),
        ({**HEADERS, (21, 0): 1}, (), ROWS),
        ({**HEADERS, (1, 255): 1}, (), columns(2, 256)),
        ({**HEADERS, (2, 10): "x"}, (), columns(3, 11)),
        ({**HEADERS, (15, 9): 1}, (), CELLS),
        # Formulas count: calamine keeps them in a block of their own.
        ({**HEADERS, (2, 10): xlwt.Formula("1+1")}, (), columns(3, 11)),
        # calamine reads every sheet when it opens an .xls: a second sheet counts towards the cells.
        (HEADERS, {(14, 9): 1}, CELLS),
    ],
    ids=[
        "last-cell-of-the-grid",
        "row-past-the-limit",
        "last-column",
        "column-past-the-limit",
        "cells-past-the-limit",
        "formula-past-the-columns",
        "second-sheet",
    ],
)
def test_an_xls_reaching_past_the_limits_is_refused(low_limits, cells, second_sheet, message):
    assert refusal(xls_with(cells, second_sheet), "e.xls") == message


def test_an_xls_at_the_limits_is_read(low_limits):
    # Header + 20 rows × 7 columns = 147 cells.
    table = table_read(xls_bytes(data_rows(20, 7)), "e.xls")
    assert (len(table.rows), table.rows[-1]) == (20, (21, [f"r19c{c}" for c in range(7)]))


def test_an_xls_declaring_dimensions_past_the_grid_is_refused(db):
    content = bytearray(xls_bytes(data_rows(2)))
    # DIMENSIONS (0x0200, 14 bytes): first row, last row + 1 (u32), first column, last column + 1.
    at = content.find(b"\x00\x02\x0e\x00")
    content[at + 8 : at + 12] = (2**31).to_bytes(4, "little")
    assert refusal(bytes(content), "e.xls") == DAMAGED


# CSV: counted while it is read, stopped at the first row past a limit --------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (csv_bytes(data_rows(21)), ROWS),
        (csv_bytes(data_rows(1) + [[]] * 20), ROWS),  # blank lines are rows of the file too
        (csv_bytes(data_rows(2) + [["a"] * 11]), columns(4, 11)),
        (csv_bytes(data_rows(2) + [["", ""] * 5 + ["x"]]), columns(4, 11)),
        (csv_bytes(data_rows(15, 10)), CELLS),
        # A line of a million cells is measured before the csv module splits it.
        (b"h1,h2\r\n" + b"ab," * 10**6 + b"ab\r\n", columns(2, "1,000,001")),
        (b"h1,h2\r\n" + b'"a,b",' * 20000 + b"x\r\n", columns(2, "20,001")),
    ],
    ids=[
        "rows",
        "blank-rows",
        "columns",
        "column-after-empty-cells",
        "cells",
        "a-million-cells-in-a-line",
        "quoted-cells-in-a-long-line",
    ],
)
def test_a_csv_past_the_limits_is_refused(low_limits, content, message):
    assert refusal(content, "e.csv") == message


def test_a_csv_at_the_limits_is_read_and_empty_cells_at_the_end_of_a_row_hold_nothing(low_limits):
    # 20 rows below the header; the last row has 10 cells and 30 empty ones after them.
    # Cells: 5 + 19 × 5 + 40 = 140 (≤ 150), the empty ones counted: they are read all the same.
    rows = data_rows(19, 5) + [["x"] * 10 + [""] * 30]
    table = table_read(csv_bytes(rows), "e.csv")
    assert (len(table.rows), table.rows[-1][0]) == (20, 21)


# Time -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (csv_bytes(data_rows(5000)), "e.csv"),
        (xlsx_from_parts(sheet_xml(HEADER_ROW + sheet_rows(3, 2))), "e.xlsx"),
        (xls_bytes(data_rows(3)), "e.xls"),
    ],
)
def test_reading_stops_at_the_time_limit(settings, content, name):
    settings.SCORE_IMPORT_READ_SECONDS = 0
    assert refusal(content, name) == TIME


# Through the pages and the command: a message, never a 500, nothing written --------------------


FAR_XLSX = xlsx_from_parts(
    sheet_xml(HEADER_ROW + '<row r="1048576">' + number_cell("XFD1048576", 1) + "</row>")
)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        # 200,000 rows and 60 columns, the default limits, in Chinese, the default language.
        (
            FAR_XLSX,
            "e.xlsx",
            "文件表头以下超过 200,000 行；平台每个文件最多读取 200,000 行。请拆分为多个较小的文件。",
        ),
        (
            xls_with({**HEADERS, (65535, 255): 1}),
            "e.xls",
            "第 65,536 行到达第 256 列；平台最多读取 60 列。请删除导入不需要的列。",
        ),
    ],
)
def test_the_upload_page_refuses_a_sheet_of_a_billion_cells_with_a_message(
    role_client, content, name, message
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = role_client("programme_admin")
    response = client.post(
        "/imports/", {"kind": "enterprises", "file": SimpleUploadedFile(name, content)}, follow=True
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ImportBatch.objects.get().status == "invalid"
    assert Enterprise.objects.count() == 0


def test_the_command_refuses_a_file_past_the_rows_in_chinese(db, low_limits, tmp_path, capsys):
    path = tmp_path / "e.csv"
    path.write_bytes(csv_bytes(data_rows(21)))
    with pytest.raises(CommandError, match="1 个错误"):
        call_command("import_data", "enterprises", str(path))
    assert (
        capsys.readouterr().err
        == "文件表头以下超过 20 行；平台每个文件最多读取 20 行。请拆分为多个较小的文件。\n"
    )
    assert Enterprise.objects.count() == 0
