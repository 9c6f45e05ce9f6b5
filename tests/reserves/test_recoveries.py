"""Recoveries through the real services: opened on a motor or property claim only, letters
through the compliance gate, each bank reference received once, what is received lowering
the claim's net cost and open reserve, settled in full, its own clocks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from claimdesk.cases.models import CaseEvent, Deadline
from claimdesk.cases.services import GuardFailed, IllegalTransition, NotAllowed
from claimdesk.claims.services import reserve_history, reserve_totals
from claimdesk.payments.services import payment_confirm, payment_instruct, payment_send
from claimdesk.recoveries.models import RecoveryReceipt
from claimdesk.recoveries.selectors import claim_recoveries
from claimdesk.recoveries.services import (
    recovery_close,
    recovery_letter,
    recovery_open,
    recovery_receive,
)
from tests.claims.conftest import T0, claim_in_adjudication

T1 = T0 + timedelta(hours=2)
DAY = date(2026, 10, 20)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def pay(claim, finance):
    payment = payment_instruct(claim=claim, actor=finance, now=T1)
    payment = payment_send(payment=payment, actor=finance, now=T1, bank_ref="B-1")
    payment_confirm(payment=payment, actor=finance, now=T1 + timedelta(hours=1))


def open_one(claim, actor, **kw):
    values = {
        "kind": "subrogation",
        "counterparty": "某某财产保险公司上海分公司",
        "expected": "3000",
        "basis": "交警认定书：后车全责",
    }
    values.update(kw)
    return recovery_open(claim=claim, actor=actor, now=T1 + timedelta(hours=2), **values)


def test_recovery_after_payment_lowers_the_net_cost_once_per_reference(paying, finance1, adjuster1):
    pay(paying, finance1)
    recovery = open_one(paying, adjuster1)
    case = recovery.case
    assert (case.kind, case.number[:2], case.status) == ("recovery", "RC", "open")
    # Its own clocks: the first demand within 10 working days, the whole within 180 days.
    assert set(Deadline.objects.filter(case=case).values_list("rule__code", flat=True)) == {
        "recovery_demand",
        "recovery",
    }
    assert CaseEvent.objects.filter(case=paying.case, kind="recovery_opened").exists()

    letter = recovery_letter(recovery=recovery, actor=adjuster1, now=T1 + timedelta(hours=3))
    assert "第六十条" in letter.text and "3000.00" in letter.text
    case.refresh_from_db()
    assert case.status == "demanded"
    assert Deadline.objects.get(case=case, rule__code="recovery_demand").state == "met"
    reminder = recovery_letter(recovery=recovery, actor=adjuster1, now=T1 + timedelta(days=20))
    assert reminder.kind == "reminder"

    recovery_receive(
        recovery=recovery,
        amount="1000",
        reference="R-1",
        received_on=DAY,
        actor=adjuster1,
        now=T1 + timedelta(days=21),
    )
    totals = reserve_totals(paying)
    # The claim is closed: its reserve stays 0, its net cost falls by what came back.
    assert (totals.reserve, totals.paid, totals.recovered, totals.net_cost) == (
        Decimal("0.00"),
        Decimal("3000.00"),
        Decimal("1000.00"),
        Decimal("2000.00"),
    )
    assert reserve_history(paying)[-1].step == "recovery"
    with pytest.raises(IllegalTransition, match="R-1"):
        recovery_receive(
            recovery=recovery,
            amount="1000",
            reference="R-1",
            received_on=DAY,
            actor=adjuster1,
            now=T1 + timedelta(days=22),
        )
    assert RecoveryReceipt.objects.filter(recovery=recovery).count() == 1
    assert reserve_totals(paying).recovered == Decimal("1000.00")

    recovery_receive(
        recovery=recovery,
        amount="2000",
        reference="R-2",
        received_on=DAY,
        actor=adjuster1,
        now=T1 + timedelta(days=23),
    )
    case.refresh_from_db()
    assert case.status == "recovered"
    assert Deadline.objects.get(case=case, rule__code="recovery").state == "met"
    (row,) = claim_recoveries(paying)
    assert (row.received, row.rate) == (Decimal("3000.00"), Decimal("100.0"))
    with pytest.raises(IllegalTransition):
        recovery_receive(
            recovery=recovery,
            amount="1",
            reference="R-3",
            received_on=DAY,
            actor=adjuster1,
            now=T1 + timedelta(days=24),
        )


def test_salvage_on_an_open_claim_lowers_its_reserve(auto_policy, agent1, adjuster1):
    claim = claim_in_adjudication(
        owner=agent1,
        adjuster=adjuster1,
        policy_no="PAUTO0001",
        loss_type="auto",
        estimated_amount="50000",
    )
    assert reserve_totals(claim).reserve == Decimal("6000.00")
    recovery = open_one(claim, adjuster1, kind="salvage", counterparty="残值回收公司")
    letter = recovery_letter(recovery=recovery, actor=adjuster1, now=T1 + timedelta(hours=3))
    assert "残值" in letter.text
    recovery_receive(
        recovery=recovery,
        amount="1500",
        reference="S-1",
        received_on=DAY,
        actor=adjuster1,
        now=T1 + timedelta(days=1),
    )
    assert reserve_totals(claim).reserve == Decimal("4500.00")
    recovery_close(
        recovery=recovery,
        reason="残值按实际拍卖价结清",
        actor=adjuster1,
        now=T1 + timedelta(days=2),
    )
    recovery.case.refresh_from_db()
    assert recovery.case.status == "closed"


def test_only_motor_and_property_claims_and_with_a_counterparty(
    accident_policy, auto_policy, agent1, adjuster1
):
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    with pytest.raises(GuardFailed, match="motor and property"):
        open_one(claim, adjuster1)
    auto = claim_in_adjudication(
        owner=agent1, adjuster=adjuster1, policy_no="PAUTO0001", loss_type="auto"
    )
    with pytest.raises(GuardFailed, match="counterparty"):
        open_one(auto, adjuster1, counterparty=" ")
    with pytest.raises(GuardFailed, match="amount"):
        open_one(auto, adjuster1, expected="abc")
    with pytest.raises(NotAllowed):
        open_one(auto, agent1)  # agents do not pursue recoveries
    assert claim_recoveries(auto) == []


def test_letters_pass_the_compliance_gate(auto_policy, agent1, adjuster1, manager1):
    auto = claim_in_adjudication(
        owner=agent1, adjuster=adjuster1, policy_no="PAUTO0001", loss_type="auto"
    )
    recovery = open_one(auto, adjuster1, basis="对方承诺保证一周内付清")
    with pytest.raises(GuardFailed, match="保证"):
        recovery_letter(recovery=recovery, actor=adjuster1, now=T1 + timedelta(hours=3))
    assert not recovery.letters.exists()
    recovery.case.refresh_from_db()
    assert recovery.case.status == "open"
    letter = recovery_letter(
        recovery=recovery, actor=adjuster1, now=T1 + timedelta(hours=3), override_by=manager1
    )
    assert letter.overridden
