"""Honest figures on real reporting, in a real browser: the dashboard's coverage, rates and
change cards, and who owes what, on a desktop (1280 px) and a phone (390 px), in both languages.
Each keeps screenshots under test-results/screenshots/ for a reviewer."""

import pytest

from common.months import add_months
from enterprises.models import Enterprise, SafetyReport
from enterprises.reporting import latest_due_month

pytestmark = pytest.mark.browser

SHORT = {"zh-hans": "zh", "en": "en"}


@pytest.fixture
def demo(demo):
    """The demo data (copied back from tests/browser/conftest.py's snapshot; one enterprise of each
    district misses a baseline month), and one Anji enterprise that also missed the 48 latest due
    months (more than any demo enterprise): the most missing, listed first when asked. Who owes
    what is computed from the reports as they stand (dashboard.figures.missing_reports), so the
    deletion shows at once."""
    behind = Enterprise.objects.filter(district__code="anji").order_by("credit_code").first()
    last = latest_due_month()
    SafetyReport.objects.filter(
        enterprise=behind, month__in=[add_months(last, -n) for n in range(48)]
    ).delete()
    return behind


def fits(page, width):
    """Nothing sticks out sideways: the page does not scroll horizontally."""
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_dashboard_reads_figures_with_their_coverage(
    demo, logged_in, live_server, shoot, language, width
):
    page = logged_in("city_official", language=language)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/dashboard/")
    # Drawn, though on a phone only the part chosen shows (the headline figures, first).
    page.wait_for_selector(".chart-box[data-rendered=true]", state="attached")
    # Six figures, a small chart for each of the five districts.
    assert page.locator(".chart-box[data-rendered=true]").count() == 30
    # The completeness charts: one per district, a percentage between 0 and 100.
    lines = page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-trend-metric=completeness]')]
              .map(canvas => Chart.getChart(canvas).data.datasets[0].data)
              .map(data => data.filter(v => v !== null).every(v => v >= 0 && v <= 100))"""
    )
    assert lines == [True] * 5
    assert fits(page, width)
    # Nine cards of coverage and rates (the major hazards' fix rate the seventh, the reports
    # approved the eighth, the savings entered by enterprises the ninth), each with what it rests on.
    cards = page.locator("#rate-cards .figure-card")
    assert cards.count() == 9
    for index in range(9):
        assert cards.nth(index).locator(".figure-ratio").inner_text().strip() != ""
    assert "¥" in cards.nth(8).locator(".figure-ratio").inner_text()
    page.click("[data-figure=accident_rate] .definition-toggle")
    page.wait_for_selector("#definition-accident_rate.show")
    # Every district's completeness and timeliness come first in its row.
    assert page.locator("#district-table tbody tr").count() == 5
    assert page.locator("#district-table tbody tr td[data-figure=completeness_pct]").count() == 5
    # The change cards say how many enterprises were left out, and link to who they are.
    assert page.locator("#change-cards [data-left-out]").count() == 2
    shoot(f"reporting-dashboard-{SHORT[language]}-{width}")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_who_owes_what_from_the_dashboard(demo, logged_in, live_server, shoot, language, width):
    page = logged_in("city_official", language=language)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/dashboard/")
    with page.expect_navigation():
        page.click("#who-owes-link")
    assert "/dashboard/missing/" in page.url
    rows = page.locator("#missing-table tbody tr")
    # The demo's story has missing reports in every district: a full first page of 50.
    assert rows.count() == 50
    assert fits(page, width)
    shoot(f"reporting-missing-{SHORT[language]}-{width}")
    with page.expect_navigation():
        page.click("#missing-sort li:nth-child(2) a")  # most missing first
    counts = [
        int(n)
        for n in page.locator("#missing-table td[data-missing]").evaluate_all(
            "cells => cells.map(cell => cell.dataset.missing)"
        )
    ]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 3
    assert page.locator("#missing-table tbody tr").first.get_attribute("data-credit-code") == demo.credit_code
    # Contact person and phone are there to call.
    first = page.locator("#missing-table tbody tr").first
    assert first.locator("a[href^='tel:']").count() == 1
    assert fits(page, width)
    shoot(f"reporting-missing-most-{SHORT[language]}-{width}")
    # On to the enterprise: its months as a calendar strip, the missing ones marked.
    with page.expect_navigation():
        first.locator("td.missing-name a").click()
    assert page.locator("#report-calendar td[data-status=missing]").count() >= 3
    assert page.locator("#report-legend li").count() == 5  # exempt months the fifth
    assert fits(page, width)
    page.locator("#report-calendar").scroll_into_view_if_needed()
    shoot(f"reporting-enterprise-{SHORT[language]}-{width}")


def test_a_district_official_on_a_phone_sees_their_district_only(demo, logged_in, live_server, shoot):
    page = logged_in("district_official", district="anji")
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/dashboard/missing/")
    assert page.locator("#missing-districts").count() == 0  # nothing else to choose
    codes = page.locator("#missing-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.creditCode)"
    )
    assert demo.credit_code in codes
    assert all(code[2:8] == "330523" for code in codes)  # Anji's division
    assert fits(page, 390)
    page.goto(f"{live_server.url}/dashboard/districts/anji/")
    assert page.locator("#enterprise-table td[data-incomplete]").count() >= 2
    assert fits(page, 390)
    shoot("reporting-district-anji-zh-390")
