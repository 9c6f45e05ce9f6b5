"""Recovery endpoints: a claim's recoveries (代位求偿, salvage, a customer's overpayment),
opening one, its detail with letters and amounts received, a letter, an amount received
and closing it. The same people as the claim page's recovery section: staff who see the
claim, writes for those who pursue recoveries (the services refuse the others); customers
get the 404 of a claim that isn't."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from claimdesk.bounds import Day
from claimdesk.cases.api import CaseProblem, NotFound
from claimdesk.claims import selectors as claim_selectors
from claimdesk.claims.models import Claim
from claimdesk.recoveries import rules, services
from claimdesk.recoveries.models import Recovery
from claimdesk.staff.services import is_staff_member
from claimdesk.types import AuthedRequest

router = Router(tags=["recoveries"])

PROBLEMS = {400: CaseProblem, 403: CaseProblem, 404: CaseProblem, 409: CaseProblem}


class ReceiptOut(Schema):
    amount: Decimal
    reference: str
    received_on: Day
    recorded_by: str
    recorded_at: datetime


class LetterOut(Schema):
    kind: str
    text: str
    issued_by: str
    issued_at: datetime


class RecoveryOut(Schema):
    id: int
    number: str = Field(description="the recovery's own case number")
    claim_no: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    counterparty: str
    counterparty_contact: str
    basis: str
    expected_amount: Decimal
    received: Decimal
    rate: Decimal | None = Field(description="received as a share of expected, in percent")
    opened_at: datetime
    owner: str | None
    receipts: list[ReceiptOut]
    letters: list[LetterOut]


class RecoveryIn(Schema):
    kind: str = Field(..., description="subrogation or salvage", max_length=20)
    counterparty: str = Field(..., min_length=1, max_length=120)
    contact: str = Field("", max_length=200)
    expected: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    basis: str = Field(..., min_length=1, max_length=300)


class ReceiptIn(Schema):
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    reference: str = Field(..., min_length=1, max_length=64)
    received_on: Day | None = Field(None, description="empty: today")


class CloseIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


def _staff_claim(request: AuthedRequest, claim_no: str) -> Claim:
    claim = claim_selectors.claim_find(request.user, claim_no)
    if claim is None or not is_staff_member(request.user):
        raise NotFound(_("No claim %(number)s.") % {"number": claim_no})
    return claim


def _recovery(claim: Claim, recovery_id: int) -> Recovery:
    recovery = (
        Recovery.objects.filter(pk=recovery_id, claim=claim)
        .select_related("case__owner", "claim__case")
        .first()
    )
    if recovery is None:
        raise NotFound(_("No recovery %(id)s on this claim.") % {"id": recovery_id})
    return recovery


def recovery_out(recovery: Recovery) -> dict:
    receipts = list(recovery.receipts.select_related("recorded_by").order_by("recorded_at"))
    received = sum((r.amount for r in receipts), Decimal(0))
    case = recovery.case
    return {
        "id": recovery.pk,
        "number": case.number,
        "claim_no": recovery.claim.case.number,
        "kind": recovery.kind,
        "kind_label": recovery.get_kind_display(),
        "status": case.status,
        "status_label": case.status_label(),
        "counterparty": recovery.counterparty,
        "counterparty_contact": recovery.counterparty_contact,
        "basis": recovery.basis,
        "expected_amount": recovery.expected_amount,
        "received": received,
        "rate": rules.recovery_rate(recovery.expected_amount, received),
        "opened_at": recovery.opened_at,
        "owner": case.owner.username if case.owner else None,
        "receipts": [
            {
                "amount": r.amount,
                "reference": r.reference,
                "received_on": r.received_on,
                "recorded_by": r.recorded_by.username,
                "recorded_at": r.recorded_at,
            }
            for r in receipts
        ],
        "letters": [
            {
                "kind": letter.kind,
                "text": letter.text,
                "issued_by": letter.issued_by.username,
                "issued_at": letter.issued_at,
            }
            for letter in recovery.letters.select_related("issued_by").order_by("issued_at")
        ],
    }


@router.get("/claims/{claim_no}/recoveries", response={200: list[RecoveryOut], 404: CaseProblem})
def recovery_list(request: AuthedRequest, claim_no: str):
    """The claim's recoveries, oldest first, each with what it brought."""
    claim = _staff_claim(request, claim_no)
    rows = Recovery.objects.filter(claim=claim).select_related("case__owner", "claim__case")
    return [recovery_out(r) for r in rows.order_by("opened_at", "pk")]


@router.post("/claims/{claim_no}/recoveries", response={201: RecoveryOut, **PROBLEMS})
def recovery_create(request: AuthedRequest, claim_no: str, payload: RecoveryIn):
    """Open a recovery on a motor or property claim (its own case and clock, owned by you)."""
    claim = _staff_claim(request, claim_no)
    recovery = services.recovery_open(
        claim=claim,
        kind=payload.kind,
        counterparty=payload.counterparty,
        contact=payload.contact,
        expected=payload.expected,
        basis=payload.basis,
        actor=request.user,
        now=timezone.now(),
    )
    return Status(201, recovery_out(_recovery(claim, recovery.pk)))


@router.get(
    "/claims/{claim_no}/recoveries/{recovery_id}",
    response={200: RecoveryOut, 404: CaseProblem},
)
def recovery_get(request: AuthedRequest, claim_no: str, recovery_id: int):
    return recovery_out(_recovery(_staff_claim(request, claim_no), recovery_id))


@router.post(
    "/claims/{claim_no}/recoveries/{recovery_id}/letters",
    response={201: RecoveryOut, **PROBLEMS},
)
def recovery_letter(request: AuthedRequest, claim_no: str, recovery_id: int):
    """The demand (first) or a reminder to the counterparty, through the compliance gate."""
    claim = _staff_claim(request, claim_no)
    recovery = _recovery(claim, recovery_id)
    services.recovery_letter(recovery=recovery, actor=request.user, now=timezone.now())
    return Status(201, recovery_out(_recovery(claim, recovery_id)))


@router.post(
    "/claims/{claim_no}/recoveries/{recovery_id}/receipts",
    response={201: RecoveryOut, **PROBLEMS},
)
def recovery_receipt(request: AuthedRequest, claim_no: str, recovery_id: int, payload: ReceiptIn):
    """Record an amount received (a bank reference counts once): it lowers the claim's net
    cost and open reserve; received in full, the recovery is settled."""
    claim = _staff_claim(request, claim_no)
    now = timezone.now()
    services.recovery_receive(
        recovery=_recovery(claim, recovery_id),
        amount=payload.amount,
        reference=payload.reference,
        received_on=payload.received_on or timezone.localdate(now),
        actor=request.user,
        now=now,
    )
    return Status(201, recovery_out(_recovery(claim, recovery_id)))


@router.post(
    "/claims/{claim_no}/recoveries/{recovery_id}/close",
    response={200: RecoveryOut, **PROBLEMS},
)
def recovery_close(request: AuthedRequest, claim_no: str, recovery_id: int, payload: CloseIn):
    """Close the recovery short of the full amount (written off, settled for less)."""
    claim = _staff_claim(request, claim_no)
    services.recovery_close(
        recovery=_recovery(claim, recovery_id),
        reason=payload.reason,
        actor=request.user,
        now=timezone.now(),
    )
    return recovery_out(_recovery(claim, recovery_id))
