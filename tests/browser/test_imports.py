"""The import pages in a real browser: upload, preview, confirm, in Chinese and in English."""

import pytest

from enterprises.models import Enterprise
from tests.factories import make_enterprise
from tests.import_files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.browser

NANXUN_A = "91330503375583185N"
NANXUN_B = "91330503968301438Y"
ANJI_A = "91330523285269512N"

ENTERPRISES = [
    ["统一社会信用代码", "企业名称", "区县", "行业", "职工人数", "女职工人数", "SCORE开始日期", "备注"],
    [NANXUN_A, "湖州竹韵有限公司", "南浔", "竹制品", "88", "30", "2015-08-15", "老客户"],
    [NANXUN_B, "南浔纺织厂", "Nanxun", "纺织", "1,200", "", "2015/9/1", ""],
    [ANJI_A, "安吉椅业", "南浔区", "家具", "56", "20", "2015年10月8日", ""],
]


def upload(page, live_server, tmp_path, kind, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    page.goto(f"{live_server.url}/imports/")
    page.select_option("select[name=kind]", kind)
    page.set_input_files("input[name=file]", str(path))
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")


@pytest.mark.parametrize(
    ("language", "heading", "district", "done"),
    [
        ("zh-hans", "检查导入", "南浔区", "导入完成"),
        ("en", "Check the import", "Nanxun", "Import done"),
    ],
)
def test_programme_admin_previews_and_confirms_an_import(
    logged_in, live_server, shoot, tmp_path, language, heading, district, done
):
    page = logged_in("programme_admin", language=language)
    page.click("nav a[href='/imports/']")
    suffix = "zh" if language == "zh-hans" else "en"
    shoot(f"import-upload-{suffix}")
    upload(page, live_server, tmp_path, "enterprises", "企业名单.csv", csv_bytes(ENTERPRISES, "gbk"))
    assert page.locator("h1").inner_text() == heading
    assert page.locator("[data-count=created]").inner_text() == "3"
    assert page.locator("#planned-rows tbody tr").count() == 3
    # As it will be saved: "Nanxun" in the file is the district 南浔区, shown in the page's language.
    assert page.locator("#planned-rows tbody tr").nth(1).locator("td").nth(4).inner_text() == district
    assert "备注" in page.locator("#ignored-columns").inner_text()
    assert page.locator("#warnings tbody tr").count() == 1  # the Anji code filed under Nanxun
    assert Enterprise.objects.count() == 0
    shoot(f"import-preview-{suffix}")
    with page.expect_navigation():
        page.click("#confirm")
    assert page.locator("h1").inner_text() == done
    assert Enterprise.objects.count() == 3
    shoot(f"import-done-{suffix}")
    page.goto(f"{live_server.url}/imports/history/")
    assert page.locator("#history tbody tr").count() == 1
    shoot(f"import-history-{suffix}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_file_with_errors_is_shown_row_by_row_and_not_imported(
    logged_in, live_server, shoot, tmp_path, language
):
    make_enterprise("nanxun", credit_code=NANXUN_A)
    rows = [
        ["credit_code", "month", "inspections", "hazards_found", "hazards_fixed", "accidents"],
        [NANXUN_A, "2017-10", 3, 2, 1, 0],
        [NANXUN_A, "2017-13", -1, 2, 3, 0],
        [NANXUN_B, "2017-11", 1, 0, 0, 0],
    ]
    page = logged_in("programme_admin", language=language)
    upload(page, live_server, tmp_path, "safety", "safety.xlsx", xlsx_bytes(rows))
    errors = page.locator("#errors tbody tr")
    # Row 3: the month, the negative count and, in the same round, fixed over found (3 of 2);
    # row 4: the unknown enterprise.
    assert [errors.nth(i).locator("td").nth(0).inner_text() for i in range(errors.count())] == [
        "3",
        "3",
        "3",
        "4",
    ]
    assert page.locator("#confirm").count() == 0
    assert page.locator("#download-errors").count() == 1
    suffix = "zh" if language == "zh-hans" else "en"
    shoot(f"import-errors-{suffix}")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shoot(f"import-errors-phone-{suffix}")
