"""The claim's workflow as registered with the kernel: what it reads from the claim."""

from decimal import Decimal

import pytest

from claimdesk.cases.workflow import workflow
from claimdesk.claims.models import Claim
from claimdesk.claims.workflow import KIND, WORKFLOW, ClaimState, payment_rule


@pytest.mark.parametrize(
    ("loss_type", "amount", "rule"),
    [
        ("auto", Decimal("4999.99"), "payment_small"),
        ("auto", Decimal("5000"), "payment"),
        ("auto", None, "payment"),
        ("medical", Decimal("300"), "payment"),
    ],
)
def test_the_payment_commitment_follows_the_claims_own_facts(loss_type, amount, rule):
    assert payment_rule(Claim(loss_type=loss_type, estimated_amount=amount)) == rule


def test_the_claim_kind_is_registered_with_its_states_and_permissions():
    assert workflow(KIND) is WORKFLOW
    assert WORKFLOW.initial == ClaimState.REPORTED
    assert WORKFLOW.state_label("paying") == str(ClaimState.PAYING.label)
    assert {t.permission.split(".")[0] for t in WORKFLOW.transitions} == {"claims"}
