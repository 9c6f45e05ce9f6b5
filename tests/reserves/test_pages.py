"""The claim page's reserve section: the history with each change and its reason, the
manual form (bad input is a message, never a 500), the higher signature; customers see none
of it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from claimdesk.claims.services import reserve_history, reserve_pending, reserve_totals
from claimdesk.recoveries.models import Recovery
from claimdesk.staff.models import StaffProfile
from tests.claims.conftest import claim_in_adjudication


@pytest.fixture
def claim(accident_policy, agent1, adjuster1):
    return claim_in_adjudication(owner=agent1, adjuster=adjuster1)


def page(user, claim) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    r = client.get(f"/claims/{claim.number}/")
    assert r.status_code == 200
    return r.content.decode()


def post(user, path: str, data: dict) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    r = client.post(path, data, follow=True)
    assert r.status_code == 200
    return r.content.decode()


def test_history_form_and_signature(claim, agent1, manager1, customer1):
    StaffProfile.objects.filter(user=agent1).update(reserve_limit=Decimal("20000"))
    html = page(agent1, claim)
    assert 'data-testid="reserve-history"' in html
    assert "立案" in html and "¥10000.00" in html
    assert "产品及损失类型的平均赔款（管理员设定）" in html

    url = f"/claims/{claim.number}/reserve/"
    html = post(agent1, url, {"amount": "abc", "reason": "x"})
    assert "请输入以元为单位的准备金金额" in html
    html = post(agent1, url, {"amount": "15000", "reason": "住院天数增加"})
    assert "住院天数增加" in html and "人工调整" in html
    assert reserve_totals(claim).reserve == Decimal("15000.00")

    html = post(agent1, url, {"amount": "80000", "reason": "可能构成伤残"})
    assert "超出您的准备金权限" in html
    pending = reserve_pending(claim)
    StaffProfile.objects.filter(user=manager1).update(reserve_limit=Decimal("1000000"))
    assert 'data-action="sign-reserve"' in page(manager1, claim)
    post(manager1, f"/claims/{claim.number}/reserve/requests/{pending.pk}/", {})
    last = reserve_history(claim)[-1]
    assert (last.amount, last.actor, last.signed_by) == (Decimal("80000.00"), agent1, manager1)

    assert 'data-testid="reserve"' not in page(customer1, claim)


def test_recovery_from_the_page(auto_policy, agent1, adjuster1):
    auto = claim_in_adjudication(
        owner=agent1, adjuster=adjuster1, policy_no="PAUTO0001", loss_type="auto"
    )
    html = page(adjuster1, auto)
    assert 'data-testid="recovery-form"' in html
    base = f"/claims/{auto.number}/recoveries/"
    html = post(
        adjuster1,
        base,
        {"kind": "subrogation", "counterparty": "某财险", "expected": "-5", "basis": "全责"},
    )
    assert "请填写预计追回金额" in html
    post(
        adjuster1,
        base,
        {"kind": "subrogation", "counterparty": "某财险", "expected": "2000", "basis": "全责"},
    )
    recovery = Recovery.objects.get(claim=auto)
    html = post(adjuster1, f"{base}{recovery.pk}/", {"act": "letter"})
    assert "已发函追偿" in html
    html = post(
        adjuster1,
        f"{base}{recovery.pk}/",
        {"act": "receive", "amount": "500", "reference": "R1", "received_on": "bad"},
    )
    assert "YYYY-MM-DD" in html
    html = post(
        adjuster1,
        f"{base}{recovery.pk}/",
        {"act": "receive", "amount": "500", "reference": "R1", "received_on": "2026-10-10"},
    )
    assert "25.0 %" in html
    assert reserve_totals(auto).reserve == Decimal("5500.00")
