"""Who a claim pays: a death benefit goes to the beneficiaries of the policy **as it stood at
the loss date**, one payment each by share; a beneficiary change effective on a date makes a
loss before it pay the old beneficiary and one after it the new ones. Other benefits go to
the policyholder's own account. Everything through the real services and the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from claimdesk.claims.models import Claim
from claimdesk.claims.services import decision_approve, decision_propose, loss_item_add
from claimdesk.payments.models import Payment
from claimdesk.payments.selectors import payment_event_text
from claimdesk.policies.demo import demo_policy
from claimdesk.policies.models import BankAccount, Beneficiary
from claimdesk.servicing.services import materials_receive, request_approve, request_open
from claimdesk.staff.roles import Role
from tests.claims.conftest import ClaimsApi, claim_in_adjudication
from tests.conftest import PASSWORD, _user, at
from tests.servicing.conftest import T0

MATERIALS = ["application", "holder_id", "insured_consent", "beneficiary_ids", "relation_proof"]
FATHER_ACCOUNT = "6217000010001234567"
WIFE_ACCOUNT = "6222020200000000011"
SON_ACCOUNT = "6228480000000000022"


@pytest.fixture
def clerk(db, manager1):
    return _user("underwriter1", Role.UNDERWRITER, manager=manager1, approval_limit=Decimal(2000))


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
    # As issued: the insured's father is the sole beneficiary (no account on the policy).
    Beneficiary.objects.create(
        policy=policy, name="张父", relation_to_insured="父子", share_percent=Decimal(100)
    )
    BankAccount.objects.create(
        owner=customer1,
        bank_name="中国工商银行",
        account_name="张三",
        account_number="6222020200112233445",
        is_default=True,
    )
    return policy


def _api(user) -> ClaimsApi:
    from claimdesk.staff.services import token_issue

    return ClaimsApi(
        token_issue(username=user.username, password=PASSWORD, now=timezone.now()), language="en"
    )


def _change_beneficiaries(policy, customer, clerk):
    """Effective 8 Oct 2026: 李梅 60 % and 张小明 40 %, each with their account."""
    request = request_open(
        policy=policy,
        item="beneficiary",
        details={
            "beneficiaries": [
                {
                    "name": "李梅",
                    "relation": "配偶",
                    "share": "60",
                    "bank_name": "中国工商银行",
                    "account_number": WIFE_ACCOUNT,
                },
                {
                    "name": "张小明",
                    "relation": "子女",
                    "share": "40",
                    "bank_name": "中国农业银行",
                    "account_number": SON_ACCOUNT,
                },
            ]
        },
        effective_on=date(2026, 10, 8),
        actor=customer,
        now=T0,
    )
    materials_receive(request=request, codes=MATERIALS, actor=clerk, now=T0)
    return request_approve(request=request, actor=clerk, now=T0)


def _approved_claim(agent, adjuster, approver, *, loss_day: str, label: str, amount: str):
    """An accident claim with a loss on ``loss_day``, decided through the four-eyes service."""
    now = at(f"{loss_day} 12:00")
    claim = claim_in_adjudication(
        owner=agent, adjuster=adjuster, now=now, loss_time=at(f"{loss_day} 09:00")
    )
    loss_item_add(
        claim=claim,
        actor=adjuster,
        now=now,
        coverage="death-disability",
        label=label,
        amount=amount,
    )
    decision = decision_propose(claim=claim, actor=adjuster, now=now)
    decision_approve(decision=decision, actor=approver, now=now)
    claim = Claim.objects.select_related("case").get(pk=claim.pk)
    assert claim.case.status == "paying"
    return claim


def test_a_death_before_the_change_pays_the_old_beneficiary_one_after_it_the_new(
    customer1, clerk, agent1, adjuster1, adjuster2, finance1, accident_policy
):
    _change_beneficiaries(accident_policy, customer1, clerk)
    fin = _api(finance1)

    # Loss on 7 Oct: version 1, the father alone. His account is not on the policy: the
    # instruction is refused until finance records it from his bank card.
    before = _approved_claim(
        agent1, adjuster1, adjuster2, loss_day="2026-10-07", label="意外身故保险金", amount="50000"
    )
    r = fin.post(f"/claims/{before.number}/payment")
    assert r.status_code == 400 and "张父" in r.json()["detail"], r.content
    assert not Payment.objects.filter(claim=before).exists()
    r = fin.post(
        f"/claims/{before.number}/payment",
        {
            "beneficiary_accounts": [
                {"name": "张父", "bank_name": "中国建设银行", "account_number": FATHER_ACCOUNT}
            ]
        },
    )
    assert r.status_code == 201, r.content
    (old,) = Payment.objects.filter(claim=before)
    assert old.amount == Decimal("50000.00") and old.account.account_name == "张父"
    assert old.account.account_number == FATHER_ACCOUNT and old.account.owner is None

    # Loss on 9 Oct: version 2 — 李梅 60 %, 张小明 40 %, one payment each to their accounts.
    after = _approved_claim(
        agent1, adjuster1, adjuster2, loss_day="2026-10-09", label="意外身故保险金", amount="50000"
    )
    r = fin.post(f"/claims/{after.number}/payment")
    assert r.status_code == 201, r.content
    payments = list(Payment.objects.filter(claim=after).order_by("sequence"))
    assert [(p.account.account_name, p.account.account_number, p.amount) for p in payments] == [
        ("李梅", WIFE_ACCOUNT, Decimal("30000.00")),
        ("张小明", SON_ACCOUNT, Decimal("20000.00")),
    ]
    assert [p.reference for p in payments] == [
        f"PY{after.number[2:]}P1",
        f"PY{after.number[2:]}P2",
    ]
    listed = _api(customer1).get(f"/claims/{after.number}/payments").json()
    assert [p["account_name"] for p in listed["payments"]] == ["李梅", "张小明"]

    for p in payments:
        r = fin.post(f"/payments/{p.reference}/actions/send", {"bank_ref": p.reference})
        assert r.status_code == 200
    # The customer's progress says whose account each transfer went to.
    sent = [
        payment_event_text(e)
        for e in after.case.events.filter(kind="payment_sent", customer_visible=True)
    ]
    assert len(sent) == 2 and "李梅" in sent[0] and "张小明" in sent[1]

    # The claim closes only when the last beneficiary's payment is confirmed.
    assert fin.post(f"/payments/{payments[0].reference}/actions/confirm").status_code == 200
    after.case.refresh_from_db()
    assert after.case.status == "paying"
    assert fin.post(f"/payments/{payments[1].reference}/actions/confirm").status_code == 200
    after.case.refresh_from_db()
    assert after.case.status != "paying"


def test_a_disability_benefit_goes_to_the_insured_s_own_account(
    customer1, clerk, agent1, adjuster1, adjuster2, finance1, accident_policy
):
    _change_beneficiaries(accident_policy, customer1, clerk)
    claim = _approved_claim(
        agent1, adjuster1, adjuster2, loss_day="2026-10-09", label="意外伤残保险金", amount="20000"
    )
    r = _api(finance1).post(f"/claims/{claim.number}/payment")
    assert r.status_code == 201, r.content
    (payment,) = Payment.objects.filter(claim=claim)
    assert payment.account.owner == customer1 and payment.amount == Decimal("20000.00")
