"""Policy-service endpoints: start a request on one's own policy, follow its checklist, quote
and progress; staff record materials, approve within authority, decline; finance confirms a
surrender's payment. And the policy as it stood on any date.

A customer sees only their own requests and policies: anyone else's is 404, never a hint.
Refusals are ``CaseError``s mapped to 400/403/404/409 with ``detail``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from claimdesk.bounds import Day
from claimdesk.cases.api import NotFound
from claimdesk.cases.selectors import case_clocks
from claimdesk.cases.workflow import sla_label
from claimdesk.policies.models import Policy
from claimdesk.policies.rules import PolicyAsOf, mask_account
from claimdesk.policies.selectors import policies_visible_to, policy_as_of, policy_history
from claimdesk.servicing import selectors, services
from claimdesk.servicing.models import PremiumDue, ServiceRequest
from claimdesk.staff.services import is_staff_member
from claimdesk.types import AuthedRequest
from claimdesk.workdays.clocks import to_local

router = Router(tags=["policy service"])


class RequestProblem(Schema):
    detail: str
    escalated_to: str | None = None
    allowed: list[str] | None = None


_ERRORS: dict[int, Any] = {
    400: RequestProblem,
    403: RequestProblem,
    404: RequestProblem,
    409: RequestProblem,
}


class RequestIn(Schema):
    policy: str = Field(..., max_length=32, description="the policy number")
    item: str = Field(
        ...,
        max_length=20,
        description="contact, bank_account, beneficiary, surrender, reinstatement, loan, "
        "loan_repayment, policyholder, sum_increase, sum_decrease",
    )
    effective_on: Day | None = Field(None, description="default: the day it is received")
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="contact: phone, address; bank_account: bank_name, account_name, "
        "account_number; beneficiary: beneficiaries [{name, relation, share, id_number, "
        "bank_name, account_number (for a death benefit)}]; loan, loan_repayment: amount; "
        "reinstatement: health {question code: true/false, every question of "
        "/underwriting/questions}, health_details (required with a yes); policyholder: name, "
        "id_number, relation (self, spouse, parent, child, family, employer), phone, "
        "insured_consent true; sum_decrease: sum_insured; sum_increase: sum_insured, "
        "occupation, occupation_class 1-6, health, health_details",
    )


class ChecklistOut(Schema):
    code: str
    name: str
    received: bool


class RequestClockOut(Schema):
    rule: str
    state: str
    due_at: Any


class RequestOut(Schema):
    number: str
    status: str
    status_label: str
    item: str
    item_label: str
    policy: str
    effective_on: date
    checklist: list[ChecklistOut]
    quote: dict[str, Any]
    amount: Decimal | None
    endorsement: str | None
    escalated_to: str | None
    refusal: str
    refusal_clause: str = ""
    clocks: list[RequestClockOut]
    underwriting_required: bool
    underwritten: bool


class MaterialsIn(Schema):
    codes: list[str] = Field(..., max_length=20)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=1000)
    clause: str = Field("", max_length=1000, description="the clause the refusal rests on")


class PaymentIn(Schema):
    bank_ref: str = Field(..., max_length=64)


def _out(request: ServiceRequest, user) -> dict[str, Any]:
    case = request.case
    staff = is_staff_member(user)
    return {
        "number": case.number,
        "status": case.status,
        "status_label": case.status_label(),
        "item": request.item,
        "item_label": request.item_label,
        "policy": request.policy.number,
        "effective_on": request.effective_on,
        "checklist": selectors.checklist(request),
        "quote": request.quote,
        "amount": request.amount,
        "endorsement": request.endorsement.number if request.endorsement else None,
        "escalated_to": request.escalated_to.username if staff and request.escalated_to else None,
        "refusal": selectors.refusal_reason(request),
        "refusal_clause": selectors.refusal(request)["clause"],
        "underwriting_required": request.underwriting_required,
        "underwritten": request.underwritten_by_id is not None,
        "clocks": [
            {"rule": sla_label(d.rule.code, d.rule.name), "state": d.state, "due_at": d.due_at}
            for d in case_clocks(case)
            if staff or d.task_id is None
        ],
    }


def _find(request: AuthedRequest, number: str) -> ServiceRequest:
    found = selectors.request_by_number(request.user, number)
    if found is None:
        raise NotFound(_("No request %(number)s.") % {"number": number})
    return found


def _policy(request: AuthedRequest, number: str) -> Policy:
    policy = policies_visible_to(request.user).filter(number=number).first()
    if policy is None:
        raise NotFound(_("No policy %(number)s.") % {"number": number})
    return policy


@router.post("/policy-service", response={201: RequestOut, **_ERRORS})
def request_create(request: AuthedRequest, payload: RequestIn):
    """Start a request: a customer on their own policy, a clerk for the policyholder."""
    policy = _policy(request, payload.policy)
    created = services.request_open(
        policy=policy,
        item=payload.item,
        details=payload.details,
        effective_on=payload.effective_on,
        actor=request.user,
        now=timezone.now(),
    )
    return Status(201, _out(_find(request, created.case.number), request.user))


@router.get("/policy-service", response=list[RequestOut])
def request_list(request: AuthedRequest):
    """The requests the caller may see, newest first (a customer: their own)."""
    return [_out(r, request.user) for r in selectors.requests_visible_to(request.user)[:100]]


class QuoteOut(Schema):
    policy: str
    effective_on: date
    within_cooling_off: bool
    cooling_off_ends: date
    cash_value: Decimal
    premium_refund: Decimal
    loans: Decimal
    amount: Decimal


@router.get("/policy-service/quote", response={200: QuoteOut, **_ERRORS})
def surrender_quote(request: AuthedRequest, policy: str, effective_on: Day | None = None):
    """What a surrender of ``policy`` effective ``effective_on`` (default today) would pay."""
    found = _policy(request, policy)
    day = effective_on or to_local(timezone.now()).date()
    quote = services.quote_for(found, day)
    return {"policy": found.number, **quote.as_dict()}


class LoanQuoteOut(Schema):
    policy: str
    effective_on: date
    cash_value: Decimal
    ratio: Decimal = Field(description="the share of the cash value that may be lent, %")
    balance: Decimal = Field(description="the loan already outstanding")
    available: Decimal = Field(description="the most that may be borrowed now")
    rate: Decimal = Field(description="simple interest a year, %")
    amount: Decimal


@router.get("/policy-service/loan-quote", response={200: LoanQuoteOut, **_ERRORS})
def loan_quote(
    request: AuthedRequest, policy: str, amount: Decimal, effective_on: date | None = None
):
    """How much ``policy`` may lend on ``effective_on`` (default today) and whether
    ``amount`` fits (400 saying the most, when it does not)."""
    found = _policy(request, policy)
    day = effective_on or to_local(timezone.now()).date()
    quote = services.loan_quote_for(found, day, {"amount": str(amount)})
    return {"policy": found.number, **quote.as_dict()}


class SurvivalOut(Schema):
    number: int
    due_on: date
    amount: Decimal
    state: str
    request: str = Field(description="the request that pays it, once due")
    why: str = Field(description="why it is not payable, if so")


@router.get(
    "/policies/{number}/survival-benefits", response={200: list[SurvivalOut], 404: RequestProblem}
)
def policy_survival_benefits(request: AuthedRequest, number: str):
    """The policy's survival benefits (生存给付) from its product's schedule, each with where
    it stands today."""
    policy = _policy(request, number)
    return selectors.survival_benefits_of(policy, today=to_local(timezone.now()).date())


@router.get("/policy-service/{number}", response={200: RequestOut, 404: RequestProblem})
def request_detail(request: AuthedRequest, number: str):
    return _out(_find(request, number), request.user)


@router.post("/policy-service/{number}/materials", response={200: RequestOut, **_ERRORS})
def request_materials(request: AuthedRequest, number: str, payload: MaterialsIn):
    """Staff: tick materials of the checklist as received (all in: materials complete)."""
    found = _find(request, number)
    services.materials_receive(
        request=found, codes=payload.codes, actor=request.user, now=timezone.now()
    )
    return _out(_find(request, number), request.user)


@router.post("/policy-service/{number}/approve", response={200: RequestOut, **_ERRORS})
def request_approve(request: AuthedRequest, number: str):
    """Staff: approve within one's authority (403 with ``escalated_to`` above it); the
    endorsement is issued effective on the request's date."""
    found = _find(request, number)
    services.request_approve(request=found, actor=request.user, now=timezone.now())
    return _out(_find(request, number), request.user)


@router.post("/policy-service/{number}/decline", response={200: RequestOut, **_ERRORS})
def request_decline(request: AuthedRequest, number: str, payload: ReasonIn):
    found = _find(request, number)
    services.request_decline(
        request=found,
        actor=request.user,
        now=timezone.now(),
        reason=payload.reason,
        clause=payload.clause,
    )
    return _out(_find(request, number), request.user)


@router.post("/policy-service/{number}/payment", response={200: RequestOut, **_ERRORS})
def request_paid(request: AuthedRequest, number: str, payload: PaymentIn):
    """Finance: the surrender value of a request approved before the payment flow paid
    surrenders reached the policyholder's account (every later one: the payments
    endpoints, ``/payments/{reference}/actions/…``)."""
    found = _find(request, number)
    services.surrender_pay(
        request=found, actor=request.user, now=timezone.now(), bank_ref=payload.bank_ref
    )
    return _out(_find(request, number), request.user)


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


@router.post("/policy-service/{number}/underwriting", response={200: RequestOut, **_ERRORS})
def request_underwrite(request: AuthedRequest, number: str, payload: NoteIn):
    """A certified underwriter accepts a reinstatement's health declaration (a refusal is
    the request's decline, with the reason)."""
    found = _find(request, number)
    services.reinstatement_underwrite(
        request=found, actor=request.user, now=timezone.now(), note=payload.note
    )
    return _out(_find(request, number), request.user)


class PremiumOut(Schema):
    number: int
    due_on: date
    amount: Decimal
    grace_ends_on: date
    state: str
    state_label: str
    payable: bool = Field(..., description="finance may record it now (the earliest unpaid)")
    paid_at: Any = None
    reference: str


class PremiumPaidIn(Schema):
    reference: str = Field(..., max_length=64, description="the bank reference")
    amount: Decimal | None = Field(None, description="when given, must be the premium due")


def _premium_out(row: dict[str, Any]) -> dict[str, Any]:
    p = row["premium"]
    return {
        "number": p.number,
        "due_on": p.due_on,
        "amount": p.amount,
        "grace_ends_on": p.grace_ends_on,
        "state": row["state"],
        "state_label": row["state_label"],
        "payable": row["payable"],
        "paid_at": p.paid_at,
        "reference": p.reference,
    }


def _today() -> date:
    return to_local(timezone.now()).date()


@router.get("/policies/{number}/premiums", response={200: list[PremiumOut], 404: RequestProblem})
def policy_premiums(request: AuthedRequest, number: str):
    """The policy's premium schedule (续期收费): due dates, grace ends, what is paid."""
    policy = _policy(request, number)
    return [_premium_out(r) for r in selectors.premiums_of(policy, today=_today())]


@router.post(
    "/policies/{number}/premiums/{instalment}/payment", response={200: PremiumOut, **_ERRORS}
)
def policy_premium_paid(
    request: AuthedRequest, number: str, instalment: int, payload: PremiumPaidIn
):
    """Finance: a renewal premium was received (refused once the policy lapsed for it)."""
    policy = _policy(request, number)
    premium = PremiumDue.objects.filter(policy=policy, number=instalment).first()
    if premium is None:
        raise NotFound(
            _("No premium %(n)s on policy %(number)s.") % {"n": instalment, "number": number}
        )
    services.premium_pay(
        premium=premium,
        actor=request.user,
        now=timezone.now(),
        reference=payload.reference,
        amount=payload.amount,
    )
    rows = selectors.premiums_of(policy, today=_today())
    return _premium_out(next(r for r in rows if r["premium"].number == instalment))


class BeneficiaryOut(Schema):
    name: str
    relation: str
    share: Decimal


class PolicyAsOfOut(Schema):
    policy: str
    day: date | None = None
    version: int
    endorsement: str
    effective_on: date
    start: date
    end: date
    status: str
    sum_insured: Decimal
    premium: Decimal
    coverages: list[str]
    beneficiaries: list[BeneficiaryOut]
    contact_phone: str
    contact_address: str
    bank_account: str


def as_of_out(policy: Policy, terms: PolicyAsOf, day: date | None = None) -> dict[str, Any]:
    return {
        "policy": policy.number,
        "day": day,
        "version": terms.version,
        "endorsement": terms.endorsement,
        "effective_on": terms.effective_on,
        "start": terms.start,
        "end": terms.end,
        "status": terms.status,
        "sum_insured": terms.sum_insured,
        "premium": terms.premium,
        "coverages": list(terms.coverages),
        "beneficiaries": [
            {"name": b.name, "relation": b.relation, "share": b.share} for b in terms.beneficiaries
        ],
        "contact_phone": terms.contact_phone,
        "contact_address": terms.contact_address,
        "bank_account": f"{terms.bank.bank_name} {mask_account(terms.bank.account_number)}"
        if terms.bank
        else "",
    }


@router.get("/policies/{number}/as-of", response={200: PolicyAsOfOut, 404: RequestProblem})
def policy_on_date(request: AuthedRequest, number: str, day: Day):
    """The policy as it stood on ``day`` (the version in effect that day)."""
    policy = _policy(request, number)
    return as_of_out(policy, policy_as_of(policy, day), day)


@router.get("/policies/{number}/history", response={200: list[PolicyAsOfOut], 404: RequestProblem})
def policy_versions(request: AuthedRequest, number: str):
    """Every version of the policy, version 1 (as issued) first."""
    policy = _policy(request, number)
    return [as_of_out(policy, t) for t in policy_history(policy)]
