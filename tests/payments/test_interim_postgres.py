"""On PostgreSQL (real row locks, real threads): two instructions of one interim payment at
once make one payment; the balance later is a second, distinct payment."""

from __future__ import annotations

import pytest

from claimdesk.claims.models import Claim
from claimdesk.claims.services import decision_approve, interim_propose, loss_item_add
from claimdesk.payments.models import Payment
from claimdesk.payments.services import PaymentExists, payment_instruct
from claimdesk.policies.demo import demo_bank_account
from tests.claims import conftest as claims_conftest
from tests.claims.conftest import T0, claim_in_adjudication
from tests.conftest import race

accident_policy = claims_conftest.accident_policy

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("accident_policy"),
]


def test_two_instructions_of_the_interim_payment_at_once_make_one(
    customer1, agent1, adjuster1, adjuster2, finance1
):
    demo_bank_account(customer1, "张三", "6222021001000012345")
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    loss_item_add(
        claim=claim, actor=adjuster1, now=T0, coverage="accident-medical", label="门诊费用",
        amount="1250.50",
    )  # fmt: skip
    decision_approve(
        decision=interim_propose(claim=claim, actor=adjuster1, now=T0), actor=adjuster2, now=T0
    )
    claim = Claim.objects.select_related("case").get(pk=claim.pk)
    results = race(2, lambda i: payment_instruct(claim=claim, actor=finance1, now=T0))
    made = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, PaymentExists)]
    assert len(made) == 1 and len(refused) == 1, results
    assert list(Payment.objects.filter(claim=claim).values_list("purpose", "amount")) == [
        ("interim", made[0].amount)
    ]
