"""Servicing fixtures: a servicing clerk with a limit, one without enough, finance, and
customer1's policies (a critical-illness policy started this year, one started 10 days ago)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from claimdesk.policies.demo import demo_bank_account, demo_policy
from claimdesk.staff.roles import Role
from tests.conftest import _user, at

# Wed 30 Sept 2026 10:00 Shanghai.
T0 = at("2026-09-30 10:00")


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clerk(db, manager1):
    """underwriter1: a servicing clerk who may approve up to ¥2,000 alone."""
    return _user("underwriter1", Role.UNDERWRITER, manager=manager1, approval_limit=Decimal(2000))


@pytest.fixture
def senior(db, manager1):
    """underwriter2: a senior clerk with a ¥100,000 limit (the higher signature)."""
    return _user("underwriter2", Role.UNDERWRITER, manager=manager1, approval_limit=Decimal(100000))


@pytest.fixture
def ci_policy(products, customer1):
    demo_bank_account(customer1, "customer1", "6222020000000001")
    return demo_policy(
        number="PCI0001",
        holder=customer1,
        line="critical_illness",
        start=date(2026, 3, 1),
        insured_name="张三",
        products=products,
    )


@pytest.fixture
def new_policy(products, customer1):
    """Started 10 days before T0: still within the 15-day cooling-off period."""
    return demo_policy(
        number="PACC0009",
        holder=customer1,
        line="accident",
        start=date(2026, 9, 21),
        insured_name="张三",
        products=products,
    )


@pytest.fixture
def other_policy(products, customer2):
    return demo_policy(
        number="PMED0002",
        holder=customer2,
        line="medical",
        start=date(2026, 3, 1),
        insured_name="李四",
        products=products,
    )
