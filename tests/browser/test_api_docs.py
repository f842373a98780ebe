"""The machine API's readable docs (/api/v1/docs/): Swagger UI served by the portal renders every
operation of the OpenAPI document under the portal's Content-Security-Policy, with no violation."""

import pytest

from tests.browser.test_content_security_policy import RECORD_VIOLATIONS, violations_on

pytestmark = pytest.mark.browser


def test_the_api_docs_page_renders_its_operations_without_a_policy_violation(page, live_server, shoot):
    page.add_init_script(RECORD_VIOLATIONS)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    found = violations_on(page, f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".opblock-summary-path")
    paths = sorted(set(page.locator(".opblock-summary-path").all_inner_texts()))
    shoot("api-docs")
    assert found == []
    assert [path.replace("\u200b", "") for path in paths] == [
        "/api/v1/districts/",
        "/api/v1/enterprises/",
        "/api/v1/figures/",
        "/api/v1/imports/{kind}/",
        "/api/v1/missing/",
        "/api/v1/safety-reports/",
        "/api/v1/safety-reports/{credit_code}/{month}/history/",
    ]
    # Everything from the portal itself: no CDN, nothing from the internet.
    assert [url for url in requests if not url.startswith(live_server.url)] == []
