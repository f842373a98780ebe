"""Workbooks written part by part, as no spreadsheet program would: cells far out, parts that unpack
to far more than they pack, central directories that lie. Each is a few kilobytes."""

import io
import posixpath
import struct
import zipfile

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet_xml(rows_xml, prefix=""):
    """A worksheet part around `rows_xml` (the content of <sheetData>)."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f"xmlns:{prefix}" if prefix else "xmlns"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {xmlns}="{MAIN}">'
        f"<{p}sheetData>{rows_xml}</{p}sheetData></{p}worksheet>"
    )


def text_cell(reference, text):
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def number_cell(reference, number):
    return f'<c r="{reference}"><v>{number}</v></c>'


HEADER_ROW = '<row r="1">' + text_cell("A1", "统一社会信用代码") + text_cell("B1", "企业名称") + "</row>"


def xlsx_from_parts(sheet, shared_strings=None, extra=(), sheet_target="worksheets/sheet1.xml"):
    """An .xlsx whose first sheet is `sheet` (XML text), at `sheet_target` (relative to xl/, or
    absolute from /); `extra`: more (name, bytes) members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr(
            "xl/_rels/workbook.xml.rels", WORKBOOK_RELS.replace("worksheets/sheet1.xml", sheet_target)
        )
        path = sheet_target[1:] if sheet_target.startswith("/") else f"xl/{sheet_target}"
        archive.writestr(posixpath.normpath(path), sheet)
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
        for name, content in extra:
            archive.writestr(name, content)
    return buffer.getvalue()


def xlsx_bomb(name, size, byte=b"\0"):
    """A workbook with a member `name` of `size` repeated bytes, written in chunks: deflate packs it
    about a thousand to one, so the file stays small whatever it unpacks to."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        if name != "xl/worksheets/sheet1.xml":
            archive.writestr("xl/worksheets/sheet1.xml", sheet_xml(HEADER_ROW))
        chunk = byte * 2**20
        with archive.open(name, "w", force_zip64=True) as stream:
            for _ in range(size // len(chunk)):
                stream.write(chunk)
            stream.write(byte * (size % len(chunk)))
    return buffer.getvalue()


def declaring_smaller_sizes(content, member):
    """`content` (an .xlsx) with the sizes of `member` in its central directory and local header
    made smaller than what it unpacks to: a liar only a check of the unpacked bytes catches."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    info = archive.getinfo(member)
    data = bytearray(content)
    # Local header: uncompressed size at offset 22; central directory entry: at offset 24.
    struct.pack_into("<I", data, info.header_offset + 22, 10)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + name_length]).decode() == member:
            struct.pack_into("<I", data, central + 24, 10)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)
