"""Policy-year accumulators: an annual deductible is borne once a policy year, an annual
limit is shared by the year's claims, each step cites its own clause, and a failed payment
gives its amount back (hand-computed figures, through the real services)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from claimdesk.cases.services import GuardFailed, IllegalTransition
from claimdesk.claims.models import Accumulator, AccumulatorMovement, Claim, CoverageBasis
from claimdesk.claims.services import (
    LimitsChanged,
    decision_approve,
    decision_propose,
    loss_item_add,
)
from claimdesk.payments.models import Payment
from claimdesk.payments.services import (
    payment_confirm,
    payment_fail,
    payment_handover,
    payment_instruct,
    payment_retry,
    payment_send,
)
from claimdesk.policies.demo import demo_bank_account
from claimdesk.policies.models import Clause, Coverage, InsuredPerson, Policy, Product
from tests.claims.conftest import T0, claim_in_adjudication
from tests.conftest import at

D = Decimal
T1 = T0 + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def annual_medical_policy(holder) -> Policy:
    """A medical product whose 住院医疗 has an annual deductible of 1,000, pays 80 % and
    has an annual limit of 20,000 — each in its own clause — and customer1's policy of it
    for 2026 insuring 张三."""
    product = Product.objects.create(code="med-annual", name="住院医疗保险", line="medical")
    texts = {
        "2.1": ("住院医疗保险金", "coverage", "被保险人住院治疗的，保险人按本合同约定给付。"),
        "3.1": ("免赔额", "general", "本合同年免赔额为1,000元，每一保单年度累计计算。"),
        "3.2": ("给付比例", "general", "扣除免赔额后的医疗费用按80%给付。"),
        "3.3": ("年度限额", "general", "每一保单年度累计给付以20,000元为限。"),
    }
    clauses = {
        article: Clause.objects.create(
            product=product, article=article, title=title, kind=kind, text=text
        )
        for article, (title, kind, text) in texts.items()
    }
    Coverage.objects.create(
        product=product,
        code="inpatient",
        name="住院医疗",
        limit=D("20000"),
        deductible=D("1000"),
        reimbursement_ratio=D("0.8"),
        clause=clauses["2.1"],
    )
    CoverageBasis.objects.create(
        product_code="med-annual",
        coverage_code="inpatient",
        deductible_period="policy_year",
        limit_period="policy_year",
        deductible_article="3.1",
        ratio_article="3.2",
        limit_article="3.3",
    )
    policy = Policy.objects.create(
        number="PMED0001",
        product=product,
        holder=holder,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        sum_insured=D("100000"),
    )
    InsuredPerson.objects.create(policy=policy, name="张三")
    demo_bank_account(holder, "张三", "6222021001000012345")
    return policy


@pytest.fixture
def policy(customer1):
    return annual_medical_policy(customer1)


def medical_claim(owner, adjuster, *, amount: str, day: str, cause: str) -> Claim:
    claim = claim_in_adjudication(
        owner=owner,
        adjuster=adjuster,
        policy_no="PMED0001",
        loss_type="medical",
        loss_time=at(f"{day} 09:00"),
        loss_cause=cause,
        description=f"{cause}，住院治疗",
    )
    loss_item_add(
        claim=claim, actor=adjuster, now=T0, coverage="inpatient", label="住院费用", amount=amount
    )
    return claim


def decide(claim: Claim, adjuster, approver):
    decision = decision_propose(claim=claim, actor=adjuster, now=T0)
    return decision_approve(decision=decision, actor=approver, now=T0)


def pay(claim: Claim, finance) -> Payment:
    claim = Claim.objects.select_related("case").get(pk=claim.pk)
    payment_handover(claim=claim, actor=finance, now=T1, assignee=finance)
    payment = payment_instruct(claim=claim, actor=finance, now=T1)
    payment_send(payment=payment, actor=finance, now=T1)
    return payment_confirm(payment=payment, actor=finance, now=T1)


def lines_of(decision) -> list[tuple[str, str, str]]:
    return [(x["kind"], x["amount"], x["clause"]) for x in decision.calculation["lines"]]


def row(coverage: str = "inpatient") -> Accumulator:
    return Accumulator.objects.get(policy__number="PMED0001", coverage=coverage)


def test_two_claims_in_one_policy_year_share_the_annual_deductible_and_limit(
    policy, agent1, adjuster1, adjuster2, finance1
):
    first = medical_claim(agent1, adjuster1, amount="8000", day="2026-09-20", cause="阑尾炎")
    decision = decide(first, adjuster1, adjuster2)
    # 8,000 less the annual deductible 1,000 = 7,000; × 80 % = 5,600 (limit 20,000 untouched)
    assert decision.amount == D("5600.00")
    assert lines_of(decision) == [
        ("claimed", "8000.00", "2.1"),
        ("deductible", "-1000.00", "3.1"),
        ("ratio", "-1400.00", "3.2"),
    ]
    assert pay(first, finance1).amount == D("5600.00")
    assert (row().deductible_used, row().limit_used) == (D("1000.00"), D("5600.00"))

    second = medical_claim(agent1, adjuster1, amount="20000", day="2026-09-28", cause="肺炎")
    decision = decide(second, adjuster1, adjuster2)
    # The deductible is already borne for 2026: nothing more is deducted; 20,000 × 80 % =
    # 16,000; the annual limit has 20,000 − 5,600 = 14,400 left: 14,400 is paid.
    assert decision.amount == D("14400.00")
    assert decision.decision == "partial"
    assert lines_of(decision) == [
        ("claimed", "20000.00", "2.1"),
        ("deductible", "0.00", "3.1"),
        ("ratio", "-4000.00", "3.2"),
        ("limit", "-1600.00", "3.3"),
    ]
    limit_line = decision.calculation["lines"][-1]
    assert "14400" in limit_line["label"] and "5600" in limit_line["label"]
    assert limit_line["clause_text"] == "每一保单年度累计给付以20,000元为限。"
    assert pay(second, finance1).amount == D("14400.00")

    assert (row().deductible_used, row().limit_used) == (D("1000.00"), D("20000.00"))
    assert row("").limit_used == D("20000.00")  # the sum insured's use
    moves = AccumulatorMovement.objects.filter(accumulator=row()).order_by("id")
    assert [(m.claim_id, m.kind, m.deductible, m.amount) for m in moves] == [
        (first.pk, "reserve", D("1000.00"), D("5600.00")),
        (second.pk, "reserve", D("0.00"), D("14400.00")),
    ]


def test_the_limit_is_reserved_at_approval_so_a_later_claim_sees_it_before_payment(
    policy, agent1, adjuster1, adjuster2
):
    first = medical_claim(agent1, adjuster1, amount="8000", day="2026-09-20", cause="阑尾炎")
    decide(first, adjuster1, adjuster2)  # approved, not paid
    second = medical_claim(agent1, adjuster1, amount="20000", day="2026-09-28", cause="肺炎")
    assert decision_propose(claim=second, actor=adjuster1, now=T0).amount == D("14400.00")


def test_an_approval_after_another_claim_took_the_room_is_refused(
    policy, agent1, adjuster1, adjuster2
):
    first = medical_claim(agent1, adjuster1, amount="20000", day="2026-09-20", cause="阑尾炎")
    second = medical_claim(agent1, adjuster1, amount="20000", day="2026-09-28", cause="肺炎")
    stale = decision_propose(claim=second, actor=adjuster1, now=T0)
    assert stale.amount == D("15200.00")  # (20,000 − 1,000) × 80 %, nothing used yet
    decide(first, adjuster1, adjuster2)  # takes 15,200 and the deductible
    with pytest.raises(LimitsChanged, match=r"4800\.00") as refused:
        decision_approve(decision=stale, actor=adjuster2, now=T0)
    assert refused.value.status == 409
    assert row().limit_used == D("15200.00")
    # proposed again: 20,000 × 80 % = 16,000, capped at the 4,800 left
    assert decide(second, adjuster1, adjuster2).amount == D("4800.00")
    assert row().limit_used == D("20000.00")


def test_a_failed_payment_gives_the_limit_back_and_a_retry_takes_it_again(
    policy, agent1, adjuster1, adjuster2, finance1
):
    first = medical_claim(agent1, adjuster1, amount="8000", day="2026-09-20", cause="阑尾炎")
    decide(first, adjuster1, adjuster2)
    claim = Claim.objects.select_related("case").get(pk=first.pk)
    payment = payment_instruct(claim=claim, actor=finance1, now=T1)
    payment_send(payment=payment, actor=finance1, now=T1)
    payment_fail(payment=payment, actor=finance1, now=T1, reason="账户已销户")
    assert row().limit_used == D("0.00")
    assert row().deductible_used == D("1000.00")  # the insured bore it whatever the bank did
    release = AccumulatorMovement.objects.get(accumulator=row(), kind="release")
    assert (release.payment_reference, release.amount) == (payment.reference, D("-5600.00"))
    payment_retry(payment=payment, actor=finance1, now=T1)
    assert row().limit_used == D("5600.00")
    assert payment_confirm(payment=payment, actor=finance1, now=T1).state == "confirmed"


def test_a_retry_is_refused_when_another_claim_used_the_room_given_back(
    policy, agent1, adjuster1, adjuster2, finance1
):
    first = medical_claim(agent1, adjuster1, amount="8000", day="2026-09-20", cause="阑尾炎")
    decide(first, adjuster1, adjuster2)
    claim = Claim.objects.select_related("case").get(pk=first.pk)
    payment = payment_instruct(claim=claim, actor=finance1, now=T1)
    payment_send(payment=payment, actor=finance1, now=T1)
    payment_fail(payment=payment, actor=finance1, now=T1, reason="账户已销户")
    second = medical_claim(agent1, adjuster1, amount="30000", day="2026-09-28", cause="肺炎")
    # the room given back is free: 30,000 × 80 % = 24,000, capped at the 20,000 limit
    assert decide(second, adjuster1, adjuster2).amount == D("20000.00")
    with pytest.raises(IllegalTransition, match="decided again"):
        payment_retry(payment=payment, actor=finance1, now=T1)
    assert row().limit_used == D("20000.00")
    assert Payment.objects.get(pk=payment.pk).state == "failed"


def test_a_claim_withdrawn_after_approval_gives_its_reservation_back(
    policy, agent1, adjuster1, adjuster2
):
    from claimdesk.cases.services import case_transition

    first = medical_claim(agent1, adjuster1, amount="8000", day="2026-09-20", cause="阑尾炎")
    decide(first, adjuster1, adjuster2)
    assert (row().deductible_used, row().limit_used) == (D("1000.00"), D("5600.00"))
    case_transition(
        case=first.case, action="withdraw", actor=agent1, now=T1, data={"reason": "客户撤案"}
    )
    assert (row().deductible_used, row().limit_used, row("").limit_used) == (0, 0, 0)
    second = medical_claim(agent1, adjuster1, amount="8000", day="2026-09-28", cause="肺炎")
    assert decision_propose(claim=second, actor=adjuster1, now=T1).amount == D("5600.00")


def test_the_calculation_preview_shows_what_the_policy_year_has_used(
    policy, agent1, adjuster1, adjuster2, claims_api, frozen
):
    first = medical_claim(agent1, adjuster1, amount="8000", day="2026-09-20", cause="阑尾炎")
    decide(first, adjuster1, adjuster2)
    second = medical_claim(agent1, adjuster1, amount="20000", day="2026-09-28", cause="肺炎")
    r = claims_api(adjuster1).get(f"/claims/{second.number}/calculation")
    assert r.status_code == 200, r.content
    assert r.json()["total"] == "14400.00"
    assert [
        (a["coverage"], a["period_start"], a["period_end"], a["deductible_used"], a["limit_used"])
        for a in r.json()["accumulators"]
    ] == [
        ("", "2026-01-01", "2026-12-31", "0.00", "5600.00"),
        ("inpatient", "2026-01-01", "2026-12-31", "1000.00", "5600.00"),
    ]


def test_a_limit_per_day_caps_an_item_by_its_days_and_cites_the_limit_clause(
    policy, agent1, adjuster1
):
    CoverageBasis.objects.filter(product_code="med-annual").update(day_limit=D("300"))
    claim = medical_claim(agent1, adjuster1, amount="8000", day="2026-09-20", cause="阑尾炎")
    loss_item_add(
        claim=claim, actor=adjuster1, now=T0, coverage="inpatient", label="床位费", amount="2000",
        days=5,
    )  # fmt: skip
    decision = decision_propose(claim=claim, actor=adjuster1, now=T0)
    # bed fees 2,000 for 5 days, at most 300 a day: 1,500; 8,000 + 1,500 = 9,500;
    # less the deductible 1,000 = 8,500; × 80 % = 6,800
    assert decision.amount == D("6800.00")
    assert ("day_limit", "-500.00", "3.3") in lines_of(decision)
    with pytest.raises(GuardFailed):
        loss_item_add(
            claim=claim, actor=adjuster1, now=T0, coverage="inpatient", label="床位费",
            amount="100", days=0,
        )  # fmt: skip
