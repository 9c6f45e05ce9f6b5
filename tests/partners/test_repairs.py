"""A repair shop's repair of a reported claim: its bill joins the claim the customer
reported (no second claim; the shop is paid once it is decided); its dispute of the
assessment goes to the investigation's repair objection on the 24-hour re-check clock; a
repair past the date agreed with the customer becomes the owner's task to offer a courtesy
car."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from claimdesk.cases.models import CaseEvent, Task
from claimdesk.cases.services import case_transition
from claimdesk.claims.models import Claim
from claimdesk.claims.services import claim_report
from claimdesk.documents.services import document_confirm, document_upload
from claimdesk.investigation.models import RepairObjection
from claimdesk.investigation.services import survey_report_submit
from claimdesk.partners.demo import bill_scan
from claimdesk.partners.models import DirectBill
from claimdesk.partners.tasks import partners_sweep
from claimdesk.payments.models import Payment
from claimdesk.policies.demo import demo_bank_account, demo_policy
from tests.conftest import worker_ran
from tests.e2e.field_data import claim_under_survey
from tests.partners.conftest import ADMITTED, T0, as_user, scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def surveyed(customer1, agent1, surveyor1, products):
    """customer1's auto claim with surveyor1 on site (assessment not reported yet)."""
    return claim_under_survey(customer=customer1, agent=agent1, surveyor=surveyor1)


def repair(api, claim_no: str, agreed: str):
    body = {
        "policy_no": "AUT202600001",
        "name": "张伟",
        "service": "vehicle-damage",
        "amount": "3200",
        "claim_no": claim_no,
        "agreed_repair_date": agreed,
    }
    return api.post("/preauthorisations", body)


def dispute(api, claim_no: str):
    body = {
        "claim_no": claim_no,
        "text": "工时费偏低，配件价格未按原厂件计",
        "amount_claimed": "3800",
    }
    return api.post("/partner/disputes", body)


def test_a_repair_shops_dispute_is_rechecked_within_24_hours(partners, surveyed, surveyor1):
    garage = as_user(partners["garage1"].user)
    number = surveyed.claim.number
    assert dispute(garage, number).status_code == 404  # not a claim the shop repairs
    r = repair(garage, number, "2026-10-03")
    assert r.status_code == 201, r.content
    assert dispute(garage, number).status_code == 409  # nothing assessed to dispute yet
    survey_report_submit(
        survey=surveyed,
        actor=surveyor1,
        now=T0,
        findings="后保险杠破损，左尾灯碎裂",
        assessed_loss=Decimal("3200"),
        method="配件 2400 元，工时 800 元",
    )
    r = dispute(garage, number)
    assert r.status_code == 201, r.content
    assert r.json()["recheck_due_at"].startswith("2026-10-01T10:00")  # 24 hours on
    objection = RepairObjection.objects.get()
    assert objection.shop == partners["garage1"].organisation.name
    assert objection.deadline.rule.code == "repair_recheck"
    # A hospital disputes no assessment.
    assert dispute(as_user(partners["hospital1"].user), number).status_code == 403


def test_a_repair_past_its_agreed_date_asks_the_owner_to_offer_a_courtesy_car(
    partners, surveyed, frozen, agent1
):
    garage = as_user(partners["garage1"].user)
    claim = surveyed.claim
    assert repair(garage, claim.number, "2026-10-03").status_code == 201
    frozen.move_to(T0 + timedelta(days=3))  # 3 October: the agreed day itself
    assert partners_sweep() == 0
    frozen.move_to(T0 + timedelta(days=4))
    assert partners_sweep() == 1
    task = Task.objects.get(case=claim.case, kind="courtesy_car")
    assert task.assignee == claim.case.owner == agent1
    assert "2026-10-03" in task.title
    assert CaseEvent.objects.filter(case=claim.case, kind="repair_overdue").count() == 1
    assert partners_sweep() == 0  # offered once
    assert Task.objects.filter(kind="courtesy_car").count() == 1


def test_only_a_repair_shop_agrees_a_repair_date(partners, surveyed):
    hospital = as_user(partners["hospital1"].user)
    body = {
        "policy_no": "AUT202600001",
        "name": "张伟",
        "service": "vehicle-damage",
        "amount": "3200",
        "claim_no": surveyed.claim.number,
        "agreed_repair_date": "2026-10-03",
    }
    assert hospital.post("/preauthorisations", body).status_code == 400


# --- a repair shop's bill joins the claim the customer reported ---------------------------------


@pytest.fixture
def reported(customer1, products, agent1, finance1):
    """customer1 reported a rear-end collision of their car on the portal (报案)."""
    policy = demo_policy(
        number="AUT202600001",
        holder=customer1,
        line="auto",
        start=(T0 - timedelta(days=120)).date(),
        insured_name="张伟",
        plate="沪A52000",
        products=products,
    )
    return report(customer1, policy.number, loss_type="auto")


def report(customer, policy_no: str, *, loss_type: str, days_before: int = 1) -> Claim:
    body = {
        "policy_no": policy_no,
        "insured_name": "张伟",
        "loss_time": ADMITTED - timedelta(days=days_before),
        "loss_place": "上海市浦东新区世纪大道与张杨路交叉口",
        "loss_cause": "追尾",
        "description": "等红灯时被后车追尾，后保险杠和左尾灯受损",
        "loss_type": loss_type,
        "estimated_amount": "3200.00",
        "contact_phone": "13812345678",
    }
    return claim_report(reporter=customer, report=body, channel="portal", now=ADMITTED).claim


def repair_bill(bill_no: str = "WX20260930001", **extra) -> dict:
    return {
        "policy_no": "AUT202600001",
        "name": "张伟",
        "bill_no": bill_no,
        "service": "vehicle-damage",
        "items": [
            {"label": "后保险杠（原厂件）", "amount": "2400.00"},
            {"label": "工时费", "amount": "800.00"},
        ],
        "diagnosis": "后保险杠破损，左尾灯碎裂",
        "admitted_at": ADMITTED.isoformat(),
        "bill_date": "2026-09-29",
        "documents": [{"name": "bill.png", "content_base64": scan()}],
        **extra,
    }


def hand_over(api, body, callbacks):
    """Post the bill; what follows the commit (OCR, the straight-through check) runs."""
    with callbacks(execute=True):
        r = api.post("/partner/claims", body)
    with callbacks(execute=True):
        worker_ran()
    return r


def test_the_shops_bill_joins_the_reported_claim_and_the_shop_is_paid_once_decided(
    partners, reported, django_capture_on_commit_callbacks
):
    garage = partners["garage1"]
    api = as_user(garage.user)
    r = hand_over(api, repair_bill(claim_no=reported.number), django_capture_on_commit_callbacks)
    assert r.status_code == 201, r.content
    assert r.json()["claim_no"] == reported.number
    assert Claim.objects.count() == 1  # no second claim
    bill = DirectBill.objects.get()
    assert bill.claim_id == reported.pk and bill.total == Decimal("3200.00")
    reported.refresh_from_db()
    assert reported.channel == "portal"
    invoice = reported.items.get(code="repair_invoice")
    assert invoice.documents.get().confirmed_fields["amount"] == "3200.00"
    assert reported.case.owner.username == "agent1"  # it stays with its owner
    assert reported.decision == "approve", reported.stp_check.results
    payment = Payment.objects.get(claim=reported)
    assert payment.account == garage.organisation.settlement_account


def paid_to_the_customer(claim: Claim, customer, agent, callbacks) -> None:
    """The customer's own repair invoice, confirmed by the agent: decided straight through
    and paid to the customer's account."""
    demo_bank_account(customer, "张伟", "6222020000001111222")
    with callbacks(execute=True):
        document = document_upload(
            claim=claim,
            file=ContentFile(bill_scan(), name="invoice.png"),
            actor=customer,
            now=T0,
            item_code="repair_invoice",
        ).document
        day = (claim.loss_time + timedelta(days=1)).date().isoformat()
        fields = {"amount": "3200.00", "date": day, "name": "张伟"}
        document_confirm(document=document, fields=fields, actor=agent, now=T0)
    with callbacks(execute=True):
        worker_ran()
    claim.refresh_from_db()
    assert claim.decision == "approve", [r for r in claim.stp_check.results if not r["passed"]]
    assert Payment.objects.filter(claim=claim).exists()


def test_a_bill_joins_no_claim_that_is_closed_anothers_not_motor_or_paid_to_the_customer(
    partners, reported, customer1, agent1, products, django_capture_on_commit_callbacks
):
    api = as_user(partners["garage1"].user)
    callbacks = django_capture_on_commit_callbacks

    def refused(claim: Claim, bill_no: str, policy_no: str = "AUT202600001") -> tuple[int, str]:
        body = repair_bill(bill_no, claim_no=claim.number, policy_no=policy_no)
        r = hand_over(api, body, callbacks)
        return r.status_code, r.json()["detail"]

    # customer1's other car: an earlier accident, decided and paid to customer1.
    demo_policy(
        number="AUT202600002",
        holder=customer1,
        line="auto",
        start=(T0 - timedelta(days=120)).date(),
        insured_name="张伟",
        plate="沪A52001",
        products=products,
    )
    paid = report(customer1, "AUT202600002", loss_type="auto", days_before=60)
    paid_to_the_customer(paid, customer1, agent1, callbacks)
    assert refused(paid, "B1", policy_no="AUT202600002")[0] == 409
    assert refused(paid, "B2")[0] == 404  # not a claim of the car's policy the bill names
    assert refused(report(customer1, "AUT202600001", loss_type="medical"), "B3")[0] == 400
    hospital = as_user(partners["hospital1"].user)
    r = hand_over(hospital, repair_bill("B4", claim_no=reported.number), callbacks)
    assert r.status_code == 400  # a hospital bills no repair
    case_transition(
        case=reported.case, action="withdraw", actor=agent1, now=T0, data={"reason": "私了"}
    )
    status, detail = refused(reported, "B5")
    assert status == 409 and reported.number in detail
    assert not DirectBill.objects.exists()
    assert Claim.objects.count() == 3  # nothing opened by a refused bill


def test_the_same_bill_twice_joins_once_and_a_pre_authorisation_names_the_claim(
    partners, reported, django_capture_on_commit_callbacks
):
    garage = partners["garage1"]
    api = as_user(garage.user)
    hold = repair(api, reported.number, "2026-10-03")
    assert hold.status_code == 201, hold.content
    body = repair_bill(preauthorisation=hold.json()["reference"])  # names no claim itself
    first = hand_over(api, body, django_capture_on_commit_callbacks)
    second = hand_over(api, body, django_capture_on_commit_callbacks)
    assert (first.status_code, second.status_code) == (201, 200), first.content
    assert first.json()["claim_no"] == second.json()["claim_no"] == reported.number
    assert Claim.objects.count() == 1 and DirectBill.objects.count() == 1
    payment = Payment.objects.get()
    assert payment.account == garage.organisation.settlement_account
    # Another bill of the shop for the same claim is refused: the claim has its bill.
    third = hand_over(
        api,
        repair_bill("WX20260930002", claim_no=reported.number),
        django_capture_on_commit_callbacks,
    )
    assert third.status_code == 409
