"""The printed report in a real browser: one click on the dashboard or a district page downloads
the PDF, in the language of the page."""

import re

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.browser


def downloaded_text(download):
    """The downloaded PDF's text, white space removed."""
    reader = PdfReader(download.path())
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


@pytest.mark.parametrize(
    ("language", "link", "title", "district"),
    [
        ("zh-hans", "报告（PDF）", "SCORE项目报告：湖州市", "南浔区"),
        ("en", "Report (PDF)", "SCOREreport:Huzhou", "Nanxun"),
    ],
)
def test_city_official_downloads_the_report_from_the_dashboard(
    demo, logged_in, live_server, shoot, language, link, title, district
):
    page = logged_in("city_official", language=language)
    page.goto(f"{live_server.url}/dashboard/?from=2025-01")
    assert page.locator("#report-pdf").inner_text() == link
    shoot(f"report-link-{language}")
    with page.expect_download() as download_info:
        page.click("#report-pdf")
    download = download_info.value
    assert re.fullmatch(r"score-report_2025-01_\d{4}-\d{2}\.pdf", download.suggested_filename)
    text = downloaded_text(download)
    assert title in text
    assert district in text
    assert "2025-01" in text


def test_district_page_downloads_that_districts_report(demo, logged_in, live_server):
    page = logged_in("district_official", district="anji", language="en")
    page.goto(f"{live_server.url}/dashboard/districts/anji/?from=2025-01")
    with page.expect_download() as download_info:
        page.click("#report-pdf")
    download = download_info.value
    assert download.suggested_filename.startswith("score-report-anji_2025-01_")
    text = downloaded_text(download)
    assert "SCOREreport:Anji,Huzhou" in text
    assert "Nanxun" not in text
