"""agent1 finds a caller's claim by phone from the search box and opens it; a colleague's
claim says who owns it; the hotline form finds the caller."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from claimdesk.claims.services import claim_report
from claimdesk.policies.demo import demo_policy, demo_products
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _report(policy_no: str, insured: str, phone: str) -> dict:
    return {
        "policy_no": policy_no,
        "insured_name": insured,
        "loss_type": "auto",
        "loss_time": timezone.now() - timedelta(hours=3),
        "loss_place": "上海市浦东新区世纪大道",
        "loss_cause": "等红灯时被追尾",
        "description": "后车追尾，后保险杠受损。",
        "estimated_amount": "3200",
        "contact_phone": phone,
    }


@pytest.fixture
def claims(agent1, agent2, customer1, customer2):
    products = demo_products()
    start = timezone.localdate() - timedelta(days=120)
    for number, holder, name, phone, plate in (
        ("AUT202600001", customer1, "张伟", "13800138000", "沪A52000"),
        ("AUT202600002", customer2, "李娜", "13900139000", "沪B12345"),
    ):
        demo_policy(
            number=number,
            holder=holder,
            line="auto",
            start=start,
            insured_name=name,
            phone=phone,
            plate=plate,
            products=products,
        )
    now = timezone.now()
    mine = claim_report(
        reporter=agent1,
        report=_report("AUT202600001", "张伟", "13800138000"),
        channel="hotline",
        now=now,
    ).claim
    theirs = claim_report(
        reporter=agent2,
        report=_report("AUT202600002", "李娜", "13900139000"),
        channel="hotline",
        now=now,
    ).claim
    return mine, theirs


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_agent_searches_by_phone_and_opens_the_claim(live_server, page: Page, claims, artifacts):
    mine, theirs = claims
    log_in(page, live_server.url, "agent1")
    box = page.get_by_test_id("nav-search")
    box.get_by_role("searchbox").fill("138 0013 8000")
    box.get_by_role("button", name="搜索").click()
    results = page.get_by_test_id("search-results")
    expect(results.locator("tr[data-kind=claim]")).to_have_count(1)
    expect(results.locator("tr[data-kind=policy]")).to_contain_text("AUT202600001")
    page.screenshot(path=str(artifacts / "search-by-phone.png"), full_page=True)
    results.get_by_role("link", name=mine.number).click()
    expect(page).to_have_url(f"{live_server.url}/claims/{mine.number}/")
    expect(page.locator("h1")).to_contain_text(mine.number)

    # By the last 4 digits, a colleague's claim stays out of the results.
    page.goto(f"{live_server.url}/search/?q=9000")
    expect(page.get_by_test_id("search-results")).not_to_contain_text(theirs.number)
    # Opened by its number, it says who owns it, in Chinese.
    page.goto(f"{live_server.url}/claims/{theirs.number}/")
    expect(page.get_by_test_id("error-403")).to_contain_text("您无权打开此案件")
    expect(page.get_by_test_id("error-403")).to_contain_text("由 agent2 负责")
    page.screenshot(path=str(artifacts / "search-forbidden.png"), full_page=True)

    # The hotline form finds the caller and fills the report from the chosen policy.
    page.get_by_test_id("nav-hotline").click()
    lookup = page.get_by_test_id("caller-lookup")
    lookup.get_by_label("来电号码").fill("13800138000")
    lookup.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("caller-claims")).to_contain_text(mine.number)
    page.get_by_test_id("use-policy-AUT202600001").click()
    form = page.get_by_test_id("report-form")
    expect(form.get_by_label("保单号")).to_have_value("AUT202600001")
    expect(form.get_by_label("被保险人")).to_have_value("张伟")
    expect(form.get_by_label("联系电话")).to_have_value("13800138000")
    page.screenshot(path=str(artifacts / "hotline-caller.png"), full_page=True)
