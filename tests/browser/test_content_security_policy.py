"""The pages pass the Content-Security-Policy: the browser reports no violation on any of them."""

import datetime

import pytest

from tests.factories import attend, make_enterprise, make_participant, make_reports, make_workshop

pytestmark = pytest.mark.browser

# Registered before any page script runs; Chromium fires `securitypolicyviolation` for every
# blocked inline script, inline style, style attribute or foreign resource.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def violations_on(page, url):
    console = []
    page.on(
        "console",
        lambda message: console.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__cspViolations") + console


def test_no_page_of_the_portal_breaks_the_policy(page, logged_in, live_server, shoot):
    page.add_init_script(RECORD_VIOLATIONS)
    enterprise = make_enterprise("nanxun", credit_code="91330503375583185N", name="南浔甲企业")
    # Data for the charts and the training figures, so their scripts and styles run.
    make_reports(enterprise, [datetime.date(2016, m, 1) for m in range(1, 13)], inspections=3, accidents=1)
    workshop = make_workshop("nanxun", module=1, date=datetime.date(2016, 3, 1), enterprises=[enterprise])
    attend(workshop, make_participant(enterprise, "王芳", role="manager", sex="female"))
    assert violations_on(page, f"{live_server.url}/accounts/login/") == []
    logged_in("programme_admin")
    pages = {
        "enterprises": "/enterprises/",
        "enterprise-detail": f"/enterprises/{enterprise.credit_code}/",
        "admin-index": "/admin/",
        "admin-enterprises": "/admin/enterprises/enterprise/",
        "admin-enterprise-change": f"/admin/enterprises/enterprise/{enterprise.pk}/change/",
        "admin-change-record": "/admin/admin/logentry/",
        "dashboard": "/dashboard/?from=2016-01&to=2016-12",
        "dashboard-district": "/dashboard/districts/nanxun/?from=2016-01&to=2016-12",
        "enterprise-detail-period": f"/enterprises/{enterprise.credit_code}/?from=2016-01&to=2016-12",
        "imports": "/imports/",
        "imports-history": "/imports/history/",
        "training": "/training/",
        "training-new": "/training/workshops/new/",
        "training-workshop": f"/training/workshops/{workshop.pk}/",
        "training-attendance": f"/training/workshops/{workshop.pk}/attendance/",
    }
    found = {}
    for name, path in pages.items():
        found[name] = violations_on(page, live_server.url + path)
        shoot(f"csp-{name}")
    assert found == {name: [] for name in pages}


def test_the_policy_really_blocks_an_inline_script(page, live_server, transactional_db):
    # Guard against a test that passes because nothing is checked: inject an inline script.
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran") is None
    assert [v.split()[0] for v in page.evaluate("window.__cspViolations")] == ["script-src-elem"]
