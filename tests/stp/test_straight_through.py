"""A small medical claim is decided straight through once its invoice is read; a claim that
fails one rule waits for a person who sees which rule failed."""

from decimal import Decimal

import pytest

from claimdesk.claims.models import Claim, ClaimDecision
from claimdesk.claims.services import claim_report
from claimdesk.documents.models import Document
from claimdesk.notify.models import Notification
from claimdesk.payments.models import Payment
from claimdesk.stp import services
from claimdesk.stp.models import Outcome, StpCheck, StpLine, StpReview, StpSettings
from tests.stp.conftest import T0, invoice_lines, report_claim

pytestmark = pytest.mark.django_db


def test_a_280_outpatient_claim_is_decided_and_its_payment_instructed(policy, customer1, upload):
    claim = report_claim(customer1)
    document = upload(claim, customer1)

    document.refresh_from_db()
    assert document.ocr_fields["amount"] == "280.00"
    assert document.ocr_confidence["amount"] >= 0.9
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.case.status == "paying"
    assert claim.decision == "approve" and claim.approved_amount == Decimal("280.00")
    decision = ClaimDecision.objects.get(claim=claim)
    assert decision.automatic and decision.proposed_by.username == services.SYSTEM_USERNAME
    assert {r["code"] for r in decision.rules_passed} >= {"consistent", "ocr_confidence", "small"}
    lines = decision.calculation["lines"]
    assert lines[0]["amount"] == "280.00" and lines[0]["clause"] == "2.5"
    payment = Payment.objects.get(claim=claim)
    assert payment.amount == Decimal("280.00") and payment.state == "instructed"
    assert StpCheck.objects.get(claim=claim).outcome == Outcome.AUTOMATIC
    waived = set(claim.items.filter(waived=True).values_list("code", flat=True))
    assert waived == {"claim_form", "expense_list", "diagnosis", "id_card", "bank_card"}
    told = Notification.objects.filter(recipient=customer1, kind="claim_decided_automatically")
    assert told.exists()
    # The ledger chains the automatic decision like a person's.
    event = claim.case.events.get(kind="decision_automatic")
    assert event.actor.username == services.SYSTEM_USERNAME


def test_an_amount_that_differs_from_the_report_waits_for_a_person(policy, customer1, upload):
    claim = report_claim(customer1, amount="280")
    upload(claim, customer1, invoice_lines(amount="320.00"))

    claim = Claim.objects.get(pk=claim.pk)
    assert claim.case.status == "reported" and not claim.decision
    check = StpCheck.objects.get(claim=claim)
    assert check.outcome == Outcome.PERSON
    assert [r["code"] for r in check.failed()] == ["consistent"]
    assert "320.00" in check.failed()[0]["detail"] and "280" in check.failed()[0]["detail"]
    assert claim.case.events.filter(kind="stp_routed").count() == 1
    assert not Payment.objects.filter(claim=claim).exists()


def test_switched_off_for_the_product_the_claim_goes_to_a_person(policy, customer1, upload):
    StpLine.objects.update_or_create(
        product_code="medical-plus", loss_type="medical", defaults={"enabled": False}
    )
    claim = report_claim(customer1)
    upload(claim, customer1)
    check = StpCheck.objects.get(claim=claim)
    assert [r["code"] for r in check.failed()] == ["enabled"]


def test_above_the_small_claim_limit_goes_to_a_person(policy, customer1, upload):
    claim = report_claim(customer1, amount="3280")
    upload(claim, customer1, invoice_lines(amount="3280.00"))
    check = StpCheck.objects.get(claim=claim)
    assert [r["code"] for r in check.failed()] == ["small"]


def test_checking_again_changes_nothing(policy, customer1, upload):
    claim = report_claim(customer1)
    upload(claim, customer1)
    first = StpCheck.objects.get(claim=claim)
    again = services.stp_consider(claim_id=claim.pk, now=T0)
    assert again is None  # decided: no longer new
    assert ClaimDecision.objects.filter(claim=claim).count() == 1
    assert Payment.objects.filter(claim=claim).count() == 1
    assert StpCheck.objects.get(claim=claim).runs == first.runs


def test_every_decision_above_the_review_threshold_is_sampled_and_can_be_confirmed(
    policy, customer1, manager1, upload
):
    settings = StpSettings.current()
    settings.review_all_above = Decimal("100")
    settings.save()
    claim = report_claim(customer1)
    upload(claim, customer1)
    review = StpReview.objects.get(claim=claim)
    assert review.why == "above"
    task = claim.case.tasks.get(kind="stp_review")
    assert task.assignee == manager1
    clock = claim.case.deadlines.get(rule__code="stp_review")
    assert clock.state == "running"
    services.review_confirm(review=review, actor=manager1, now=T0)
    review.refresh_from_db()
    clock.refresh_from_db()
    assert review.status == "confirmed" and clock.state != "running"


def test_reopening_recalculates_and_proposes_the_revised_decision(
    policy, customer1, manager1, agent1, adjuster1, upload
):
    settings = StpSettings.current()
    settings.review_all_above = Decimal("100")
    settings.save()
    claim = report_claim(customer1)
    upload(claim, customer1)
    review = StpReview.objects.get(claim=claim)
    review = services.review_reopen(
        review=review, actor=manager1, now=T0, note="发票金额应为250元", corrected_amount="250"
    )
    assert review.recalculated == Decimal("250.00") and review.difference == Decimal("-30.00")
    assert review.revision.amount == Decimal("250.00") and review.revision.status == "pending"


def test_only_a_qa_reviewer_reviews(policy, customer1, agent1, upload):
    settings = StpSettings.current()
    settings.review_all_above = Decimal("100")
    settings.save()
    claim = report_claim(customer1)
    upload(claim, customer1)
    review = StpReview.objects.get(claim=claim)
    from claimdesk.cases.services import NotAllowed

    with pytest.raises(NotAllowed):
        services.review_confirm(review=review, actor=agent1, now=T0)


def test_confidence_of_each_field_comes_from_its_line(policy, customer1, upload):
    claim = report_claim(customer1)
    document = upload(claim, customer1)
    document = Document.objects.get(pk=document.pk)
    assert set(document.ocr_confidence) >= {"amount", "date", "name", "hospital"}
    assert all(0 < v <= 1 for v in document.ocr_confidence.values())


def test_the_sweep_checks_a_read_claim_whose_trigger_was_lost(
    policy, customer1, django_capture_on_commit_callbacks, invoice_font
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from claimdesk.documents.services import document_upload
    from tests.documents.conftest import encode, text_image

    claim = report_claim(customer1)
    data = encode(text_image(invoice_font, invoice_lines()), "PNG")
    file = SimpleUploadedFile("invoice.png", data, content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):  # the OCR, but no dispatch after
        document_upload(
            claim=claim, file=file, actor=customer1, now=T0, item_code="medical_invoice"
        )
    assert not StpCheck.objects.filter(claim=claim).exists()
    assert services.stp_sweep(now=T0) == 1
    assert Claim.objects.get(pk=claim.pk).case.status == "paying"
    assert services.stp_sweep(now=T0) == 0


def _sent_to_investigation(claim, customer, agent):
    """Core materials accepted and the claim sent to 调查定损 through the real services."""
    from claimdesk.cases.services import case_transition
    from claimdesk.claims.services import claim_item_set_state

    case_transition(case=claim.case, action="contact", actor=agent, now=T0)
    for item in claim.items.filter(core=True):
        claim_item_set_state(item=item, state="received", actor=customer, now=T0)
        claim_item_set_state(item=item, state="accepted", actor=agent, now=T0)
    case_transition(case=claim.case, action="send_to_investigation", actor=agent, now=T0)


def test_another_medical_claim_in_investigation_sends_it_to_a_person(
    policy, customer1, agent1, upload
):
    earlier = report_claim(customer1, amount="900")
    _sent_to_investigation(earlier, customer1, agent1)
    claim = report_claim(customer1, loss_cause="感冒门诊", description="发热门诊就诊，配药")
    upload(claim, customer1)

    check = StpCheck.objects.get(claim=claim)
    assert [r["code"] for r in check.failed()] == ["investigation"]
    assert earlier.case.number in check.failed()[0]["detail"]


def test_a_car_being_assessed_does_not_hold_up_an_outpatient_invoice(
    policy, customer1, agent1, products, upload
):
    from datetime import timedelta

    from claimdesk.policies.demo import demo_policy

    demo_policy(
        number="AUTO202600001",
        holder=customer1,
        line="auto",
        start=(T0 - timedelta(days=100)).date(),
        insured_name="张三",
        plate="沪A12345",
        products=products,
    )
    car = claim_report(
        reporter=customer1,
        report={
            "policy_no": "AUTO202600001",
            "insured_name": "张三",
            "loss_time": T0 - timedelta(days=3),
            "loss_place": "上海市延安路",
            "loss_cause": "追尾",
            "description": "等红灯时被追尾，后保险杠受损",
            "loss_type": "auto",
            "estimated_amount": "4000",
            "contact_phone": "13812345678",
            "plate": "沪A12345",
        },
        channel="portal",
        now=T0,
    ).claim
    _sent_to_investigation(car, customer1, agent1)
    claim = report_claim(customer1)
    upload(claim, customer1)

    assert StpCheck.objects.get(claim=claim).outcome == Outcome.AUTOMATIC
    assert Claim.objects.get(pk=claim.pk).case.status == "paying"
