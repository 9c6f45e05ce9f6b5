"""On PostgreSQL (real row locks, real threads): two claims of one policy year approved at
once cannot both spend the annual limit — the accumulator row is locked after each claim's
case, and the second approval, recalculated under the lock, is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import translation

from claimdesk.claims.models import Accumulator, ClaimDecision, DecisionStatus
from claimdesk.claims.services import LimitsChanged, decision_approve, decision_propose
from claimdesk.claims.services.accumulators import accumulator_keys, accumulators_lock
from tests.claims.conftest import T0
from tests.claims.test_accumulators import annual_medical_policy, decide, medical_claim
from tests.conftest import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_approvals_at_once_never_spend_the_annual_limit_twice(
    customer1, agent1, adjuster1, adjuster2
):
    annual_medical_policy(customer1)
    claims = [
        medical_claim(agent1, adjuster1, amount="20000", day="2026-09-20", cause="阑尾炎"),
        medical_claim(agent1, adjuster1, amount="20000", day="2026-09-28", cause="肺炎"),
    ]
    # Each proposed before either is approved: (20,000 − 1,000) × 80 % = 15,200 each,
    # together 30,400 against an annual limit of 20,000.
    decisions = [decision_propose(claim=c, actor=adjuster1, now=T0) for c in claims]
    assert [d.amount for d in decisions] == [Decimal("15200.00")] * 2
    with transaction.atomic():  # the rows exist already: the race is on their row lock
        accumulators_lock(claims[0], accumulator_keys(claims[0], ["inpatient"]))

    def approve(i: int):
        with translation.override("en"):
            return decision_approve(decision=decisions[i], actor=adjuster2, now=T0)

    results = race(2, approve)
    applied = [r for r in results if isinstance(r, ClaimDecision)]
    refused = [r for r in results if isinstance(r, LimitsChanged)]
    assert len(applied) == 1 and len(refused) == 1, results
    row = Accumulator.objects.get(policy__number="PMED0001", coverage="inpatient")
    assert (row.deductible_used, row.limit_used) == (Decimal("1000.00"), Decimal("15200.00"))
    loser = claims[results.index(refused[0])]
    assert ClaimDecision.objects.get(claim=loser).status == DecisionStatus.PENDING

    # Proposed again: no deductible left, 20,000 × 80 % = 16,000, capped at the 4,800 left.
    assert decide(loser, adjuster1, adjuster2).amount == Decimal("4800.00")
    row.refresh_from_db()
    assert row.limit_used == Decimal("20000.00")
