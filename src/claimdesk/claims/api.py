"""Claims endpoints: report (idempotent), read, list, the customer's progress, checklist items.

Every read goes through ``claims.selectors`` (a customer sees only their own claims: 404
for anyone else's), every write through ``claims.services``; refusals are ``CaseError``s
that the API's exception handler maps to 400/403/404/409.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.pagination import paginate

from claimdesk.bounds import Moment, PageNumber
from claimdesk.cases.api import CaseProblem, NotFound
from claimdesk.cases.models import CaseEvent, Deadline
from claimdesk.claims import selectors
from claimdesk.claims.forecast import payment_forecast
from claimdesk.claims.models import Channel, Claim, ClaimItem
from claimdesk.claims.rules import RIGHTS_NOTICE
from claimdesk.claims.services import ALL_CAUTIONS, claim_item_set_state, claim_report
from claimdesk.staff.services import is_staff_member
from claimdesk.types import AuthedRequest
from claimdesk.workdays.clocks import SHANGHAI, to_local

router = Router(tags=["claims"])


# --- schemas ------------------------------------------------------------------------------


class ClaimIn(Schema):
    """A report. Fields may be left out here: what each loss type requires is checked by
    the intake rules, which name every missing field in one 400 answer."""

    policy_no: str = Field("", max_length=32)
    insured_name: str = Field("", max_length=60)
    loss_time: Moment | None = Field(
        None, description="ISO 8601; without an offset it is read as Asia/Shanghai time."
    )
    loss_place: str = Field("", max_length=200)
    loss_cause: str = Field("", max_length=200)
    description: str = Field("", max_length=4000)
    loss_type: str = Field(
        "", max_length=20, description="auto, medical, critical_illness, accident or property"
    )
    estimated_amount: Decimal | None = Field(None, description="yuan, e.g. 12800.50")
    contact_phone: str = Field("", max_length=30)
    confirm: bool = Field(
        False,
        description="true once the reporter has confirmed the report as it is, after an "
        "answer asked about a likely same event, an estimate above the remaining sum insured "
        "or a loss type the policy does not cover",
    )


class CautionOut(Schema):
    code: str = Field(
        description="same_event, above_remaining_sum_insured or loss_type_not_covered"
    )
    field: str
    message: str
    claims: list[str] = Field(default_factory=list, description="the likely same-event claims")


class IntakeProblem(Schema):
    """Why a report was refused; ``errors`` names each field and what is wrong with it.
    ``cautions``: what the reporter must confirm (send the report again with ``confirm``)."""

    detail: str
    errors: dict[str, str] = Field(default_factory=dict)
    cautions: list[CautionOut] = Field(default_factory=list)


class ChecklistItemOut(Schema):
    code: str
    name: str
    core: bool
    state: str
    state_label: str
    reason: str
    on_file: bool  # received from a document already on file: not asked for again


class DeadlineOut(Schema):
    rule: str
    name: str
    due_at: datetime
    state: str


class FlagOut(Schema):
    code: str
    label: str


class TimelineOut(Schema):
    at: datetime
    kind: str
    action: str
    text: str
    actor: str | None
    data: dict[str, Any]


class ClaimOut(Schema):
    claim_no: str
    status: str
    status_label: str
    policy_no: str
    insured_name: str
    loss_time: datetime
    loss_place: str
    loss_cause: str
    description: str
    loss_type: str
    estimated_amount: Decimal | None
    contact_phone: str
    channel: str
    owner: str
    reported_at: datetime
    materials_complete_at: datetime | None
    checklist: list[ChecklistItemOut]
    deadlines: list[DeadlineOut]
    notice: str
    emergency_guidance: str | None
    flags: list[FlagOut]
    possible_duplicates: list[str]


class ClaimDetailOut(ClaimOut):
    timeline: list[TimelineOut]


class ClaimSummaryOut(Schema):
    claim_no: str
    status: str
    status_label: str
    policy_no: str
    insured_name: str
    loss_type: str
    loss_time: datetime
    estimated_amount: Decimal | None
    reported_at: datetime
    flags: list[str]

    @staticmethod
    def resolve_claim_no(obj: Claim) -> str:
        return obj.case.number

    @staticmethod
    def resolve_status(obj: Claim) -> str:
        return obj.case.status

    @staticmethod
    def resolve_status_label(obj: Claim) -> str:
        return obj.case.status_label()

    @staticmethod
    def resolve_policy_no(obj: Claim) -> str:
        return obj.policy.number

    @staticmethod
    def resolve_loss_time(obj: Claim) -> datetime:
        return to_local(obj.loss_time)

    @staticmethod
    def resolve_reported_at(obj: Claim) -> datetime:
        return to_local(obj.case.opened_at)


class StageOut(Schema):
    code: str
    label: str
    state: str = Field(description="done, current, upcoming or skipped")


class ProgressEventOut(Schema):
    at: datetime
    text: str


class ExpectedPaymentOut(Schema):
    """A prediction, never a promise: median and 80 % dates, or null with the reason."""

    median: datetime | None
    p80: datetime | None
    basis: str
    sample: int


class ProgressOut(Schema):
    claim_no: str
    status: str
    stage: str
    stage_label: str
    stages: list[StageOut]
    materials_complete: bool
    materials_complete_at: datetime | None
    missing_core_items: list[str]
    checklist: list[ChecklistItemOut]
    deadlines: list[DeadlineOut]
    timeline: list[ProgressEventOut]
    payment_due: datetime | None = Field(
        description="When the running payment commitment falls due; null until it runs."
    )
    expected_payment: ExpectedPaymentOut = Field(
        description="The predicted payment date from similar closed claims, with its basis."
    )


class ItemStateIn(Schema):
    state: Literal["received", "accepted", "returned"]
    reason: str = Field("", max_length=300)


# --- building answers -------------------------------------------------------------------------


def _local(moment: datetime | None) -> datetime | None:
    return to_local(moment) if moment is not None else None


def _items(items) -> list[dict[str, Any]]:
    return [
        {
            "code": i.code,
            "name": i.name,
            "core": i.core,
            "state": i.state,
            "state_label": i.state_label,
            "reason": i.reason,
            "on_file": i.on_file,
        }
        for i in items
    ]


def _deadlines(clocks: list[Deadline]) -> list[dict[str, Any]]:
    return [
        {"rule": d.rule.code, "name": d.rule.label, "due_at": to_local(d.due_at), "state": d.state}
        for d in clocks
    ]


def _timeline(claim: Claim, events: list[CaseEvent], *, staff: bool) -> list[dict[str, Any]]:
    return [
        {
            "at": to_local(e.at),
            "kind": e.kind,
            "action": e.action,
            "text": selectors.event_text(e, claim),
            "actor": e.actor.username if staff and e.actor is not None else None,
            "data": e.data if staff else {},
        }
        for e in events
    ]


def _claim_out(
    claim: Claim,
    user,
    *,
    timeline: bool = False,
    items: list[ClaimItem] | None = None,
    duplicates: list[Claim] | None = None,
) -> dict[str, Any]:
    """The claim as the API shows it; ``items`` and ``duplicates`` when the caller holds
    them already (a report just registered), else read."""
    case = claim.case
    item_rows = claim.items.with_reuse() if items is None else items
    linked = claim.possible_duplicates.all() if duplicates is None else duplicates
    out: dict[str, Any] = {
        "claim_no": case.number,
        "status": case.status,
        "status_label": case.status_label(),
        "policy_no": claim.policy.number,
        "insured_name": claim.insured_name,
        "loss_time": to_local(claim.loss_time),
        "loss_place": claim.loss_place,
        "loss_cause": claim.loss_cause,
        "description": claim.description,
        "loss_type": claim.loss_type,
        "estimated_amount": claim.estimated_amount,
        "contact_phone": selectors.contact_phone_for(claim, user),
        "channel": claim.channel,
        "owner": case.owner.get_full_name() or case.owner.username,
        "reported_at": to_local(case.opened_at),
        "materials_complete_at": _local(claim.materials_complete_at),
        "checklist": _items(item_rows),
        "deadlines": _deadlines(selectors.claim_clocks(claim)),
        "notice": str(RIGHTS_NOTICE),
        "emergency_guidance": selectors.claim_guidance(claim),
        "flags": selectors.claim_flags(claim, duplicates=linked),
        "possible_duplicates": sorted(c.case.number for c in linked),
    }
    if timeline:
        staff = is_staff_member(user)
        out["timeline"] = _timeline(claim, selectors.claim_events(claim, user), staff=staff)
    return out


def _expected(claim: Claim) -> dict[str, Any]:
    e = payment_forecast(claim, now=timezone.now())
    return {"median": _local(e.median), "p80": _local(e.p80), "basis": e.basis, "sample": e.sample}


def _find(request: AuthedRequest, claim_no: str) -> Claim:
    claim = selectors.claim_find(request.user, claim_no)
    if claim is None:
        raise NotFound(_("No claim %(number)s.") % {"number": claim_no})
    return claim


def _report(payload: ClaimIn) -> dict[str, Any]:
    report = payload.model_dump(exclude={"confirm"})
    loss_time = report["loss_time"]
    if isinstance(loss_time, datetime) and loss_time.tzinfo is None:
        report["loss_time"] = loss_time.replace(tzinfo=SHANGHAI)
    return report


# --- endpoints ------------------------------------------------------------------------------


@router.post(
    "/claims",
    response={200: ClaimOut, 201: ClaimOut, 400: IntakeProblem, 403: CaseProblem},
)
def claim_create(
    request: AuthedRequest,
    payload: ClaimIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=100,
        pattern=r"^[\x20-\x7e]+$",
        description="Send the same key when retrying: the first claim comes back (200), "
        "never a second one.",
    ),
):
    """Report a claim. The answer carries everything the customer is told at once: the
    claim number, the one-time checklist, the time commitments with their due times, the
    rights notice and, for some loss types, emergency guidance.

    A report that looks like the same event as an open or recent claim, estimates more than
    the policy can still pay, or names a loss type the policy does not cover is answered 400
    with ``cautions`` (and the field each is about in ``errors``); nothing is registered
    until it is sent again with ``"confirm": true``."""
    result = claim_report(
        reporter=request.user,
        report=_report(payload),
        channel=Channel.API,
        now=timezone.now(),
        idempotency_key=idempotency_key,
        confirmed=ALL_CAUTIONS if payload.confirm else (),
    )
    if result.created:  # the reporter's own new claim, answered from what was just written
        out = _claim_out(
            result.claim, request.user, items=result.items, duplicates=result.duplicates
        )
        return Status(201, out)
    claim = selectors.claim_find(request.user, result.claim.number)
    if claim is None:  # e.g. the reporter handed the case on; what they may see is gone
        raise NotFound(_("No claim %(number)s.") % {"number": result.claim.number})
    return Status(200, _claim_out(claim, request.user))


@router.get("/claims", response=list[ClaimSummaryOut])
@paginate(PageNumber)
def claim_list(request: AuthedRequest, status: str | None = Query(None, max_length=40)):
    """The claims the caller may see, newest first: a customer their own, staff by role."""
    return selectors.claim_list(request.user, status=status)


@router.get("/claims/{claim_no}", response={200: ClaimDetailOut, 404: CaseProblem})
def claim_detail(request: AuthedRequest, claim_no: str):
    """A claim with its checklist, clocks and timeline (a customer sees its public part)."""
    claim = _find(request, claim_no)
    return Status(200, _claim_out(claim, request.user, timeline=True))


@router.get("/claims/{claim_no}/progress", response={200: ProgressOut, 404: CaseProblem})
def claim_progress(request: AuthedRequest, claim_no: str):
    """The customer's view: the stage, what is still missing, each running commitment
    with its due time, and what happened in plain words."""
    claim = _find(request, claim_no)
    p = selectors.claim_progress(claim)
    return Status(
        200,
        {
            "claim_no": claim.number,
            "status": claim.case.status,
            "stage": p.stage,
            "stage_label": p.stage_label,
            "stages": p.stages,
            "materials_complete": claim.materials_complete_at is not None,
            "materials_complete_at": _local(claim.materials_complete_at),
            "missing_core_items": [i.name for i in selectors.core_items_to_provide(p.checklist)],
            "checklist": _items(p.checklist),
            "deadlines": _deadlines(p.clocks),
            "timeline": [
                {"at": to_local(e.at), "text": selectors.event_text(e, claim)} for e in p.events
            ],
            "payment_due": _local(p.expected_payment),
            "expected_payment": _expected(claim),
        },
    )


@router.post(
    "/claims/{claim_no}/items/{code}",
    response={
        200: ClaimOut,
        400: CaseProblem,
        403: CaseProblem,
        404: CaseProblem,
        409: CaseProblem,
    },
)
def claim_item_update(request: AuthedRequest, claim_no: str, code: str, payload: ItemStateIn):
    """Move a checklist item: the customer marks it received; staff accept it or return
    it with a reason. Accepting the last core item completes the materials and starts the
    payment commitment."""
    claim = _find(request, claim_no)
    item = next((i for i in claim.items.all() if i.code == code), None)
    if item is None:
        raise NotFound(
            _("Claim %(number)s has no checklist item %(code)s.")
            % {"number": claim.number, "code": code}
        )
    claim_item_set_state(
        item=item,
        state=payload.state,
        actor=request.user,
        now=timezone.now(),
        reason=payload.reason,
    )
    claim = _find(request, claim_no)
    return Status(200, _claim_out(claim, request.user))
