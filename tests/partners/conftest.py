"""A partner hospital and customer1's medical policy, built through the real services; API
calls as the hospital's user with a token from ``/api/v1/auth/token``."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from claimdesk.partners.demo import bill_scan, demo_partners
from claimdesk.policies.demo import demo_policy
from claimdesk.staff.services import token_issue
from tests.claims.conftest import ClaimsApi
from tests.conftest import PASSWORD, at

T0 = at("2026-09-30 10:00")
ADMITTED = at("2026-09-28 09:30")
ID_NUMBER = "310101199001011234"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def partners(db, products):
    return demo_partners(password=PASSWORD, now=T0)


@pytest.fixture
def hospital(partners):
    return partners["hospital1"]


@pytest.fixture
def policy(customer1, products, agent1, finance1):
    return demo_policy(
        number="MED202600001",
        holder=customer1,
        line="medical",
        start=(T0 - timedelta(days=200)).date(),
        insured_name="张三",
        id_number=ID_NUMBER,
        phone="13812345678",
        products=products,
    )


def as_user(user) -> ClaimsApi:
    token = token_issue(username=user.username, password=PASSWORD, now=timezone.now())
    assert token
    return ClaimsApi(token)


def scan() -> str:
    """A scanned bill (a small white page), base64 as the API takes it."""
    return base64.b64encode(bill_scan()).decode()


def discharge_bill(bill_no: str = "ZY20260930001", **extra) -> dict:
    return {
        "id_number": ID_NUMBER,
        "bill_no": bill_no,
        "service": "outpatient",
        "items": [
            {"label": "日间手术费", "amount": "1800.00"},
            {"label": "药品费", "amount": "650.00"},
            {"label": "检查费", "amount": "350.00"},
        ],
        "diagnosis": "急性阑尾炎（日间手术）",
        "admitted_at": ADMITTED.isoformat(),
        "bill_date": "2026-09-29",
        "documents": [{"name": "bill.png", "content_base64": scan()}],
        **extra,
    }
