"""Two customers with a policy and a claim each, taken on the hotline by two agents."""

from datetime import date

import pytest
import time_machine

from claimdesk.claims.services import claim_report
from claimdesk.policies.demo import demo_policy
from tests.conftest import at

NOW = at("2026-09-30 10:00")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def auto_policy(customer1, products):
    return demo_policy(
        number="PAUTO0001",
        holder=customer1,
        line="auto",
        start=date(2026, 3, 1),
        insured_name="张伟",
        id_number="310115198001010012",
        phone="13800138000",
        plate="沪A52000",
        products=products,
    )


@pytest.fixture
def medical_policy(customer2, products):
    return demo_policy(
        number="PMED0002",
        holder=customer2,
        line="medical",
        start=date(2026, 3, 1),
        insured_name="李娜",
        id_number="31011519850202003X",
        phone="13900139000",
        products=products,
    )


def report(policy_no: str, insured: str, phone: str, **extra) -> dict:
    return {
        "policy_no": policy_no,
        "insured_name": insured,
        "loss_type": "auto",
        "loss_time": at("2026-09-29 18:30"),
        "loss_place": "上海市浦东新区世纪大道",
        "loss_cause": "等红灯时被追尾",
        "description": "后车追尾，后保险杠受损。",
        "estimated_amount": "3200",
        "contact_phone": phone,
        **extra,
    }


@pytest.fixture
def zhang_claim(agent1, auto_policy):
    """customer1's auto claim, taken by agent1 (its owner)."""
    return claim_report(
        reporter=agent1,
        report=report("PAUTO0001", "张伟", "13800138000"),
        channel="hotline",
        now=NOW,
    ).claim


@pytest.fixture
def li_claim(agent2, medical_policy):
    """customer2's medical claim, taken by agent2: not agent1's to open."""
    return claim_report(
        reporter=agent2,
        report=report(
            "PMED0002",
            "李娜",
            "13900139000",
            loss_type="medical",
            loss_cause="急性阑尾炎住院",
            loss_place="上海市第一人民医院",
            description="住院手术",
        ),
        channel="hotline",
        now=NOW,
    ).claim
