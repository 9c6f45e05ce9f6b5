"""QA review of automatic decisions (事后质检) over the API: the sampled decisions, confirming
one, reopening one. The same services and the same people as the page ``/stp/reviews/``:
QA reviewers only (``selectors.may_review``), everyone else 403 before any review is looked
up; a review is confirmed or reopened once (409 after)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from claimdesk.bounds import PageNumber
from claimdesk.cases.api import CaseProblem, NotFound
from claimdesk.cases.services import GuardFailed, NotAllowed
from claimdesk.stp import selectors, services
from claimdesk.stp.models import ReviewStatus, StpReview
from claimdesk.types import AuthedRequest

router = Router(tags=["stp"])

PROBLEMS = {400: CaseProblem, 403: CaseProblem, 404: CaseProblem, 409: CaseProblem}


class ReviewOut(Schema):
    id: int
    claim_no: str
    why: str = Field(description="why it was sampled: share or amount")
    why_label: str
    status: str = Field(description="queued, confirmed or reopened")
    status_label: str
    decided: Decimal = Field(description="the automatic decision's amount")
    queued_at: datetime
    reviewer: str | None
    reviewed_at: datetime | None
    note: str = Field(description="the reviewer's finding")
    corrected_amount: Decimal | None = Field(description="what the invoices support, as given")
    recalculated: Decimal | None
    difference: Decimal | None = Field(
        description="to pay (positive) or recover (negative) once the revision is approved"
    )
    revision_id: int | None = Field(
        description="the revised decision awaiting another person's approval (none: the "
        "amount does not change)"
    )

    @staticmethod
    def resolve_claim_no(obj: StpReview) -> str:
        return obj.claim.case.number

    @staticmethod
    def resolve_why_label(obj: StpReview) -> str:
        return obj.get_why_display()

    @staticmethod
    def resolve_status_label(obj: StpReview) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_decided(obj: StpReview) -> Decimal:
        return obj.decision.amount

    @staticmethod
    def resolve_reviewer(obj: StpReview) -> str | None:
        return obj.reviewer.username if obj.reviewer else None


class ReviewConfirmIn(Schema):
    note: str = Field("", max_length=4000)


class ReviewReopenIn(Schema):
    note: str = Field(
        ..., min_length=1, max_length=4000, description="what the automatic decision got wrong"
    )
    amount: Decimal = Field(
        ...,
        ge=0,
        le=Decimal("999999999"),
        decimal_places=2,
        description="what the invoices support in all (spread over the loss items)",
    )


def _reviewer_only(request: AuthedRequest) -> None:
    if not selectors.may_review(request.user):
        raise NotAllowed(_("Only a QA reviewer may review automatic decisions."))


def _review(request: AuthedRequest, review_id: int) -> StpReview:
    _reviewer_only(request)
    review = selectors.reviews().filter(pk=review_id).first()
    if review is None:
        raise NotFound(_("No review %(id)s.") % {"id": review_id})
    return review


@router.get("/stp/reviews", response={200: list[ReviewOut], 403: CaseProblem})
@paginate(PageNumber)
def review_list(request: AuthedRequest, status: str = Query("queued", max_length=10)):
    """The sampled automatic decisions (``status``: queued, confirmed, reopened or all),
    oldest first within a status, as on the reviewers' page."""
    _reviewer_only(request)
    if status not in {*ReviewStatus.values, "all"}:
        raise GuardFailed(_("Give the status as queued, confirmed, reopened or all."))
    return selectors.reviews(status=None if status == "all" else status).order_by("queued_at", "id")


@router.post("/stp/reviews/{review_id}/confirm", response={200: ReviewOut, **PROBLEMS})
def review_confirm(request: AuthedRequest, review_id: int, payload: ReviewConfirmIn):
    """Agree with the automatic decision; its review clock stops."""
    review = services.review_confirm(
        review=_review(request, review_id),
        actor=request.user,
        now=timezone.now(),
        note=payload.note,
    )
    return selectors.reviews().get(pk=review.pk)


@router.post("/stp/reviews/{review_id}/reopen", response={200: ReviewOut, **PROBLEMS})
def review_reopen(request: AuthedRequest, review_id: int, payload: ReviewReopenIn):
    """Overturn the automatic decision: recalculated from the amount the invoices support,
    a revised decision for another person to approve; once approved the difference is paid
    or recovered. An unchanged amount reopens without a revision."""
    review = services.review_reopen(
        review=_review(request, review_id),
        actor=request.user,
        now=timezone.now(),
        note=payload.note,
        corrected_amount=payload.amount,
    )
    return selectors.reviews().get(pk=review.pk)
