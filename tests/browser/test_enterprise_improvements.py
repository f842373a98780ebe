"""An enterprise enters a suggestion and an improvement project on a phone (390 px), in both
languages, then moves the project on to completed with its savings; a district official of its
district sees it marked as entered by the enterprise on the enterprise's page and corrects the
savings. Screenshots under test-results/screenshots/ for a reviewer."""

import datetime
from decimal import Decimal

import pytest

from improvements.models import ImprovementProject, Suggestion
from tests.browser.test_self_reporting import SHORT, WIDTH, enterprise_login, fits
from tests.factories import make_enterprise

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_enterprise_enters_and_completes_a_project_and_the_district_corrects_it(
    page, live_server, logged_in, shoot, language
):
    enterprise = make_enterprise("nanxun", name="南浔甲企业", score_start=datetime.date(2024, 1, 10))
    page.set_viewport_size({"width": WIDTH, "height": 800})
    enterprise_login(page, live_server, enterprise, language)
    page.goto(f"{live_server.url}/report/")
    with page.expect_navigation():
        page.click("#improvements a[href='/report/suggestions/']")
    with page.expect_navigation():
        page.click("#add-record")
    page.fill("textarea[name=text]", "在车间入口增设洗手池")
    page.fill("input[name=submitted_on]", "2026-11-20")
    page.fill("input[name=submitted_by]", "王工")
    shoot(f"enterprise-suggestion-form-{SHORT[language]}-{WIDTH}")
    assert fits(page, WIDTH)
    with page.expect_navigation():
        page.click("#save-record")
    assert page.url == f"{live_server.url}/report/suggestions/"
    assert page.locator("#records [data-reference='S-1']").is_visible()
    assert Suggestion.objects.get(enterprise=enterprise).entered_by_enterprise

    page.goto(f"{live_server.url}/report/projects/new/")
    page.fill("input[name=title]", "车间照明改为 LED")
    page.select_option("select[name=status]", "in_progress")
    page.fill("input[name=started_on]", "2026-09-01")
    with page.expect_navigation():
        page.click("#save-record")
    # Moved on: completed without its date is refused beside the date, what was typed kept.
    with page.expect_navigation():
        page.click("#records [data-reference='P-1'] a")
    page.select_option("select[name=status]", "completed")
    page.fill("input[name=savings]", "12,500.50")
    with page.expect_navigation():
        page.click("#save-record")
    assert page.locator("input[name=completed_on].is-invalid").is_visible()
    assert page.input_value("input[name=savings]") == "12,500.50"
    shoot(f"enterprise-project-refused-{SHORT[language]}-{WIDTH}")
    assert fits(page, WIDTH)
    page.fill("input[name=completed_on]", "2026-11-15")
    with page.expect_navigation():
        page.click("#save-record")
    assert page.url == f"{live_server.url}/report/projects/"
    shoot(f"enterprise-projects-{SHORT[language]}-{WIDTH}")
    assert fits(page, WIDTH)
    project = ImprovementProject.objects.get(enterprise=enterprise, reference="P-1")
    assert (project.status, project.savings, project.entered_by_enterprise) == (
        "completed",
        Decimal("12500.50"),
        True,
    )

    # The district official sees the mark on the enterprise's page and corrects the savings.
    page.context.clear_cookies()
    logged_in("district_official", district="nanxun", language=language)
    page.goto(f"{live_server.url}/enterprises/{enterprise.credit_code}/?from=2026-01")
    row = page.locator("#enterprise-projects tr", has=page.locator(".entered-by"))
    assert row.count() == 1
    with page.expect_navigation():
        row.locator(f"a[href='/report/projects/{project.pk}/']").click()
    assert page.locator("#correcting").is_visible()
    page.fill("input[name=savings]", "1250.50")
    shoot(f"district-corrects-project-{SHORT[language]}-{WIDTH}")
    assert fits(page, WIDTH)
    with page.expect_navigation():
        page.click("#save-record")
    assert page.url.startswith(f"{live_server.url}/enterprises/{enterprise.credit_code}/")
    project.refresh_from_db()
    assert (project.savings, project.entered_by_enterprise) == (Decimal("1250.50"), True)
