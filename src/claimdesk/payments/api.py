"""Payments endpoints: instruct and read a claim's payment, act on it, upload the bank's
reconciliation file.

Reads go through ``payments.selectors`` (someone else's claim or payment is a 404, never a
hint that it exists); writes through ``payments.services``, whose refusals are
``CaseError``s mapped to 400/403/409 by the API's exception handler.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from claimdesk.cases.api import CaseProblem, NotFound
from claimdesk.cases.services import GuardFailed, NotAllowed
from claimdesk.claims.selectors import claim_find
from claimdesk.claims.services import interim_decided
from claimdesk.payments import selectors
from claimdesk.payments.models import Payment
from claimdesk.payments.rules import MAX_RECONCILE_BYTES, PaymentState, actions_from
from claimdesk.payments.services import (
    PAY_PERMISSION,
    payment_act,
    payment_instruct,
    payment_settle,
    payments_reconcile,
)
from claimdesk.policies.models import BankAccount
from claimdesk.staff.services import is_staff_member
from claimdesk.types import Actor, AuthedRequest
from claimdesk.workdays.clocks import to_local

router = Router(tags=["payments"])

# A bank's daily reconciliation file is a few hundred kilobytes; refuse anything absurd.
RECONCILE_FILE = File(..., description="the bank's reconciliation CSV (UTF-8 or GB18030)")


class TransferOut(Schema):
    number: int
    account: str = Field(description="masked account number")
    amount: Decimal
    sent_at: datetime
    outcome: str
    outcome_at: datetime | None
    bank_ref: str
    failure_reason: str
    via_reconciliation: bool


class PaymentOut(Schema):
    reference: str
    claim_no: str = Field(
        description="the case paid: a claim, or a policy-service request (PS…) for a "
        "surrender value, a policy loan or a survival benefit"
    )
    purpose: str = Field(
        description="full (the claim's one payment, or one beneficiary's part of a death "
        "benefit), interim (先予支付, the part fixed first), balance (what the final decision "
        "adds to the interim payment), surrender, loan or survival"
    )
    purpose_label: str
    amount: Decimal = Field(description="what this payment pays, yuan")
    state: str = Field(description="instructed, sent, confirmed, failed or escalated")
    state_label: str
    bank_name: str
    account_name: str
    account: str = Field(description="masked account number, e.g. ***************3445")
    attempts: int
    instructed_at: datetime
    sent_at: datetime | None
    confirmed_at: datetime | None
    failure_reason: str = Field(description="why the last transfer failed (staff only)")
    escalated_to: str | None = Field(description="staff only")
    allowed_actions: list[str] = Field(description="what the caller may do next (staff only)")
    transfers: list[TransferOut] = Field(description="every transfer sent (staff only)")


class ClaimPaymentsOut(Schema):
    claim_no: str
    decided_amount: Decimal | None = Field(
        description="the final decision's amount; null until the claim is decided"
    )
    interim_amount: Decimal | None = Field(
        description="the interim payment decided (先予支付, §25); null when there is none"
    )
    paid: Decimal = Field(description="what confirmed payments have paid so far")
    payments: list[PaymentOut] = Field(description="every payment, first made first")


class BeneficiaryAccountIn(Schema):
    name: str = Field(max_length=60, description="the beneficiary, as named on the policy")
    bank_name: str = Field(max_length=60)
    account_number: str = Field(max_length=40, description="12 to 30 digits")


class InstructIn(Schema):
    account_id: int | None = Field(
        None, description="another account of the policy holder; default: the designated one"
    )
    beneficiary_accounts: list[BeneficiaryAccountIn] = Field(
        default_factory=list,
        description="a death benefit: the account of each beneficiary of the policy at the "
        "loss date whose account is not on the policy (from their bank card)",
    )


class PaymentActionIn(Schema):
    bank_ref: str = Field("", max_length=64, description="the bank's reference of the transfer")
    reason: str = Field("", max_length=300, description="why the transfer failed (fail)")
    note: str = Field("", max_length=300, description="for the manager (escalate)")
    account_id: int | None = Field(None, description="retry to another account of the holder")


class RowErrorOut(Schema):
    row: int = Field(description="line of the file (the heading is line 1)")
    reference: str
    message: str


class ReconcileOut(Schema):
    rows: int
    confirmed: list[str]
    failed: list[str]
    unchanged: list[str]
    errors: list[RowErrorOut]


def _local(moment: datetime | None) -> datetime | None:
    return to_local(moment) if moment is not None else None


def _payment_out(p: Payment, user: Actor) -> dict:
    staff = is_staff_member(user)
    may_pay = staff and user.has_perm(PAY_PERMISSION)
    return {
        "reference": p.reference,
        "claim_no": p.case.number,
        "purpose": p.purpose,
        "purpose_label": p.purpose_label(),
        "amount": p.amount,
        "state": p.state,
        "state_label": p.state_label(),
        "bank_name": p.account.bank_name,
        "account_name": p.account.account_name,
        "account": p.masked_account,
        "attempts": p.attempts,
        "instructed_at": to_local(p.instructed_at),
        "sent_at": _local(p.sent_at),
        "confirmed_at": _local(p.confirmed_at),
        "failure_reason": p.failure_reason if staff else "",
        "escalated_to": p.escalated_to.username if staff and p.escalated_to is not None else None,
        "allowed_actions": [a.value for a in actions_from(p.state)] if may_pay else [],
        "transfers": [
            {
                "number": t.number,
                "account": t.masked_account,
                "amount": t.amount,
                "sent_at": to_local(t.sent_at),
                "outcome": t.outcome,
                "outcome_at": _local(t.outcome_at),
                "bank_ref": t.bank_ref,
                "failure_reason": t.failure_reason,
                "via_reconciliation": t.via_reconciliation,
            }
            for t in p.transfers.select_related("account")
        ]
        if staff
        else [],
    }


def _claim(request: AuthedRequest, claim_no: str):
    claim = claim_find(request.user, claim_no)
    if claim is None:
        raise NotFound(_("No claim %(number)s.") % {"number": claim_no})
    return claim


def _account(account_id: int | None) -> BankAccount | None:
    if account_id is None:
        return None
    account = BankAccount.objects.filter(pk=account_id).first()
    if account is None:
        raise GuardFailed(_("No such bank account."))
    return account


def _reread(request: AuthedRequest, reference: str) -> dict:
    payment = selectors.payment_find(request.user, reference)
    if payment is None:  # e.g. the action handed the case on: what the caller sees is gone
        raise NotFound(_("No payment %(reference)s.") % {"reference": reference})
    return _payment_out(payment, request.user)


@router.post(
    "/claims/{claim_no}/payment",
    response={
        201: PaymentOut,
        400: CaseProblem,
        403: CaseProblem,
        404: CaseProblem,
        409: CaseProblem,
    },
)
def payment_create(request: AuthedRequest, claim_no: str, payload: InstructIn | None = None):
    """Instruct the payment a claim is due (finance): its approved amount — or, under
    先予支付, the interim payment once decided and the balance after the final decision —
    to the policy holder's designated account (or ``account_id``, another of theirs); a
    death benefit in one payment per beneficiary of the policy at the loss date, by share
    (the response is the first; ``/claims/{no}/payments`` lists them). Each payment is made
    once: a second instruction of it is refused with 409."""
    claim = _claim(request, claim_no)
    payment = payment_instruct(
        claim=claim,
        actor=request.user,
        now=timezone.now(),
        account=_account(payload.account_id if payload else None),
        beneficiary_accounts={
            b.name.strip(): {"bank_name": b.bank_name, "account_number": b.account_number}
            for b in (payload.beneficiary_accounts if payload else [])
        },
    )
    return Status(201, _reread(request, payment.reference))


@router.get("/claims/{claim_no}/payment", response={200: PaymentOut, 404: CaseProblem})
def payment_detail(request: AuthedRequest, claim_no: str):
    """The claim's latest payment (see ``/payments`` for all of them): the customer sees
    their own with the account masked; staff by role, with every transfer and what they
    may do next."""
    claim = _claim(request, claim_no)
    payment = selectors.payment_for_claim(request.user, claim)
    if payment is None:
        raise NotFound(_("Claim %(number)s has no payment yet.") % {"number": claim.number})
    return Status(200, _payment_out(payment, request.user))


@router.get("/claims/{claim_no}/payments", response={200: ClaimPaymentsOut, 404: CaseProblem})
def payment_list(request: AuthedRequest, claim_no: str):
    """Every payment of the claim — an interim payment (先予支付) and the balance, or its
    one payment — with the amounts decided and what has been paid; the customer sees
    their own, with the accounts masked."""
    claim = _claim(request, claim_no)
    payments = selectors.payments_for_claim(request.user, claim)
    interim = interim_decided(claim)
    return Status(
        200,
        {
            "claim_no": claim.number,
            "decided_amount": claim.approved_amount,
            "interim_amount": interim.amount if interim is not None else None,
            "paid": sum(
                (p.amount for p in payments if p.state == PaymentState.CONFIRMED), Decimal(0)
            ),
            "payments": [_payment_out(p, request.user) for p in payments],
        },
    )


@router.post(
    "/claims/{claim_no}/payment/settle",
    response={200: ClaimPaymentsOut, 400: CaseProblem, 403: CaseProblem, 404: CaseProblem,
              409: CaseProblem},
)  # fmt: skip
def payment_settle_claim(request: AuthedRequest, claim_no: str):
    """Close a claim its confirmed interim payment already pays in full (finance): the
    final decision left no balance. Refused (400) while anything is left to pay."""
    claim = _claim(request, claim_no)
    payment_settle(claim=claim, actor=request.user, now=timezone.now())
    return payment_list(request, claim_no)


@router.post(
    "/payments/{reference}/actions/{action}",
    response={
        200: PaymentOut,
        400: CaseProblem,
        403: CaseProblem,
        404: CaseProblem,
        409: CaseProblem,
    },
)
def payment_action(
    request: AuthedRequest,
    reference: str,
    action: Literal["send", "confirm", "fail", "retry", "escalate"],
    payload: PaymentActionIn | None = None,
):
    """Move a payment on (finance): ``send`` it to the bank, ``confirm`` the bank's credit
    (closes the claim, stops the payment clock), ``fail`` it with a reason, ``retry`` (to
    another account of the holder if given) or ``escalate`` to the manager. Refused with
    403 (not yours), 409 (not in this state, with ``allowed``) or 400 (input)."""
    payment = selectors.payment_find(request.user, reference)
    if payment is None:
        raise NotFound(_("No payment %(reference)s.") % {"reference": reference})
    data = payload.model_dump() if payload else {}
    payment_act(payment=payment, action=action, actor=request.user, now=timezone.now(), data=data)
    return Status(200, _reread(request, reference))


@router.post(
    "/payments/reconcile",
    response={200: ReconcileOut, 400: CaseProblem, 403: CaseProblem},
)
def payment_reconcile(request: AuthedRequest, file: UploadedFile = RECONCILE_FILE):
    """Upload the bank's reconciliation CSV (finance): columns ``reference``, ``status``
    (success/failed or 成功/失败), ``amount``, ``bank_ref``, ``reason``. Each line confirms
    or fails one transfer; bad lines are listed with the reason and the others still
    apply; the same file again changes nothing."""
    if not request.user.has_perm(PAY_PERMISSION):
        raise NotAllowed(_("You may not reconcile payments."))
    if file.size is not None and file.size > MAX_RECONCILE_BYTES:
        raise GuardFailed(_("The file is too large."))
    result = payments_reconcile(actor=request.user, now=timezone.now(), file=file.read())
    return Status(
        200,
        {
            "rows": result.rows,
            "confirmed": result.confirmed,
            "failed": result.failed,
            "unchanged": result.unchanged,
            "errors": [
                {"row": e.row, "reference": e.reference, "message": e.message}
                for e in result.errors
            ],
        },
    )
