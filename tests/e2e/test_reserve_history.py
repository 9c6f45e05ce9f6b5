"""agent1 opens a claim and reads its reserve history (each change with its reason and whose
authority covers it), then adjusts the reserve by hand; customer1 sees no reserve."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from claimdesk.cases.services import case_transition, task_assign
from claimdesk.claims.services import (
    claim_item_set_state,
    claim_report,
    decision_approve,
    decision_propose,
    loss_item_add,
    reserve_adjust,
)
from claimdesk.policies.demo import demo_bank_account, demo_policy, demo_products
from claimdesk.staff.models import StaffProfile
from tests.e2e.test_adjudication import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def claim(customer1, agent1, adjuster1, adjuster2, manager1):
    """An accident claim registered at the line's average (10,000), raised by agent1 with a
    reason, calculated and decided at 24,920.40 (still to be paid)."""
    StaffProfile.objects.filter(user=agent1).update(reserve_limit=Decimal("50000"))
    agent1.staff_profile.refresh_from_db()
    now = timezone.now() - timedelta(hours=3)
    policy = demo_policy(
        number="ACC202600002",
        holder=customer1,
        line="accident",
        start=timezone.localdate() - timedelta(days=100),
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
            "description": "骑车摔倒右腕骨折住院",
            "loss_type": "accident",
            "estimated_amount": "31250.50",
            "contact_phone": "13812345678",
        },
        channel="hotline",
        now=now,
    ).claim
    case_transition(case=claim.case, action="contact", actor=agent1, now=now)
    reserve_adjust(
        claim=claim,
        amount="32000",
        reason="住院手术，预计费用高于同类平均",
        actor=agent1,
        now=now + timedelta(minutes=30),
    )
    later = now + timedelta(hours=1)
    for item in claim.items.filter(core=True):
        claim_item_set_state(item=item, state="received", actor=agent1, now=later)
        claim_item_set_state(item=item, state="accepted", actor=agent1, now=later)
    case_transition(case=claim.case, action="send_to_adjudication", actor=agent1, now=later)
    task_assign(
        case=claim.case, kind="review", title="核定", assignee=adjuster2, actor=agent1, now=later
    )
    loss_item_add(
        claim=claim,
        actor=adjuster2,
        now=later,
        coverage="accident-medical",
        label="住院医疗费用",
        amount="31250.50",
    )
    decided = now + timedelta(hours=2)
    decision = decision_propose(claim=claim, actor=adjuster2, now=decided)
    decision_approve(decision=decision, actor=adjuster1, now=decided)
    return claim


def test_handler_reads_the_reserve_history_and_adjusts_it(
    live_server, page: Page, claim, artifacts
):
    base = live_server.url
    number = claim.number

    log_in(page, base, "agent1")
    page.goto(f"{base}/claims/{number}/")
    section = page.get_by_test_id("reserve")
    expect(section.get_by_role("heading", name="未决赔款准备金")).to_be_visible()
    history = page.get_by_test_id("reserve-history")
    rows = history.locator("tbody tr")
    expect(rows).to_have_count(3)  # registration, manual, calculation (the decision agreed)
    expect(rows.nth(0)).to_contain_text("立案")
    expect(rows.nth(0)).to_contain_text("¥10000.00")
    expect(rows.nth(0)).to_contain_text("产品及损失类型的平均赔款（管理员设定）")
    expect(rows.nth(1)).to_contain_text("人工调整")
    expect(rows.nth(1)).to_contain_text("住院手术，预计费用高于同类平均")
    expect(rows.nth(1)).to_contain_text("¥50000.00")  # agent1's reserve authority
    expect(rows.nth(2)).to_contain_text("理算")
    expect(rows.nth(2)).to_contain_text("¥24920.40")
    expect(page.get_by_test_id("reserve-amount")).to_have_text("¥24920.40")

    form = page.get_by_test_id("reserve-form")
    form.get_by_label("新准备金（¥）").fill("26000")
    form.get_by_label("原因").fill("预留复查及康复费用")
    form.get_by_role("button", name="调整准备金").click()
    expect(page.get_by_test_id("reserve-amount")).to_have_text("¥26000.00")
    expect(rows).to_have_count(4)
    expect(rows.nth(3)).to_contain_text("预留复查及康复费用")
    section.screenshot(path=str(artifacts / "reserve-history.png"))

    log_in(page, base, "customer1")
    page.goto(f"{base}/claims/{number}/")
    expect(page.get_by_test_id("case-status")).to_be_visible()
    expect(page.get_by_test_id("reserve")).to_have_count(0)
