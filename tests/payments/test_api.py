"""The payments API: who may instruct, see and move a payment, with answers checked
against the OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import translation

from claimdesk.cases.models import Case
from claimdesk.payments.models import Payment
from claimdesk.policies.models import BankAccount
from claimdesk.staff.services import token_issue
from tests.api.conftest import check_against_openapi
from tests.claims.conftest import T0
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def later(frozen):
    """The API reads the real clock: two hours after the report, after the decision."""
    frozen.shift(timedelta(hours=2))
    return frozen


def test_finance_instructs_once(paying, finance1, claims_api, later):
    api = claims_api(finance1)
    r = api.post(f"/claims/{paying.number}/payment")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["amount"] == "3000.00"
    assert body["state"] == "instructed" and body["allowed_actions"] == ["send"]
    assert body["account"] == "*" * 15 + "3445"
    assert "6222020200112233445" not in r.content.decode()
    again = api.post(f"/claims/{paying.number}/payment")
    assert again.status_code == 409
    assert "already has its payment" in again.json()["detail"]
    assert Payment.objects.count() == 1


def test_the_amount_is_never_the_callers(paying, finance1, claims_api, later):
    r = claims_api(finance1).post(
        f"/claims/{paying.number}/payment", {"amount": "999999.00", "account_id": None}
    )
    assert r.status_code == 201 and r.json()["amount"] == "3000.00"


def test_non_finance_is_refused_and_strangers_see_nothing(
    paying, agent1, adjuster1, customer1, customer2, surveyor1, claims_api, later
):
    path = f"/claims/{paying.number}/payment"
    for user in (agent1, adjuster1, customer1):  # they see the claim, but may not pay it
        r = claims_api(user).post(path)
        assert r.status_code == 403, (user, r.json())
    for user in (customer2, surveyor1):
        assert claims_api(user).post(path).status_code == 404
    assert claims_api(agent1).post("/claims/CL20990101000001/payment").status_code == 404
    assert not Payment.objects.exists()


def test_anonymous_is_401(paying, claims_api, later):
    assert claims_api().post(f"/claims/{paying.number}/payment").status_code == 401


def test_instruct_to_another_account_of_the_holder_only(
    paying, finance1, customer1, customer2, claims_api, later
):
    theirs = BankAccount.objects.create(
        owner=customer2, bank_name="建行", account_name="李四", account_number="6217000011112222"
    )
    api = claims_api(finance1)
    r = api.post(f"/claims/{paying.number}/payment", {"account_id": theirs.pk})
    assert r.status_code == 400 and "policy holder" in r.json()["detail"]
    assert api.post(f"/claims/{paying.number}/payment", {"account_id": 99999}).status_code == 400
    mine = BankAccount.objects.create(
        owner=customer1, bank_name="招行", account_name="张三", account_number="6225000033334444"
    )
    r = api.post(f"/claims/{paying.number}/payment", {"account_id": mine.pk})
    assert r.status_code == 201 and r.json()["account"].endswith("4444")


def test_the_customer_sees_their_payment_masked_and_no_one_elses(
    paying, finance1, customer1, customer2, claims_api, later
):
    path = f"/claims/{paying.number}/payment"
    assert claims_api(customer1).get(path).status_code == 404  # nothing instructed yet
    claims_api(finance1).post(path)
    r = claims_api(customer1).get(path)
    assert r.status_code == 200
    body = r.json()
    assert body["amount"] == "3000.00" and body["account"].endswith("3445")
    assert body["transfers"] == [] and body["allowed_actions"] == []
    assert "6222020200112233445" not in r.content.decode()
    other = claims_api(customer2).get(path)
    assert other.status_code == 404
    assert paying.number in other.json()["detail"]  # the same answer as for no claim at all


def test_the_whole_road_through_the_api(paying, finance1, customer1, claims_api, later):
    api = claims_api(finance1)
    ref = api.post(f"/claims/{paying.number}/payment").json()["reference"]
    r = api.post(f"/payments/{ref}/actions/confirm")
    assert r.status_code == 409 and r.json()["allowed"] == ["send"]
    r = api.post(f"/payments/{ref}/actions/send", {"bank_ref": "ICBC-001"})
    assert r.status_code == 200 and r.json()["state"] == "sent"
    r = api.post(f"/payments/{ref}/actions/fail", {})
    assert r.status_code == 400 and "why" in r.json()["detail"]
    r = api.post(f"/payments/{ref}/actions/fail", {"reason": "户名不符"})
    assert r.json()["state"] == "failed" and r.json()["allowed_actions"] == ["retry", "escalate"]
    r = api.post(f"/payments/{ref}/actions/escalate", {"note": "请核实户名"})
    assert r.status_code == 200 and r.json()["escalated_to"] == "manager1"
    r = api.post(f"/payments/{ref}/actions/retry", {"bank_ref": "ICBC-002"})
    assert r.json()["attempts"] == 2
    r = api.post(f"/payments/{ref}/actions/confirm")
    assert r.status_code == 200
    body = r.json()
    assert body["state"] == "confirmed"
    assert [t["outcome"] for t in body["transfers"]] == ["failed", "confirmed"]
    assert Case.objects.get(pk=paying.pk).status == "closed"
    # the customer reads the result, not the internal reasons
    mine = claims_api(customer1).get(f"/claims/{paying.number}/payment").json()
    assert mine["state"] == "confirmed" and mine["failure_reason"] == ""
    assert mine["escalated_to"] is None


def test_actions_are_refused_to_others(
    paying, finance1, agent1, customer1, customer2, claims_api, later
):
    ref = claims_api(finance1).post(f"/claims/{paying.number}/payment").json()["reference"]
    assert claims_api(agent1).post(f"/payments/{ref}/actions/send").status_code == 403
    assert claims_api(customer1).post(f"/payments/{ref}/actions/send").status_code == 403
    assert claims_api(customer2).post(f"/payments/{ref}/actions/send").status_code == 404
    assert claims_api(finance1).post("/payments/PY0/actions/send").status_code == 404
    r = claims_api(finance1).post(f"/payments/{ref}/actions/pay-twice")
    assert r.status_code == 422
    assert Payment.objects.get(reference=ref).state == "instructed"


def _upload(user, content: bytes, name="bank.csv"):
    client = Client()
    token = token_issue(username=user.username, password=PASSWORD, now=T0)
    r = client.post(
        "/api/v1/payments/reconcile",
        {"file": _named(content, name)},
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    check_against_openapi("post", "/api/v1/payments/reconcile", r)
    return r


def _named(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_reconcile_upload(paying, finance1, agent1, claims_api, later):
    api = claims_api(finance1)
    ref = api.post(f"/claims/{paying.number}/payment").json()["reference"]
    api.post(f"/payments/{ref}/actions/send")
    csv = (
        "reference,status,amount,bank_ref,reason\n"
        f"{ref},成功,3000.00,ICBC-9,\n"
        "PY2099,success,1.00,X-1,\n"
    ).encode()
    assert _upload(agent1, csv).status_code == 403
    r = _upload(finance1, csv)
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["confirmed"] == [ref] and body["rows"] == 2
    assert body["errors"] == [{"row": 3, "reference": "PY2099", "message": "No payment PY2099."}]
    again = _upload(finance1, csv).json()
    assert again["confirmed"] == [] and again["unchanged"] == [ref]
    r = _upload(finance1, b"foo,bar\n1,2\n")
    assert r.status_code == 400 and "lacks the columns" in r.json()["detail"]


def test_retry_to_another_account_of_the_holder(
    paying, finance1, customer1, customer2, claims_api, later
):
    api = claims_api(finance1)
    ref = api.post(f"/claims/{paying.number}/payment").json()["reference"]
    api.post(f"/payments/{ref}/actions/send")
    api.post(f"/payments/{ref}/actions/fail", {"reason": "账户冻结"})
    theirs = BankAccount.objects.create(
        owner=customer2, bank_name="建行", account_name="李四", account_number="6217000011112222"
    )
    r = api.post(f"/payments/{ref}/actions/retry", {"account_id": theirs.pk})
    assert r.status_code == 400 and Payment.objects.get(reference=ref).state == "failed"
    mine = BankAccount.objects.create(
        owner=customer1, bank_name="招行", account_name="张三", account_number="6225000033334444"
    )
    r = api.post(f"/payments/{ref}/actions/retry", {"account_id": mine.pk})
    assert r.status_code == 200
    body = r.json()
    assert body["account"].endswith("4444") and body["state"] == "sent"
    assert [t["account"][-4:] for t in body["transfers"]] == ["3445", "4444"]
