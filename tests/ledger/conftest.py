"""Helpers for the ledger tests: cases built through the real services, tampering done with
raw SQL behind the application's back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection

from claimdesk.cases import services
from claimdesk.cases.models import Case, CaseEvent
from claimdesk.ledger.models import LedgerEntry
from tests.conftest import at

T0 = at("2026-09-30 10:00")


def sql(statement: str, *params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def worked_case(agent, customer, *, title: str = "车险 追尾", now=T0) -> Case:
    """An opened claim case moved on a few steps: several events on its chain."""
    case = services.case_open(kind="claim", title=title, actor=agent, customer=customer, now=now)
    case = services.case_transition(
        case=case, action="contact", actor=agent, now=now + timedelta(minutes=30)
    )
    return services.case_transition(
        case=case,
        action="request_materials",
        actor=agent,
        now=now + timedelta(hours=1),
        data={"items": ["维修发票"], "amount": "3200.00"},
    )


def entries(case: Case) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(case=case).order_by("seq"))


def events(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).order_by("at", "id"))


@pytest.fixture
def claim(db, customer1, agent1):
    """customer1's auto claim (a documents.Claim row, so documents can hang off it)."""
    from claimdesk.claims.services import claim_report
    from claimdesk.policies.demo import demo_policy, demo_products

    demo_policy(
        number="PAUTO0001",
        holder=customer1,
        line="auto",
        start=date(2026, 3, 1),
        insured_name="张三",
        plate="沪A12345",
        products=demo_products(),
    )
    report = {
        "policy_no": "PAUTO0001",
        "insured_name": "张三",
        "loss_time": at("2026-09-29 18:00"),
        "loss_place": "上海市浦东新区",
        "loss_cause": "追尾",
        "description": "等红灯时被后车追尾",
        "loss_type": "auto",
        "estimated_amount": "3200.00",
        "contact_phone": "13812345678",
    }
    return claim_report(reporter=customer1, report=report, channel="api", now=T0).claim
