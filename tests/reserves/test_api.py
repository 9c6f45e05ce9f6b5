"""The reserve and recovery endpoints: the same services and people as the claim page;
every answer checked against the OpenAPI schema (``ClaimsApi``)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from claimdesk.claims.models import ReserveRequest
from claimdesk.recoveries.models import Recovery
from claimdesk.staff.models import StaffProfile
from tests.claims import conftest as claims_conftest

pytestmark = pytest.mark.django_db

claims_api = claims_conftest.claims_api
frozen = claims_conftest.frozen


def test_staff_read_the_reserve_history_with_who_why_and_authority(
    paying, agent1, claims_api, frozen
):
    r = claims_api(agent1).get(f"/claims/{paying.number}/reserve")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["claim_no"] == paying.number
    assert Decimal(body["reserve"]) == Decimal("3000.00")  # decided, not yet paid
    steps = [m["step"] for m in body["movements"]]
    assert steps[0] == "registered" and len(steps) >= 2
    assert all(m["reason"] for m in body["movements"])


def test_customers_get_no_reserve_and_no_recoveries(paying, customer1, claims_api, frozen):
    api = claims_api(customer1)
    assert api.get(f"/claims/{paying.number}/reserve").status_code == 404
    assert api.get(f"/claims/{paying.number}/recoveries").status_code == 404
    r = api.post(f"/claims/{paying.number}/reserve", {"amount": "1", "reason": "x"})
    assert r.status_code == 404


def test_a_change_within_authority_applies_and_above_it_waits_for_a_signature(
    paying, agent1, manager1, claims_api, frozen
):
    frozen.shift(timedelta(days=1))  # after the claim's own steps
    StaffProfile.objects.filter(user=agent1).update(reserve_limit=Decimal("20000"))
    StaffProfile.objects.filter(user=manager1).update(reserve_limit=Decimal("1000000"))
    api = claims_api(agent1)
    r = api.post(f"/claims/{paying.number}/reserve", {"amount": "3500", "reason": "修理费追加"})
    assert r.status_code == 200, r.content
    assert Decimal(r.json()["reserve"]) == Decimal("3500.00")
    assert r.json()["movements"][-1]["by"] == "agent1"

    r = api.post(f"/claims/{paying.number}/reserve", {"amount": "900000", "reason": "全损"})
    assert r.status_code == 403 and r.json()["escalated_to"] == "manager1"
    pending = api.get(f"/claims/{paying.number}/reserve").json()["pending"]
    assert pending["amount"] == "900000.00" and pending["waiting_for"] == "manager1"
    # The maker never signs their own change.
    assert (
        api.post(f"/claims/{paying.number}/reserve/requests/{pending['id']}/sign").status_code
        == 403
    )

    r = claims_api(manager1).post(f"/claims/{paying.number}/reserve/requests/{pending['id']}/sign")
    assert r.status_code == 200, r.content
    last = r.json()["movements"][-1]
    assert Decimal(r.json()["reserve"]) == Decimal("900000.00")
    assert (last["by"], last["signed_by"]) == ("agent1", "manager1")
    assert ReserveRequest.objects.get(pk=pending["id"]).status == "approved"


def test_a_negative_or_missing_reason_is_a_clear_422(paying, agent1, claims_api, frozen):
    api = claims_api(agent1)
    assert (
        api.post(f"/claims/{paying.number}/reserve", {"amount": "-1", "reason": "x"}).status_code
        == 422
    )
    assert api.post(f"/claims/{paying.number}/reserve", {"amount": "10"}).status_code == 422


def test_a_recovery_is_opened_received_and_listed(paying, adjuster1, claims_api, frozen):
    frozen.shift(timedelta(days=1))
    api = claims_api(adjuster1)
    r = api.post(
        f"/claims/{paying.number}/recoveries",
        {
            "kind": "subrogation",
            "counterparty": "某某财产保险公司上海分公司",
            "expected": "1000",
            "basis": "交警认定书：对方全责",
        },
    )
    assert r.status_code == 201, r.content
    recovery = r.json()
    assert recovery["status"] == "open" and recovery["claim_no"] == paying.number
    path = f"/claims/{paying.number}/recoveries/{recovery['id']}"

    r = api.post(f"{path}/receipts", {"amount": "400", "reference": "BANK-1"})
    assert r.status_code == 201, r.content
    assert r.json()["received"] == "400.00" and r.json()["rate"] == "40.0"
    again = api.post(f"{path}/receipts", {"amount": "400", "reference": "BANK-1"})
    assert again.status_code == 409  # a bank reference counts once
    reserve = api.get(f"/claims/{paying.number}/reserve").json()
    assert Decimal(reserve["recovered"]) == Decimal("400.00")

    r = api.post(f"{path}/close", {"reason": "对方仅同意赔付部分"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert api.post(f"{path}/close", {"reason": "again"}).status_code == 409
    listed = api.get(f"/claims/{paying.number}/recoveries").json()
    assert [x["id"] for x in listed] == [recovery["id"]]
    assert api.get(path).json()["receipts"][0]["reference"] == "BANK-1"


def test_an_overpayment_is_not_opened_by_hand_nor_on_a_medical_line(
    paying, adjuster1, claims_api, frozen
):
    r = claims_api(adjuster1).post(
        f"/claims/{paying.number}/recoveries",
        {"kind": "overpayment", "counterparty": "张三", "expected": "10", "basis": "x"},
    )
    assert r.status_code == 400
    assert not Recovery.objects.exists()


def test_someone_elses_recovery_id_is_a_404(paying, adjuster1, claims_api, frozen):
    r = claims_api(adjuster1).get(f"/claims/{paying.number}/recoveries/999999")
    assert r.status_code == 404
