"""The QA reviewers' API: an automatic decision confirmed or reopened through the same
services as the page ``/stp/reviews/``, once; nobody but a QA reviewer reviews."""

from decimal import Decimal

import pytest

from claimdesk.claims.models import ClaimDecision
from claimdesk.payments.models import Payment
from claimdesk.stp.models import StpReview
from tests.claims import conftest as claims_conftest
from tests.stp.conftest import sampled_review

pytestmark = pytest.mark.django_db
claims_api = claims_conftest.claims_api


@pytest.fixture
def review(policy, customer1, manager1, upload):
    return sampled_review(customer1, upload)


def test_a_reviewer_reopens_through_the_api_and_cannot_review_it_again(
    review, claims_api, manager1
):
    api = claims_api(manager1)
    listed = api.get("/stp/reviews").json()["items"]
    assert [(r["id"], r["status"], Decimal(r["decided"])) for r in listed] == [
        (review.pk, "queued", Decimal("280.00"))
    ]

    r = api.post(f"/stp/reviews/{review.pk}/reopen", {"note": "发票金额有误", "amount": "250"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "reopened" and body["reviewer"] == "manager1"
    assert Decimal(body["recalculated"]) == Decimal("250.00")
    assert Decimal(body["difference"]) == Decimal("-30.00")
    revision = ClaimDecision.objects.get(pk=body["revision_id"])
    assert revision.status == "pending" and revision.amount == Decimal("250.00")
    # Nothing moves before another person approves the revision.
    assert Payment.objects.get(claim_id=review.claim_id).state == "instructed"

    for action, payload in (("reopen", {"note": "再次复核", "amount": "200"}), ("confirm", {})):
        again = api.post(f"/stp/reviews/{review.pk}/{action}", payload)
        assert again.status_code == 409, again.content
        assert "already" in again.json()["detail"]
    assert ClaimDecision.objects.filter(claim_id=review.claim_id, stage="revision").count() == 1
    assert api.get("/stp/reviews", status="reopened").json()["count"] == 1


def test_confirming_stops_the_review_and_keeps_the_decision(review, claims_api, manager1):
    api = claims_api(manager1)
    r = api.post(f"/stp/reviews/{review.pk}/confirm", {"note": "抽检无误"})
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["revision_id"]) == ("confirmed", None)
    assert not review.claim.case.tasks.filter(kind="stp_review", status="open").exists()
    assert api.post(f"/stp/reviews/{review.pk}/confirm", {}).status_code == 409
    assert (
        api.post(f"/stp/reviews/{review.pk}/reopen", {"note": "x", "amount": "1"}).status_code
        == 409
    )


def test_only_a_qa_reviewer_reviews_and_bad_input_is_a_clear_refusal(
    review, claims_api, manager1, adjuster1, customer1
):
    for user in (adjuster1, customer1):
        api = claims_api(user)
        assert api.get("/stp/reviews").status_code == 403
        r = api.post(f"/stp/reviews/{review.pk}/reopen", {"note": "x", "amount": "1"})
        assert r.status_code == 403, r.content
    assert StpReview.objects.get(pk=review.pk).status == "queued"

    api = claims_api(manager1)
    assert api.post("/stp/reviews/999999/confirm", {}).status_code == 404
    assert (
        api.post(f"/stp/reviews/{review.pk}/reopen", {"note": " ", "amount": "250"}).status_code
        == 400
    )
    r = api.post(f"/stp/reviews/{review.pk}/reopen", {"note": "x", "amount": "-1"})
    assert r.status_code == 422
    assert api.get("/stp/reviews", status="later").status_code == 400
    assert StpReview.objects.get(pk=review.pk).status == "queued"
