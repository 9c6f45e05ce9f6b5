"""容缺受理: a claim moves on without its non-core items, and the customer is reminded of them."""

from datetime import date, timedelta

import pytest

from claimdesk.cases.models import CaseEvent
from claimdesk.claims.services import (
    CHASE_LIMIT,
    claim_item_set_state,
    claim_report,
    claims_chase_missing_items,
)
from claimdesk.notify.models import Notification
from claimdesk.policies.demo import demo_policy, demo_products
from tests.conftest import at

REPORTED = at("2026-09-28 10:00")  # Monday
COMPLETE = at("2026-09-29 11:00")  # Tuesday: every core item accepted


@pytest.fixture
def claim(db, customer1, agent1):
    demo_policy(
        number="PCI0001",
        holder=customer1,
        line="critical_illness",
        start=date(2025, 1, 1),
        insured_name="张三",
        products=demo_products(),
    )
    claim = claim_report(
        reporter=customer1,
        channel="portal",
        now=REPORTED,
        report={
            "policy_no": "PCI0001",
            "insured_name": "张三",
            "loss_time": at("2026-09-20 09:00"),
            "loss_cause": "确诊甲状腺癌",
            "description": "体检发现，手术确诊",
            "loss_type": "critical_illness",
            "contact_phone": "13812345678",
        },
    ).claim
    for item in claim.items.filter(core=True):
        claim_item_set_state(item=item, state="received", actor=customer1, now=COMPLETE)
        claim_item_set_state(item=item, state="accepted", actor=agent1, now=COMPLETE)
    claim.refresh_from_db()
    assert claim.materials_complete_at == COMPLETE
    return claim


def chases(claim):
    return list(
        CaseEvent.objects.filter(case=claim.case, kind="materials_chased").values_list(
            "at", flat=True
        )
    )


def test_missing_non_core_items_are_chased_every_three_working_days(claim, customer1):
    # 3 working days after Tue 29 Sept: 30 Sept, then the National Day holiday, 8 and 9 Oct
    assert claims_chase_missing_items(now=at("2026-10-08 09:00")) == 0
    first = at("2026-10-09 09:00")
    assert claims_chase_missing_items(now=first) == 1
    assert claims_chase_missing_items(now=first + timedelta(hours=1)) == 0  # once per round
    event = CaseEvent.objects.get(case=claim.case, kind="materials_chased")
    assert event.customer_visible and sorted(event.data["items"]) == ["出院小结", "病历资料"]
    note = Notification.objects.get(kind="materials_chased", channel="inapp")
    assert note.recipient == customer1 and "出院小结" in note.subject
    assert Notification.objects.filter(kind="materials_chased", channel="sms").count() == 1
    # next round: 3 working days after Fri 9 Oct (Sat 10 Oct is a 调休 working day)
    assert claims_chase_missing_items(now=at("2026-10-13 23:00")) == 1
    assert chases(claim) == [first, at("2026-10-13 23:00")]


def test_items_received_since_are_no_longer_chased(claim, customer1):
    for item in claim.items.filter(core=False):
        claim_item_set_state(
            item=item, state="received", actor=customer1, now=at("2026-10-08 10:00")
        )
    assert claims_chase_missing_items(now=at("2026-10-20 09:00")) == 0


def test_chasing_stops_after_the_limit(claim):
    now = at("2026-10-09 09:00")
    for _ in range(CHASE_LIMIT + 2):
        claims_chase_missing_items(now=now)
        now += timedelta(days=7)
    assert len(chases(claim)) == CHASE_LIMIT


def test_claims_without_complete_core_materials_are_not_chased(db, customer1, agent1):
    demo_policy(
        number="PCI0002",
        holder=customer1,
        line="critical_illness",
        start=date(2025, 1, 1),
        insured_name="张三",
        products=demo_products(),
    )
    claim_report(
        reporter=customer1,
        channel="portal",
        now=REPORTED,
        report={
            "policy_no": "PCI0002",
            "insured_name": "张三",
            "loss_time": at("2026-09-20 09:00"),
            "loss_cause": "确诊",
            "description": "确诊",
            "loss_type": "critical_illness",
            "contact_phone": "13812345678",
        },
    )
    assert claims_chase_missing_items(now=at("2026-11-30 09:00")) == 0
