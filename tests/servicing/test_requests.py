"""保全 requests end to end through the API and the services: a customer's surrender with its
cash value and checklist, materials, authority and escalation, the endorsement that ends the
policy on its date, the hand-over to finance and the payment; refusals that say why."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from claimdesk.cases.models import DeadlineState, TaskStatus
from claimdesk.cases.services import GuardFailed, case_transition
from claimdesk.payments.models import Payment
from claimdesk.payments.selectors import payments_by_state
from claimdesk.policies.models import Policy
from claimdesk.policies.selectors import policy_as_of
from claimdesk.servicing.models import ServiceRequest
from claimdesk.staff.services import token_issue
from tests.claims.conftest import ClaimsApi
from tests.conftest import PASSWORD
from tests.servicing.conftest import T0

SURRENDER_MATERIALS = ["surrender_form", "holder_id", "policy_contract", "bank_card"]


def api(user) -> ClaimsApi:
    token = token_issue(username=user.username, password=PASSWORD, now=T0)
    return ClaimsApi(token, language="en")


@pytest.fixture
def staff(clerk, senior, finance1):
    return {"clerk": clerk, "senior": senior, "finance": finance1}


def test_customer_surrenders_sees_value_and_checklist_and_is_paid_after_approval(
    frozen, staff, customer1, ci_policy
):
    quote = api(customer1).get("/policy-service/quote", policy="PCI0001")
    assert quote.status_code == 200
    # 6 policy months completed: 12.4‰ of premium per mille × 6/12 × 75 % = 4.65‰ of ¥500,000.
    assert quote.json()["amount"] == "2325.00" and quote.json()["within_cooling_off"] is False

    r = api(customer1).post("/policy-service", {"policy": "PCI0001", "item": "surrender"})
    assert r.status_code == 201, r.content
    body = r.json()
    number = body["number"]
    assert body["status"] == "submitted"
    assert body["quote"]["cash_value"] == "2325.00" and body["amount"] == "2325.00"
    assert [c["code"] for c in body["checklist"]] == SURRENDER_MATERIALS
    assert not any(c["received"] for c in body["checklist"])
    assert [c["state"] for c in body["clocks"]] == ["running"]  # service_ack
    request = ServiceRequest.objects.get(case__number=number)
    assert request.case.owner == staff["clerk"]  # least-loaded servicing clerk

    clerk = api(staff["clerk"])
    # Not yet: the materials are not complete.
    assert clerk.post(f"/policy-service/{number}/approve").status_code == 409
    r = clerk.post(f"/policy-service/{number}/materials", {"codes": SURRENDER_MATERIALS})
    assert r.status_code == 200 and r.json()["status"] == "complete"
    assert all(c["received"] for c in r.json()["checklist"])

    # ¥2,325 is above the clerk's ¥2,000: refused and passed to the senior clerk.
    r = clerk.post(f"/policy-service/{number}/approve")
    assert r.status_code == 403 and r.json()["escalated_to"] == "underwriter2"
    ci_policy.refresh_from_db()
    assert ci_policy.status == Policy.Status.ACTIVE  # nothing changed

    frozen.shift(timedelta(hours=2))
    r = api(staff["senior"]).post(f"/policy-service/{number}/approve")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "paying" and r.json()["endorsement"] == "PCI0001-002"

    # The policy ends on the effective date: in force the day before, surrendered from then.
    ci_policy.refresh_from_db()
    assert ci_policy.status == Policy.Status.SURRENDERED and ci_policy.end == date(2026, 9, 30)
    assert policy_as_of(ci_policy, date(2026, 9, 29)).in_force_on(date(2026, 9, 29))
    on_the_day = policy_as_of(ci_policy, date(2026, 9, 30))
    assert on_the_day.status == "surrendered" and on_the_day.version == 2

    # The surrender value goes through the payment flow: instructed by the approval (the
    # senior's signature), handed to finance as a task, with the 10-day clock running.
    request.refresh_from_db()
    assert not request.case.tasks.filter(kind="surrender_payment").exists()
    task = request.case.tasks.get(kind="payment")
    assert task.assignee == staff["finance"] and task.status == TaskStatus.OPEN
    clock = request.case.deadlines.get(rule__code="surrender_payment")
    assert clock.state == DeadlineState.RUNNING
    assert request.payee_account.account_number == "6222020000000001"
    payment = Payment.objects.get(case=request.case)
    assert payment.claim is None and payment.purpose == "surrender"
    assert payment.amount == Decimal("2325.00") and payment.state == "instructed"
    assert payment.reference == f"PY{number}S1" and payment.instructed_by == staff["senior"]
    assert payment.account == request.payee_account
    fin = api(staff["finance"])
    # Finance sees it on the finance workbench like a claim's payment; other finance do not.
    assert [p.reference for p in payments_by_state(staff["finance"])["instructed"]] == [
        payment.reference
    ]
    # The hand confirmation on the request is refused: the bank's answer confirms it.
    r = fin.post(f"/policy-service/{number}/payment", {"bank_ref": "B20261001"})
    assert r.status_code in (400, 409) and "finance workbench" in r.json()["detail"]
    assert api(customer1).post(f"/payments/{payment.reference}/actions/send").status_code == 403
    r = fin.post(f"/payments/{payment.reference}/actions/send", {"bank_ref": "B20261001"})
    assert r.status_code == 200 and r.json()["state"] == "sent", r.content
    # A returned transfer is failed and sent again, as for a claim.
    r = fin.post(f"/payments/{payment.reference}/actions/fail", {"reason": "户名不符"})
    assert r.status_code == 200 and r.json()["state"] == "failed"
    assert api(customer1).get(f"/policy-service/{number}").json()["status"] == "paying"
    frozen.shift(timedelta(days=1))
    r = fin.post(f"/payments/{payment.reference}/actions/retry", {"bank_ref": "B20261002"})
    assert r.status_code == 200 and r.json()["state"] == "sent"
    r = fin.post(f"/payments/{payment.reference}/actions/confirm")
    assert r.status_code == 200 and r.json()["state"] == "confirmed", r.content
    request.refresh_from_db()
    assert request.case.status == "paid"
    assert request.bank_ref == "B20261002" and request.paid_at is not None
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    # The clock stops at the confirmation, within its 10 days.
    clock.refresh_from_db()
    assert clock.state == DeadlineState.MET

    # The customer follows it: the endorsement and the payment are in their progress.
    r = api(customer1).get(f"/policy-service/{number}")
    assert r.json()["status_label"] == "Paid"
    texts = [
        e for e in request.case.events.filter(customer_visible=True).values_list("kind", flat=True)
    ]
    assert "endorsement_issued" in texts and "surrender_paid" in texts


def test_within_cooling_off_the_whole_premium_is_quoted(frozen, customer1, clerk, new_policy):
    r = api(customer1).post("/policy-service", {"policy": "PACC0009", "item": "surrender"})
    assert r.status_code == 201
    assert r.json()["quote"]["within_cooling_off"] is True
    assert r.json()["amount"] == "299.00"  # the accident product's premium


def test_a_customer_cannot_ask_on_another_s_policy_or_see_another_s_request(
    frozen, customer1, customer2, clerk, ci_policy, other_policy
):
    before = ServiceRequest.objects.count()
    r = api(customer1).post("/policy-service", {"policy": "PMED0002", "item": "surrender"})
    assert r.status_code == 404
    assert ServiceRequest.objects.count() == before
    assert api(customer1).get("/policy-service/quote", policy="PMED0002").status_code == 404
    assert api(customer1).get("/policies/PMED0002/as-of", day="2026-09-30").status_code == 404
    mine = api(customer1).post("/policy-service", {"policy": "PCI0001", "item": "surrender"})
    assert api(customer2).get(f"/policy-service/{mine.json()['number']}").status_code == 404


def test_shares_not_adding_up_to_100_are_refused_clearly(frozen, customer1, clerk, ci_policy):
    before = ServiceRequest.objects.count()
    r = api(customer1).post(
        "/policy-service",
        {
            "policy": "PCI0001",
            "item": "beneficiary",
            "details": {
                "beneficiaries": [
                    {"name": "李梅", "relation": "配偶", "share": "60"},
                    {"name": "张小明", "relation": "子女", "share": "39.99"},
                ]
            },
        },
    )
    assert r.status_code == 400
    assert "99.99" in r.json()["detail"] and "100" in r.json()["detail"]
    bad = api(customer1).post(
        "/policy-service",
        {
            "policy": "PCI0001",
            "item": "beneficiary",
            "details": {"beneficiaries": [{"name": "李梅", "share": "abc"}]},
        },
    )
    assert bad.status_code == 400
    assert ServiceRequest.objects.count() == before


def test_an_approval_cannot_go_round_the_authority_check(frozen, customer1, clerk, ci_policy):
    r = api(customer1).post("/policy-service", {"policy": "PCI0001", "item": "surrender"})
    number = r.json()["number"]
    api(clerk).post(f"/policy-service/{number}/materials", {"codes": SURRENDER_MATERIALS})
    request = ServiceRequest.objects.get(case__number=number)
    with pytest.raises(GuardFailed):
        case_transition(case=request.case, action="approve_surrender", actor=clerk, now=T0)
    r = api(clerk).post(f"/cases/{number}/transitions", {"action": "approve_surrender"})
    assert r.status_code == 400 and "authority" in r.json()["detail"]
    ci_policy.refresh_from_db()
    assert ci_policy.status == Policy.Status.ACTIVE


def test_a_declined_request_says_why_and_changes_nothing(frozen, customer1, clerk, ci_policy):
    r = api(customer1).post(
        "/policy-service",
        {"policy": "PCI0001", "item": "contact", "details": {"phone": "13900001111"}},
    )
    number = r.json()["number"]
    api(clerk).post(f"/policy-service/{number}/materials", {"codes": ["application"]})
    r = api(clerk).post(f"/policy-service/{number}/decline", {"reason": ""})
    assert r.status_code in (400, 422)
    r = api(clerk).post(
        f"/policy-service/{number}/decline", {"reason": "申请书未经投保人本人签名（保全规则第3条）"}
    )
    assert r.status_code == 200 and r.json()["status"] == "declined"
    mine = api(customer1).get(f"/policy-service/{number}").json()
    assert "签名" in mine["refusal"]
    ci_policy.refresh_from_db()
    assert ci_policy.contact_phone == "" and not ci_policy.versions.exists()


def test_contact_change_is_an_endorsement_and_needs_no_money_authority(
    frozen, customer1, clerk, ci_policy
):
    r = api(customer1).post(
        "/policy-service",
        {
            "policy": "PCI0001",
            "item": "contact",
            "effective_on": "2026-10-08",
            "details": {"phone": "139-0000-1111", "address": "上海市静安区南京西路1号"},
        },
    )
    number = r.json()["number"]
    api(clerk).post(f"/policy-service/{number}/materials", {"codes": ["application", "holder_id"]})
    r = api(clerk).post(f"/policy-service/{number}/approve")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    before = api(customer1).get("/policies/PCI0001/as-of", day="2026-10-07").json()
    after = api(customer1).get("/policies/PCI0001/as-of", day="2026-10-08").json()
    assert before["version"] == 1 and before["contact_phone"] == ""
    assert after["version"] == 2 and after["contact_phone"] == "13900001111"
    assert Decimal(after["sum_insured"]) == Decimal("500000")
    history = api(customer1).get("/policies/PCI0001/history").json()
    assert [v["endorsement"] for v in history] == ["PCI0001-001", "PCI0001-002"]
