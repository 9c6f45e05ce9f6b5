"""Feedback test helpers: claims and tickets taken to closure through the kernel."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from claimdesk.cases import services as kernel
from claimdesk.claims.models import ClaimDecision, DecisionStatus
from claimdesk.claims.services import claim_item_set_state, claim_report
from tests.claims.conftest import T0, auto_policy, claims_api, frozen  # noqa: F401
from tests.claims.conftest import report as json_report
from tests.conftest import at


def report(**extra):
    """customer1's auto report as the service takes it (an aware loss time)."""
    return json_report(loss_time=at("2026-09-29 18:00"), **extra)


def close_claim(claim, *, agent, decider, finance, customer, now: datetime):
    """Report → contact → core items accepted → adjudication → approve → paid (closed).

    The approval applies an approved decision record, as the decision service leaves it.
    """
    case = kernel.case_transition(case=claim.case, action="contact", actor=agent, now=now)
    for item in claim.items.filter(core=True):
        claim_item_set_state(item=item, state="received", actor=customer, now=now)
        claim_item_set_state(item=item, state="accepted", actor=agent, now=now)
    kernel.case_transition(case=case, action="send_to_adjudication", actor=agent, now=now)
    decision = ClaimDecision.objects.create(
        claim=claim,
        decision="approve",
        amount=Decimal("3000.00"),
        calculation={},
        approvals_required=1,
        status=DecisionStatus.APPROVED,
        proposed_by=agent,
        proposed_at=now,
        closed_at=now,
    )
    kernel.case_transition(
        case=case, action="approve", actor=decider, now=now, data={"decision": decision.pk}
    )
    kernel.task_assign(
        case=case, kind="payment", title="pay", assignee=finance, actor=agent, now=now
    )
    return kernel.case_transition(
        case=case, action="confirm_payment", actor=finance, now=now + timedelta(hours=1)
    )


@pytest.fixture
def closed_claim(auto_policy, customer1, agent1, manager1, finance1):  # noqa: F811
    """A claim of customer1, owned by agent1, paid and closed at 2026-09-30 11:00."""
    result = claim_report(reporter=customer1, report=report(), channel="portal", now=T0)
    case = close_claim(
        result.claim,
        agent=agent1,
        decider=manager1,
        finance=finance1,
        customer=customer1,
        now=T0,
    )
    assert case.status == "closed" and case.owner == agent1
    return result.claim


def closed_ticket(
    *,
    customer,
    agent,
    opened: datetime,
    closed: datetime,
    category="inquiry",
    reply_after=timedelta(minutes=30),
):
    case = kernel.case_open(
        kind="ticket",
        title="进度咨询",
        actor=agent,
        customer=customer,
        now=opened,
        category=category,
    )
    kernel.case_transition(
        case=case,
        action="reply",
        actor=agent,
        now=opened + reply_after,
        data={"message": "已查询"},
    )
    kernel.case_transition(
        case=case,
        action="resolve",
        actor=agent,
        now=closed - timedelta(minutes=5),
        data={"resolution": "已解答"},
    )
    return kernel.case_transition(case=case, action="close", actor=agent, now=closed)
