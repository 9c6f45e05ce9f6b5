"""Partner endpoints: eligibility, pre-authorisation, direct-settlement bills, statements.

A partner's user authenticates like staff (``POST /api/v1/auth/token``); every answer is
about its own organisation's bills only. Refusals are ``CaseError``s (400/403/404/409).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from ninja import Field, Router, Schema, Status

from claimdesk.bounds import Day, Moment
from claimdesk.cases.api import CaseProblem
from claimdesk.cases.services import GuardFailed
from claimdesk.exports import table_csv
from claimdesk.partners import services
from claimdesk.partners.services import BillIn, BillLine, Eligibility, Lookup, Settlement, Upload
from claimdesk.policies.rules import mask
from claimdesk.types import AuthedRequest

router = Router(tags=["partners"])

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
REFUSED = {400: CaseProblem, 403: CaseProblem, 404: CaseProblem, 409: CaseProblem}


class LookupIn(Schema):
    id_number: str = Field("", max_length=30, description="the insured person's whole ID number")
    policy_no: str = Field("", max_length=40)
    name: str = Field("", max_length=60, description="the insured person's name")
    id_last4: str = Field("", max_length=4, description="with name and consent")
    consent: bool = Field(False, description="the person agreed to a search by ID last 4")

    def lookup(self) -> Lookup:
        return Lookup(
            id_number=self.id_number,
            policy_no=self.policy_no,
            name=self.name,
            id_last4=self.id_last4,
            consent=self.consent,
        )


class EligibilityIn(LookupIn):
    service: str = Field(..., max_length=40, description="the coverage code to bill")
    amount: Decimal = Field(..., gt=0, lt=Decimal("1e10"), description="estimated amount")
    accident: bool = Field(False, description="an accident (no waiting period)")


class EligibilityOut(Schema):
    covered: bool
    reasons: list[str]
    policy_no: str
    insured_name: str
    id_number: str = Field(description="masked")
    coverage: str
    coverage_name: str
    policy_year_start: date
    policy_year_end: date
    limit: Decimal
    remaining_limit: Decimal
    deductible: Decimal
    deductible_remaining: Decimal
    reimbursement_ratio: Decimal
    waiting_days: int
    waiting_until: date
    estimated_amount: Decimal
    estimated_payable: Decimal
    estimated_customer_share: Decimal


class PreAuthIn(EligibilityIn):
    valid_days: int = Field(services.PREAUTH_DAYS, ge=1, le=services.MAX_PREAUTH_DAYS)
    claim_no: str = Field("", max_length=30, description="a repair's reported claim")
    agreed_repair_date: Day | None = Field(
        None, description="repair shops: agreed with the customer"
    )


class PreAuthOut(Schema):
    reference: str
    amount_held: Decimal
    expires_at: datetime
    eligibility: EligibilityOut


class BillLineIn(Schema):
    label: str = Field(..., min_length=1, max_length=120)
    amount: Decimal = Field(..., gt=0, lt=Decimal("1e10"))


class DocumentIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    content_base64: str = Field(..., min_length=4, max_length=28_000_000)
    item_code: str = Field("", max_length=40)


class BillIn_(LookupIn):
    bill_no: str = Field(..., min_length=1, max_length=60)
    service: str = Field(..., max_length=40)
    items: list[BillLineIn] = Field(..., min_length=1, max_length=200)
    diagnosis: str = Field(..., min_length=1, max_length=300)
    admitted_at: Moment = Field(..., description="admission, or the vehicle handed in")
    bill_date: Day = Field(..., description="discharge, or the repair handed over")
    documents: list[DocumentIn] = Field(..., min_length=1, max_length=20)
    preauthorisation: str = Field("", max_length=24)
    accident: bool = False
    agreed_repair_date: Day | None = None
    claim_no: str = Field("", max_length=30, description="repair shops: the reported claim")


class SettlementOut(Schema):
    bill_no: str
    claim_no: str
    status: str
    submitted_at: datetime
    bill_total: Decimal
    decided: Decimal | None
    instructed: Decimal
    paid: Decimal
    customer_share: Decimal | None


class StatementOut(Schema):
    partner: str
    month: str
    claims: list[SettlementOut]
    bill_total: Decimal
    instructed: Decimal
    paid: Decimal
    outstanding: Decimal = Field(description="instructed but not yet paid")


def _eligibility_out(e: Eligibility) -> dict:
    return {
        "covered": e.covered,
        "reasons": list(e.reasons),
        "policy_no": e.person.policy.number,
        "insured_name": e.person.name,
        "id_number": mask(e.person.id_number, 0, 4) if e.person.id_number else "",
        "coverage": e.coverage,
        "coverage_name": e.coverage_name,
        "policy_year_start": e.period_start,
        "policy_year_end": e.period_end,
        "limit": e.limit,
        "remaining_limit": e.remaining_limit,
        "deductible": e.deductible,
        "deductible_remaining": e.deductible_remaining,
        "reimbursement_ratio": e.ratio,
        "waiting_days": e.waiting_days,
        "waiting_until": e.waiting_until,
        "estimated_amount": e.estimated_amount,
        "estimated_payable": e.estimated_payable,
        "estimated_customer_share": e.estimated_customer_share,
    }


def _settlement_out(s: Settlement) -> dict:
    case = s.bill.claim.case
    return {
        "bill_no": s.bill.bill_no,
        "claim_no": case.number,
        "status": case.status_label(),
        "submitted_at": s.bill.submitted_at,
        "bill_total": s.bill.total,
        "decided": s.decided,
        "instructed": s.instructed,
        "paid": s.paid,
        "customer_share": s.customer_share,
    }


@router.post("/eligibility", response={200: EligibilityOut, **REFUSED})
def eligibility(request: AuthedRequest, payload: EligibilityIn):
    """Covered or not, the remaining limit and deductible of this policy year, the waiting
    period and the customer's likely share — the claim calculator's answer."""
    answer = services.eligibility_check(
        user=request.user,
        lookup=payload.lookup(),
        service=payload.service,
        amount=payload.amount,
        accident=payload.accident,
        now=timezone.now(),
    )
    return Status(200, _eligibility_out(answer))


@router.post("/preauthorisations", response={201: PreAuthOut, **REFUSED})
def preauthorisation(request: AuthedRequest, payload: PreAuthIn):
    """Hold the covered part of planned care or a repair until a claim uses it."""
    hold, answer = services.preauthorisation_create(
        user=request.user,
        lookup=payload.lookup(),
        service=payload.service,
        amount=payload.amount,
        accident=payload.accident,
        valid_days=payload.valid_days,
        claim_no=payload.claim_no,
        agreed_repair_date=payload.agreed_repair_date,
        now=timezone.now(),
    )
    return Status(
        201,
        {
            "reference": hold.reference,
            "amount_held": hold.amount,
            "expires_at": hold.expires_at,
            "eligibility": _eligibility_out(answer),
        },
    )


def _uploads(documents: list[DocumentIn]) -> list[Upload]:
    out = []
    for doc in documents:
        try:
            content = base64.b64decode(doc.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise GuardFailed(
                _("Document %(name)s is not valid base64.") % {"name": doc.name}
            ) from None
        out.append(Upload(name=doc.name, content=content, item_code=doc.item_code))
    return out


@router.post("/partner/claims", response={200: SettlementOut, 201: SettlementOut, **REFUSED})
def partner_claim(request: AuthedRequest, payload: BillIn_):
    """Submit a bill for direct settlement: 201 with the claim it opened (or, for a repair
    shop naming the customer's reported claim, joined), or 200 with the claim the same bill
    number opened or joined before (a bill is settled once)."""
    lookup = payload.lookup()
    bill = BillIn(
        bill_no=payload.bill_no,
        lookup=lookup,
        service=payload.service,
        lines=[BillLine(x.label, x.amount) for x in payload.items],
        diagnosis=payload.diagnosis,
        admitted_at=payload.admitted_at,
        bill_date=payload.bill_date,
        documents=_uploads(payload.documents),
        preauthorisation=payload.preauthorisation,
        accident=payload.accident,
        agreed_repair_date=payload.agreed_repair_date,
        claim_no=payload.claim_no,
    )
    done = services.direct_claim_submit(user=request.user, bill=bill, now=timezone.now())
    settlement = services.settlement_of(done.bill)
    return Status(201 if done.created else 200, _settlement_out(settlement))


def _month(text: str) -> tuple[date, date]:
    match = MONTH.match(text)
    if match is None:
        raise GuardFailed(_("Give the month as YYYY-MM."))
    year, month = int(match.group(1)), int(match.group(2))
    if not 1900 <= year <= 2200:
        raise GuardFailed(_("Give the month as YYYY-MM."))
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def _statement_rows(request: AuthedRequest, month: str) -> list[Settlement]:
    first, last = _month(month)
    return services.partner_statement(user=request.user, first=first, last=last, now=timezone.now())


@router.get("/partner/statements", response={200: StatementOut, **REFUSED})
def statement(request: AuthedRequest, month: str):
    """The partner's bills of a month (YYYY-MM), each with what was decided, instructed and
    paid, and the month's reconciliation (instructed against paid)."""
    rows = _statement_rows(request, month)
    org = services.partner_of(request.user, timezone.now())
    claims = [_settlement_out(r) for r in rows]
    instructed = sum((r.instructed for r in rows), Decimal(0))
    paid = sum((r.paid for r in rows), Decimal(0))
    return {
        "partner": org.name,
        "month": month,
        "claims": claims,
        "bill_total": sum((r.bill.total for r in rows), Decimal(0)),
        "instructed": instructed,
        "paid": paid,
        "outstanding": instructed - paid,
    }


# The CSV's columns: the statement's rows, labelled for the partner's accounts office.
STATEMENT_COLUMNS = (
    ("bill_no", pgettext_lazy("partner statement", "Bill number")),
    ("claim_no", pgettext_lazy("partner statement", "Claim number")),
    ("status", pgettext_lazy("partner statement", "Claim status")),
    ("submitted_at", pgettext_lazy("partner statement", "Submitted at")),
    ("bill_total", pgettext_lazy("partner statement", "Bill total")),
    ("decided", pgettext_lazy("partner statement", "Amount decided")),
    ("instructed", pgettext_lazy("partner statement", "Payment instructed")),
    ("paid", pgettext_lazy("partner statement", "Paid")),
    ("customer_share", pgettext_lazy("partner statement", "Customer's share")),
)


@router.get(
    "/partner/statements.csv",
    response={**REFUSED},
    openapi_extra={
        "responses": {
            200: {
                "description": "The month's statement as CSV (UTF-8 with a byte-order mark)",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def statement_csv(request: AuthedRequest, month: str):
    """The rows of ``/partner/statements`` as CSV for the partner's accounts: the header and
    the statuses in the product's language (Chinese) whatever the caller's, so an import
    reads the same columns every month; one row per bill, local times, amounts in yuan with
    two decimals."""
    cent = Decimal("0.01")
    bills = _statement_rows(request, month)
    with translation.override(settings.LANGUAGE_CODE):
        rows = [
            {k: v.quantize(cent) if isinstance(v, Decimal) else v for k, v in row.items()}
            for row in map(_settlement_out, bills)
        ]
        body = table_csv([(key, str(label)) for key, label in STATEMENT_COLUMNS], rows)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="statement-{month}.csv"'
    return response


class DisputeIn(Schema):
    claim_no: str = Field(..., min_length=1, max_length=30)
    text: str = Field(..., min_length=1, max_length=2000)
    amount_claimed: Decimal = Field(..., ge=0, lt=Decimal("1e10"))


class DisputeOut(Schema):
    claim_no: str
    objection: int
    status: str
    recheck_due_at: datetime | None


@router.post("/partner/disputes", response={201: DisputeOut, **REFUSED})
def dispute(request: AuthedRequest, payload: DisputeIn):
    """A repair shop disputes the loss assessment of a claim it repairs: re-checked within
    24 hours (the investigation's repair objection and its clock)."""
    objection = services.dispute_raise(
        user=request.user,
        claim_no=payload.claim_no,
        text=payload.text,
        amount_claimed=payload.amount_claimed,
        now=timezone.now(),
    )
    return Status(
        201,
        {
            "claim_no": payload.claim_no.strip(),
            "objection": objection.pk,
            "status": objection.get_status_display(),
            "recheck_due_at": objection.deadline.due_at if objection.deadline else None,
        },
    )
