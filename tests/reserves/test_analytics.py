"""Reserve and recovery figures from claims built through the real services: open reserves by
line and age, movements per month, paid against reserved at closure, the recovery rate; the
dashboard shows them and each exports as CSV and XLSX."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import METRICS
from claimdesk.payments.services import payment_confirm, payment_instruct, payment_send
from claimdesk.recoveries.services import recovery_letter, recovery_open, recovery_receive
from tests.claims.conftest import T0, claim_in_adjudication
from tests.conftest import worker_ran

T1 = T0 + timedelta(hours=2)
Q4 = Filters(start=date(2026, 9, 1), end=date(2026, 12, 31))


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def book(paying, finance1, adjuster1, agent1, accident_policy):
    """customer1's auto claim paid 3,000 and closed, with 1,000 of 2,500 recovered; an
    accident claim still open at 10,000."""
    payment = payment_instruct(claim=paying, actor=finance1, now=T1)
    payment = payment_send(payment=payment, actor=finance1, now=T1, bank_ref="B-1")
    payment_confirm(payment=payment, actor=finance1, now=T1 + timedelta(hours=1))
    recovery = recovery_open(
        claim=paying,
        kind="subrogation",
        counterparty="某财险",
        expected="2500",
        basis="对方全责",
        actor=adjuster1,
        now=T1 + timedelta(days=1),
    )
    recovery_letter(recovery=recovery, actor=adjuster1, now=T1 + timedelta(days=1))
    recovery_receive(
        recovery=recovery,
        amount="1000",
        reference="R-1",
        received_on=date(2026, 10, 12),
        actor=adjuster1,
        now=T1 + timedelta(days=12),
    )
    open_claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1, now=T1)
    worker_ran()
    return paying, open_claim


def test_figures(book):
    opened = METRICS["open_reserves"](Q4)
    assert opened.value == Decimal("10000.00")
    assert [(r["line"], r["claims"], r["reserve"]) for r in opened.rows] == [
        ("Accident", 1, Decimal("10000.00"))
    ]

    moves = METRICS["reserve_movements"](Q4)
    (sept, octo) = moves.rows
    assert sept["month"] == "2026-09" and sept["paid"] == Decimal("3000.00")
    assert octo["month"] == "2026-10" and octo["recovered"] == Decimal("1000.00")

    closure = METRICS["reserve_at_closure"](Q4)
    (auto,) = closure.rows
    assert (auto["first"], auto["highest"], auto["paid"], auto["net"], auto["ratio"]) == (
        Decimal("6000.00"),
        Decimal("6000.00"),
        Decimal("3000.00"),
        Decimal("2000.00"),
        Decimal("50.0"),
    )

    rate = METRICS["recovery_rate"](Q4)
    assert rate.value == Decimal("40.0")
    assert rate.rows[0]["recoveries"] == 1


def test_dashboard_and_exports(book, manager1):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(manager1)
    query = {"start": "2026-09-01", "end": "2026-12-31"}
    html = client.get("/analytics/", query).content.decode()
    for code in ("open_reserves", "reserve_movements", "reserve_at_closure", "recovery_rate"):
        assert f'data-testid="table-{code}"' in html
    assert "未决赔款准备金" in html and "追回率" in html
    csv = client.get("/analytics/export/reserve_at_closure.csv", query)
    text = csv.content.decode("utf-8-sig")
    assert "首次准备金" in text and "6000.00" in text and "3000.00" in text
    xlsx = client.get("/analytics/export/open_reserves.xlsx", query)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "意外伤害" in values
    assert Decimal(str(max(v for v in values if isinstance(v, int | float | Decimal)))) == 10000
