"""A template per kind of import file: headers in Chinese and English, an example row that is never
imported, a sheet of rules generated from the kind's declaration."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enterprises.models import Enterprise, SafetyReport
from imports.models import ImportBatch
from improvements.models import ImprovementProject, Suggestion
from tests.factories import make_enterprise

NANXUN_A = "91330503375583185N"


@pytest.fixture
def admin_client(role_client):
    return role_client("programme_admin")


def template(client, kind):
    response = client.get(f"/imports/template/{kind}.xlsx")
    assert response.status_code == 200
    return response, openpyxl.load_workbook(io.BytesIO(response.content))


def upload(client, kind, content):
    response = client.post("/imports/", {"kind": kind, "file": SimpleUploadedFile(f"{kind}.xlsx", content)})
    assert response.status_code == 302
    return ImportBatch.objects.latest("pk")


def test_the_safety_template_has_both_headers_an_example_and_its_rules(admin_client):
    response, workbook = template(admin_client, "safety")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''score-safety-%E6%A8%A1%E6%9D%BF.xlsx"  # score-safety-模板.xlsx
    )
    data, rules = workbook.worksheets
    assert [cell.value for cell in data[1]] == [
        "统一社会信用代码\ncredit_code",
        "月份\nmonth",
        "安全检查次数\ninspections",
        "发现隐患数\nhazards_found",
        "整改隐患数\nhazards_fixed",
        "事故起数\naccidents",
        "受伤人数\ninjuries",
        "损失工作日\nlost_workdays",
        "重大隐患数\nmajor_hazards_found",
        "重大隐患整改数\nmajor_hazards_fixed",
        "上报说明\nexplanation",
    ]
    assert [cell.value for cell in data[2]] == [
        "示例 91330503375583185N",
        "2017-10",
        12,
        12,
        12,
        12,
        12,
        12,
        12,
        12,
        "安全生产月专项检查",
    ]
    assert data.freeze_panes == "A2"
    assert rules.title == "规则"
    lines = list(rules.iter_rows(values_only=True))
    assert lines[0] == ("列", "内容", "必填", "可用的列名", "规则")
    assert lines[1] == (
        "统一社会信用代码\ncredit_code",
        "信用代码",
        "必填",
        "统一社会信用代码、信用代码、credit_code、uscc",
        "平台中已有企业的统一社会信用代码。",
    )
    assert lines[4][2:] == ("选填", "发现隐患数、hazards_found", "整数，0 或以上。")
    assert (
        "跨列",
        None,
        None,
        None,
        "整改隐患数须与发现隐患数同时填写且不超过它；重大事故隐患数不超过发现隐患数，重大事故隐患整改数不超过重大事故隐患数，也不超过整改隐患数。",
    ) in lines


@pytest.mark.parametrize("kind", ["enterprises", "safety", "suggestions", "projects"])
def test_a_template_uploaded_back_unchanged_imports_nothing(admin_client, kind):
    make_enterprise("nanxun", credit_code=NANXUN_A)  # the example's code is even in the portal
    _response, workbook = template(admin_client, kind)
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = upload(admin_client, kind, buffer.getvalue())
    page = admin_client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="nothing-to-do"' in page
    assert "模板的示例行：不导入。" in page
    admin_client.post(f"/imports/{batch.pk}/confirm/")
    counts = [Enterprise.objects.count(), SafetyReport.objects.count()]
    counts += [Suggestion.objects.count(), ImprovementProject.objects.count()]
    assert counts == [1, 0, 0, 0]


def test_rows_typed_below_the_example_are_imported(admin_client):
    enterprise = make_enterprise("nanxun", credit_code=NANXUN_A)
    _response, workbook = template(admin_client, "safety")
    workbook.worksheets[0].append([NANXUN_A, "2017-03", 4, 2, 1, 0, 0, 0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = upload(admin_client, "safety", buffer.getvalue())
    admin_client.post(f"/imports/{batch.pk}/confirm/")
    report = SafetyReport.objects.get(enterprise=enterprise)
    assert (report.month, report.inspections, report.hazards_found, report.hazards_fixed) == (
        datetime.date(2017, 3, 1),
        4,
        2,
        1,
    )


def test_the_upload_page_links_a_template_per_kind(admin_client):
    page = admin_client.get("/imports/").content.decode()
    for kind in ("enterprises", "safety", "suggestions", "projects"):
        assert f'href="/imports/template/{kind}.xlsx"' in page


def test_only_a_programme_admin_gets_a_template_and_an_unknown_kind_is_404(admin_client, role_client):
    assert admin_client.get("/imports/template/people.xlsx").status_code == 404
    assert role_client("city_official").get("/imports/template/safety.xlsx").status_code == 403


def test_the_preview_shows_old_and_new_values_of_an_updated_row(admin_client):
    from tests.html import table_rows
    from tests.import_files import csv_bytes

    make_enterprise(
        "nanxun",
        credit_code=NANXUN_A,
        name="南浔甲企业",
        employees=100,
        score_start=datetime.date(2016, 1, 15),
    )
    rows = [
        ["统一社会信用代码", "企业名称", "所属区县", "行业", "职工人数", "SCORE开始日期"],
        [NANXUN_A, "南浔甲企业", "南浔", "纺织", "120", "2016-01-15"],
    ]
    response = admin_client.post(
        "/imports/", {"kind": "enterprises", "file": SimpleUploadedFile("e.csv", csv_bytes(rows))}
    )
    page = admin_client.get(response["Location"])
    # Only what changes is shown twice: the sector was empty, the employees 100.
    assert table_rows(page.content.decode(), "planned-rows") == [
        ["2", "更新", NANXUN_A, "南浔甲企业", "南浔区", "— → 纺织", "100 → 120", "2016-01-15"]
    ]
