"""Decisions with authority: the calculator proposes, someone else approves within their
limit, large amounts need several approvers, and no API call gets around any of it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from claimdesk.cases.models import Deadline, Task
from claimdesk.cases.services import IllegalTransition, NotAllowed, task_assign
from claimdesk.claims.models import ClaimDecision, DecisionStatus
from claimdesk.claims.services import (
    AboveAuthority,
    claims_interim_payment_tasks,
    decision_approve,
    decision_propose,
    decision_return,
    loss_item_add,
)
from claimdesk.workdays.clocks import to_local
from tests.claims.conftest import T0, claim_in_adjudication
from tests.conftest import at

pytestmark = pytest.mark.usefixtures("accident_policy")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def claim(agent1, adjuster1, adjuster2):
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    # (31,250.50 − 100) × 80 % = 24,920.40 under 意外医疗
    loss_item_add(
        claim=claim,
        actor=adjuster1,
        now=T0,
        coverage="accident-medical",
        label="门诊费用",
        amount="1250.50",
    )
    loss_item_add(
        claim=claim,
        actor=adjuster1,
        now=T0,
        coverage="accident-medical",
        label="住院费用",
        amount="30000",
    )
    return claim


def test_proposal_is_the_calculation_and_goes_to_an_approver(claim, adjuster1, adjuster2):
    decision = decision_propose(claim=claim, actor=adjuster1, now=T0)
    assert (decision.decision, decision.amount) == ("approve", Decimal("24920.40"))
    assert decision.approvals_required == 1
    task = Task.objects.get(case=claim.case, kind="approve_decision", status="open")
    assert task.assignee == adjuster2  # the only other decider whose limit suffices


def test_the_proposer_can_never_approve(claim, adjuster1):
    decision = decision_propose(claim=claim, actor=adjuster1, now=T0)
    with pytest.raises(NotAllowed, match="own proposal"):
        decision_approve(decision=decision, actor=adjuster1, now=T0)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PENDING


def test_approval_applies_the_decision(claim, adjuster1, adjuster2, customer1, finance1):
    decision = decision_propose(claim=claim, actor=adjuster1, now=T0)
    decision_approve(decision=decision, actor=adjuster2, now=at("2026-09-30 11:00"))
    claim.refresh_from_db()
    claim.case.refresh_from_db()
    assert claim.case.status == "paying"
    assert (claim.decision, claim.approved_amount) == ("approve", Decimal("24920.40"))
    statutory = claim.case.deadlines.get(rule__code="decision_statutory")
    assert statutory.state == "met"
    assert claim.case.notices.filter(kind="claim_report").exists()
    assert not Task.objects.filter(case=claim.case, kind="approve_decision", status="open")
    # The customer's letter is issued before the payment goes to finance.
    kinds = list(claim.case.events.order_by("id").values_list("kind", "data"))
    letter = kinds.index(next(k for k in kinds if k[0] == "notice_issued"))
    handover = kinds.index(
        next(k for k in kinds if k[0] == "task_assigned" and k[1].get("kind") == "payment")
    )
    assert letter < handover


def test_above_the_limit_escalates_to_the_manager(agent1, adjuster1, adjuster2, manager1):
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    task_assign(
        case=claim.case, kind="review", title="复核", assignee=adjuster2, actor=agent1, now=T0
    )
    loss_item_add(
        claim=claim,
        actor=adjuster2,
        now=T0,
        coverage="death-disability",
        label="伤残保险金（十级）",
        amount="60000",
    )
    decision = decision_propose(claim=claim, actor=adjuster2, now=T0)
    assert decision.amount == Decimal("60000.00")
    # adjuster1 (limit 50,000) is asked by name and refuses by limit: escalated upwards
    with pytest.raises(AboveAuthority, match="above your approval limit") as refused:
        decision_approve(decision=decision, actor=adjuster1, now=T0)
    assert refused.value.details["escalated_to"] == "manager1"
    decision.refresh_from_db()
    assert decision.escalated_to == manager1
    assert Task.objects.get(case=claim.case, kind="approve_decision", status="open").assignee == (
        manager1
    )
    decision_approve(decision=decision, actor=manager1, now=T0)
    claim.refresh_from_db()
    assert claim.approved_amount == Decimal("60000.00")


def test_large_amounts_need_two_different_approvers(agent1, adjuster1, adjuster2, manager1):
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    loss_item_add(
        claim=claim,
        actor=adjuster1,
        now=T0,
        coverage="death-disability",
        label="伤残保险金（五级）",
        amount="150000",
    )
    decision = decision_propose(claim=claim, actor=adjuster1, now=T0)
    assert decision.approvals_required == 2
    decision_approve(decision=decision, actor=adjuster2, now=T0)
    claim.case.refresh_from_db()
    assert claim.case.status == "adjudicating"  # one approval is not enough
    with pytest.raises(NotAllowed):  # the same person twice never makes two approvals
        decision_approve(decision=decision, actor=adjuster2, now=T0)
    assert Task.objects.get(case=claim.case, kind="approve_decision", status="open").assignee == (
        manager1
    )
    decision_approve(decision=decision, actor=manager1, now=T0)
    claim.case.refresh_from_db()
    assert claim.case.status == "paying"


def test_rejection_cites_its_clause_and_sends_the_notice(agent1, adjuster1, adjuster2):
    from claimdesk.claims.services import loss_item_exclude
    from claimdesk.policies.models import Clause

    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    item = loss_item_add(
        claim=claim,
        actor=adjuster1,
        now=T0,
        coverage="accident-medical",
        label="住院费用",
        amount="8000",
    )
    clause = Clause.objects.get(product=claim.policy.product, article="2.6")
    loss_item_exclude(
        item=item, clause=clause, reason="交警认定书载明酒后驾驶", actor=adjuster1, now=T0
    )
    decision = decision_propose(claim=claim, actor=adjuster1, now=T0)
    assert decision.decision == "reject"
    assert "酒后驾驶" in decision.reason
    decision_approve(decision=decision, actor=adjuster2, now=T0)
    claim.case.refresh_from_db()
    assert claim.case.status == "closed"
    notice = claim.case.notices.get(kind="rejection")
    assert clause.text in str(notice.context)
    assert claim.case.deadlines.get(rule__code="rejection_notice").state == "met"
    # 结案归档: the file is frozen and what was on it is sealed in the timeline
    claim.refresh_from_db()
    assert claim.archived_at is not None
    archived = claim.case.events.get(kind="archived")
    assert archived.data["notices"] == [notice.sha256]
    from claimdesk.documents.services import may_upload

    assert not may_upload(claim.case.customer, claim)


def test_return_and_revise(claim, adjuster1, adjuster2):
    decision = decision_propose(claim=claim, actor=adjuster1, now=T0)
    decision_return(decision=decision, actor=adjuster2, now=T0, reason="门诊发票缺章")
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.RETURNED
    again = decision_propose(claim=claim, actor=adjuster1, now=T0)
    assert again.status == DecisionStatus.PENDING


def test_someone_elses_pending_proposal_blocks_a_second(claim, adjuster1, adjuster2):
    decision_propose(claim=claim, actor=adjuster1, now=T0)
    with pytest.raises(IllegalTransition, match="awaiting approval"):
        decision_propose(claim=claim, actor=adjuster2, now=T0)
    assert ClaimDecision.objects.filter(claim=claim, status="pending").count() == 1


def test_interim_payment_task_well_before_day_sixty(claim):
    # materials complete 30 Sept 10:00; 60 calendar days end with Sun 29 Nov, a rest day:
    # the period ends with Mon 30 Nov (民法典 §203); the clock's reminder point (75 % of
    # the time) falls on 14 Nov, day 45 — two weeks before
    clock = Deadline.objects.get(case=claim.case, rule__code="interim_payment")
    assert to_local(clock.remind_at).date().isoformat() == "2026-11-14"
    assert claims_interim_payment_tasks(now=clock.remind_at - timedelta(minutes=1)) == 0
    assert claims_interim_payment_tasks(now=clock.remind_at) == 1
    task = Task.objects.get(case=claim.case, kind="interim_payment")
    assert "24920.40" in task.title
    assert to_local(clock.due_at).date().isoformat() in task.title
    assert clock.due_at - clock.remind_at >= timedelta(days=14)
    assert claims_interim_payment_tasks(now=at("2026-12-01 10:00")) == 0


def test_lower_levels_sign_first_and_the_last_signature_needs_the_authority(
    agent1, adjuster1, adjuster2, manager1
):
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster2)
    loss_item_add(
        claim=claim,
        actor=adjuster2,
        now=T0,
        coverage="death-disability",
        label="伤残保险金（四级）",
        amount="180000",
    )
    decision = decision_propose(claim=claim, actor=adjuster2, now=T0)
    first = Task.objects.get(case=claim.case, kind="approve_decision", status="open")
    assert first.assignee == adjuster1  # the lowest level signs first, limit 50,000
    decision_approve(decision=decision, actor=adjuster1, now=T0)
    last = Task.objects.get(case=claim.case, kind="approve_decision", status="open")
    assert last.assignee == manager1
    decision_approve(decision=decision, actor=manager1, now=T0)
    claim.refresh_from_db()
    assert claim.approved_amount == Decimal("180000.00")
    assert [a.approver for a in decision.approvals.all()] == [adjuster1, manager1]
