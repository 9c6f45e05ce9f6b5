"""A claim is decided against the policy as it stood at the loss date: a beneficiary change
effective on a date names (and pays) the old beneficiaries for a loss before it and the new
ones for a loss after it; the calculation says which version it used."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claimdesk.claims.services import claim_calculation, loss_item_add
from claimdesk.policies.demo import demo_policy
from claimdesk.policies.models import Beneficiary
from claimdesk.servicing.models import ServiceRequest
from claimdesk.servicing.services import materials_receive, request_approve, request_open
from tests.claims.conftest import claim_in_adjudication
from tests.conftest import at
from tests.servicing.conftest import T0

MATERIALS = ["application", "holder_id", "insured_consent", "beneficiary_ids", "relation_proof"]


@pytest.fixture
def accident_policy(products, customer1):
    policy = demo_policy(
        number="PACC0001",
        holder=customer1,
        line="accident",
        start=date(2026, 1, 1),
        insured_name="张三",
        products=products,
    )
    # As issued: the insured's father is the sole beneficiary.
    Beneficiary.objects.create(
        policy=policy, name="张父", relation_to_insured="父子", share_percent=Decimal(100)
    )
    return policy


def _change_beneficiaries(policy, customer, clerk) -> ServiceRequest:
    request = request_open(
        policy=policy,
        item="beneficiary",
        details={
            "beneficiaries": [
                {"name": "李梅", "relation": "配偶", "share": "60"},
                {"name": "张小明", "relation": "子女", "share": "40"},
            ]
        },
        effective_on=date(2026, 10, 8),
        actor=customer,
        now=T0,
    )
    materials_receive(request=request, codes=MATERIALS, actor=clerk, now=T0)
    return request_approve(request=request, actor=clerk, now=T0)


def _death_claim(agent, adjuster, loss_day: str, now):
    claim = claim_in_adjudication(
        owner=agent, adjuster=adjuster, now=now, loss_time=at(f"{loss_day} 09:00")
    )
    loss_item_add(
        claim=claim,
        actor=adjuster,
        now=now,
        coverage="death-disability",
        label="意外身故保险金",
        amount="500000",
    )
    return claim_calculation(claim).as_dict()


def test_a_loss_before_the_change_names_the_old_beneficiary_one_after_it_the_new(
    customer1, clerk, agent1, adjuster1, accident_policy
):
    request = _change_beneficiaries(accident_policy, customer1, clerk)
    assert request.endorsement.effective_on == date(2026, 10, 8)

    before = _death_claim(agent1, adjuster1, "2026-10-07", at("2026-10-07 12:00"))
    assert before["policy_version"]["version"] == 1
    assert before["policy_version"]["beneficiaries"] == [
        {"name": "张父", "share": "100.00", "amount": "500000.00"}
    ]

    after = _death_claim(agent1, adjuster1, "2026-10-09", at("2026-10-09 12:00"))
    assert after["policy_version"]["version"] == 2
    assert after["policy_version"]["endorsement"] == "PACC0001-002"
    assert after["policy_version"]["effective_on"] == "2026-10-08"
    assert after["policy_version"]["beneficiaries"] == [
        {"name": "李梅", "share": "60.00", "amount": "300000.00"},
        {"name": "张小明", "share": "40.00", "amount": "200000.00"},
    ]


def test_a_loss_after_a_surrender_s_date_is_not_covered(
    customer1, clerk, agent1, adjuster1, accident_policy
):
    request = request_open(
        policy=accident_policy, item="surrender", details={}, actor=customer1, now=T0
    )
    materials_receive(
        request=request,
        codes=["surrender_form", "holder_id", "policy_contract", "bank_card"],
        actor=clerk,
        now=T0,
    )
    from claimdesk.policies.demo import demo_bank_account

    demo_bank_account(customer1, "customer1", "6222020000000001")
    request.refresh_from_db()
    # The clerk's ¥2,000 covers the accident policy's small cash value.
    assert request.amount is not None and request.amount <= Decimal(2000)
    request_approve(request=request, actor=clerk, now=T0)

    covered = _death_claim(agent1, adjuster1, "2026-09-29", at("2026-10-02 12:00"))
    assert covered["total"] == "500000.00" and covered["policy_version"]["version"] == 1
    ended = _death_claim(agent1, adjuster1, "2026-10-01", at("2026-10-02 12:00"))
    assert Decimal(ended["total"]) == 0 and ended["decision"] == "reject"
    assert [e["code"] for e in ended["exclusions"]] == ["not_in_force"]
