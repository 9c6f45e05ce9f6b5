from datetime import date, timedelta
from decimal import Decimal

import pytest

from claimdesk.cases import services as kernel
from claimdesk.claims.services import ReportInvalid, claim_item_set_state, claim_report
from claimdesk.policies.demo import demo_policy, demo_products
from tests.conftest import at


@pytest.fixture
def auto_policy(db, customer1):
    return demo_policy(
        number="PAUTO0001",
        holder=customer1,
        line="auto",
        start=date(2026, 3, 1),
        insured_name="张三",
        plate="沪A12345",
        products=demo_products(),
    )


def report(**extra):
    return {
        "policy_no": "PAUTO0001",
        "insured_name": "张三",
        "loss_time": at("2026-09-29 18:00"),
        "loss_place": "上海市浦东新区",
        "loss_cause": "追尾",
        "description": "等红灯被追尾",
        "loss_type": "auto",
        "estimated_amount": "3200",
        "contact_phone": "13812345678",
        **extra,
    }


def test_customer_reports_and_the_case_follows_the_checklist(auto_policy, customer1, agent1):
    now = at("2026-09-30 10:00")
    result = claim_report(
        reporter=customer1, report=report(), channel="portal", now=now, idempotency_key="k1"
    )
    claim = result.claim
    assert result.created and claim.case.owner == agent1 and claim.flags == []
    assert claim.case.deadlines.get(rule__code="contact").due_at == at("2026-10-09 00:00")
    assert (
        claim_report(
            reporter=customer1, report=report(), channel="portal", now=now, idempotency_key="k1"
        ).claim.pk
        == claim.pk
    )
    kernel.case_transition(case=claim.case, action="contact", actor=agent1, now=now)
    with pytest.raises(kernel.GuardFailed, match="事故认定书"):
        kernel.case_transition(
            case=claim.case, action="send_to_adjudication", actor=agent1, now=now
        )
    later = now + timedelta(hours=2)
    for item in claim.items.filter(core=True):
        claim_item_set_state(item=item, state="received", actor=customer1, now=later)
        claim_item_set_state(item=item, state="accepted", actor=agent1, now=later)
    claim.refresh_from_db()
    assert claim.materials_complete_at == later
    payment = claim.case.deadlines.get(rule__code="payment_small")
    assert payment.due_at == later + timedelta(hours=24)
    case = kernel.case_transition(
        case=claim.case, action="send_to_adjudication", actor=agent1, now=later
    )
    assert case.status == "adjudicating"
    assert case.deadlines.filter(rule__code__startswith="payment").count() == 1


def test_bad_reports_name_each_field(auto_policy, customer1, customer2):
    with pytest.raises(ReportInvalid) as err:
        claim_report(
            reporter=customer2,
            report=report(loss_time=at("2026-12-01 10:00"), contact_phone=""),
            channel="api",
            now=at("2026-09-30 10:00"),
        )
    assert set(err.value.errors) == {"policy_no", "loss_time", "contact_phone"}


def test_loss_before_cover_is_registered_and_flagged(auto_policy, customer1, agent1):
    result = claim_report(
        reporter=agent1,
        report=report(loss_time=at("2026-02-01 10:00")),
        channel="hotline",
        now=at("2026-09-30 10:00"),
    )
    assert result.claim.flags == ["loss_before_policy_start"]
    assert result.claim.case.owner == agent1
    assert result.claim.estimated_amount == Decimal("3200.00")
