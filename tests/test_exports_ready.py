"""Excel ready to hand over: a title block, the header frozen, widths fitted to the content (a
Chinese character counting two), numbers formatted and read back as numbers, the district in the
file's name; CSV stays the plain table."""

import csv
import datetime
import io

import pytest
import time_machine
from openpyxl import load_workbook

from common.spreadsheets import spreadsheet, text_width
from tests.exports import xlsx_export
from tests.factories import login_as, make_enterprise, make_project, make_reports, month_range

YEAR_2017 = {"from": "2017-01", "to": "2017-12"}
# 2026-03-01 09:00 UTC is 17:00 in Shanghai.
MADE_AT = datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)


@pytest.fixture
def nanxun(db):
    enterprise = make_enterprise(
        "nanxun", name="湖州绿源纺织有限公司", employees=1234, score_start=datetime.date(2016, 1, 15)
    )
    make_reports(enterprise, month_range(datetime.date(2017, 1, 1), 12), inspections=1500, accidents=0)
    make_project(
        enterprise,
        status="completed",
        started_on=datetime.date(2017, 2, 1),
        completed_on=datetime.date(2017, 6, 1),
        savings="1234.50",
    )
    return enterprise


def test_the_district_export_has_a_title_a_frozen_header_and_formatted_numbers(nanxun, client):
    with time_machine.travel(MADE_AT, tick=False):
        response = login_as(client, "district_official", "nanxun").get(
            "/dashboard/export/districts.xlsx", YEAR_2017
        )
    # A district official's file names the district, as a chosen district's does.
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="score-districts-nanxun_2017-01_2017-12.xlsx"'
    )
    sheet, title, rows = xlsx_export(response.content)
    assert title == [
        "SCORE 各区县数据",
        "期间：2017-01 – 2017-12",
        "区县：南浔区",
        "生成时间：2026-03-01 17:00",
    ]
    # Four title lines, a blank row, the header on row 6: the pane freezes what is above row 7.
    assert sheet.freeze_panes == "A7"
    header, district, total = rows
    assert district[:6] == ("南浔区", 1, 0, 1, 1234.5, 18000)  # 12 × 1,500 inspections
    assert total[0] == "合计"
    # Every figure a number (or empty where there is none), never text.
    assert all(value is None or isinstance(value, int | float) for value in district[1:] + total[1:])
    formats = {
        header[index]: sheet.cell(row=8, column=index + 1).number_format for index in range(len(header))
    }
    # A count below 1,000 reads the same in General (no separator to show) and is left plain.
    assert formats["企业"] == "General"
    assert formats["安全检查次数"] == "#,##0"
    assert sheet.cell(row=8, column=5).number_format == "#,##0.00"  # savings, RMB
    assert formats["报送完整率（%）"] == "0.0"  # percentage points, as on the page: 100.0
    assert formats["千人年事故率"] == "#,##0.00"
    # Fitted: "安全检查次数" (6 characters, 12 wide) is wider than "18,000"; 2 of margin.
    assert sheet.column_dimensions["F"].width == 14


def test_the_who_owes_file_of_a_district_official_names_the_district(nanxun, client):
    response = login_as(client, "district_official", "nanxun").get(
        "/dashboard/missing/export.xlsx", YEAR_2017
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="score-missing-reports-nanxun_2017-01_2017-12.xlsx"'
    )


def test_an_empty_export_is_its_title_and_header(db, client):
    official = login_as(client, "district_official", "wuxing")
    response = official.get("/dashboard/districts/wuxing/export.xlsx", YEAR_2017)
    assert response.status_code == 200
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="score-enterprises-wuxing_2017-01_2017-12.xlsx"'
    )
    sheet, title, rows = xlsx_export(response.content)
    assert title[:3] == ["吴兴区 SCORE 企业", "期间：2017-01 – 2017-12", "区县：吴兴区"]
    assert len(rows) == 1 and rows[0][:2] == ("统一社会信用代码", "企业名称")
    body = official.get("/dashboard/districts/wuxing/export.csv", YEAR_2017).content.decode("utf-8")
    # CSV stays plain data: the header, no title rows.
    assert [line[:2] for line in csv.reader(io.StringIO(body[1:]))] == [["统一社会信用代码", "企业名称"]]


def test_widths_count_a_chinese_character_twice_and_stop_at_50():
    assert text_width("湖州绿源纺织") == 12
    assert text_width("ab") == 2
    body = spreadsheet(
        headers=["名称", "n"],
        rows=[["湖州绿源纺织有限公司", 1234567], ["x" * 80, 5]],
        file_format="xlsx",
        sheet="s",
    )
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet.freeze_panes == "A2"  # no title: the header is row 1
    assert sheet.column_dimensions["A"].width == 50  # 80 + 2, capped
    assert sheet.column_dimensions["B"].width == 11  # "1,234,567": 9 + 2
    assert (sheet["B2"].value, sheet["B2"].number_format) == (1234567, "#,##0")


def test_the_attendance_export_shows_the_module_by_name_and_the_date_as_a_date(db, client):
    from tests.factories import attend, make_participant, make_workshop

    enterprise = make_enterprise("nanxun", name="南浔甲")
    workshop = make_workshop("nanxun", module=2, date=datetime.date(2024, 4, 12), enterprises=[enterprise])
    attend(workshop, make_participant(enterprise, "王芳", role="worker", sex="female"))
    client.cookies["django_language"] = "en"
    response = login_as(client, "district_official", "nanxun").get(
        f"/training/workshops/{workshop.pk}/export.xlsx"
    )
    sheet, _title, rows = xlsx_export(response.content)
    assert rows[1][:2] == (datetime.datetime(2024, 4, 12), "Module 2: Quality Management")
    assert sheet.cell(row=sheet.max_row, column=1).number_format == "yyyy-mm-dd"
