"""Enterprises report for themselves, in a real browser on a phone (390 px), in both languages: the
enterprise files a month, is warned of a far value and explains it, and sees it submitted; the
district official approves one report and returns another with a comment, which the enterprise
then sees. Each keeps screenshots under test-results/screenshots/ for a reviewer."""

import pytest
from django.contrib.auth.models import User

from accounts.models import Profile
from common.months import add_months
from enterprises.exemptions import exemption_declare, exemption_end
from enterprises.models import SafetyReport
from reporting.months import this_month
from tests.factories import make_enterprise, make_reports, make_user, month_range

pytestmark = pytest.mark.browser

SHORT = {"zh-hans": "zh", "en": "en"}
WIDTH = 390


def fits(page, width):
    """Nothing sticks out sideways: the page does not scroll horizontally."""
    return page.evaluate("document.documentElement.scrollWidth") <= width


def firm(name):
    """A Nanxun enterprise that joined six months ago (it owes from 18 months ago), with 4
    inspections a month reported up to two months ago: last month is still to file."""
    last_month = add_months(this_month(), -1)
    enterprise = make_enterprise("nanxun", name=name, score_start=add_months(this_month(), -6))
    first = add_months(this_month(), -18)
    make_reports(enterprise, month_range(first, 16), inspections=4, accidents=0)
    return enterprise, last_month


def enterprise_login(page, live_server, enterprise, language):
    username = f"ent-{enterprise.pk}"
    if not User.objects.filter(username=username).exists():
        user = User.objects.create_user(username, password="pw-browser-1")
        Profile.objects.update_or_create(user=user, defaults={"role": "enterprise", "enterprise": enterprise})
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-browser-1")
    with page.expect_navigation():
        page.click("form button[type=submit].btn-primary")
    return page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_enterprise_files_a_month_explaining_a_far_value(page, live_server, shoot, language):
    enterprise, month = firm("南浔甲企业")
    page.set_viewport_size({"width": WIDTH, "height": 800})
    enterprise_login(page, live_server, enterprise, language)
    page.goto(f"{live_server.url}/report/")
    # Last month: missing, or not yet due before its due day; either way to do.
    assert page.locator(f"#to-do [data-month='{month:%Y-%m}']").is_visible()
    shoot(f"self-report-home-{SHORT[language]}-{WIDTH}")
    assert fits(page, WIDTH)

    page.click(f"#to-do [data-month='{month:%Y-%m}'] a")
    page.fill("input[name=inspections]", "40")  # ten times its usual 4
    page.fill("input[name=accidents]", "0")
    with page.expect_navigation():
        page.click("#submit-report")
    # Warned and not submitted: the value is marked, the explanation asked for.
    assert page.locator("#id_inspections + .invalid-feedback").is_visible()
    assert page.locator("textarea[name=explanation].is-invalid").is_visible()
    shoot(f"self-report-warning-{SHORT[language]}-{WIDTH}")
    assert fits(page, WIDTH)

    page.fill("textarea[name=explanation]", "本月开展安全生产月专项检查")
    with page.expect_navigation():
        page.click("#submit-report")
    assert page.url == f"{live_server.url}/report/"
    assert page.locator(f"#recent-months [data-month='{month:%Y-%m}'] [data-status=submitted]").is_visible()
    shoot(f"self-report-submitted-{SHORT[language]}-{WIDTH}")
    assert fits(page, WIDTH)
    report = SafetyReport.objects.get(enterprise=enterprise, month=month)
    assert (report.inspections, report.explanation, report.state) == (
        40,
        "本月开展安全生产月专项检查",
        "submitted",
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_district_approves_one_report_and_returns_another(page, live_server, logged_in, shoot, language):
    first, month = firm("南浔甲企业")
    second, _month = firm("南浔乙企业有限公司")
    make_reports(first, [month], inspections=4, accidents=0)
    make_reports(second, [month], inspections=40, accidents=1)
    SafetyReport.objects.filter(enterprise=second, month=month).update(explanation="设备大修，检查加密")
    page.set_viewport_size({"width": WIDTH, "height": 800})
    logged_in("district_official", district="nanxun", language=language)
    page.goto(f"{live_server.url}/review/")
    assert page.locator("#awaiting").is_visible()
    one = page.locator(f".review-report[data-credit-code='{first.credit_code}'][data-month='{month:%Y-%m}']")
    other = page.locator(
        f".review-report[data-credit-code='{second.credit_code}'][data-month='{month:%Y-%m}']"
    )
    # The far value warned, and its explanation beside it.
    assert other.locator(".review-warning").first.is_visible()
    assert other.locator(".review-explanation").is_visible()
    shoot(f"review-queue-{SHORT[language]}-{WIDTH}")
    assert fits(page, WIDTH)

    with page.expect_navigation():
        one.locator(".approve-one button").click()
    assert page.locator(".alert-success").first.is_visible()
    other.locator(".return-one summary").click()
    other.locator("textarea[name=comment]").fill("检查次数与往月差异大，请核实")
    shoot(f"review-return-{SHORT[language]}-{WIDTH}")
    assert fits(page, WIDTH)
    with page.expect_navigation():
        other.locator(".return-one button[type=submit]").click()
    assert page.locator(f"#returned-list [data-credit-code='{second.credit_code}']").is_visible()
    shoot(f"review-done-{SHORT[language]}-{WIDTH}")
    assert fits(page, WIDTH)
    states = dict(SafetyReport.objects.filter(month=month).values_list("enterprise_id", "state"))
    assert states == {first.pk: "approved", second.pk: "returned"}

    enterprise_login(page, live_server, second, language)
    page.goto(f"{live_server.url}/report/")
    assert "检查次数与往月差异大，请核实" in page.locator("#to-do").inner_text()
    page.click(f"#to-do [data-month='{month:%Y-%m}'] a")
    assert "检查次数与往月差异大，请核实" in page.locator("#review-comment").inner_text()
    shoot(f"self-report-returned-{SHORT[language]}-{WIDTH}")
    assert fits(page, WIDTH)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_district_reopens_an_approved_report_from_the_enterprise_page(
    page, live_server, logged_in, shoot, language
):
    enterprise, month = firm("南浔丙企业有限公司")
    approved = add_months(month, -2)  # its latest report (last month is still to file)
    SafetyReport.objects.filter(enterprise=enterprise, month=approved).update(state="approved")
    page.set_viewport_size({"width": WIDTH, "height": 800})
    logged_in("district_official", district="nanxun", language=language)
    page.goto(f"{live_server.url}/enterprises/{enterprise.credit_code}/")
    row = page.locator(f"#enterprise-reports tr[data-month='{approved:%Y-%m}']")
    # Only the approved month offers reopening.
    assert page.locator("#enterprise-reports .reopen-report").count() == 1
    row.locator(".reopen-report summary").click()
    row.locator("textarea[name=reason]").fill("事故起数填报有误，请更正")
    row.locator(".reopen-report").scroll_into_view_if_needed()
    shoot(f"enterprise-reopen-{SHORT[language]}-{WIDTH}")
    assert fits(page, WIDTH)
    with page.expect_navigation():
        row.locator(".reopen-one button[type=submit]").click()
    # Back on the enterprise's page, the report returned to the enterprise.
    # (the period shown, as the page's own links give it)
    assert page.url.startswith(f"{live_server.url}/enterprises/{enterprise.credit_code}/?")
    assert page.locator(".alert-success").first.is_visible()
    assert row.locator("[data-status=returned]").is_visible()
    assert page.locator("#enterprise-reports .reopen-report").count() == 0
    shoot(f"enterprise-reopened-{SHORT[language]}-{WIDTH}")
    assert fits(page, WIDTH)
    report = SafetyReport.objects.get(enterprise=enterprise, month=approved)
    assert (report.state, report.review_comment) == ("returned", "事故起数填报有误，请更正")


@pytest.mark.parametrize(
    "language, words", [("zh-hans", "由 wang.official 于 2026-"), ("en", "ended by wang.official on 2026-")]
)
def test_the_enterprise_sees_who_ended_its_exemption(page, live_server, shoot, language, words):
    enterprise, month = firm("南浔丁企业")
    official = make_user("district_official", district="nanxun", username="wang.official")
    # Last month exempt (it has no report yet), then production resumed: ended with that month.
    exemption_declare(
        writer=official, enterprise=enterprise, first_month=month, last_month=None, reason="停产检修"
    )
    exemption_end(writer=official, enterprise=enterprise, month=month)
    page.set_viewport_size({"width": WIDTH, "height": 800})
    enterprise_login(page, live_server, enterprise, language)
    page.goto(f"{live_server.url}/report/")
    ended = page.locator("#exemptions .exemption-ended")
    ended.scroll_into_view_if_needed()
    assert words in ended.inner_text()
    shoot(f"self-report-exemption-ended-{SHORT[language]}-{WIDTH}")
    assert fits(page, WIDTH)
