"""Reinstatement (复效) of a lapsed policy: within two years of the lapse, with a health
declaration (a "yes" needs a certified underwriter's acceptance) and the premiums in arrears
with interest; the endorsement restores cover from its effective date, so a loss during the
lapse is not covered and one after the reinstatement is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claimdesk.cases.services import GuardFailed, IllegalTransition, NotAllowed
from claimdesk.claims.services import claim_calculation, loss_item_add
from claimdesk.policies.demo import demo_policy
from claimdesk.policies.models import Policy
from claimdesk.policies.selectors import policy_as_of
from claimdesk.servicing.models import PremiumDue, ServiceRequest
from claimdesk.servicing.services import (
    materials_receive,
    premium_sweep,
    reinstatement_underwrite,
    request_approve,
    request_open,
)
from tests.claims.conftest import claim_in_adjudication
from tests.conftest import at
from tests.underwriting.conftest import underwriter_with_authority

MATERIALS = ["application", "holder_id", "health_declaration", "arrears_paid"]
CLEAN = {
    "health": {
        "hospitalised": False,
        "chronic": False,
        "abnormal_exam": False,
        "medication": False,
        "declined_before": False,
    }
}


@pytest.fixture
def lapsed_policy(products, customer1):
    """customer1's five-year accident policy from 1 January 2026, ¥299 a year paid monthly
    (¥24.92); the February premium was never paid: grace ended 2 April, lapsed from 3 April."""
    product = products["accident"]
    product.premium_frequency = "monthly"
    product.save(update_fields=["premium_frequency"])
    policy = demo_policy(
        number="PACC0001",
        holder=customer1,
        line="accident",
        start=date(2026, 1, 1),
        insured_name="张三",
        products=products,
    )
    Policy.objects.filter(pk=policy.pk).update(end=date(2030, 12, 31))  # as issued
    premium_sweep(now=at("2026-01-01 09:00"))
    assert premium_sweep(now=at("2026-04-03 09:00"))["lapses"] == 1
    return Policy.objects.get(pk=policy.pk)


def _reinstate(policy, customer, clerk, *, day="2026-05-20", details=CLEAN) -> ServiceRequest:
    now = at(f"{day} 10:00")
    request = request_open(
        policy=policy, item="reinstatement", details=details, actor=customer, now=now
    )
    return materials_receive(request=request, codes=MATERIALS, actor=clerk, now=now)


def test_arrears_are_the_unpaid_premiums_with_interest(lapsed_policy, customer1, clerk):
    request = _reinstate(lapsed_policy, customer1, clerk)
    quote = request.quote
    # Four premiums due by 20 May, each with 5 % a year simple interest, actual/365, to the fen.
    assert [(line["due_on"], line["days"], line["interest"]) for line in quote["lines"]] == [
        ("2026-02-01", 108, "0.37"),
        ("2026-03-01", 80, "0.27"),
        ("2026-04-01", 49, "0.17"),
        ("2026-05-01", 19, "0.06"),
    ]
    assert (quote["premiums"], quote["interest"], quote["total"]) == ("99.68", "0.87", "100.55")
    assert request.amount is None  # the customer pays it: no approval limit involved


def test_an_approved_reinstatement_restores_cover_from_its_effective_date(
    lapsed_policy, customer1, clerk
):
    request = _reinstate(lapsed_policy, customer1, clerk)
    request_approve(request=request, actor=clerk, now=at("2026-05-20 15:00"))
    request.refresh_from_db()
    assert request.case.status == "approved"
    assert request.endorsement.effective_on == date(2026, 5, 20)
    assert policy_as_of(lapsed_policy, date(2026, 4, 2)).status == "active"
    assert policy_as_of(lapsed_policy, date(2026, 5, 19)).status == "lapsed"
    assert policy_as_of(lapsed_policy, date(2026, 5, 20)).status == "active"
    assert Policy.objects.get(pk=lapsed_policy.pk).status == "active"
    # The arrears settled the premiums due by then; June's is the next one to pay.
    unpaid = PremiumDue.objects.filter(policy=lapsed_policy, paid_at__isnull=True)
    assert unpaid.order_by("due_on").first().due_on == date(2026, 6, 1)
    assert set(
        PremiumDue.objects.filter(settled_by=request.case).values_list("number", flat=True)
    ) == {2, 3, 4, 5}


def test_a_yes_in_the_health_declaration_needs_a_certified_underwriter(
    lapsed_policy, customer1, clerk, manager1
):
    details = {
        "health": {**CLEAN["health"], "chronic": True},
        "health_details": "2025年确诊高血压，服药控制，血压正常",
    }
    chief = underwriter_with_authority("chief_uw", "5000000", 3, manager=manager1)
    request = _reinstate(lapsed_policy, customer1, clerk, details=details)
    assert request.underwriting_required
    # Routed to the certified underwriter as a task.
    task = request.case.tasks.get(kind="underwrite_reinstatement")
    assert task.assignee == chief and task.status == "open"
    with pytest.raises(GuardFailed):
        request_approve(request=request, actor=clerk, now=at("2026-05-20 11:00"))
    # underwriter1 holds no underwriting certificate.
    with pytest.raises(NotAllowed):
        reinstatement_underwrite(request=request, actor=clerk, now=at("2026-05-20 11:00"), note="")
    reinstatement_underwrite(
        request=request, actor=chief, now=at("2026-05-20 11:30"), note="血压控制良好，标准体复效"
    )
    task.refresh_from_db()
    assert task.status == "done"
    request_approve(request=request, actor=clerk, now=at("2026-05-20 12:00"))
    assert policy_as_of(lapsed_policy, date(2026, 5, 20)).status == "active"


def test_a_yes_without_details_or_an_unanswered_question_is_refused(lapsed_policy, customer1):
    for details in (
        {"health": {**CLEAN["health"], "chronic": True}},
        {"health": {"chronic": False}},
        {},
    ):
        with pytest.raises(GuardFailed):
            request_open(policy=lapsed_policy, item="reinstatement", details=details,
                         actor=customer1, now=at("2026-05-20 10:00"))  # fmt: skip
    assert not ServiceRequest.objects.exists()


def test_only_a_lapsed_policy_within_two_years_is_reinstated(
    lapsed_policy, products, customer1, clerk
):
    in_force = demo_policy(
        number="PCI0001", holder=customer1, line="critical_illness", start=date(2026, 3, 1),
        insured_name="张三", products=products,
    )  # fmt: skip
    with pytest.raises(GuardFailed, match="复效"):
        request_open(policy=in_force, item="reinstatement", details=CLEAN, actor=customer1,
                     now=at("2026-05-20 10:00"))  # fmt: skip
    # Lapsed from 3 April 2026: the last day to reinstate is 2 April 2028.
    with pytest.raises(GuardFailed, match="2028-04-02"):
        request_open(policy=lapsed_policy, item="reinstatement", details=CLEAN,
                     actor=customer1, now=at("2028-04-03 10:00"))  # fmt: skip
    request = request_open(policy=lapsed_policy, item="reinstatement", details=CLEAN,
                           actor=customer1, now=at("2028-04-02 10:00"))  # fmt: skip
    # One reinstatement at a time.
    with pytest.raises(IllegalTransition):
        request_open(policy=lapsed_policy, item="reinstatement", details=CLEAN,
                     actor=customer1, now=at("2028-04-02 11:00"))  # fmt: skip
    # Two years of monthly premiums in arrears (February 2026 to April 2028).
    assert len(request.quote["lines"]) == 27


def _death_claim(agent, adjuster, loss_day: str):
    claim = claim_in_adjudication(
        owner=agent, adjuster=adjuster, now=at("2026-06-01 10:00"),
        loss_time=at(f"{loss_day} 09:00"),
    )  # fmt: skip
    loss_item_add(claim=claim, actor=adjuster, now=at("2026-06-01 10:00"),
                  coverage="death-disability", label="意外身故保险金", amount="500000")  # fmt: skip
    return claim, claim_calculation(claim).as_dict()


def test_a_loss_during_the_lapse_is_not_covered_one_after_reinstatement_is(
    lapsed_policy, customer1, clerk, agent1, adjuster1
):
    request = _reinstate(lapsed_policy, customer1, clerk)
    request_approve(request=request, actor=clerk, now=at("2026-05-20 15:00"))

    in_grace_claim, in_grace = _death_claim(agent1, adjuster1, "2026-04-02")
    assert in_grace["total"] == "500000.00" and "policy_not_in_force" not in in_grace_claim.flags

    lapsed_claim, lapsed = _death_claim(agent1, adjuster1, "2026-04-10")
    assert Decimal(lapsed["total"]) == 0 and lapsed["decision"] == "reject"
    assert [e["code"] for e in lapsed["exclusions"]] == ["not_in_force"]
    assert lapsed["policy_version"]["endorsement"] == "PACC0001-002"
    assert "policy_not_in_force" in lapsed_claim.flags  # intake says so too

    after_claim, after = _death_claim(agent1, adjuster1, "2026-05-25")
    assert after["total"] == "500000.00"
    assert after["policy_version"]["endorsement"] == "PACC0001-003"
    assert "policy_not_in_force" not in after_claim.flags
