"""The trend charts in a real browser: one small chart per district and figure on one scale, the
marker where SCORE started, the break where empty years are cut out, a district against the city,
at 1280 px and on a 390 px phone, in Chinese and in English."""

import datetime

import pytest

from districts.models import District
from tests.browser.conftest import show_part, show_trend_figure
from tests.factories import make_enterprise, make_project, make_reports, make_suggestion, month_range

pytestmark = pytest.mark.browser

D = datetime.date
SHORT = {"zh-hans": "zh", "en": "en"}
FIGURES = [
    "suggestions",
    "projects_completed",
    "savings_cumulative",
    "inspections_per_report",
    "accident_rate",
    "completeness",
]


@pytest.fixture
def old_import_and_today(seeded):
    """Each district: an enterprise that started SCORE in 2016 (Wuxing in January, the next
    district a month later, …), its reports of 2015–2016 (an old import) and of 2026-01 to
    2026-03, nothing between; a completed project and a suggestion a month."""
    for offset, district in enumerate(District.objects.order_by("division")):
        enterprise = make_enterprise(
            district, score_start=D(2016, 1 + offset, 1), employees=100 + 10 * offset
        )
        months = month_range(D(2015, 1, 1), 24) + month_range(D(2026, 1, 1), 3)
        make_reports(enterprise, months, inspections=2 + offset, accidents=1)
        for month in month_range(D(2016, 1 + offset, 1), 6):
            make_project(enterprise, status="completed", started_on=month, completed_on=month, savings="1000")
            make_suggestion(enterprise, submitted_on=month)


def visible_charts(page, script):
    """`script`'s answer over every small chart as it shows: at once on a wide screen; on a phone,
    where the trends are one part and one figure at a time (static/js/phone_parts.js), figure by
    figure, each drawn once it shows."""
    if not page.locator("#phone-part").is_visible():
        page.wait_for_selector(".chart-box[data-rendered=true]")
        return page.evaluate(script)
    show_part(page, "trends")
    answers = []
    for figure in FIGURES:
        show_trend_figure(page, figure)
        page.wait_for_selector(f".trend-figure[data-metric={figure}] .chart-box[data-rendered=true]")
        answers += page.evaluate(
            script.replace("'canvas[data-trend-metric]'", f"'canvas[data-trend-metric={figure}]'")
        )
    return answers


# For each small chart: its figure, district, whether it is drawn with non-blank pixels, the month
# index of its marker (and whether the marker's colour is on the canvas there), and its breaks.
CHARTS = """() => [...document.querySelectorAll('canvas[data-trend-metric]')].map(canvas => {
    const chart = Chart.getChart(canvas);
    if (!chart) return [canvas.dataset.trendMetric, canvas.dataset.trendSeries, false, null, false, null];
    const context = canvas.getContext('2d');
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked += 1;
    const options = chart.options.plugins.scoreMarkers;
    let marked = false;
    if (options.started !== null) {
        const ratio = chart.currentDevicePixelRatio;
        const x = Math.round(chart.scales.x.getPixelForValue(options.started) * ratio);
        const column = context.getImageData(x - 1, 0, 3, canvas.height).data;
        for (let i = 0; i < column.length; i += 4) {
            // The marker's magenta (#d63384): much red, little green.
            if (column[i] > 180 && column[i + 1] < 110 && column[i + 2] > 90) marked = true;
        }
    }
    return [canvas.dataset.trendMetric, canvas.dataset.trendSeries, inked > 1000, options.started, marked,
            options.breaks];
})"""


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_one_small_chart_per_district_with_its_start_and_the_cut_out_years(
    old_import_and_today, logged_in, live_server, shoot, language, width
):
    page = logged_in("city_official", language=language)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/dashboard/?to=2026-03")
    charts = visible_charts(page, CHARTS)
    # Six figures × five districts, in the figures' order, each drawn.
    assert [(figure, int(district)) for figure, district, *_rest in charts] == [
        (figure, district) for figure in FIGURES for district in range(5)
    ]
    assert all(drawn for _figure, _district, drawn, *_rest in charts)
    # The axis: 2015-01 to 2016-12 (24 months), then 2026-01…: SCORE started in 2016-01 (index 12)
    # in Wuxing, a month later in each next district; the marker is drawn there; the nine empty
    # years are cut after index 23.
    for _figure, district, _drawn, started, marked, breaks in charts:
        assert started == 12 + int(district)
        assert marked is True
        assert breaks == [23]
    # One scale per figure: every district's chart of a figure has the same top.
    tops = page.evaluate(
        """() => [...document.querySelectorAll('.trend-figure')].map(figure =>
            [...figure.querySelectorAll('canvas[data-trend-metric]')].map(c => Chart.getChart(c).scales.y.max))"""
    )
    assert all(len(set(top)) == 1 for top in tops)
    assert tops[0][0] >= 1 and tops[-1][0] == 100  # suggestions; completeness in %
    # Month labels in the page's language.
    label = page.evaluate(
        "() => Chart.getChart(document.querySelector('canvas[data-trend-compare], canvas[data-trend-metric]'))"
        ".scales.x.getLabelForValue(0)"
    )
    assert label == "2015-01"  # the data's own month; the ticks write it as the language does
    first_tick = page.evaluate(
        "() => Chart.getChart(document.querySelector('canvas[data-trend-metric]')).scales.x.ticks[0].label"
    )
    assert first_tick == ("2015年" if language == "zh-hans" else "2015")
    heading = page.locator("#trend-savings_cumulative-title").inner_text()
    assert heading == (
        "已完成项目累计节约金额（元）"
        if language == "zh-hans"
        else "Savings of completed projects, cumulative (RMB)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if width == 390:
        # A phone: the small charts (of the figure shown last) stack in one column.
        lefts = page.evaluate(
            """() => [...document.querySelectorAll('.trend-figure[data-metric=completeness] .trend-small')]
                .map(figure => Math.round(figure.getBoundingClientRect().left))"""
        )
        assert len(set(lefts)) == 1 and len(lefts) == 5
    else:
        tops_of_row = page.evaluate(
            """() => [...document.querySelectorAll('.trend-figure[data-metric=suggestions] .trend-small')]
                .map(figure => Math.round(figure.getBoundingClientRect().top))"""
        )
        assert len(set(tops_of_row)) == 1  # five side by side
    # The table view has the same months, the cut-out run as one row.
    page.click("#trend-completeness-table summary")
    rows = page.locator("#trend-completeness-table tbody tr")
    assert rows.count() == 24 + 1 + 3
    assert rows.nth(24).locator("th").inner_text() == "2017-01 – 2025-12"
    page.locator("#trend-title").scroll_into_view_if_needed()
    shoot(f"trend-charts-{SHORT[language]}-{width}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_district_against_the_city(old_import_and_today, logged_in, live_server, shoot, language):
    page = logged_in("city_official", language=language)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/dashboard/?to=2026-03")
    page.wait_for_selector(".chart-box[data-rendered=true]")
    page.select_option("#trend-view", "nanxun")
    assert page.url.endswith("#compare-nanxun")
    assert page.locator("[data-view=multiples]:visible").count() == 0
    compared = page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-trend-compare]')].map(canvas => {
            const chart = Chart.getChart(canvas);
            return [canvas.dataset.trendCompare, chart.data.datasets.map(d => d.label),
                    chart.options.plugins.scoreMarkers.started, Object.keys(chart.scales).sort().join()];
        })"""
    )
    nanxun, city = ("南浔区", "湖州市") if language == "zh-hans" else ("Nanxun", "Huzhou")
    share = f"{nanxun} 占{city}的比重（%）" if language == "zh-hans" else f"{nanxun} as a share of {city} (%)"
    # Nanxun started in 2016-02 (index 13). Never a second axis: counts and money as Nanxun's
    # share of the city's, rates and percentages both on one axis.
    assert compared == [
        ["suggestions", [share], 13, "x,y"],
        ["projects_completed", [share], 13, "x,y"],
        ["savings_cumulative", [share], 13, "x,y"],
        ["inspections_per_report", [nanxun, city], 13, "x,y"],
        ["accident_rate", [nanxun, city], 13, "x,y"],
        ["completeness", [nanxun, city], 13, "x,y"],
    ]
    # Savings: each of the five districts saved 6,000 over the same months (offset by one): in
    # 2016-07, after Nanxun's sixth month, Nanxun 6,000 of the city's 6,000 + 6,000 + 5,000 +
    # 4,000 + 3,000 (Wuxing ended in June; the others a month later each): 6,000 / 24,000 = 25 %.
    savings = page.evaluate(
        "() => Chart.getChart(document.querySelector('canvas[data-trend-compare=savings_cumulative]'))"
        ".data.datasets[0].data[18]"
    )
    assert savings == 25
    page.locator("#trend-title").scroll_into_view_if_needed()
    shoot(f"trend-compare-{SHORT[language]}")
    # Back to every district; a link with the hash opens the comparison directly.
    page.select_option("#trend-view", "")
    assert page.locator("[data-view=compare]:visible").count() == 0
    page.goto(f"{live_server.url}/dashboard/?to=2026-03#compare-anji")
    page.wait_for_selector("[data-view=compare]:visible")
    assert page.locator("#trend-view").input_value() == "anji"


@pytest.fixture
def thirteen_years(seeded):
    """Each district: an enterprise reporting every month from 2014-01 to 2026-10 (154 months,
    13 years on one axis, nothing cut out)."""
    for district in District.objects.order_by("division"):
        enterprise = make_enterprise(district, score_start=D(2015, 1, 1), employees=100)
        make_reports(enterprise, month_range(D(2014, 1, 1), 154), inspections=2, accidents=1)


# Every x-axis label drawn on each small chart, as boxes: [left, right] in CSS pixels, from the
# ticks Chart.js lays out (their label and position) and the label's width in the ticks' font.
LABEL_BOXES = """() => [...document.querySelectorAll('canvas[data-trend-metric]')].map(canvas => {
    const chart = Chart.getChart(canvas);
    const scale = chart.scales.x;
    const context = canvas.getContext('2d');
    context.save();
    context.font = Chart.helpers.toFont(scale.options.ticks.font).string;
    const boxes = scale.ticks.map((tick, index) => [tick.label, scale.getPixelForTick(index)])
        .filter(([label]) => label !== null && label !== undefined && label !== '')
        .map(([label, x]) => { const width = context.measureText(label).width;
                               return [label, x - width / 2, x + width / 2]; });
    context.restore();
    return boxes;
})"""


@pytest.mark.parametrize("width", [1280, 390])
def test_small_charts_year_labels_never_overlap(thirteen_years, logged_in, live_server, shoot, width):
    page = logged_in("city_official")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/dashboard/?to=2026-10")
    charts = visible_charts(page, LABEL_BOXES)
    assert len(charts) == 30
    for boxes in charts:
        # Named at all (at least two years, the first 2014), and no two labels touching.
        assert len(boxes) >= 2 and boxes[0][0] == "2014年"
        for (_left_label, _left, right), (_label, left, _right) in zip(boxes, boxes[1:], strict=False):
            assert left - right >= 2, boxes
    page.locator("#trend-title").scroll_into_view_if_needed()
    shoot(f"trend-years-{width}")
