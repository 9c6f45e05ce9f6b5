"""先予支付 (Insurance Law §25): the part of a claim that can be fixed is decided with four
eyes and paid first as an interim payment; the final decision pays the balance; the
payments never add up to more than the decided amount, and the customer sees both."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from claimdesk.cases.models import Deadline, DeadlineState, Task
from claimdesk.cases.services import GuardFailed, IllegalTransition, NotAllowed
from claimdesk.claims.models import Claim
from claimdesk.claims.services import (
    claims_interim_payment_tasks,
    decision_approve,
    decision_propose,
    decision_return,
    interim_propose,
    loss_item_add,
)
from claimdesk.payments.models import Payment
from claimdesk.payments.services import (
    PaymentExists,
    payment_confirm,
    payment_instruct,
    payment_send,
    payment_settle,
)
from claimdesk.policies.demo import demo_bank_account
from tests.claims import conftest as claims_conftest
from tests.claims.conftest import T0, claim_in_adjudication

accident_policy = claims_conftest.accident_policy
D = Decimal
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(days=20)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def claim(accident_policy, customer1, agent1, adjuster1):
    demo_bank_account(customer1, "张三", "6222021001000012345")
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    # What is fixed so far: (1,250.50 − 100) × 80 % = 920.40 under 意外医疗
    loss_item_add(
        claim=claim,
        actor=adjuster1,
        now=T0,
        coverage="accident-medical",
        label="门诊费用",
        amount="1250.50",
    )
    return claim


def fresh(claim: Claim) -> Claim:
    return Claim.objects.select_related("case").get(pk=claim.pk)


def pay(claim: Claim, finance, now) -> Payment:
    payment = payment_instruct(claim=fresh(claim), actor=finance, now=now)
    payment_send(payment=payment, actor=finance, now=now)
    return payment_confirm(payment=payment, actor=finance, now=now)


def test_interim_payment_then_balance_and_the_customer_sees_both(
    claim, adjuster1, adjuster2, finance1, customer1, claims_api, frozen
):
    proposed = claims_api(adjuster1).post(f"/claims/{claim.number}/interim-decisions")
    assert proposed.status_code == 201, proposed.content
    assert (proposed.json()["stage"], proposed.json()["amount"]) == ("interim", "920.40")
    interim = claim.decisions.get(stage="interim")
    with pytest.raises(NotAllowed):  # four eyes, as for a final decision
        decision_approve(decision=interim, actor=adjuster1, now=T1)
    decision_approve(decision=interim, actor=adjuster2, now=T1)
    assert fresh(claim).case.status == "adjudicating"  # still being decided
    assert fresh(claim).approved_amount is None

    first = pay(claim, finance1, T1)
    assert (first.purpose, first.amount, first.reference) == (
        "interim",
        D("920.40"),
        f"PY{claim.number[2:]}I1",
    )
    assert fresh(claim).case.status == "adjudicating"
    clock = Deadline.objects.get(case=claim.case, rule__code="interim_payment")
    assert clock.state == DeadlineState.MET and clock.stopped_at == T1  # before day 60
    with pytest.raises(PaymentExists):  # never made twice
        payment_instruct(claim=fresh(claim), actor=finance1, now=T1)

    # (1,250.50 + 30,000 − 100) × 80 % = 24,920.40 in all; 920.40 paid: 24,000 left
    loss_item_add(
        claim=claim,
        actor=adjuster1,
        now=T2,
        coverage="accident-medical",
        label="住院费用",
        amount="30000",
    )
    final = decision_propose(claim=claim, actor=adjuster1, now=T2)
    decision_approve(decision=final, actor=adjuster2, now=T2)
    assert fresh(claim).approved_amount == D("24920.40")
    balance = pay(claim, finance1, T2)
    assert (balance.purpose, balance.amount) == ("balance", D("24000.00"))
    assert balance.by_coverage == {"accident-medical": "24000.00"}
    assert fresh(claim).case.status == "closed"
    with pytest.raises(PaymentExists):
        payment_instruct(claim=fresh(claim), actor=finance1, now=T2)

    customer = claims_api(customer1)
    listing = customer.get(f"/claims/{claim.number}/payments").json()
    assert [(p["purpose"], p["amount"], p["state"]) for p in listing["payments"]] == [
        ("interim", "920.40", "confirmed"),
        ("balance", "24000.00", "confirmed"),
    ]
    assert (listing["interim_amount"], listing["decided_amount"], listing["paid"]) == (
        "920.40",
        "24920.40",
        "24920.40",
    )
    assert customer.get(f"/claims/{claim.number}/payment").json()["purpose"] == "balance"
    texts = [e["text"] for e in customer.get(f"/claims/{claim.number}/progress").json()["timeline"]]
    assert any("920.40" in t and "interim payment" in t and "reached" in t for t in texts)
    assert any("24000.00" in t and "balance" in t and "reached" in t for t in texts)


def test_the_balance_waits_for_the_interim_payment(claim, adjuster1, adjuster2, finance1):
    decision_approve(
        decision=interim_propose(claim=claim, actor=adjuster1, now=T1), actor=adjuster2, now=T1
    )
    interim = payment_send(
        payment=payment_instruct(claim=fresh(claim), actor=finance1, now=T1),
        actor=finance1,
        now=T1,
    )
    loss_item_add(
        claim=claim, actor=adjuster1, now=T1, coverage="accident-medical", label="住院费用",
        amount="30000",
    )  # fmt: skip
    decision_approve(
        decision=decision_propose(claim=claim, actor=adjuster1, now=T1), actor=adjuster2, now=T1
    )
    with pytest.raises(IllegalTransition, match="not confirmed yet"):
        payment_instruct(claim=fresh(claim), actor=finance1, now=T1)
    payment_confirm(payment=interim, actor=finance1, now=T1)
    assert fresh(claim).case.status == "paying"  # the balance is still to come
    balance = payment_instruct(claim=fresh(claim), actor=finance1, now=T1)
    assert balance.amount == D("24000.00")


def test_an_interim_payment_that_covers_the_final_decision_closes_the_claim(
    claim, adjuster1, adjuster2, finance1
):
    decision_approve(
        decision=interim_propose(claim=claim, actor=adjuster1, now=T1), actor=adjuster2, now=T1
    )
    interim = payment_instruct(claim=fresh(claim), actor=finance1, now=T1)
    decision_approve(
        decision=decision_propose(claim=claim, actor=adjuster1, now=T1), actor=adjuster2, now=T1
    )  # the final decision fixes no more than the interim payment: 920.40
    with pytest.raises(PaymentExists, match="paid in full"):
        payment_instruct(claim=fresh(claim), actor=finance1, now=T1)
    with pytest.raises(GuardFailed, match="still has"):  # not confirmed yet
        payment_settle(claim=claim, actor=finance1, now=T1)
    payment_send(payment=interim, actor=finance1, now=T1)
    payment_confirm(payment=interim, actor=finance1, now=T1)
    assert fresh(claim).case.status == "closed"
    assert [p.amount for p in Payment.objects.filter(claim=claim)] == [D("920.40")]


def test_one_interim_decision_and_never_a_final_one_below_it(claim, adjuster1, adjuster2):
    decision_approve(
        decision=interim_propose(claim=claim, actor=adjuster1, now=T1), actor=adjuster2, now=T1
    )
    with pytest.raises(IllegalTransition, match="already has its interim payment decided"):
        interim_propose(claim=claim, actor=adjuster1, now=T1)
    claim.loss_items.update(amount=D("600"))  # a lower figure than the interim's basis
    with pytest.raises(GuardFailed, match="below the interim payment"):
        decision_propose(claim=claim, actor=adjuster1, now=T1)


def test_nothing_fixed_yet_means_no_interim_decision(accident_policy, agent1, adjuster1):
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    loss_item_add(
        claim=claim, actor=adjuster1, now=T0, coverage="accident-medical", label="药费", amount="80"
    )  # below the 100 deductible
    with pytest.raises(GuardFailed, match="nothing to pay first"):
        interim_propose(claim=claim, actor=adjuster1, now=T0)


def test_an_interim_payment_confirmed_before_an_equal_final_decision_settles_the_claim(
    claim, adjuster1, adjuster2, finance1, customer1, claims_api, frozen
):
    decision_approve(
        decision=interim_propose(claim=claim, actor=adjuster1, now=T1), actor=adjuster2, now=T1
    )
    pay(claim, finance1, T1)
    decision_approve(
        decision=decision_propose(claim=claim, actor=adjuster1, now=T2), actor=adjuster2, now=T2
    )  # 920.40 again: nothing is left to pay
    assert fresh(claim).case.status == "paying"
    with pytest.raises(PaymentExists, match="paid in full"):
        payment_instruct(claim=fresh(claim), actor=finance1, now=T2)
    payment_settle(claim=claim, actor=finance1, now=T2)
    assert fresh(claim).case.status == "closed"
    listing = claims_api(customer1).get(f"/claims/{claim.number}/payments").json()
    assert (listing["decided_amount"], listing["paid"]) == ("920.40", "920.40")
    assert claims_api(finance1).post(f"/claims/{claim.number}/payment/settle").status_code == 409


def test_no_interim_task_while_the_interim_payment_is_proposed(claim, adjuster1, adjuster2):
    proposed = interim_propose(claim=claim, actor=adjuster1, now=T1)
    clock = Deadline.objects.get(case=claim.case, rule__code="interim_payment")
    assert claims_interim_payment_tasks(now=clock.remind_at) == 0
    decision_return(decision=proposed, actor=adjuster2, now=T1, reason="金额待核")
    assert claims_interim_payment_tasks(now=clock.remind_at) == 1  # returned: asked again
    assert Task.objects.filter(case=claim.case, kind="interim_payment").count() == 1


def test_the_adjuster_proposes_the_interim_payment_on_the_claim_page(
    claim, adjuster1, adjuster2, client
):
    from django.urls import reverse

    page_url = reverse("web:claim_detail", args=[claim.number])
    client.force_login(adjuster1)
    with translation.override("zh-hans"):
        page = client.get(page_url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="interim-form"' in page and "先予支付" in page
    done = client.post(reverse("web:interim_propose", args=[claim.number]), follow=True)
    assert done.redirect_chain[-1][0] == page_url
    interim = claim.decisions.get(stage="interim")
    assert (interim.status, interim.amount) == ("pending", D("920.40"))
    # The proposer cannot sign it; another adjuster does, on the same page.
    client.force_login(adjuster2)
    page = client.get(page_url).content.decode()
    assert 'data-testid="approve"' in page and "<strong>先予支付</strong>" in page
    client.post(reverse("web:decision_act", args=[claim.number, interim.pk]), {"act": "approve"})
    interim.refresh_from_db()
    assert interim.status == "approved"
    # One interim payment per claim: the form is gone, a second post is refused.
    assert 'data-testid="interim-form"' not in client.get(page_url).content.decode()
    client.post(reverse("web:interim_propose", args=[claim.number]))
    assert claim.decisions.filter(stage="interim").count() == 1
