"""Elderly-friendly mode (适老化) on a phone (390×844): customer1 switches it on, reads the
progress of their claim in large type, has it read aloud, presses "转人工" and is told when
they will be called; agent1 finds the call-back with its clock, marked "长辈模式", in their
queue. A second test measures every customer page in this mode: text contrast at least 4.5:1
(WCAG 2.1 AA, from the computed colours) and every visible control at least 44×44 CSS px."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from claimdesk.claims.services import claim_report
from claimdesk.policies.demo import demo_policy, demo_products
from claimdesk.service.models import CallBack, Category, Ticket
from claimdesk.service.services import callback_request, elderly_mode_set
from tests.e2e.field_data import PHONE, fits_the_phone, log_in, phone_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Speech synthesis as the page sees it, recording what it was asked to say (headless
# chromium has no voices to speak with).
SPEECH_STUB = """
window.__spoken = [];
Object.defineProperty(window, "speechSynthesis", {configurable: true, value: {
  speaking: false, pending: false,
  speak: function (u) { window.__spoken.push({text: u.text, lang: u.lang}); },
  cancel: function () {},
}});
Object.defineProperty(window, "SpeechSynthesisUtterance", {configurable: true,
  value: function (text) { this.text = text; this.lang = ""; this.addEventListener = function () {}; }});
"""
NO_SPEECH = (
    'Object.defineProperty(window, "speechSynthesis", {configurable: true, value: undefined});'
)

# Per visible text element: its colour composed over the backgrounds behind it, the contrast
# ratio (WCAG 2.1 relative luminance); per visible control: its size.
AUDIT = """
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1,
  });
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const backdrop = (el) => {
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.unshift(e);
    let bg = {r: 255, g: 255, b: 255, a: 1};
    for (const e of chain) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) bg = over(c, bg);
    }
    return bg;
  };
  const visible = (el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
    && el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().height > 0;
  const name = (el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).trim().replace(/\\s+/g, ".") : "")
    + " '" + (el.innerText || el.value || "").trim().slice(0, 20) + "'";
  const contrast = [], targets = [], small = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(el) || !visible(el)) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const bg = backdrop(el);
    const fg = over(parse(style.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) contrast.push(name(el) + " " + ratio.toFixed(2));
    if (parseFloat(style.fontSize) < 16) small.push(name(el) + " " + style.fontSize);
  }
  document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary")
    .forEach((el) => {
      if (!visible(el)) return;
      const r = el.getBoundingClientRect();
      if (r.width < 43.5 || r.height < 43.5) targets.push(name(el) + " " + Math.round(r.width) + "x" + Math.round(r.height));
    });
  return {contrast, targets, small, base: parseFloat(getComputedStyle(document.body).fontSize)};
}
"""

# What sticks out to the right of the phone's screen.
WIDER = """
() => Array.from(document.querySelectorAll("body *"))
  .filter((el) => el.getBoundingClientRect().right > 390.5)
  .map((el) => el.tagName + "." + el.className + " " + Math.round(el.getBoundingClientRect().right))
  .slice(0, 10)
"""


@pytest.fixture
def phone(browser):
    page = phone_page(browser)
    page.add_init_script(SPEECH_STUB)
    yield page
    page.context.close()


@pytest.fixture
def claim(customer1, agent1):
    """customer1's medical claim, reported on the portal two hours ago (agent1 owns it)."""
    now = timezone.now()
    policy = demo_policy(
        number="MED202600001",
        holder=customer1,
        line="medical",
        start=timezone.localdate() - timedelta(days=200),
        insured_name="李秀英",
        phone="13912345678",
        products=demo_products(),
    )
    return claim_report(
        reporter=customer1,
        report={
            "policy_no": policy.number,
            "insured_name": "李秀英",
            "loss_time": now - timedelta(days=2),
            "loss_place": "上海市第六人民医院",
            "loss_cause": "急性肠胃炎门诊",
            "description": "腹痛到医院门诊就诊",
            "loss_type": "medical",
            "estimated_amount": "680.00",
            "contact_phone": "13912345678",
        },
        channel="portal",
        now=now - timedelta(hours=2),
    ).claim


def test_customer1_reads_progress_in_large_type_and_asks_to_be_called(
    live_server, phone: Page, browser, claim, agent1, artifacts
):
    base = live_server.url
    log_in(phone, base, "customer1")
    phone.goto(f"{base}/cases/")
    phone.get_by_test_id("elderly-switch").click()
    expect(phone.locator("html")).to_have_class(re.compile(r"\belderly\b"))
    # The three main tasks on the first screen.
    for task in ("task-report", "task-progress", "task-callback"):
        box = phone.get_by_test_id(task).bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"], (task, box)
        assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    assert phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    phone.screenshot(path=str(artifacts / "elderly-home.png"))

    phone.get_by_test_id("task-progress").click()
    expect(phone.get_by_test_id("claim-number")).to_have_text(claim.number)
    expect(phone.get_by_test_id("plain-summary")).to_be_visible()
    status_px = phone.get_by_test_id("case-status").evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert status_px >= 20
    assert fits_the_phone(phone) <= PHONE["width"], phone.evaluate(WIDER)
    phone.screenshot(path=str(artifacts / "elderly-progress.png"), full_page=True)

    phone.get_by_test_id("read-aloud").click()
    spoken = phone.evaluate("window.__spoken")
    assert spoken and spoken[0]["lang"] == "zh-CN" and claim.number in spoken[0]["text"]
    expect(phone.get_by_test_id("read-aloud")).to_have_text("停止朗读")

    phone.get_by_test_id("callback-button").click()
    due = phone.get_by_test_id("callback-due")
    expect(due).to_contain_text("前给您回电")
    phone.screenshot(path=str(artifacts / "elderly-call-back.png"))
    ticket = Ticket.objects.get(case__category=Category.CALLBACK)
    clock = ticket.case.deadlines.get(rule__code="inquiry_reply")
    local = timezone.localtime(clock.due_at)
    expect(due).to_contain_text(f"{local.year}年{local.month}月{local.day}日")
    expect(due).to_contain_text(f"{local:%H:%M}")
    assert ticket.case.owner == agent1 and ticket.claim == claim
    assert CallBack.objects.get(ticket=ticket).elderly_mode

    agent = phone_page(browser)
    try:
        log_in(agent, base, "agent1")
        agent.goto(f"{base}/service/")
        row = agent.locator(f'[data-testid="ticket-row"][data-ticket="{ticket.case.number}"]')
        expect(row).to_be_visible()
        expect(row.get_by_test_id("row-badge")).to_have_text("长辈模式")
        expect(row.locator("td.countdown")).to_have_attribute(
            "data-seconds-left", re.compile(r"\d")
        )
        expect(row.locator("td.due")).to_have_text(f"{local:%Y-%m-%d %H:%M}")
        agent.goto(f"{base}/work/")
        work = agent.locator(f'[data-testid="work-row"][data-case="{ticket.case.number}"]')
        expect(work).to_contain_text("给客户回电")
        expect(work.get_by_test_id("row-badge")).to_have_text("长辈模式")
        work.locator("td.what a").click()
        expect(agent.get_by_test_id("elderly-badge")).to_be_visible()
        expect(agent.get_by_test_id("callback-context")).to_contain_text(claim.number)
        agent.screenshot(path=str(artifacts / "elderly-agent-ticket.png"))
    finally:
        agent.context.close()


def test_customer_pages_in_elderly_mode_meet_contrast_and_target_sizes(
    live_server, phone: Page, browser, claim, customer1, agent1
):
    elderly_mode_set(user=customer1, on=True, now=timezone.now())
    ticket = callback_request(customer=customer1, now=timezone.now(), page="/cases/").ticket
    base = live_server.url
    log_in(phone, base, "customer1")
    pages = {
        "home": "/cases/",
        "progress": f"/claims/{claim.number}/",
        "report": "/claims/new/",
        "requests": "/service/my/",
        "call-back": f"/service/tickets/{ticket.case.number}/",
        "notifications": "/notifications/",
        "assistant": "/assistant/",
    }
    problems: dict[str, dict] = {}
    for name, path in pages.items():
        phone.goto(base + path)
        expect(phone.locator("html")).to_have_class(re.compile(r"\belderly\b"))
        expect(phone.get_by_test_id("read-aloud")).to_be_visible()
        found = phone.evaluate(AUDIT)
        assert found["base"] >= 20, (name, found["base"])
        if found["contrast"] or found["targets"] or found["small"]:
            problems[name] = found
        if name == "home":  # the menu, opened, too
            phone.get_by_test_id("nav-toggle").click()
            found = phone.evaluate(AUDIT)
            if found["contrast"] or found["targets"]:
                problems["home, menu open"] = found
            phone.get_by_test_id("nav-toggle").click()
    assert not problems, problems

    # Without speech synthesis in the browser there is no read-aloud button.
    bare = browser.new_context(viewport=PHONE, locale="zh-CN")
    try:
        page = bare.new_page()
        page.add_init_script(NO_SPEECH)
        page.goto(f"{base}/login/")
        expect(page.get_by_test_id("elderly-switch")).to_be_visible()
        expect(page.get_by_test_id("read-aloud")).to_be_hidden()
    finally:
        bare.close()
