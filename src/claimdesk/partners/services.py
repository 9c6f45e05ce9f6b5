"""Direct settlement (直赔) with partner hospitals and repair shops.

Nothing here decides cover: eligibility is the calculator's answer on a quote (an unsaved
claim, ``claims.claim_calculation``) against the policy year's accumulators; a bill opens a
claim through ``claims.claim_report`` (channel ``direct``) and is decided straight through
by ``stp`` when every rule passes, else by a person; its payment is ``payments``' own,
to the partner's settlement account (``register_settlement_payee``). What this app adds is
who the partner is, what it holds in advance (pre-authorisations, seen by the accumulators
through ``register_holds``) and the one claim per bill.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from claimdesk.cases.services import (
    CaseError,
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    case_reassign,
    least_loaded_agent,
    task_assign,
)
from claimdesk.cases.timeline import case_action, timeline_record
from claimdesk.claims.events import ClaimDecided
from claimdesk.claims.models import Channel, Claim
from claimdesk.claims.rules import LossLine, fen, policy_year
from claimdesk.claims.services import claim_calculation, claim_report, claim_terms
from claimdesk.claims.services.accumulators import Key
from claimdesk.documents.services import document_confirm, document_upload
from claimdesk.investigation.models import RepairObjection, Survey, SurveyStatus
from claimdesk.investigation.services import repair_objection_raise
from claimdesk.partners.models import (
    DirectBill,
    PartnerKind,
    PartnerOrganisation,
    PartnerStaff,
    PreAuthorisation,
    PreAuthStatus,
)
from claimdesk.policies.models import BankAccount, InsuredPerson, Policy
from claimdesk.stp.services import system_actor
from claimdesk.types import Actor
from claimdesk.workdays.clocks import SHANGHAI, to_local

PARTNER_PERMISSION = "partners.act_as_partner"
PREAUTH_DAYS = 30  # how long a pre-authorisation holds its amount unless told otherwise
MAX_PREAUTH_DAYS = 90
# What a partner's bills are claims of, and the checklist item the bill is filed under.
LOSS_TYPES: dict[str, str] = {PartnerKind.HOSPITAL: "medical", PartnerKind.REPAIR_SHOP: "auto"}
BILL_ITEMS = {"medical": "medical_invoice", "auto": "repair_invoice"}


class InsuredNotFound(CaseError):
    status = 404


# --- who the partner is -------------------------------------------------------------------------


def partner_of(user: Actor, now: datetime) -> PartnerOrganisation:
    """The organisation a partner user acts for; refused unless its contract is in force."""
    if not user.has_perm(PARTNER_PERMISSION):
        raise NotAllowed(_("Only a partner's staff may do this."))
    staff = PartnerStaff.objects.select_related("organisation").filter(user=user).first()
    if staff is None:
        raise NotAllowed(_("Your account belongs to no partner."))
    org = staff.organisation
    today = to_local(now).date()
    if not org.active or not org.contract_from <= today <= org.contract_until:
        raise NotAllowed(_("The partner's contract is not in force."))
    return org


@dataclass(frozen=True)
class Lookup:
    """How a partner names the insured person: the whole ID number, or the policy number
    (with the name), or the last four of the ID with the name and the person's consent."""

    id_number: str = ""
    policy_no: str = ""
    name: str = ""
    id_last4: str = ""
    consent: bool = False


def insured_find(org: PartnerOrganisation, lookup: Lookup) -> InsuredPerson:
    """The insured person on an active policy of a product the partner may bill."""
    found = InsuredPerson.objects.select_related("policy__product", "policy__holder").filter(
        policy__product__in=org.products.all(), policy__status=Policy.Status.ACTIVE
    )
    name = lookup.name.strip()
    if lookup.id_number.strip():
        found = found.filter(id_number__iexact=lookup.id_number.strip())
    elif lookup.policy_no.strip():
        found = found.filter(policy__number=lookup.policy_no.strip())
        if name:
            found = found.filter(name=name)
    elif lookup.id_last4.strip():
        if not lookup.consent:
            raise GuardFailed(_("A search by the last four ID digits needs the person's consent."))
        if not name:
            raise GuardFailed(_("Give the person's name with the last four ID digits."))
        found = found.filter(id_last4=lookup.id_last4.strip().upper(), name=name)
    else:
        raise GuardFailed(_("Give the ID number, the policy number or the last four ID digits."))
    people = list(found.order_by("id")[:2])
    if not people:
        raise InsuredNotFound(_("No insured person found on a policy you may bill."))
    if len(people) > 1:
        raise GuardFailed(_("Several insured persons match: give the policy number and name."))
    return people[0]


# --- eligibility --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    covered: bool
    reasons: tuple[str, ...]
    person: InsuredPerson
    coverage: str
    coverage_name: str
    period_start: date
    period_end: date
    limit: Decimal
    remaining_limit: Decimal
    deductible: Decimal
    deductible_remaining: Decimal
    ratio: Decimal
    waiting_days: int
    waiting_until: date
    estimated_amount: Decimal
    estimated_payable: Decimal
    estimated_customer_share: Decimal


def _quote(person: InsuredPerson, now: datetime) -> Claim:
    """An unsaved claim for the calculator: the person's policy, a loss today."""
    return Claim(policy=person.policy, insured_name=person.name, loss_time=now)


def eligibility_check(
    *,
    user: Actor,
    lookup: Lookup,
    service: str,
    amount: Decimal,
    now: datetime,
    accident: bool = False,
) -> Eligibility:
    """Covered or not, the coverage's remaining room this policy year and what the
    customer would likely pay: the calculator's answer on the estimated amount."""
    org = partner_of(user, now)
    return _eligibility(org, lookup, service, amount, now, accident)


def _eligibility(
    org: PartnerOrganisation,
    lookup: Lookup,
    service: str,
    amount: Decimal,
    now: datetime,
    accident: bool,
) -> Eligibility:
    if service not in org.service_codes:
        raise GuardFailed(
            _("Your contract does not cover billing %(service)s.") % {"service": service}
        )
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e10"):
        raise GuardFailed(_("The estimated amount must be more than zero."))
    amount = fen(amount)
    person = insured_find(org, lookup)
    quote = _quote(person, now)
    terms = claim_terms(quote)
    cover = terms.coverages.get(service)
    if cover is None:
        raise GuardFailed(_("The policy has no coverage %(service)s.") % {"service": service})
    line = LossLine(coverage=service, label=cover.name, amount=amount, illness=not accident)
    calculation = claim_calculation(quote, items=[line])
    payable = calculation.total
    room = max(cover.limit - cover.used, Decimal(0))
    if cover.event_limit is not None:
        room = min(room, cover.event_limit)
    first, last = policy_year(terms.policy.start, terms.policy.end, terms.loss_day)
    return Eligibility(
        covered=payable > 0,
        reasons=tuple(str(e.reason) for e in calculation.exclusions),
        person=person,
        coverage=service,
        coverage_name=cover.name,
        period_start=first,
        period_end=last,
        limit=cover.limit,
        remaining_limit=room,
        deductible=cover.deductible,
        deductible_remaining=max(cover.deductible - cover.deductible_used, Decimal(0)),
        ratio=cover.ratio,
        waiting_days=cover.waiting_days,
        waiting_until=terms.policy.start + timedelta(days=cover.waiting_days),
        estimated_amount=amount,
        estimated_payable=payable,
        estimated_customer_share=amount - payable,
    )


# --- pre-authorisation --------------------------------------------------------------------------


def preauthorisation_create(
    *,
    user: Actor,
    lookup: Lookup,
    service: str,
    amount: Decimal,
    now: datetime,
    accident: bool = False,
    valid_days: int = PREAUTH_DAYS,
    claim_no: str = "",
    agreed_repair_date: date | None = None,
) -> tuple[PreAuthorisation, Eligibility]:
    """Hold what the calculator would pay on ``amount`` in the person's policy year until a
    claim uses it or ``valid_days`` pass. Two holds on one policy are serialised on its row,
    so the second one's calculation sees the first. A repair shop names the customer's
    reported claim and the repair date agreed with them (the courtesy-car trigger)."""
    org = partner_of(user, now)
    if not 1 <= valid_days <= MAX_PREAUTH_DAYS:
        raise GuardFailed(
            _("A pre-authorisation holds for 1 to %(days)s days.") % {"days": MAX_PREAUTH_DAYS}
        )
    if agreed_repair_date is not None and (org.kind != PartnerKind.REPAIR_SHOP or not claim_no):
        raise GuardFailed(_("A repair date is agreed by a repair shop, for a reported claim."))
    if agreed_repair_date is not None and agreed_repair_date < to_local(now).date():
        raise GuardFailed(_("The agreed repair date has passed already."))
    with transaction.atomic():
        person = insured_find(org, lookup)
        Policy.objects.select_for_update().filter(pk=person.policy_id).first()
        claim = _reported_claim(person, claim_no) if claim_no else None
        answer = _eligibility(org, lookup, service, amount, now, accident)
        if not answer.covered:
            raise IllegalTransition(
                _("Nothing is covered: no amount can be held. %(why)s")
                % {"why": " ".join(answer.reasons)}
            )
        hold = PreAuthorisation.objects.create(
            reference=f"PA{to_local(now):%Y%m%d}{secrets.token_hex(4).upper()}",
            organisation=org,
            policy=person.policy,
            insured_name=person.name,
            coverage=service,
            period_start=answer.period_start,
            amount=answer.estimated_payable,
            created_by=user,
            created_at=now,
            expires_at=now + timedelta(days=valid_days),
            claim=claim,
            agreed_repair_date=agreed_repair_date,
        )
    return hold, answer


def _reported_claim(person: InsuredPerson, claim_no: str) -> Claim:
    """The person's open claim of that number on the same policy (404 otherwise)."""
    claim = Claim.objects.filter(
        case__number=claim_no.strip(),
        policy_id=person.policy_id,
        insured_name=person.name,
        case__is_open=True,
    ).first()
    if claim is None:
        raise InsuredNotFound(_("No open claim %(number)s of this person.") % {"number": claim_no})
    return claim


def preauthorisation_holds(claim: Claim, keys: Mapping[str, Key]) -> dict[str, Decimal]:
    """What live pre-authorisations hold of the claim's rows, except the claim's own (a
    hold a claim uses does not stand in its own way). Read by the accumulators."""
    from django.utils import timezone

    codes = {k.coverage: k.period_start for k in keys.values() if k.coverage}
    if not codes or claim.policy_id is None:
        return {}
    rows = PreAuthorisation.objects.filter(
        policy_id=claim.policy_id,
        insured_name=claim.insured_name,
        status=PreAuthStatus.ACTIVE,
        coverage__in=list(codes),
        expires_at__gt=timezone.now(),
    )
    if claim.pk is not None:
        rows = rows.exclude(claim_id=claim.pk)
    held: dict[str, Decimal] = {}
    for code, start, amount in rows.values_list("coverage", "period_start", "amount"):
        if codes.get(code) == start:
            held[code] = held.get(code, Decimal(0)) + amount
    return held


def preauthorisation_on_decided(event: ClaimDecided) -> None:
    """The claim a hold was for is decided: its reservation (or refusal) replaces the hold."""
    PreAuthorisation.objects.filter(claim_id=event.claim.pk, status=PreAuthStatus.ACTIVE).update(
        status=PreAuthStatus.USED
    )


def preauthorisations_expire(*, now: datetime) -> int:
    """The sweep: holds past their time give their room back."""
    return PreAuthorisation.objects.filter(status=PreAuthStatus.ACTIVE, expires_at__lte=now).update(
        status=PreAuthStatus.EXPIRED
    )


# --- repairs: disputes and overdue repairs ------------------------------------------------------


def _partner_claim(org: PartnerOrganisation, claim_no: str) -> Claim:
    """A claim the partner is part of: one its bill opened or its pre-authorisation names."""
    claim = (
        Claim.objects.filter(case__number=claim_no.strip())
        .filter(
            Q(direct_bill__organisation=org)
            | Q(pk__in=PreAuthorisation.objects.filter(organisation=org).values("claim_id"))
        )
        .select_related("case")
        .first()
    )
    if claim is None:
        raise InsuredNotFound(_("No claim %(number)s of yours.") % {"number": claim_no})
    return claim


def dispute_raise(
    *, user: Actor, claim_no: str, text: str, amount_claimed: Decimal, now: datetime
) -> RepairObjection:
    """A repair shop disputes the loss assessment of a claim it repairs: the investigation's
    repair objection, re-checked on its 24-hour ``repair_recheck`` clock."""
    org = partner_of(user, now)
    if org.kind != PartnerKind.REPAIR_SHOP:
        raise NotAllowed(_("Only a repair shop disputes a loss assessment."))
    claim = _partner_claim(org, claim_no)
    survey = (
        Survey.objects.filter(claim=claim, status=SurveyStatus.REPORTED).order_by("-id").first()
    )
    if survey is None:
        raise IllegalTransition(
            _("Claim %(number)s has no assessment to dispute yet.") % {"number": claim.number}
        )
    return repair_objection_raise(
        survey=survey,
        actor=system_actor(),
        now=now,
        shop=org.name,
        text=text,
        amount_claimed=amount_claimed,
    )


def repairs_overdue(*, now: datetime) -> int:
    """The sweep: a repair past the date agreed with the customer and not yet billed becomes
    a task for the claim's owner to offer a courtesy car (the repair shops' agreement)."""
    today = to_local(now).date()
    overdue = PreAuthorisation.objects.filter(
        organisation__kind=PartnerKind.REPAIR_SHOP,
        agreed_repair_date__lt=today,
        courtesy_offered_at__isnull=True,
        status=PreAuthStatus.ACTIVE,
        claim__case__is_open=True,
    ).select_related("organisation", "claim__case__owner")
    done = 0
    for hold in overdue:
        with transaction.atomic(), case_action():
            marked = PreAuthorisation.objects.filter(
                pk=hold.pk, courtesy_offered_at__isnull=True
            ).update(courtesy_offered_at=now)
            if not marked:  # another sweep took it
                continue
            _courtesy_task(hold, now=now)
            done += 1
    return done


def _courtesy_task(hold: PreAuthorisation, *, now: datetime) -> None:
    assert hold.claim is not None and hold.agreed_repair_date is not None
    case = hold.claim.case
    system = system_actor()
    timeline_record(
        case,
        now=now,
        actor=None,
        kind="repair_overdue",
        customer_visible=True,
        data={"shop": hold.organisation.name, "agreed": hold.agreed_repair_date.isoformat()},
    )
    task_assign(
        case=case,
        kind="courtesy_car",
        title=_("Offer a courtesy car: the repair at %(shop)s is past %(day)s")
        % {"shop": hold.organisation.name, "day": hold.agreed_repair_date.isoformat()},
        assignee=case.owner,
        actor=system,
        now=now,
    )


# --- direct-settlement claims -------------------------------------------------------------------


@dataclass(frozen=True)
class BillLine:
    label: str
    amount: Decimal


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes
    item_code: str = ""


@dataclass(frozen=True)
class BillIn:
    bill_no: str
    lookup: Lookup
    service: str
    lines: Sequence[BillLine]
    diagnosis: str
    admitted_at: datetime
    bill_date: date
    documents: Sequence[Upload]
    preauthorisation: str = ""
    accident: bool = False
    agreed_repair_date: date | None = None
    claim_no: str = ""  # a repair shop's bill for the customer's reported claim


@dataclass(frozen=True)
class Submitted:
    bill: DirectBill
    created: bool


def settlement_account_of(claim: Claim) -> BankAccount | None:
    """A claim with a partner's bill is paid to its partner (read by ``payments``): one the
    bill opened (channel 直赔) or a reported claim a repair shop's bill joined."""
    if claim.pk is None:
        return None
    bill = DirectBill.objects.select_related("organisation__settlement_account").filter(
        claim_id=claim.pk
    )
    found = bill.first()
    return found.organisation.settlement_account if found is not None else None


def _checked(bill: BillIn, now: datetime) -> Decimal:
    """The bill's total; refused with a reason when the bill cannot be a claim."""
    if not bill.bill_no.strip() or len(bill.bill_no.strip()) > 60:
        raise GuardFailed(_("Give the bill number (at most 60 characters)."))
    if not bill.lines or any(line.amount <= 0 or not line.label.strip() for line in bill.lines):
        raise GuardFailed(_("Each bill line needs a name and an amount above zero."))
    if not bill.diagnosis.strip():
        raise GuardFailed(_("Give the diagnosis or the loss assessment."))
    if bill.admitted_at > now or bill.bill_date > to_local(now).date():
        raise GuardFailed(_("The bill cannot lie in the future."))
    if bill.bill_date < to_local(bill.admitted_at).date():
        raise GuardFailed(_("The bill is dated before the admission or hand-in."))
    if not bill.documents:
        raise GuardFailed(_("Attach the bill as a document."))
    return fen(sum((line.amount for line in bill.lines), Decimal(0)))


def direct_claim_submit(*, user: Actor, bill: BillIn, now: datetime) -> Submitted:
    """Open the customer's claim for a partner's bill (channel 直赔), or join the reported
    claim a repair shop's bill names, once per bill number: a second submission of the same
    bill answers the claim the first one opened or joined."""
    org = partner_of(user, now)
    seen = _existing(org, bill.bill_no)
    if seen is not None:
        return Submitted(seen, created=False)
    total = _checked(bill, now)
    if bill.service not in org.service_codes:
        raise GuardFailed(
            _("Your contract does not cover billing %(service)s.") % {"service": bill.service}
        )
    person = insured_find(org, bill.lookup)
    try:
        with transaction.atomic():
            reported = _claim_to_join(org, person, bill)
            if reported is not None:
                made = _join(org, person, bill, total, reported, user=user, now=now)
            else:
                made = _open(org, person, bill, total, user=user, now=now)
    except (IntegrityError, IllegalTransition):  # the same bill, submitted concurrently
        seen = _existing(org, bill.bill_no)
        if seen is None:
            raise
        return Submitted(seen, created=False)
    return Submitted(made, created=True)


def _existing(org: PartnerOrganisation, bill_no: str) -> DirectBill | None:
    return (
        DirectBill.objects.select_related("claim__case")
        .filter(organisation=org, bill_no=bill_no.strip())
        .first()
    )


# What a repair shop's bill may join: the customer's reported motor or property claim.
JOINABLE_LOSS_TYPES = frozenset({"auto", "property"})


def _claim_to_join(org: PartnerOrganisation, person: InsuredPerson, bill: BillIn) -> Claim | None:
    """The reported claim a repair shop's bill joins: the one it names, else the one its
    pre-authorisation names; None opens a claim. Locked, so two bills cannot both join it."""
    number = bill.claim_no.strip()
    if not number and org.kind == PartnerKind.REPAIR_SHOP and bill.preauthorisation.strip():
        hold = PreAuthorisation.objects.filter(
            reference=bill.preauthorisation.strip(), organisation=org, claim__isnull=False
        ).first()
        number = hold.claim.number if hold is not None and hold.claim is not None else ""
    if not number:
        return None
    if org.kind != PartnerKind.REPAIR_SHOP:
        raise GuardFailed(_("Claim number: only a repair shop's bill joins a reported claim."))
    claim = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("case")
        .filter(case__number=number, policy_id=person.policy_id, insured_name=person.name)
        .first()
    )
    if claim is None:
        raise InsuredNotFound(
            _("Claim number: no claim %(number)s of this person.") % {"number": number}
        )
    _joinable(claim)
    return claim


def _joinable(claim: Claim) -> None:
    """Refused: a closed claim, one not of motor or property, one with a bill already, or
    one decided and already paid to the customer (the partner would be paid a second time)."""
    from claimdesk.payments.models import Payment

    number = {"number": claim.number}
    if not claim.case.is_open:
        raise IllegalTransition(_("Claim number: claim %(number)s is closed.") % number)
    if claim.loss_type not in JOINABLE_LOSS_TYPES:
        raise GuardFailed(
            _("Claim number: claim %(number)s is no motor or property claim.") % number
        )
    if DirectBill.objects.filter(claim_id=claim.pk).exists():
        raise IllegalTransition(
            _("Claim number: claim %(number)s has a partner's bill already.") % number
        )
    if claim.decision and Payment.objects.filter(claim_id=claim.pk).exists():
        raise IllegalTransition(
            _("Claim number: claim %(number)s is decided and paid to the customer.") % number
        )


def _report(org: PartnerOrganisation, person: InsuredPerson, bill: BillIn, total: Decimal):
    lines = "；".join(f"{line.label.strip()} ¥{fen(line.amount)}" for line in bill.lines)
    return {
        "policy_no": person.policy.number,
        "insured_name": person.name,
        "loss_time": bill.admitted_at,
        "loss_place": org.name,
        "loss_cause": bill.diagnosis.strip()[:200],
        "description": f"{org.name} {bill.bill_no.strip()}: {lines}",
        "loss_type": LOSS_TYPES[org.kind],
        "estimated_amount": total,
        "contact_phone": person.phone or "",
    }


def _open(
    org: PartnerOrganisation,
    person: InsuredPerson,
    bill: BillIn,
    total: Decimal,
    *,
    user: Actor,
    now: datetime,
) -> DirectBill:
    """The claim, the bill and its documents in one transaction, by the system account;
    the case is then owned by customer service like a report from the portal."""
    system = system_actor()
    claim = claim_report(
        reporter=system, report=_report(org, person, bill, total), channel=Channel.DIRECT, now=now
    ).claim
    with case_action():
        case = case_reassign(
            case=claim.case,
            new_owner=least_loaded_agent(),
            actor=system,
            now=now,
            reason=_("Direct-settlement claim: owned by customer service"),
        )
        claim.case = case
        return _attach(org, person, bill, total, claim, user=user, now=now)


def _join(
    org: PartnerOrganisation,
    person: InsuredPerson,
    bill: BillIn,
    total: Decimal,
    claim: Claim,
    *,
    user: Actor,
    now: datetime,
) -> DirectBill:
    """A repair shop's bill for the customer's reported claim: the claim stays with its
    owner and its flow; the bill, its documents and the payee (the shop) join it."""
    with case_action():
        return _attach(org, person, bill, total, claim, user=user, now=now)


def _attach(
    org: PartnerOrganisation,
    person: InsuredPerson,
    bill: BillIn,
    total: Decimal,
    claim: Claim,
    *,
    user: Actor,
    now: datetime,
) -> DirectBill:
    """The bill on the claim, its timeline line, the hold it uses and its documents."""
    made = DirectBill.objects.create(
        organisation=org,
        bill_no=bill.bill_no.strip(),
        claim=claim,
        total=total,
        items=[{"label": x.label.strip(), "amount": str(fen(x.amount))} for x in bill.lines],
        diagnosis=bill.diagnosis.strip()[:300],
        agreed_repair_date=bill.agreed_repair_date,
        submitted_by=user,
        submitted_at=now,
    )
    timeline_record(
        claim.case,
        now=now,
        actor=user,
        kind="direct_bill",
        customer_visible=True,
        data={"partner": org.name, "bill_no": made.bill_no, "total": str(total)},
    )
    if bill.preauthorisation.strip():
        PreAuthorisation.objects.filter(
            reference=bill.preauthorisation.strip(),
            organisation=org,
            policy_id=person.policy_id,
            status=PreAuthStatus.ACTIVE,
        ).update(claim=claim)
    _file_documents(claim, org, person, bill, total, actor=system_actor(), now=now)
    return made


def _file_documents(
    claim: Claim,
    org: PartnerOrganisation,
    person: InsuredPerson,
    bill: BillIn,
    total: Decimal,
    *,
    actor: Actor,
    now: datetime,
) -> None:
    """The documents on the claim's checklist; the first is the bill, whose fields are the
    partner's electronic data (confirmed as such, not read by OCR)."""
    bill_item = BILL_ITEMS.get(claim.loss_type, "invoice")
    for index, upload in enumerate(bill.documents):
        code = upload.item_code or (bill_item if index == 0 else "")
        document = document_upload(
            claim=claim,
            file=ContentFile(upload.content, name=upload.name[:100] or "bill"),
            actor=actor,
            now=now,
            item_code=code or None,
        ).document
        if index == 0:
            fields: dict[str, Any] = {
                "amount": str(total),
                "date": bill.bill_date.isoformat(),
                "name": person.name,
            }
            if claim.loss_type != "auto":
                fields["hospital"] = org.name
            document_confirm(
                document=document, fields=fields, actor=actor, now=now, item_code=code or None
            )


# --- what the partner and the customer see ------------------------------------------------------


@dataclass(frozen=True)
class Settlement:
    """A direct-settlement claim's money: the bill, what the insurer pays the partner
    (decided, instructed, paid) and the customer's own share."""

    bill: DirectBill
    decided: Decimal | None
    instructed: Decimal
    paid: Decimal
    customer_share: Decimal | None


def settlement_of(bill: DirectBill) -> Settlement:
    from claimdesk.payments.models import Payment
    from claimdesk.payments.rules import PaymentState

    claim = bill.claim
    payments = Payment.objects.filter(claim_id=claim.pk)
    instructed = payments.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    paid = payments.filter(state=PaymentState.CONFIRMED).aggregate(s=Sum("amount"))["s"]
    decided = claim.approved_amount if claim.decision else None
    if claim.decision == "reject":
        decided = Decimal(0)
    return Settlement(
        bill=bill,
        decided=decided,
        instructed=instructed,
        paid=paid or Decimal(0),
        customer_share=bill.total - decided if decided is not None else None,
    )


def direct_settlement_for_customer(claim: Claim) -> Settlement | None:
    bill = DirectBill.objects.select_related("organisation", "claim").filter(claim_id=claim.pk)
    found = bill.first()
    return settlement_of(found) if found is not None else None


def partner_statement(*, user: Actor, first: date, last: date, now: datetime) -> list[Settlement]:
    """The partner's own bills submitted in [first, last] (local days), oldest first."""
    org = partner_of(user, now)
    start = datetime.combine(first, time.min, tzinfo=SHANGHAI)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    bills = (
        DirectBill.objects.filter(organisation=org, submitted_at__gte=start, submitted_at__lt=end)
        .select_related("claim__case", "organisation")
        .order_by("submitted_at", "id")
    )
    return [settlement_of(b) for b in bills]
