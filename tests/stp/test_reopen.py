"""Reopening an automatic decision on review moves the money: a revised decision with the
same calculation and four eyes, then a supplementary payment or an overpayment recovery,
the limits and the reserve following; nothing paid twice."""

from decimal import Decimal

import pytest

from claimdesk.cases.services import IllegalTransition, NotAllowed
from claimdesk.claims.models import Accumulator, Claim, ClaimDecision
from claimdesk.claims.services import ItemCorrection, decision_approve, reserve_totals
from claimdesk.notify.models import Notification
from claimdesk.payments.models import Payment
from claimdesk.payments.services import payment_confirm, payment_send
from claimdesk.recoveries.models import Recovery
from claimdesk.stp import services
from claimdesk.stp.models import StpReview, StpSettings
from claimdesk.stp.selectors import figures
from tests.conftest import race
from tests.stp.conftest import T0, invoice_lines, report_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(policy, customer1, upload):
    """A ¥280 claim decided automatically and sampled for review."""
    settings = StpSettings.current()
    settings.review_all_above = Decimal("100")
    settings.save()
    claim = report_claim(customer1)
    upload(claim, customer1)
    return Claim.objects.get(pk=claim.pk)


def _reopen(claim, manager, **kw):
    review = StpReview.objects.get(claim=claim)
    return services.review_reopen(review=review, actor=manager, now=T0, note="发票金额有误", **kw)


def _approve(claim, approver):
    revision = ClaimDecision.objects.get(claim=claim, stage="revision", status="pending")
    return decision_approve(decision=revision, actor=approver, now=T0)


def _paid(claim, finance):
    payment = Payment.objects.get(claim=claim, purpose="full")
    payment_send(payment=payment, actor=finance, now=T0)
    payment_confirm(payment=payment, actor=finance, now=T0)


def _used(claim):
    return Accumulator.objects.get(policy=claim.policy, coverage="").limit_used


def test_reopening_proposes_a_revised_decision_for_another_person_to_approve(
    decided, manager1, adjuster1
):
    review = _reopen(decided, manager1, corrected_amount="250")
    assert review.recalculated == Decimal("250.00") and review.difference == Decimal("-30.00")
    revision = review.revision
    assert revision.status == "pending" and revision.approvals_required == 1
    assert revision.calculation["lines"][0]["clause"] == "2.5"  # clause-cited, as a person's
    # Nothing moves before the approval: the first payment stands as it was.
    assert Payment.objects.get(claim=decided).state == "instructed"
    with pytest.raises(NotAllowed):  # four eyes: never the reviewer who proposed it
        decision_approve(decision=revision, actor=manager1, now=T0)
    assert decided.case.tasks.filter(kind="approve_decision", status="open").exists()


def test_lower_before_the_payment_was_sent_cancels_it_and_pays_the_revised_amount(
    decided, manager1, adjuster1, customer1
):
    _reopen(decided, manager1, corrected_amount="250")
    _approve(decided, adjuster1)

    first = Payment.objects.get(claim=decided, purpose="full")
    assert first.state == "cancelled"
    supplement = Payment.objects.get(claim=decided, purpose="revision")
    assert supplement.amount == Decimal("250.00")
    assert supplement.reference == first.reference + "A1"
    claim = Claim.objects.get(pk=decided.pk)
    assert claim.approved_amount == Decimal("250.00")
    assert _used(claim) == Decimal("250.00")  # the sum insured holds the new amount
    assert reserve_totals(claim).reserve == Decimal("250.00")
    assert not Recovery.objects.filter(claim=claim).exists()
    assert claim.decisions.get(stage="final").status == "revised"
    assert Notification.objects.filter(recipient=customer1, kind="claim_decision_revised").exists()


def test_lower_after_the_payment_was_confirmed_opens_an_overpayment_recovery(
    decided, manager1, adjuster1, finance1
):
    _paid(decided, finance1)
    assert Claim.objects.get(pk=decided.pk).case.status == "closed"
    _reopen(decided, manager1, corrected_amount="250")
    _approve(decided, adjuster1)

    recovery = Recovery.objects.get(claim=decided)
    assert recovery.kind == "overpayment" and recovery.expected_amount == Decimal("30.00")
    assert not Payment.objects.filter(claim=decided, purpose="revision").exists()
    assert _used(decided) == Decimal("250.00")
    assert decided.case.events.filter(kind="recovery_opened").exists()


def test_higher_after_payment_pays_only_the_difference_on_the_closed_claim(
    decided, manager1, adjuster1, finance1
):
    _paid(decided, finance1)
    item = decided.loss_items.get()
    _reopen(decided, manager1, corrections=[ItemCorrection(item_id=item.pk, amount=Decimal("300"))])
    _approve(decided, adjuster1)

    supplement = Payment.objects.get(claim=decided, purpose="revision")
    assert supplement.amount == Decimal("20.00")  # never the first 280 again
    assert reserve_totals(decided).reserve == Decimal("20.00")
    item.refresh_from_db()
    assert item.amount == Decimal("300.00")  # the claim now rests on the corrected item
    payment_send(payment=supplement, actor=finance1, now=T0)
    payment_confirm(payment=supplement, actor=finance1, now=T0)
    assert reserve_totals(decided).reserve == Decimal("0.00")
    assert sum(p.amount for p in Payment.objects.filter(claim=decided, state="confirmed")) == (
        Decimal("300.00")
    )


def test_an_excluded_item_revises_to_nothing_and_recovers_what_was_paid(
    decided, manager1, adjuster1, finance1
):
    _paid(decided, finance1)
    item = decided.loss_items.get()
    clause = decided.policy.product.clauses.filter(kind="exclusion").first()
    correction = ItemCorrection(item_id=item.pk, exclusion=clause.article, reason="既往症")
    review = _reopen(decided, manager1, corrections=[correction])
    assert review.recalculated == Decimal("0.00")
    _approve(decided, adjuster1)
    assert Recovery.objects.get(claim=decided).expected_amount == Decimal("280.00")
    assert Claim.objects.get(pk=decided.pk).decision == "reject"


def test_reopening_twice_or_confirming_after_reopening_is_refused(decided, manager1, adjuster1):
    _reopen(decided, manager1, corrected_amount="250")
    review = StpReview.objects.get(claim=decided)
    with pytest.raises(IllegalTransition):
        services.review_reopen(review=review, actor=manager1, now=T0, note="x", corrected_amount=1)
    with pytest.raises(IllegalTransition):
        services.review_confirm(review=review, actor=manager1, now=T0)
    _approve(decided, adjuster1)
    revision = ClaimDecision.objects.get(claim=decided, stage="revision")
    with pytest.raises(IllegalTransition):  # a second approval click moves nothing
        decision_approve(decision=revision, actor=manager1, now=T0)
    assert Payment.objects.filter(claim=decided, purpose="revision").count() == 1


def test_the_same_amount_reopened_moves_nothing(decided, manager1):
    review = _reopen(decided, manager1, corrected_amount="280")
    assert review.status == "reopened" and review.revision is None
    assert not ClaimDecision.objects.filter(claim=decided, stage="revision").exists()


def test_the_overturn_rate_counts_the_reopened_review_and_the_automatic_share_stays(
    decided, manager1, adjuster1
):
    _reopen(decided, manager1, corrected_amount="250")
    _approve(decided, adjuster1)
    got = figures()
    assert got.reopened == 1 and got.reviewed == 1
    assert got.automatic == 1  # the automatic decision still counts, though revised


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_settle_the_difference_once(
    policy, customer1, manager1, adjuster1, adjuster2, upload
):
    settings = StpSettings.current()
    settings.review_all_above = Decimal("100")
    settings.save()
    claim = report_claim(customer1)
    upload(claim, customer1, invoice_lines())
    services.stp_consider(claim_id=claim.pk, now=T0)  # no commit hooks in this test's mode
    _reopen(claim, manager1, corrected_amount="250")
    revision = ClaimDecision.objects.get(claim=claim, stage="revision")
    for person in (adjuster1, adjuster2):  # both hold the approval, as after an escalation
        from claimdesk.cases.services import task_assign

        task_assign(case=claim.case, kind="approve_decision", title="x", assignee=person,
                    actor=manager1, now=T0)  # fmt: skip
    results = race(
        2, lambda i: decision_approve(decision=revision, actor=(adjuster1, adjuster2)[i], now=T0)
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert Payment.objects.filter(claim=claim, purpose="revision").count() == 1
    assert Payment.objects.filter(claim=claim, state="cancelled").count() == 1


def test_the_review_page_reopens_with_the_amount_the_invoices_support(decided, manager1, client):
    client.force_login(manager1)
    review = StpReview.objects.get(claim=decided)
    r = client.post(
        f"/stp/reviews/{review.pk}/reopen/", {"amount": "250", "note": "发票金额应为250元"}
    )
    assert r.status_code == 302
    review.refresh_from_db()
    assert review.status == "reopened" and review.revision.amount == Decimal("250.00")
    again = client.post(f"/stp/reviews/{review.pk}/confirm/", {"note": ""})
    assert again.status_code == 302
    review.refresh_from_db()
    assert review.status == "reopened"  # refused with a message, nothing changed


def test_higher_before_the_payment_was_sent_keeps_it_and_adds_the_difference(
    decided, manager1, adjuster1
):
    _reopen(decided, manager1, corrected_amount="300")
    _approve(decided, adjuster1)
    first = Payment.objects.get(claim=decided, purpose="full")
    assert first.state == "instructed" and first.amount == Decimal("280.00")
    supplement = Payment.objects.get(claim=decided, purpose="revision")
    assert supplement.amount == Decimal("20.00")
    assert _used(decided) == Decimal("300.00")


def test_the_claim_page_shows_the_revision_to_staff_and_the_customer(
    decided, manager1, adjuster1, customer1, finance1, client
):
    _paid(decided, finance1)
    _reopen(decided, manager1, corrected_amount="250")
    _approve(decided, adjuster1)
    for who in (manager1, customer1):
        client.force_login(who)
        r = client.get(f"/claims/{decided.number}/", HTTP_ACCEPT_LANGUAGE="en")
        assert r.status_code == 200
        assert "250.00" in r.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reopens_at_once_propose_one_revision(policy, customer1, manager1, upload):
    settings = StpSettings.current()
    settings.review_all_above = Decimal("100")
    settings.save()
    claim = report_claim(customer1)
    upload(claim, customer1, invoice_lines())
    services.stp_consider(claim_id=claim.pk, now=T0)  # no commit hooks in this test's mode
    review = StpReview.objects.get(claim=claim)
    results = race(
        2,
        lambda i: services.review_reopen(
            review=review, actor=manager1, now=T0, note="重复提交", corrected_amount="250"
        ),
    )
    assert sum(isinstance(r, StpReview) for r in results) == 1
    assert sum(isinstance(r, IllegalTransition) for r in results) == 1
    assert ClaimDecision.objects.filter(claim=claim, stage="revision").count() == 1
