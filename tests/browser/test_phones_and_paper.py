"""Phones, wide tables and paper in a real browser (Chromium): every key figure within a 390 px
screen without sideways scrolling, numbers sorted largest first with the sorted column in view, and
the pages printed without navigation, buttons or forms, their tables within an A4 page."""

import re
from pathlib import Path

import pytest

from tests.browser.conftest import show_part
from tests.import_files import csv_bytes

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}  # a common phone, CSS pixels
LAPTOP = {"width": 1280, "height": 800}
# An A4 page less the print stylesheet's 12 mm margins, at 96 px to the inch: 186 mm portrait,
# 273 mm landscape (the dashboard, a district's enterprises and the import history, whose tables
# have twelve columns).
A4_PORTRAIT_WIDTH = 703
A4_LANDSCAPE_WIDTH = 1032
PRINTS = Path("test-results/print")


def misplaced(page, selector, width):
    """The visible cells of `selector` that lie partly outside the screen (0 to `width`) or whose
    content is wider than the cell (cut off): [label or text, left, right, cut]. Also fails when
    the page itself scrolls sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    cells = page.evaluate(
        """([selector, width]) => [...document.querySelectorAll(selector)]
            .filter(cell => cell.offsetParent !== null)
            .map(cell => {
                const box = cell.getBoundingClientRect();
                return [cell.dataset.label || cell.innerText.trim().slice(0, 24), Math.floor(box.left),
                        Math.ceil(box.right), cell.scrollWidth > cell.clientWidth + 1];
            })""",
        [selector, width],
    )
    assert cells, f"no cell matches {selector}"
    return [cell for cell in cells if cell[1] < 0 or cell[2] > width or cell[3]]


def column_values(page, column):
    """The numbers of the enterprise table's `column`, top to bottom."""
    texts = page.locator(f"#enterprise-table tbody td[data-column={column}]").all_inner_texts()
    return [float(text.split("⚠")[0].replace(",", "").strip()) for text in texts]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dashboard_and_district_page_show_every_key_figure_at_1280_and_390(
    demo, logged_in, live_server, shoot, language
):
    page = logged_in("city_official", language=language)
    for viewport in (LAPTOP, PHONE):
        page.set_viewport_size(viewport)
        width = viewport["width"]
        page.goto(f"{live_server.url}/dashboard/")
        page.wait_for_selector(".chart-box[data-rendered=true]", state="attached")
        assert page.locator("#district-table tbody tr").count() == 5
        # The districts compared, change columns included, and the rates (on a phone, each part
        # chosen in turn: one shows at a time).
        show_part(page, "districts")
        assert (
            misplaced(page, "#district-table tbody .key-figure, #district-table tfoot .key-figure", width)
            == []
        )
        show_part(page, "rates")
        assert misplaced(page, "#rate-table tbody .key-figure", width) == []
        show_part(page, "figures")
        assert misplaced(page, "#headline-cards .figure-card, #change-cards .figure-card", width) == []
        show_part(page, "districts")
        if width == PHONE["width"]:
            # A card: its district on top, then completeness and timeliness, then the rest.
            first = page.locator("#district-table tbody tr").first
            assert (
                first.locator("th").bounding_box()["y"]
                < first.locator("[data-figure=completeness_pct]").bounding_box()["y"]
            )
            assert (
                first.locator("[data-column=accidents_change_pct]").bounding_box()["y"]
                < (first.locator("[data-column=enterprises]").bounding_box()["y"])
            )
        shoot(f"phones-dashboard-{width}-{language}")

        page.goto(f"{live_server.url}/dashboard/districts/nanxun/")
        assert page.locator("#enterprise-table tbody tr").count() == 50  # a full page of the demo's Nanxun
        assert misplaced(page, "#district-figures td", width) == []
        assert misplaced(page, "#enterprise-table tbody .key-figure", width) == []
        shoot(f"phones-district-{width}-{language}")


def test_accidents_sort_most_first_in_one_click_and_stay_in_view(demo, logged_in, live_server, shoot):
    page = logged_in("city_official", language="en")
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/dashboard/districts/nanxun/")
    with page.expect_navigation():
        page.click("#enterprise-table thead a:has-text('Accidents')")
    assert "sort=-accidents" in page.url
    accidents = column_values(page, "accidents")
    assert accidents == sorted(accidents, reverse=True) and accidents[0] > accidents[-1]
    assert page.locator("#enterprise-table th[aria-sort=descending]").inner_text() == "Accidents ▼"
    assert (
        misplaced(page, "#enterprise-table th[aria-sort], #enterprise-table td[data-column=accidents]", 1280)
        == []
    )
    shoot("phones-district-sorted-1280-en")
    # The second click: fewest first.
    with page.expect_navigation():
        page.click("#enterprise-table thead a:has-text('Accidents')")
    fewest = column_values(page, "accidents")  # the first page of 50 of the other end
    assert fewest == sorted(fewest) and fewest[0] <= accidents[-1]

    # A narrower screen, where the table scrolls sideways: the sorted column is scrolled into view.
    page.set_viewport_size({"width": 800, "height": 800})
    page.goto(f"{live_server.url}/dashboard/districts/nanxun/?sort=-savings_rmb")
    assert page.evaluate("document.querySelector('#enterprise-table').parentElement.scrollLeft") > 0
    assert (
        misplaced(page, "#enterprise-table th[aria-sort], #enterprise-table td[data-column=savings_rmb]", 800)
        == []
    )
    # The screen as it is: a full-page screenshot resizes the page and moves the table's scroll.
    page.screenshot(path="test-results/screenshots/phones-district-sorted-800-en.png")
    # The summary above it is label and value pairs, not a table running off the screen.
    assert misplaced(page, "#district-figures td", 800) == []

    # A phone: the headers are a row of sort buttons over the cards.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/dashboard/districts/nanxun/")
    with page.expect_navigation():
        page.click("#enterprise-table thead a:has-text('Safety inspections')")
    inspections = column_values(page, "inspections")
    assert inspections == sorted(inspections, reverse=True)
    assert misplaced(page, "#enterprise-table thead th:has(a)", PHONE["width"]) == []
    shoot("phones-district-sorted-390-en")


def test_drill_down_and_who_owes_fit_a_phone(demo, logged_in, live_server, shoot):
    page = logged_in("city_official", language="zh-hans")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/dashboard/districts/nanxun/?sort=-accidents")
    with page.expect_navigation():
        page.locator("#enterprise-table tbody .card-title-cell a").first.click()
    assert misplaced(page, "#enterprise-figures td:not(:empty)", PHONE["width"]) == []
    assert (
        misplaced(page, "#enterprise-projects tbody .key-figure, #enterprise-reports tbody .key-figure", 390)
        == []
    )
    shoot("phones-enterprise-390-zh")

    page.goto(f"{live_server.url}/dashboard/missing/?sort=most")
    assert page.locator("#missing-table tbody tr").count() > 0
    assert misplaced(page, "#missing-table tbody td", PHONE["width"]) == []
    shoot("phones-missing-390-zh")


BAD_ENTERPRISES = [
    ["统一社会信用代码", "企业名称", "区县", "行业", "职工人数", "SCORE开始日期"],
    # A code whose check character is wrong, and a number of employees that is not a number.
    ["91330503375583185X", "湖州竹韵有限公司", "南浔", "竹制品", "88", "2015-08-15"],
    ["91330503968301438Y", "南浔纺织厂有限责任公司第二分厂", "南浔", "纺织", "一千二百人左右", "2015-09-01"],
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_import_history_and_a_preview_with_errors_read_on_a_phone(
    logged_in, live_server, shoot, tmp_path, language
):
    page = logged_in("programme_admin", language=language)
    page.set_viewport_size(PHONE)
    path = tmp_path / "企业名单（有错误）.csv"
    path.write_bytes(csv_bytes(BAD_ENTERPRISES))
    page.goto(f"{live_server.url}/imports/")
    page.select_option("select[name=kind]", "enterprises")
    page.set_input_files("input[name=file]", str(path))
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    assert page.locator("#errors tbody tr").count() == 2
    # Each error's row, column, value and message, whole and within the screen.
    assert misplaced(page, "#errors tbody td", PHONE["width"]) == []
    shoot(f"phones-import-errors-390-{language}")
    assert printed(page, f"import-errors-{language}") == []
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/imports/history/")
    assert page.locator("#history tbody tr").count() == 1
    assert misplaced(page, "#history tbody .key-figure", PHONE["width"]) == []
    # More than the time and status: the file and its counts are on the card.
    card = page.locator("#history tbody tr").first.inner_text()
    assert "企业名单（有错误）.csv" in card
    shoot(f"phones-import-history-390-{language}")
    assert printed(page, f"import-history-{language}", A4_LANDSCAPE_WIDTH) == []


def printed(page, name, width=A4_PORTRAIT_WIDTH):
    """The page in print media at the `width` of its A4 page: its screenshot and its PDF kept, and
    the cells of its tables that run past the page's width returned."""
    page.set_viewport_size({"width": width, "height": 1000})
    page.emulate_media(media="print")
    PRINTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(PRINTS / f"{name}.pdf"), format="A4", prefer_css_page_size=True)
    # The page's size as the print stylesheet chose it: A4, 595 × 842 points, turned for the wide pages.
    size = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf).groups()
    landscape = [round(float(number)) for number in size] == [842, 595]
    assert landscape is (width == A4_LANDSCAPE_WIDTH)
    page.screenshot(path=f"test-results/screenshots/print-{name}.png", full_page=True)
    for hidden in ("nav.navbar", "form", ".btn", ".pagination", ".breadcrumb"):
        assert all(not element.is_visible() for element in page.locator(hidden).all()), hidden
    # A link prints as its text: no address appended.
    assert set(
        page.evaluate(
            "[...document.querySelectorAll('main a')].map(a => getComputedStyle(a, '::after').content)"
        )
    ) <= {
        "none",
        "normal",
    }
    overflowing = misplaced(page, "main table td, main table th", width)
    page.emulate_media(media="screen")
    return overflowing


def test_pages_print_without_navigation_and_with_their_tables_on_the_page(demo, logged_in, live_server):
    page = logged_in("city_official", language="en")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector(".chart-box[data-rendered=true]")
    assert printed(page, "dashboard-en", A4_LANDSCAPE_WIDTH) == []
    page.emulate_media(media="print")
    heading = page.locator("#print-heading").inner_text()
    assert heading.startswith("Period: ") and heading.endswith(
        "Scope: Wuxing, Nanxun, Deqing, Changxing, Anji"
    )
    # The change columns are on the page, after the accidents.
    assert page.locator("#district-table thead th").last.inner_text() == "Accidents change (%)"
    page.emulate_media(media="screen")

    page.goto(f"{live_server.url}/dashboard/districts/nanxun/?sort=-accidents")
    assert printed(page, "district-en", A4_LANDSCAPE_WIDTH) == []
    page.emulate_media(media="print")
    assert page.locator("#print-heading").inner_text().endswith("Scope: Nanxun")
    page.emulate_media(media="screen")

    with page.expect_navigation():
        page.locator("#enterprise-table tbody td a").first.click()
    assert printed(page, "enterprise-en") == []

    page.goto(f"{live_server.url}/dashboard/missing/")
    assert printed(page, "missing-en") == []


def test_the_dashboard_prints_in_chinese(demo, logged_in, live_server):
    page = logged_in("city_official", language="zh-hans")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector(".chart-box[data-rendered=true]")
    assert printed(page, "dashboard-zh", A4_LANDSCAPE_WIDTH) == []
    page.emulate_media(media="print")
    assert (
        page.locator("#print-heading").inner_text().endswith("范围：吴兴区, 南浔区, 德清县, 长兴县, 安吉县")
    )


# The lines each cell's text takes: the distinct tops of its text's line boxes.
LINES = """(selector) => [...document.querySelectorAll(selector)].map(cell => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    return [cell.innerText.trim(), tops.size];
})"""


def test_paper_says_which_rows_it_holds_and_breaks_no_name_or_phone(demo, logged_in, live_server):
    page = logged_in("city_official", language="zh-hans")
    page.goto(f"{live_server.url}/dashboard/districts/nanxun/")
    assert printed(page, "district-zh", A4_LANDSCAPE_WIDTH) == []
    page.emulate_media(media="print")
    # Nanxun has more enterprises than a page of 50: the sheet says so.
    rows = page.locator("#enterprise-table tbody tr").count()
    said = page.locator("#print-rows").inner_text()
    total = int(re.fullmatch(r"本页打印第 1–50 行，共 ([\d,]+) 行；.*", said)[1].replace(",", ""))
    assert rows == 50 and total > 50
    page.emulate_media(media="screen")

    page.goto(f"{live_server.url}/dashboard/missing/")
    assert printed(page, "missing-zh") == []
    page.emulate_media(media="print")
    cells = page.evaluate(
        LINES,
        "#missing-table td[data-label='区县'], #missing-table td[data-label='联系电话'], "
        "#missing-table td[data-label='统一社会信用代码'], #missing-table td.missing-name",
    )
    assert len(cells) >= 4 and [cell for cell in cells if cell[1] != 1] == []
    page.emulate_media(media="screen")


# Every table shown (a closed "Show as a table" is not) that is wider than the box it sits in, or
# runs past the screen's edge.
CUT_TABLES = """(width) => [...document.querySelectorAll('main table')].filter(t => t.checkVisibility())
    .map(t => [t.id || t.className, Math.round(t.getBoundingClientRect().right), t.scrollWidth,
               t.parentElement.clientWidth])
    .filter(([, right, inner, room]) => right > width || inner > room + 1)"""


def test_the_phone_dashboard_reaches_each_part_within_five_screens(demo, logged_in, live_server, shoot):
    page = logged_in("city_official", language="en")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#phone-parts-choice:not([hidden])")
    screens = 5 * PHONE["height"]
    for part in ("figures", "districts", "rates", "trends", "training"):
        page.select_option("#phone-part", part)
        # The part chosen shows, the others do not; the whole page is at most five screens long.
        shown = page.evaluate(
            "() => [...document.querySelectorAll('[data-phone-part]')].filter(p => p.offsetParent).map(p => p.dataset.phonePart)"
        )
        assert shown == [part]
        shoot(f"phones-dashboard-{part}-390")
        assert page.evaluate("document.documentElement.scrollHeight") <= screens, part
        assert page.evaluate(CUT_TABLES, PHONE["width"]) == [], part
        if part == "trends":
            # One figure at a time, its five small charts drawn.
            page.select_option("#trend-figure", "accident_rate")
            figures = page.evaluate(
                "() => [...document.querySelectorAll('.trend-figure')].filter(f => f.offsetParent).map(f => f.dataset.metric)"
            )
            assert figures == ["accident_rate"]
            page.wait_for_selector(".trend-figure[data-metric=accident_rate] .chart-box[data-rendered=true]")
            shoot("phones-dashboard-trends-390")
    shoot("phones-dashboard-training-390")
    page.goto(f"{live_server.url}/training/")
    assert page.evaluate(CUT_TABLES, PHONE["width"]) == []
