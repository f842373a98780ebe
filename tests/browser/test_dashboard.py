"""The dashboard in a real browser: charts with data in both languages, drill-down, an export."""

import pytest

pytestmark = pytest.mark.browser


def wait_for_charts(page):
    """[[figure, small charts drawn, whether they hold data], …] once the charts are drawn: one
    small chart per district the user may see and figure (tests/browser/test_trend_charts.py
    looks at them closely). On a phone they are drawn though only the part chosen shows."""
    page.wait_for_selector(".chart-box[data-rendered=true]", state="attached")
    return page.evaluate(
        """() => [...document.querySelectorAll('.trend-figure')].map(figure => {
            const canvases = [...figure.querySelectorAll('canvas[data-trend-metric]')];
            const drawn = canvases.filter(canvas => Chart.getChart(canvas));
            return [figure.dataset.metric, drawn.length,
                    drawn.some(canvas => Chart.getChart(canvas).data.datasets[0].data.some(v => v))];
        })"""
    )


def test_city_official_sees_the_dashboard_with_charts_in_chinese(demo, logged_in, live_server, shoot):
    page = logged_in("city_official")
    assert page.url == f"{live_server.url}/dashboard/"
    assert page.locator("h1").inner_text() == "SCORE数据看板"
    assert wait_for_charts(page) == [
        ["suggestions", 5, True],
        ["projects_completed", 5, True],
        ["savings_cumulative", 5, True],
        ["inspections_per_report", 5, True],
        ["accident_rate", 5, True],
        ["completeness", 5, True],
    ]
    assert page.locator("#district-table tbody tr").count() == 5
    # A definition is one click away.
    page.click("[data-figure=enterprises] .definition-toggle")
    page.wait_for_selector("#definition-enterprises.show")
    assert "SCORE开始日期" in page.locator("#definition-enterprises").inner_text()
    shoot("dashboard-zh")


def test_dashboard_in_english_with_a_chosen_period(demo, logged_in, live_server, shoot):
    page = logged_in("programme_admin", language="en")
    page.goto(f"{live_server.url}/dashboard/")
    page.fill("#period-from", "")
    with page.expect_navigation():
        page.click("#period-form button[type=submit]")
    assert page.locator("h1").inner_text() == "SCORE dashboard"
    assert [chart[1:] for chart in wait_for_charts(page)] == [[5, True]] * 6
    assert "Wuxing" in page.locator("#district-table").inner_text()
    page.click("[data-figure=inspections_change_pct] .definition-toggle")
    page.wait_for_selector("#definition-inspections_change_pct.show")
    page.click("#trend-accident_rate-table summary")
    assert page.locator("#trend-accident_rate-table table").is_visible()
    shoot("dashboard-en")


def test_district_official_drills_down_to_an_enterprise(demo, logged_in, live_server, shoot):
    page = logged_in("district_official", district="anji")
    assert page.locator("#district-table tbody tr").count() == 1
    with page.expect_navigation():
        page.click("#district-table tbody a")
    assert page.locator("h1").inner_text() == "安吉县的企业"
    assert page.locator("#enterprise-table tbody tr").count() == 50  # a full page: Anji has about 200
    with page.expect_navigation():
        page.click("#enterprise-table thead a:has-text('安全检查次数')")
    assert "sort=-inspections" in page.url  # a number sorts largest first
    shoot("district-anji-zh")
    with page.expect_navigation():
        page.locator("#enterprise-table tbody a").first.click()
    assert page.locator("#enterprise-figures").is_visible()
    page.wait_for_selector(".chart-box[data-rendered=true]")
    assert page.locator("#enterprise-projects tbody tr").count() > 0
    shoot("enterprise-zh")


def test_official_downloads_the_district_table(demo, logged_in, live_server, shoot, tmp_path):
    page = logged_in("city_official")
    with page.expect_download() as download_info:
        page.click("#export-districts-csv")
    download = download_info.value
    assert download.suggested_filename.startswith("score-districts_until-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    content = path.read_text(encoding="utf-8")
    assert content.startswith("\ufeff区县,企业")
    assert "吴兴区" in content
    shoot("dashboard-after-download-zh")


@pytest.mark.parametrize(
    ("role", "language", "short"),
    # The city's savings are the largest sum (¥26,946,712.50 in English, with separators).
    [("district_official", "zh-hans", "zh"), ("city_official", "en", "en")],
)
def test_dashboard_on_a_phone_screen(demo, logged_in, live_server, shoot, role, language, short):
    page = logged_in(role, district="nanxun", language=language)
    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    wait_for_charts(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shoot(f"dashboard-phone-{short}")
    page.goto(f"{live_server.url}/dashboard/districts/nanxun/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # Labels on one line: the row of the district's figures is no taller than one line of text.
    label = page.locator("#district-figures th").first
    assert label.evaluate("th => th.getBoundingClientRect().height") < 40
    shoot(f"district-phone-{short}")
