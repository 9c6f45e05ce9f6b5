"""adjuster1 opens a claim, sees the calculation, the flags and the text hits, and approves
within authority; finance1 pays; customer1 sees the decision, the amount and the notice PDF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from claimdesk.cases.services import case_transition, task_assign
from claimdesk.claims.services import (
    claim_item_set_state,
    claim_report,
    decision_propose,
    loss_item_add,
)
from claimdesk.policies.demo import demo_bank_account, demo_policy, demo_products
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def log_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


@pytest.fixture
def claim(customer1, agent1, adjuster1, adjuster2, finance1):
    """An accident claim reported ten days into the policy (a red flag), whose description
    mentions an earlier illness (a text hit), proposed by adjuster2 for adjuster1 to approve."""
    now = timezone.now()
    policy = demo_policy(
        number="ACC202600001",
        holder=customer1,
        line="accident",
        start=timezone.localdate() - timedelta(days=10),
        insured_name="张伟",
        products=demo_products(),
    )
    demo_bank_account(customer1, "张伟", "6222021001000012345")
    claim = claim_report(
        reporter=agent1,
        report={
            "policy_no": policy.number,
            "insured_name": "张伟",
            "loss_time": now - timedelta(days=1),
            "loss_place": "上海市徐汇区",
            "loss_cause": "骑车摔伤",
            "description": "骑车摔倒右腕骨折住院；既往有腕关节病史",
            "loss_type": "accident",
            "estimated_amount": "31250.50",
            "contact_phone": "13812345678",
        },
        channel="hotline",
        now=now,
    ).claim
    case_transition(case=claim.case, action="contact", actor=agent1, now=now)
    for item in claim.items.filter(core=True):
        claim_item_set_state(item=item, state="received", actor=agent1, now=now)
        claim_item_set_state(item=item, state="accepted", actor=agent1, now=now)
    case_transition(case=claim.case, action="send_to_adjudication", actor=agent1, now=now)
    task_assign(
        case=claim.case, kind="review", title="核定", assignee=adjuster2, actor=agent1, now=now
    )
    loss_item_add(
        claim=claim,
        actor=adjuster2,
        now=now,
        coverage="accident-medical",
        label="住院医疗费用",
        amount="31250.50",
    )
    decision_propose(claim=claim, actor=adjuster2, now=now)  # routed to adjuster1 (50,000)
    return claim


def test_adjuster_approves_finance_pays_customer_sees_decision_and_notice(
    live_server, page: Page, claim, artifacts
):
    base = live_server.url
    number = claim.number

    log_in(page, base, "adjuster1")
    page.goto(f"{base}/claims/{number}/")
    calculation = page.get_by_test_id("calculation")
    expect(calculation).to_have_attribute("data-decision", "approve")
    expect(page.get_by_test_id("calc-total")).to_have_text("24920.40")  # (31,250.50−100)×80 %
    expect(calculation).to_contain_text("第2.4条")
    expect(page.locator("[data-flag='early_loss']")).to_be_visible()
    expect(page.get_by_test_id("review-text-hits")).to_contain_text("既往")
    page.screenshot(path=str(artifacts / "adjudication.png"), full_page=True)
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("case-status")).to_have_text("赔付")
    expect(page.get_by_test_id("decision")).to_contain_text("24920.40")

    log_in(page, base, "finance1")
    page.goto(f"{base}/payments/")
    page.get_by_test_id(f"instruct-{number}").click()
    reference = "PY" + number[2:]
    page.get_by_test_id(f"send-{reference}").click()
    page.get_by_test_id(f"confirm-{reference}").click()
    expect(page.get_by_test_id("state-confirmed")).to_contain_text(reference)

    log_in(page, base, "customer1")
    page.goto(f"{base}/claims/{number}/")
    expect(page.get_by_test_id("case-status")).to_have_text("已结案")
    expect(page.get_by_test_id("decision")).to_contain_text("24920.40")
    link = page.get_by_test_id("notices").get_by_test_id("notice-pdf").first
    href = link.get_attribute("href")
    response = page.request.get(f"{base}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
