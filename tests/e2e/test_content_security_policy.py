"""With the Content-Security-Policy on, the pages still work in a real browser and the
browser reports no violation: the dashboard with its charts, my work's htmx refresh, the
assistant's htmx form (reset after an answer) and the language switch (a select that
submits its form)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_report_claim import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _watch(page) -> list[str]:
    messages: list[str] = []
    page.context.add_init_script(WATCH)
    page.on(
        "console",
        lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return messages


def _violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def test_the_staff_pages_work_under_the_policy(page, live_server, manager1):
    console = _watch(page)
    base = live_server.url
    log_in(page, base, "manager1")
    page.wait_for_url(f"{base}/**")
    seen: list[str] = []
    for path in ("/analytics/", "/work/", "/cases/"):
        response = page.goto(f"{base}{path}")
        assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
        expect(page.locator("html.js")).to_have_count(1)  # the nonced inline script ran
        seen += _violations(page)
    # The language switch submits its form from site.js, not an inline handler.
    page.locator("select[name=language]").select_option("en")
    expect(page.locator("html[lang=en]")).to_have_count(1)
    seen += _violations(page)
    assert seen == [] and console == [], seen + console


def test_the_assistants_htmx_form_works_under_the_policy(page, live_server, customer1):
    console = _watch(page)
    base = live_server.url
    log_in(page, base, "customer1")
    page.wait_for_url(f"{base}/**")
    page.goto(f"{base}/assistant/")
    page.get_by_test_id("chat-question").fill("赔款多久到账")
    page.get_by_test_id("chat-send").click()
    expect(page.get_by_test_id("chat-answer").first).to_be_visible()
    expect(page.get_by_test_id("chat-question")).to_have_value("")  # reset after success
    assert _violations(page) == [] and console == [], _violations(page) + console
