"""Data for the phone-size browser tests, built through the real services: customer1's auto
claim in investigation with an on-site survey for surveyor1, and helpers that act as a phone."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from claimdesk.cases.services import case_transition
from claimdesk.claims.models import Claim
from claimdesk.claims.services import claim_item_set_state, claim_report
from claimdesk.investigation.models import Survey
from claimdesk.investigation.services import survey_assign
from claimdesk.policies.demo import demo_policy, demo_products
from tests.conftest import PASSWORD

PHONE = {"width": 390, "height": 844}


def phone_page(browser: Browser) -> Page:
    """A phone-size browser (390×844, touch, the page's own viewport) in Shanghai, Chinese."""
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(60_000)
    expect.set_options(timeout=60_000)  # a loaded machine's wait, as the page fixture sets
    return page


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("who")).to_be_attached()


def claim_under_survey(*, customer, agent, surveyor, title: str = "追尾") -> Survey:
    """customer's auto claim, materials accepted, sent to investigation by ``agent``, with
    ``surveyor`` sent to the site."""
    now = timezone.now()
    policy = demo_policy(
        number="AUT202600001",
        holder=customer,
        line="auto",
        start=timezone.localdate() - timedelta(days=120),
        insured_name="张伟",
        plate="沪A52000",
        products=demo_products(),
    )
    claim: Claim = claim_report(
        reporter=customer,
        report={
            "policy_no": policy.number,
            "insured_name": "张伟",
            "loss_time": now - timedelta(hours=3),
            "loss_place": "上海市浦东新区世纪大道与张杨路交叉口",
            "loss_cause": title,
            "description": "等红灯时被后车追尾，后保险杠和左尾灯受损",
            "loss_type": "auto",
            "estimated_amount": "3200.00",
            "contact_phone": "13812345678",
        },
        channel="portal",
        now=now - timedelta(hours=2),
    ).claim
    case = case_transition(
        case=claim.case, action="contact", actor=agent, now=now - timedelta(hours=2)
    )
    for item in claim.items.filter(core=True):
        claim_item_set_state(item=item, state="received", actor=customer, now=now)
        claim_item_set_state(item=item, state="accepted", actor=agent, now=now)
    case_transition(case=case, action="send_to_investigation", actor=agent, now=now)
    claim.refresh_from_db()
    return survey_assign(claim=claim, actor=agent, now=now, surveyor=surveyor)


def fits_the_phone(page: Page) -> int:
    """The page's width in CSS pixels (no horizontal scroll when ≤ 390)."""
    return page.evaluate("document.documentElement.scrollWidth")


def inside_viewport(page: Page, selector: str) -> bool:
    """The element is drawn wholly within the phone's width."""
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5
