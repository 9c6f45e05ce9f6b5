"""Case reserves through the real services: the first reserve, each step's movement with
who and why, manual changes within and above reserve authority, the adequacy flags, the
history chained in the evidence ledger and never changed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from claimdesk.cases.models import CaseEvent, Task, TaskStatus
from claimdesk.cases.services import GuardFailed, IllegalTransition, NotAllowed
from claimdesk.claims.models import ReserveMethod, ReserveMovement, ReserveRule
from claimdesk.claims.services import (
    AboveReserveAuthority,
    claim_reserve_flags,
    reserve_adjust,
    reserve_history,
    reserve_pending,
    reserve_request_refuse,
    reserve_request_sign,
    reserve_totals,
)
from claimdesk.ledger.models import LedgerEntry
from claimdesk.ledger.selectors import ledger_verify
from claimdesk.payments.services import payment_confirm, payment_instruct, payment_send
from claimdesk.staff.models import StaffProfile
from tests.claims.conftest import T0, claim_in_adjudication

T1 = T0 + timedelta(hours=2)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def limit(user, amount: str | None) -> None:
    """What an admin sets on the staff profile: the person's reserve authority."""
    StaffProfile.objects.filter(user=user).update(
        reserve_limit=Decimal(amount) if amount is not None else None
    )
    user.refresh_from_db()
    if hasattr(user, "_state"):
        user.staff_profile.refresh_from_db()


def steps(claim) -> list[tuple[str, str]]:
    return [(m.step, str(m.amount)) for m in reserve_history(claim)]


def test_first_reserve_is_the_line_average_unless_the_admin_says_estimate(
    accident_policy, agent1, adjuster1
):
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    (first,) = reserve_history(claim)
    assert (first.step, first.amount, first.actor) == ("registered", Decimal("10000.00"), agent1)
    assert "管理员设定" in first.reason

    ReserveRule.objects.create(
        loss_type="accident", method=ReserveMethod.ESTIMATE, average_amount=Decimal("8000")
    )
    other = claim_in_adjudication(owner=agent1, adjuster=adjuster1, now=T0 + timedelta(hours=1))
    (first,) = reserve_history(other)
    assert (first.amount, first.reason) == (Decimal("30000.00"), "报案估损金额")


def test_the_reserve_follows_calculation_decision_and_payment_and_is_chained(paying, finance1):
    claim = paying
    # Auto line average 6,000; calculated and decided at 3,000 (the fixture's steps).
    assert steps(claim) == [
        ("registered", "6000.00"),
        ("calculation", "3000.00"),
    ]
    payment = payment_instruct(claim=claim, actor=finance1, now=T1)
    payment = payment_send(payment=payment, actor=finance1, now=T1, bank_ref="B-1")
    payment_confirm(payment=payment, actor=finance1, now=T1 + timedelta(hours=1))
    history = reserve_history(claim)
    assert [(m.step, str(m.amount), str(m.paid)) for m in history][-1] == (
        "payment",
        "0.00",
        "3000.00",
    )
    assert history[-1].actor == finance1
    totals = reserve_totals(claim)
    assert (totals.reserve, totals.paid, totals.net_cost) == (
        Decimal("0.00"),
        Decimal("3000.00"),
        Decimal("3000.00"),
    )
    # Each movement is a timeline line the evidence ledger chains.
    lines = CaseEvent.objects.filter(case=claim.case, kind="reserve_changed")
    assert sorted(e.data["movement"] for e in lines) == sorted(m.pk for m in history)
    assert LedgerEntry.objects.filter(
        record_type="event", record_id__in=[e.pk for e in lines]
    ).count() == len(history)
    assert ledger_verify(claim.case).ok
    # Confirming the same payment again pays nothing twice: refused, no movement.
    with pytest.raises(IllegalTransition):
        payment_confirm(payment=payment, actor=finance1, now=T1 + timedelta(hours=2))
    assert reserve_totals(claim).paid == Decimal("3000.00")


def test_decision_sets_the_reserve_to_what_is_left_to_pay(paying):
    # The decision movement only appears when the decided amount differs from the reserve:
    # here the calculation already said 3,000, so the decision had nothing to move.
    assert reserve_totals(paying).reserve == Decimal("3000.00")


def test_history_is_append_only(accident_policy, agent1, adjuster1):
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    movement = reserve_history(claim)[0]
    with pytest.raises(TypeError):
        movement.save()
    with pytest.raises(TypeError):
        movement.delete()
    with pytest.raises(TypeError):
        ReserveMovement.objects.filter(claim=claim).update(amount=0)
    with pytest.raises(TypeError):
        ReserveMovement.objects.filter(claim=claim).delete()


def test_manual_change_within_authority_applies_with_its_reason(accident_policy, agent1, adjuster1):
    limit(agent1, "20000")
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    movement = reserve_adjust(
        claim=claim, amount=Decimal("18000"), reason="住院延长，预计费用增加", actor=agent1, now=T1
    )
    assert (movement.step, movement.amount, movement.change) == (
        "manual",
        Decimal("18000.00"),
        Decimal("8000.00"),
    )
    assert (movement.actor, movement.signed_by, movement.authority_limit) == (
        agent1,
        agent1,
        Decimal("20000.00"),
    )
    line = CaseEvent.objects.get(case=claim.case, kind="reserve_changed", data__step="manual")
    assert line.data["reason"] == "住院延长，预计费用增加"
    assert line.data["authority"] == "20000.00"


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        ("18000", "  ", "Say why"),
        ("-1", "错了", "negative"),
        ("10000", "不变", "already 10000.00"),
    ],
)
def test_manual_change_refusals(accident_policy, agent1, adjuster1, amount, reason, message):
    limit(agent1, "20000")
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    with pytest.raises(GuardFailed, match=message):
        reserve_adjust(claim=claim, amount=Decimal(amount), reason=reason, actor=agent1, now=T1)
    assert len(reserve_history(claim)) == 1


def test_a_stranger_may_not_change_the_reserve(accident_policy, agent1, agent2, adjuster1):
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    with pytest.raises(NotAllowed):
        reserve_adjust(claim=claim, amount=Decimal("1"), reason="x", actor=agent2, now=T1)


def test_above_authority_waits_for_the_managers_signature(
    accident_policy, agent1, adjuster1, manager1
):
    limit(agent1, "20000")
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    with pytest.raises(AboveReserveAuthority, match="above your reserve authority") as refused:
        reserve_adjust(
            claim=claim, amount=Decimal("60000"), reason="伤残鉴定可能", actor=agent1, now=T1
        )
    assert refused.value.details["escalated_to"] == "manager1"
    # Refused for now: the reserve stands, the request and the manager's task remain.
    assert reserve_totals(claim).reserve == Decimal("10000.00")
    request = reserve_pending(claim)
    assert (request.amount, request.escalated_to) == (Decimal("60000.00"), manager1)
    task = Task.objects.get(case=claim.case, kind="approve_reserve", status=TaskStatus.OPEN)
    assert task.assignee == manager1
    # The maker cannot sign their own change.
    with pytest.raises(NotAllowed):
        reserve_request_sign(request=request, actor=agent1, now=T1)
    # A manager without enough authority passes it up (here: nobody above, refused).
    limit(manager1, "50000")
    with pytest.raises(NotAllowed, match="above your reserve authority"):
        reserve_request_sign(request=request, actor=manager1, now=T1)
    limit(manager1, "1000000")
    movement = reserve_request_sign(request=request, actor=manager1, now=T1)
    assert (movement.amount, movement.actor, movement.signed_by, movement.reason) == (
        Decimal("60000.00"),
        agent1,
        manager1,
        "伤残鉴定可能",
    )
    assert movement.authority_limit == Decimal("1000000.00")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert reserve_pending(claim) is None


def test_no_reserve_authority_means_every_change_goes_up(
    accident_policy, agent1, adjuster1, manager1
):
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    with pytest.raises(AboveReserveAuthority, match="none"):
        reserve_adjust(claim=claim, amount=Decimal("9000"), reason="降低", actor=agent1, now=T1)
    request = reserve_pending(claim)
    with pytest.raises(GuardFailed):
        reserve_request_refuse(request=request, actor=manager1, now=T1, note=" ")
    reserve_request_refuse(request=request, actor=manager1, now=T1, note="证据不足")
    assert reserve_totals(claim).reserve == Decimal("10000.00")
    assert reserve_pending(claim) is None


def test_adequacy_flags(accident_policy, agent1, adjuster1, manager1):
    limit(manager1, "1000000")
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    assert claim_reserve_flags(claim, now=T1) == []
    # Raised from 10,000 to 16,000 within 30 days: more than half.
    reserve_adjust(claim=claim, amount=Decimal("16000"), reason="复查", actor=manager1, now=T1)
    assert [f.code for f in claim_reserve_flags(claim, now=T1)] == ["raised_fast"]
    # 30 days on, the raise is old news; 91 days on without a change, the reserve is stale.
    later = T1 + timedelta(days=31)
    assert claim_reserve_flags(claim, now=later) == []
    stale = claim_reserve_flags(claim, now=T1 + timedelta(days=91))
    assert [f.code for f in stale] == ["stale"]
    # The accident policy's sum insured is 500,000: above 400,000 is near the limit.
    reserve_adjust(claim=claim, amount=Decimal("420000"), reason="重伤", actor=manager1, now=later)
    codes = [f.code for f in claim_reserve_flags(claim, now=later)]
    assert codes == ["raised_fast", "near_limit"]


def test_a_closed_claim_holds_no_reserve_and_takes_no_manual_change(
    accident_policy, agent1, adjuster1
):
    from claimdesk.cases.services import case_transition

    limit(agent1, "20000")
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    case_transition(
        case=claim.case, action="withdraw", actor=agent1, now=T1, data={"reason": "客户撤案"}
    )
    last = reserve_history(claim)[-1]
    assert (last.step, last.amount) == ("closed", Decimal("0.00"))
    with pytest.raises(IllegalTransition):
        reserve_adjust(claim=claim, amount=Decimal("5"), reason="x", actor=agent1, now=T1)
