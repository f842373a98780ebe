"""A file the portal cannot read gets the portal's own sentence for what is wrong with it, in the
user's language, and never a library's text (zipfile, expat, calamine, the csv module, the
operating system), which would be English inside a Chinese message."""

import csv
import io
import random
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from enterprises.models import Enterprise
from imports.models import ImportBatch
from imports.services import ImportConflict, import_file
from tests.import_files import csv_bytes, xls_bytes, xlsx_bytes
from tests.workbook_files import HEADER_ROW, sheet_xml, text_cell, xlsx_from_parts

NANXUN_A = "91330503375583185N"
HEADERS = ["统一社会信用代码", "企业名称", "区县", "职工人数", "SCORE开始日期"]
ROWS = [HEADERS, [NANXUN_A, "南浔甲企业", "南浔", "88", "2015-08-15"]]


def truncated(content):
    return content[: len(content) // 2]


def with_member(content, name, replacement):
    """`content` (an .xlsx) with the part `name` replaced."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item.filename, replacement if item.filename == name else source.read(item))
    return buffer.getvalue()


def password_protected_xls():
    # CODEPAGE (0x0042, 2 bytes) turned into FILEPASS (0x002F), the record of an encrypted workbook.
    content = bytearray(xls_bytes(ROWS))
    at = content.find(b"\x42\x00\x02\x00")
    content[at : at + 2] = b"\x2f\x00"
    return bytes(content)


def long_field_csv():
    # A quotation mark opens the cell of row 3 and never closes: the rest of the file is one cell.
    return csv_bytes(ROWS) + b'"' + "漏".encode() * (csv.field_size_limit() + 10) + b"\r\n"


def docx_renamed():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


RANDOM = random.Random(20261201).randbytes(4096)
DAMAGED = (
    "The workbook cannot be read: it is damaged or incomplete (perhaps cut short while uploading). "
    "Open it in Excel, save it again and upload it again.",
    "无法读取此工作簿：文件已损坏或不完整（可能上传时被截断）。请用 Excel 打开，重新保存后再上传。",
)
DAMAGED_XML = (
    "The workbook cannot be read: part of its content is damaged (it is not well-formed XML). "
    "Open it in Excel, save it again and upload it again.",
    "无法读取此工作簿：其中部分内容已损坏（不是格式正确的 XML）。请用 Excel 打开，重新保存后再上传。",
)
PROTECTED = (
    "The workbook cannot be read: it is protected by a password. Remove the password in Excel, "
    "save the workbook and upload it again.",
    "无法读取此工作簿：它受密码保护。请在 Excel 中取消密码，保存工作簿后再上传。",
)
BINARY = (
    "This file is not a CSV text file (it holds binary data).",
    "此文件不是 CSV 文本文件（含有二进制数据）。",
)
UTF16 = (
    "This CSV file is saved as UTF-16 (Unicode text); save it as CSV UTF-8 and upload it again.",
    "此 CSV 文件以 UTF-16（Unicode 文本）保存；请另存为 CSV UTF-8 后再上传。",
)


def markup(extension):
    return (
        f"This {extension} file is really a web page or XML file given an Excel name. "
        "Open it in Excel and save it as an Excel workbook (.xlsx).",
        f"此 {extension} 文件其实是用了 Excel 扩展名的网页或 XML 文件。请用 Excel 打开，另存为 Excel 工作簿（.xlsx）。",
    )


def not_real(extension):
    return (
        f"This file is not a real {extension} workbook (its content is something else).",
        f"此文件不是真正的 {extension} 工作簿（内容是别的格式）。",
    )


CASES = {
    "truncated-xlsx": (truncated(xlsx_bytes(ROWS)), "e.xlsx", DAMAGED),
    "truncated-xls": (truncated(xls_bytes(ROWS)), "e.xls", DAMAGED),
    "corrupt-sheet-xml": (
        with_member(xlsx_bytes(ROWS), "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row><c r="),
        "e.xlsx",
        DAMAGED_XML,
    ),
    "corrupt-workbook-xml": (
        with_member(xlsx_bytes(ROWS), "xl/workbook.xml", b"<workbook><sheets><sheet"),
        "e.xlsx",
        DAMAGED_XML,
    ),
    # calamine parses the styles, which the portal does not look into: whatever calamine raises
    # becomes the portal's sentence.
    "corrupt-styles-xml": (
        with_member(xlsx_bytes(ROWS), "xl/styles.xml", b"<styleSheet><numFmts><numFmt"),
        "e.xlsx",
        (
            "The workbook cannot be read: it holds something the portal does not understand. Open it in "
            "Excel, save it again as .xlsx and upload it again.",
            "无法读取此工作簿：其中有平台无法识别的内容。请用 Excel 打开，另存为 .xlsx 后再上传。",
        ),
    ),
    "invalid-character-reference": (
        xlsx_from_parts(sheet_xml(HEADER_ROW + '<row r="2">' + text_cell("A2", "a&#1;b") + "</row>")),
        "e.xlsx",
        DAMAGED_XML,
    ),
    "password-protected-xls": (password_protected_xls(), "e.xls", PROTECTED),
    "docx-renamed": (docx_renamed(), "e.xlsx", not_real(".xlsx")),
    "html-as-xls": (
        b"<html><head><meta charset='utf-8'></head><body><table><tr><td>credit_code</td></tr></table>",
        "e.xls",
        markup(".xls"),
    ),
    "xml-spreadsheet-as-xls": (
        b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
        "e.xls",
        markup(".xls"),
    ),
    "html-as-xlsx": (b"\xef\xbb\xbf<!DOCTYPE html><html></html>", "e.xlsx", markup(".xlsx")),
    "random-bytes-xlsx": (RANDOM, "e.xlsx", not_real(".xlsx")),
    "random-bytes-xls": (RANDOM, "e.xls", not_real(".xls")),
    "random-bytes-csv": (RANDOM, "e.csv", BINARY),
    # A NUL or two in a text file is not binary data: it is refused in its cell, with its row and
    # column, at the preview (tests/test_control_characters.py); hundreds of them are binary.
    "nuls-at-the-start": (b"credit_code" + b"\x00" * 100 + b",name\r\n", "e.csv", BINARY),
    "empty": (b"", "e.csv", ("The file is empty.", "文件是空的。")),
    "utf-16-with-bom": (csv_bytes(ROWS, "utf-16"), "e.csv", UTF16),
    "utf-16-le-without-bom": (csv_bytes(ROWS, "utf-16-le"), "e.csv", UTF16),
    "utf-16-be-without-bom": (csv_bytes(ROWS, "utf-16-be"), "e.csv", UTF16),
    "field-over-the-csv-limit": (
        long_field_csv(),
        "e.csv",
        (
            'Row 3 holds a cell longer than 131,072 characters: perhaps a quotation mark (") opens a '
            "cell and never closes it. Correct that row and upload the file again.",
            '第 3 行有一个单元格超过 131,072 个字符：可能有引号（"）开始了单元格却没有结束。请改正该行后重新上传文件。',
        ),
    ),
}

# Words a portal message may hold in Chinese: names of formats and programs, which are the
# user's words too.
OWN_WORDS = {"CSV", "UTF", "Excel", "XML", "Unicode", "xlsx", "xls"}


@pytest.fixture
def portal(db):
    return Enterprise.objects.count()


@pytest.mark.parametrize(("content", "name", "messages"), CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_command_says_what_is_wrong_in_the_portals_own_words(
    portal, tmp_path, capsys, content, name, messages, language
):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError):
        call_command("import_data", "enterprises", str(path), "--language", language)
    message = messages[0] if language == "en" else messages[1]
    assert capsys.readouterr().err == message + "\n"
    if language == "zh-hans":
        assert set(re.findall(r"[A-Za-z]{2,}", message)) <= OWN_WORDS
    assert Enterprise.objects.count() == 0


@pytest.mark.parametrize(("content", "name", "messages"), CASES.values(), ids=CASES.keys())
def test_the_preview_says_what_is_wrong_in_chinese(role_client, content, name, messages):
    client = role_client("programme_admin")
    response = client.post(
        "/imports/", {"kind": "enterprises", "file": SimpleUploadedFile(name, content)}, follow=True
    )
    assert response.status_code == 200
    if content:
        assert [problem.message for problem in response.context["errors"]] == [messages[1]]
        assert ImportBatch.objects.get().status == "invalid"
    else:
        # An empty file is refused by the upload form (Django's own FileField) before the engine.
        assert response.context["form"].errors["file"] == ["所提交的是空文件。"]
    assert Enterprise.objects.count() == 0


@pytest.mark.parametrize(
    ("make", "english", "chinese"),
    [
        (lambda tmp: tmp / "missing.csv", "There is no file {path}.", "没有文件 {path}。"),
        (lambda tmp: tmp, "{path} is a folder, not a file.", "{path} 是文件夹，不是文件。"),
    ],
    ids=["missing", "folder"],
)
def test_the_command_says_why_it_cannot_open_a_file_in_the_portals_words(
    db, tmp_path, make, english, chinese
):
    path = make(tmp_path)
    with pytest.raises(CommandError) as english_error:
        call_command("import_data", "enterprises", str(path), "--language", "en")
    assert str(english_error.value) == english.format(path=path)
    with pytest.raises(CommandError) as chinese_error:
        call_command("import_data", "enterprises", str(path))
    assert str(chinese_error.value) == chinese.format(path=path)


def test_a_refusal_by_the_database_is_told_in_the_portals_words(db, monkeypatch, caplog):
    def refuse(plan, *, batch):
        raise IntegrityError('duplicate key value violates unique constraint "enterprises_credit_code_key"')

    monkeypatch.setattr("imports.services.import_commit", refuse)
    with pytest.raises(ImportConflict) as refused:
        import_file(kind="enterprises", file_name="e.csv", content=csv_bytes(ROWS))
    assert str(refused.value) == (
        "导入被拒绝：写入时，另一次导入或一处编辑修改了其中部分相同的记录。未写入任何内容，请重试。"
    )
    # The database's own words go to the log, for whoever looks into it.
    assert "enterprises_credit_code_key" in caplog.text
    assert Enterprise.objects.count() == 0
