"""Case reserve endpoints: a claim's reserve with its history (who, why, within whose
authority), its adequacy flags and the change waiting for a higher signature; a manual
change (within the caller's reserve authority, else a request for approval, as on the
claim page); signing or refusing that request. Staff who see the claim only; customers get
the 404 of a claim that isn't. Writes go through ``claims.services.reserves``; the reports
(open reserves by line and age, movements per month) are the analytics metrics
``open_reserves`` and ``reserve_movements`` (``/analytics/metrics/{code}``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from claimdesk.cases.api import CaseProblem, NotFound
from claimdesk.claims import selectors, services
from claimdesk.claims.models import Claim, RequestStatus, ReserveMovement, ReserveRequest
from claimdesk.staff.services import is_staff_member
from claimdesk.types import AuthedRequest

router = Router(tags=["reserves"])

PROBLEMS = {400: CaseProblem, 403: CaseProblem, 404: CaseProblem, 409: CaseProblem}


class ReserveMovementOut(Schema):
    id: int
    step: str
    step_label: str
    reserve: Decimal
    change: Decimal
    paid: Decimal
    recovered: Decimal
    reason: str
    by: str | None = Field(description="who made the change (empty: the system)")
    signed_by: str | None = Field(description="within whose reserve authority")
    authority_limit: Decimal | None
    at: datetime


class ReserveFlagOut(Schema):
    code: str
    label: str


class ReserveRequestOut(Schema):
    id: int
    amount: Decimal
    reason: str
    requested_by: str
    requested_at: datetime
    waiting_for: str | None
    status: str


class ReserveOut(Schema):
    claim_no: str
    reserve: Decimal | None = Field(description="empty: the claim has no reserve yet")
    paid: Decimal
    recovered: Decimal
    net_cost: Decimal
    flags: list[ReserveFlagOut]
    pending: ReserveRequestOut | None
    movements: list[ReserveMovementOut]


class ReserveChangeIn(Schema):
    amount: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    reason: str = Field(..., min_length=1, max_length=300)


class RefuseIn(Schema):
    note: str = Field(..., min_length=1, max_length=300)


def _staff_claim(request: AuthedRequest, claim_no: str) -> Claim:
    """A claim for its handlers: customers get the same 404 as for a claim that isn't."""
    claim = selectors.claim_find(request.user, claim_no)
    if claim is None or not is_staff_member(request.user):
        raise NotFound(_("No claim %(number)s.") % {"number": claim_no})
    return claim


def _movement_out(m: ReserveMovement) -> dict:
    return {
        "id": m.pk,
        "step": m.step,
        "step_label": m.get_step_display(),
        "reserve": m.amount,
        "change": m.change,
        "paid": m.paid,
        "recovered": m.recovered,
        "reason": m.reason,
        "by": m.actor.username if m.actor else None,
        "signed_by": m.signed_by.username if m.signed_by else None,
        "authority_limit": m.authority_limit,
        "at": m.at,
    }


def _request_out(r: ReserveRequest) -> dict:
    return {
        "id": r.pk,
        "amount": r.amount,
        "reason": r.reason,
        "requested_by": r.requested_by.username,
        "requested_at": r.requested_at,
        "waiting_for": r.escalated_to.username if r.escalated_to else None,
        "status": r.status,
    }


def reserve_out(claim: Claim) -> dict:
    totals = services.reserve_totals(claim)
    pending = services.reserve_pending(claim)
    return {
        "claim_no": claim.number,
        "reserve": totals.reserve,
        "paid": totals.paid,
        "recovered": totals.recovered,
        "net_cost": totals.net_cost,
        "flags": [
            {"code": f.code, "label": str(f.label)}
            for f in services.claim_reserve_flags(claim, now=timezone.now())
        ],
        "pending": _request_out(pending) if pending is not None else None,
        "movements": [_movement_out(m) for m in services.reserve_history(claim)],
    }


def _pending(claim: Claim, request_id: int) -> ReserveRequest:
    found = ReserveRequest.objects.filter(
        pk=request_id, claim=claim, status=RequestStatus.PENDING
    ).first()
    if found is None:
        raise NotFound(_("No reserve change %(id)s waiting on this claim.") % {"id": request_id})
    return found


@router.get("/claims/{claim_no}/reserve", response={200: ReserveOut, 404: CaseProblem})
def reserve_get(request: AuthedRequest, claim_no: str):
    """The reserve as it stands, every change in order (step, reason, who, whose
    authority), the adequacy flags and the change waiting for a signature."""
    return reserve_out(_staff_claim(request, claim_no))


@router.post("/claims/{claim_no}/reserve", response={200: ReserveOut, **PROBLEMS})
def reserve_change(request: AuthedRequest, claim_no: str, payload: ReserveChangeIn):
    """Set the reserve by hand, saying why. Within your reserve authority it applies at
    once; above it, it waits for your manager's signature and this answers 403 naming them
    (``escalated_to``)."""
    claim = _staff_claim(request, claim_no)
    services.reserve_adjust(
        claim=claim,
        amount=payload.amount,
        reason=payload.reason,
        actor=request.user,
        now=timezone.now(),
    )
    return reserve_out(claim)


@router.post(
    "/claims/{claim_no}/reserve/requests/{request_id}/sign",
    response={200: ReserveOut, **PROBLEMS},
)
def reserve_request_sign(request: AuthedRequest, claim_no: str, request_id: int):
    """A higher signature on the waiting change (never its maker's): within the signer's
    authority it applies; above it, it goes one level up (403 naming to whom)."""
    claim = _staff_claim(request, claim_no)
    services.reserve_request_sign(
        request=_pending(claim, request_id), actor=request.user, now=timezone.now()
    )
    return reserve_out(claim)


@router.post(
    "/claims/{claim_no}/reserve/requests/{request_id}/refuse",
    response={200: ReserveOut, **PROBLEMS},
)
def reserve_request_refuse(
    request: AuthedRequest, claim_no: str, request_id: int, payload: RefuseIn
):
    """The signer refuses the waiting change, saying why; the reserve stays."""
    claim = _staff_claim(request, claim_no)
    services.reserve_request_refuse(
        request=_pending(claim, request_id),
        actor=request.user,
        now=timezone.now(),
        note=payload.note,
    )
    return reserve_out(claim)
