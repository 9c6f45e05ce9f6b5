"""On PostgreSQL (real row locks): two approvals at once apply a decision once, and two
payment submissions then make one payment — a claim is never paid twice."""

from __future__ import annotations

import pytest

from claimdesk.cases.models import CaseEvent
from claimdesk.cases.services import CaseError
from claimdesk.claims.models import ClaimDecision
from claimdesk.claims.services import decision_approve, decision_propose, loss_item_add
from claimdesk.payments.models import Payment
from claimdesk.payments.services import payment_instruct
from tests.claims.conftest import T0, claim_in_adjudication
from tests.conftest import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("accident_policy"),
]


def test_two_approvals_and_two_payments_at_once_pay_once(
    agent1, adjuster1, adjuster2, manager1, finance1, customer1
):
    from claimdesk.policies.demo import demo_bank_account

    demo_bank_account(customer1, "张三", "6222021001000012345")
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    loss_item_add(
        claim=claim,
        actor=adjuster1,
        now=T0,
        coverage="accident-medical",
        label="住院费用",
        amount="8100",
    )
    decision = decision_propose(claim=claim, actor=adjuster1, now=T0)
    approvers = [adjuster2, manager1]  # adjuster2 holds the approval task; manager1 oversees

    results = race(2, lambda i: decision_approve(decision=decision, actor=approvers[i], now=T0))
    applied = [r for r in results if isinstance(r, ClaimDecision)]
    refused = [r for r in results if isinstance(r, CaseError)]
    assert len(applied) == 1 and len(refused) == 1, results
    assert ClaimDecision.objects.get(pk=decision.pk).approvals.count() == 1
    approvals = CaseEvent.objects.filter(case=claim.case, kind="transition", action="approve")
    assert approvals.count() == 1

    results = race(2, lambda i: payment_instruct(claim=claim, actor=finance1, now=T0))
    assert sum(isinstance(r, Payment) for r in results) == 1, results
    assert Payment.objects.filter(claim=claim).count() == 1
    assert (
        Payment.objects.get(claim=claim).amount
        == claim.__class__.objects.get(pk=claim.pk).approved_amount
    )
