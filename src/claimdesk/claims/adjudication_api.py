"""Adjudication endpoints: loss items, the calculation preview, decisions with authority,
and ``actions/{action}`` for every step of the claim's transition table.

Approve and reject are never plain transitions: they apply a proposed decision that others
approved within their limits (``claims.services``), so the API cannot skip the four eyes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from claimdesk.cases.api import CaseProblem, NotFound
from claimdesk.cases.services import IllegalTransition, case_transition
from claimdesk.claims import selectors, services
from claimdesk.claims.models import Claim, ClaimDecision, Decision, DecisionStatus, LossItem
from claimdesk.claims.rules import approvals_required
from claimdesk.claims.workflow import DECISION_ACTIONS
from claimdesk.policies.models import Clause
from claimdesk.staff.services import is_staff_member
from claimdesk.types import AuthedRequest

router = Router(tags=["adjudication"])
PROBLEMS = {400: CaseProblem, 403: CaseProblem, 404: CaseProblem, 409: CaseProblem}


class CalcLineOut(Schema):
    label: str
    amount: Decimal
    kind: str
    coverage: str
    clause: str
    clause_title: str
    clause_text: str


class ReviewFlagOut(Schema):
    code: str
    reason: str


class ExclusionOut(Schema):
    code: str
    reason: str
    clause: str
    clause_title: str
    clause_text: str


class AccumulatorOut(Schema):
    coverage: str = Field(description="coverage code; empty: the policy's sum insured")
    insured_name: str
    period_start: date
    period_end: date
    deductible_used: Decimal = Field(description="deductible borne in the period, all claims")
    limit_used: Decimal = Field(description="limit reserved or paid in the period, all claims")


class CalculationOut(Schema):
    claim_no: str
    decision: str
    claimed: Decimal
    total: Decimal
    currency: str
    rounding: str
    lines: list[CalcLineOut]
    exclusions: list[ExclusionOut]
    flags: list[ReviewFlagOut]
    approvals_required: int
    accumulators: list[AccumulatorOut] = Field(
        description="what the insured's policy year has used of each coverage (approved "
        "decisions reserve, failed payments give back) and the sum insured's use"
    )


class LossItemIn(Schema):
    coverage: str = Field(..., min_length=1, max_length=40)
    label: str = Field(..., min_length=1, max_length=120)
    amount: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    liability: Decimal = Field(Decimal(1), ge=0, le=1, max_digits=4, decimal_places=3)
    illness: bool = False
    days: int | None = Field(
        None, ge=1, le=3660, description="days the item covers, for a coverage's limit per day"
    )


class LossItemOut(Schema):
    id: int
    coverage: str
    label: str
    amount: Decimal
    liability: Decimal
    illness: bool
    days: int | None
    exclusion: str | None
    exclusion_reason: str

    @staticmethod
    def resolve_exclusion(obj: LossItem) -> str | None:
        return obj.exclusion.article if obj.exclusion is not None else None


class ExclusionIn(Schema):
    clause: str | None = Field(None, max_length=20, description="article; null lifts it")
    reason: str = Field("", max_length=300)


class DecisionOut(Schema):
    id: int
    stage: str = Field(
        description="final, or interim: the part fixed first and paid first (先予支付, §25)"
    )
    decision: str
    amount: Decimal
    reason: str
    status: str
    approvals_required: int
    approvals: list[str]
    proposed_by: str
    proposed_at: datetime
    escalated_to: str | None

    @staticmethod
    def resolve_approvals(obj: ClaimDecision) -> list[str]:
        return [a.approver.username for a in obj.approvals.all()]

    @staticmethod
    def resolve_proposed_by(obj: ClaimDecision) -> str:
        return obj.proposed_by.username

    @staticmethod
    def resolve_escalated_to(obj: ClaimDecision) -> str | None:
        return obj.escalated_to.username if obj.escalated_to is not None else None


class ProposeIn(Schema):
    note: str = Field("", max_length=2000)


class ReturnIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


class ActionIn(Schema):
    data: dict[str, Any] = Field(default_factory=dict)


class ActionOut(Schema):
    claim_no: str
    status: str
    status_label: str
    allowed_actions: list[str]


def _staff_claim(request: AuthedRequest, claim_no: str) -> Claim:
    """A claim for its handlers: customers get the same 404 as for a claim that isn't."""
    claim = selectors.claim_find(request.user, claim_no)
    if claim is None or not is_staff_member(request.user):
        raise NotFound(_("No claim %(number)s.") % {"number": claim_no})
    return claim


def _decision(claim: Claim, decision_id: int) -> ClaimDecision:
    decision = claim.decisions.filter(pk=decision_id).first()
    if decision is None:
        raise NotFound(_("No such decision on claim %(number)s.") % {"number": claim.number})
    return decision


@router.get("/claims/{claim_no}/calculation", response={200: CalculationOut, 404: CaseProblem})
def calculation(request: AuthedRequest, claim_no: str):
    """The calculator's preview for the accepted loss items: the decision it leads to,
    each line with its clause, the exclusions, and every flag with its reason."""
    claim = _staff_claim(request, claim_no)
    calc = services.claim_calculation(claim).as_dict()
    return Status(
        200,
        {
            **calc,
            "claim_no": claim.number,
            "flags": selectors.claim_review_flags(claim),
            "approvals_required": approvals_required(
                Decimal(calc["total"]), services.approval_steps()
            ),
            "accumulators": services.accumulators_of(claim),
        },
    )


@router.get("/claims/{claim_no}/loss-items", response={200: list[LossItemOut], 404: CaseProblem})
def loss_items(request: AuthedRequest, claim_no: str):
    claim = _staff_claim(request, claim_no)
    return Status(200, list(claim.loss_items.select_related("exclusion")))


@router.post("/claims/{claim_no}/loss-items", response={201: LossItemOut, **PROBLEMS})
def loss_item_add(request: AuthedRequest, claim_no: str, payload: LossItemIn):
    """Record an accepted loss item (adjuster or surveyor on the case)."""
    claim = _staff_claim(request, claim_no)
    item = services.loss_item_add(
        claim=claim, actor=request.user, now=timezone.now(), **payload.model_dump()
    )
    return Status(201, item)


@router.post(
    "/claims/{claim_no}/loss-items/{item_id}/exclusion", response={200: LossItemOut, **PROBLEMS}
)
def loss_item_exclude(request: AuthedRequest, claim_no: str, item_id: int, payload: ExclusionIn):
    """Apply one of the product's clauses as an exclusion to an item, with the reason."""
    claim = _staff_claim(request, claim_no)
    item = claim.loss_items.filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such loss item."))
    clause = None
    if payload.clause:
        clause = Clause.objects.filter(
            product_id=claim.policy.product_id, article=payload.clause
        ).first()
        if clause is None:
            raise NotFound(
                _("The product has no clause %(article)s.") % {"article": payload.clause}
            )
    item = services.loss_item_exclude(
        item=item, clause=clause, reason=payload.reason, actor=request.user, now=timezone.now()
    )
    return Status(200, item)


@router.delete("/claims/{claim_no}/loss-items/{item_id}", response={204: None, **PROBLEMS})
def loss_item_remove(request: AuthedRequest, claim_no: str, item_id: int):
    claim = _staff_claim(request, claim_no)
    item = claim.loss_items.filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such loss item."))
    services.loss_item_remove(item=item, actor=request.user, now=timezone.now())
    return Status(204, None)


@router.get("/claims/{claim_no}/decisions", response={200: list[DecisionOut], 404: CaseProblem})
def decisions(request: AuthedRequest, claim_no: str):
    claim = _staff_claim(request, claim_no)
    return Status(
        200,
        list(
            claim.decisions.select_related("proposed_by", "escalated_to").prefetch_related(
                "approvals__approver"
            )
        ),
    )


@router.post("/claims/{claim_no}/decisions", response={201: DecisionOut, **PROBLEMS})
def decision_propose(request: AuthedRequest, claim_no: str, payload: ProposeIn | None = None):
    """Propose the calculator's decision; it goes to an approver with a sufficient limit."""
    claim = _staff_claim(request, claim_no)
    decision = services.decision_propose(
        claim=claim, actor=request.user, now=timezone.now(), note=payload.note if payload else ""
    )
    return Status(201, decision)


@router.post("/claims/{claim_no}/interim-decisions", response={201: DecisionOut, **PROBLEMS})
def interim_propose(request: AuthedRequest, claim_no: str, payload: ProposeIn | None = None):
    """Propose the part of the amount the accepted loss items already fix as an interim
    payment (先予支付, Insurance Law §25) while the claim is still being decided. It is
    approved like a final decision (``/decisions/{id}/approve``: four eyes, authority);
    the final decision later pays the balance."""
    claim = _staff_claim(request, claim_no)
    decision = services.interim_propose(
        claim=claim, actor=request.user, now=timezone.now(), note=payload.note if payload else ""
    )
    return Status(201, decision)


@router.post(
    "/claims/{claim_no}/decisions/{decision_id}/approve", response={200: DecisionOut, **PROBLEMS}
)
def decision_approve(request: AuthedRequest, claim_no: str, decision_id: int):
    """Approve within your limit; above it the decision is escalated and this answers 403."""
    claim = _staff_claim(request, claim_no)
    decision = services.decision_approve(
        decision=_decision(claim, decision_id), actor=request.user, now=timezone.now()
    )
    return Status(200, decision)


@router.post(
    "/claims/{claim_no}/decisions/{decision_id}/return", response={200: DecisionOut, **PROBLEMS}
)
def decision_return(request: AuthedRequest, claim_no: str, decision_id: int, payload: ReturnIn):
    claim = _staff_claim(request, claim_no)
    decision = services.decision_return(
        decision=_decision(claim, decision_id),
        actor=request.user,
        now=timezone.now(),
        reason=payload.reason,
    )
    return Status(200, decision)


@router.post("/claims/{claim_no}/actions/{action}", response={200: ActionOut, **PROBLEMS})
def claim_action(
    request: AuthedRequest, claim_no: str, action: str, payload: ActionIn | None = None
):
    """Take a step of the claim's transition table; refused with 403/409 and a message.

    ``approve`` and ``reject`` approve the pending proposal of that outcome.
    """
    claim = selectors.claim_find(request.user, claim_no)
    if claim is None:
        raise NotFound(_("No claim %(number)s.") % {"number": claim_no})
    now = timezone.now()
    if action in DECISION_ACTIONS:
        pending = claim.decisions.filter(status=DecisionStatus.PENDING).first()
        wanted_reject = action == "reject"
        if pending is None or (pending.decision == Decision.REJECT) != wanted_reject:
            raise IllegalTransition(
                _("No %(action)s decision awaits approval: propose one first.")
                % {"action": claim.case.workflow.action_label(action)}
            )
        services.decision_approve(decision=pending, actor=request.user, now=now)
    else:
        case_transition(
            case=claim.case,
            action=action,
            actor=request.user,
            now=now,
            data=payload.data if payload else {},
        )
    claim.case.refresh_from_db()
    case = claim.case
    return Status(
        200,
        {
            "claim_no": case.number,
            "status": case.status,
            "status_label": case.status_label(),
            "allowed_actions": sorted(t.action for t in case.workflow.available(case.status)),
        },
    )
