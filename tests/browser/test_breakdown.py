"""The breakdown by sector, cohort or district in a real browser: reached in one click from the
dashboard, sorted by a click on a column, on a desktop (1280 px) and a phone (390 px), in both
languages. Each keeps screenshots under test-results/screenshots/ for a reviewer."""

import pytest

from tests.browser.conftest import show_part

pytestmark = pytest.mark.browser

SHORT = {"zh-hans": "zh", "en": "en"}


def fits(page, width):
    """Nothing sticks out sideways: the page does not scroll horizontally."""
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_breakdown_by_sector_from_the_dashboard(demo, logged_in, live_server, shoot, language, width):
    page = logged_in("city_official", language=language)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/dashboard/")
    show_part(page, "districts")  # on a phone, the part with the link
    with page.expect_navigation():
        page.click("#breakdown-link")
    assert "/dashboard/breakdown/" in page.url and "by=sector" in page.url
    rows = page.locator("#breakdown-table tbody tr")
    assert rows.count() >= 2
    total = page.locator("#breakdown-table tfoot tr th").inner_text().strip()
    assert total == {"zh-hans": "合计", "en": "Total"}[language]
    if width == 390:
        # A card per group: the header row is hidden, each value has its label beside it.
        assert page.locator("#breakdown-table thead").is_hidden()
        label = page.evaluate(
            """() => getComputedStyle(document.querySelector('#breakdown-table tbody td'), '::before').content"""
        )
        assert label.strip('"') == {"zh-hans": "企业", "en": "Enterprises"}[language]
        page.click("#breakdown-sort-phone summary")
        page.click("#breakdown-sort-phone a[href*='sort=-inspections_change_pct']")
    else:
        page.click("th[data-column=inspections_change_pct] a")
    page.wait_for_url("**sort=-inspections_change_pct**")  # the new page, not the old one still loaded
    changes = page.locator("#breakdown-table tbody td[data-figure=inspections_change_pct]").all_inner_texts()
    values = [float(text.split("%")[0]) for text in changes if text.strip() != "—"]
    assert values == sorted(values, reverse=True)
    assert fits(page, width)
    shoot(f"breakdown-sector-{SHORT[language]}-{width}")
    with page.expect_navigation():
        page.click("#breakdown-by a[href*='by=cohort']")
    assert page.locator("#breakdown-table tbody tr").count() >= 1
    assert fits(page, width)
    shoot(f"breakdown-cohort-{SHORT[language]}-{width}")


def test_the_breakdown_fits_1280_one_group_of_figures_at_a_time(demo, logged_in, live_server, shoot):
    page = logged_in("city_official", language="en")
    page.set_viewport_size({"width": 1280, "height": 900})
    # Sorted by the accidents per 1,000 worker-years: the safety figures show first.
    page.goto(f"{live_server.url}/dashboard/breakdown/?by=sector&sort=-accident_rate")
    assert page.locator("#breakdown-groups button.active").get_attribute("data-group") == "safety"
    for group in ("change", "reporting", "improvement", "safety"):
        page.click(f"#breakdown-groups button[data-group={group}]")
        # The table within its box, the page within the screen: no sideways scroll.
        inner, room = page.evaluate(
            "() => [document.getElementById('breakdown-table').scrollWidth,"
            " document.querySelector('.breakdown-wrap').clientWidth]"
        )
        assert inner <= room, group
        assert fits(page, 1280)
        shown = page.evaluate(
            "() => [...document.querySelectorAll('#breakdown-table thead th[data-column]')]"
            ".filter(th => th.offsetParent).map(th => th.dataset.column)"
        )
        assert shown[0] == "enterprises" and len(shown) >= 3, shown
    shoot("breakdown-groups-1280")
