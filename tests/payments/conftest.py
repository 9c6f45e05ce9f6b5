"""Payments test helpers: a claim brought to ``paying`` through the real services, the
holder's accounts, and the claims fixtures (policies, API client, frozen clock)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from claimdesk.claims.models import Claim
from claimdesk.claims.services import decision_approve, decision_propose, loss_item_add
from claimdesk.payments.services import payment_handover
from claimdesk.policies.models import BankAccount
from tests.claims import conftest as claims_conftest
from tests.claims.conftest import T0, claim_in_adjudication
from tests.conftest import at

# The claims fixtures, offered to the payments tests too.
auto_policy = claims_conftest.auto_policy
claims_api = claims_conftest.claims_api
frozen = claims_conftest.frozen

ACCOUNT = "6222020200112233445"


def claim_in_paying(
    *,
    owner,
    adjuster,
    approver,
    finance,
    now: datetime = T0,
    estimated: str = "3200",
    loss: str = "3000",
) -> Claim:
    """A hotline auto claim on PAUTO0001 taken by ``owner`` at ``now``, materials complete,
    decided an hour later through the real four-eyes decision service (``adjuster``
    proposes ``loss`` under 车辆损失险, ``approver`` approves), its payment task with
    ``finance`` (None: whoever ``finance_assignee`` picks).

    The one place that brings a claim to ``paying``. The decision service hands the
    payment to finance itself; ``payment_handover`` is idempotent and returns that task
    (or makes it, should the decision service not).
    """
    claim = claim_in_adjudication(
        owner=owner,
        adjuster=adjuster,
        now=now,
        policy_no="PAUTO0001",
        loss_type="auto",
        loss_time=at("2026-09-29 18:00"),
        loss_place="上海市浦东新区世纪大道",
        loss_cause="追尾",
        description="等红灯时被后车追尾，后保险杠受损",
        estimated_amount=estimated,
    )
    decided = now + timedelta(hours=1)
    loss_item_add(
        claim=claim,
        actor=adjuster,
        now=decided,
        coverage="vehicle-damage",
        label="后保险杠维修",
        amount=loss,
    )
    decision = decision_propose(claim=claim, actor=adjuster, now=decided)
    decision_approve(decision=decision, actor=approver, now=decided)
    claim = Claim.objects.select_related("case", "policy__holder").get(pk=claim.pk)
    assert claim.case.status == "paying", claim.case.status
    payment_handover(claim=claim, actor=adjuster, now=decided, assignee=finance)
    return claim


@pytest.fixture
def account(auto_policy, customer1):
    """customer1's designated account."""
    return BankAccount.objects.create(
        owner=customer1,
        bank_name="中国工商银行",
        account_name="张三",
        account_number=ACCOUNT,
        is_default=True,
    )


@pytest.fixture
def paying(auto_policy, account, agent1, adjuster1, adjuster2, finance1):
    """customer1's small auto claim approved for ¥3,000.00 and handed to finance1."""
    return claim_in_paying(owner=agent1, adjuster=adjuster1, approver=adjuster2, finance=finance1)
