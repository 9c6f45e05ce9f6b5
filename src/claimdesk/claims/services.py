"""Claim intake and material review: one service per business action.

``claim_report`` is shared by the API, the customer portal, the hotline form and bulk
import; it validates, registers (with flags rather than refusals where the claim must later be
decided and explained), builds the one-time checklist, links possible duplicates and starts
the kernel's clocks through ``case_open``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from claimdesk.cache import ReferenceCache
from claimdesk.cases.models import Case, Deadline, DeadlineState, Task, TaskStatus
from claimdesk.cases.services import (
    CaseError,
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    can_act,
    case_open,
    case_transition,
    deadline_start,
    escalation_recipient,
    task_assign,
    task_cancel,
    task_complete,
)
from claimdesk.cases.timeline import timeline_record
from claimdesk.claims.models import (
    ApprovalRule,
    ChecklistTemplateItem,
    Claim,
    ClaimDecision,
    ClaimItem,
    Decision,
    DecisionApproval,
    DecisionStatus,
    IdempotencyKey,
    ItemState,
    LossItem,
)
from claimdesk.claims.rules import (
    DEFAULT_APPROVAL_STEPS,
    DUPLICATE_WINDOW,
    Calculation,
    ClauseRef,
    CoverageTerms,
    Flag,
    LossLine,
    PolicyTerms,
    adjudicate,
    approval_refusal,
    approvals_required,
    cover_flags,
    looks_duplicate,
    missing_fields,
)
from claimdesk.claims.workflow import payment_rule
from claimdesk.notify.services import notification_queue
from claimdesk.policies.models import Clause, Coverage, InsuredPerson, Policy
from claimdesk.policies.rules import LossType
from claimdesk.policies.selectors import policies_visible_to
from claimdesk.staff.roles import ROLE_PERMISSIONS
from claimdesk.staff.services import is_staff_member
from claimdesk.workdays.clocks import to_local
from claimdesk.workdays.selectors import work_calendar

User = get_user_model()
PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")


class ReportInvalid(CaseError):
    """The report cannot be registered; ``errors`` maps each field to what is wrong."""

    status = 400

    def __init__(self, errors: dict[str, str]):
        super().__init__(
            _("The report has errors: %(fields)s") % {"fields": ", ".join(sorted(errors))},
            errors=errors,
        )
        self.errors = errors


@dataclass
class ReportResult:
    claim: Claim
    created: bool
    duplicates: list[Claim] = field(default_factory=list)
    items: list[ClaimItem] = field(default_factory=list)  # the checklist of a new claim


def _parse_amount(raw: Any, errors: dict[str, str]) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        errors["estimated_amount"] = _("Enter an amount like 12800.50.")
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        errors["estimated_amount"] = _("The amount must be zero or more.")
        return None
    return amount.quantize(Decimal("0.01"))


# Text fields and the longest value their column holds: refused with a message here rather
# than failing in the database (PostgreSQL) or being stored whole (SQLite).
MAX_LENGTHS = {
    f: Claim._meta.get_field(f).max_length
    for f in ("insured_name", "loss_place", "loss_cause", "contact_phone")
}


def _policy_for(reporter, report: Mapping[str, Any]) -> Policy | None:
    """The policy a report names, among those the reporter may see, in one query with what
    the report needs to know before writing: its holder and product, whether the named
    person is insured on it (``named_is_insured``), whether claims on it lie near the loss
    time (``near_claims``: only then can there be possible duplicates) and whether the holder
    has accepted documents (``holder_has_documents``: only then can any be reused)."""
    from claimdesk.documents.models import Document  # documents imports claims

    policy_no = report.get("policy_no")
    if not policy_no:
        return None
    name = str(report.get("insured_name") or "").strip()
    found = (
        policies_visible_to(reporter)
        .select_related("holder")
        .annotate(
            named_is_insured=Exists(InsuredPerson.objects.filter(policy=OuterRef("pk"), name=name)),
            holder_has_documents=Exists(
                Document.objects.filter(
                    claim__case__customer_id=OuterRef("holder_id"),
                    item__state=ItemState.ACCEPTED,
                )
            ),
        )
        .filter(number=str(policy_no).strip())
    )
    loss_time = report.get("loss_time")
    if isinstance(loss_time, datetime) and loss_time.tzinfo is not None:
        found = found.annotate(
            near_claims=Exists(
                Claim.objects.filter(
                    policy=OuterRef("pk"),
                    insured_name=name,
                    loss_time__range=(loss_time - DUPLICATE_WINDOW, loss_time + DUPLICATE_WINDOW),
                )
            )
        )
    return found.first()


def report_check(
    report: Mapping[str, Any], *, policy: Policy | None, now: datetime
) -> tuple[dict[str, str], Decimal | None]:
    """Every field error of a report and its amount, given the policy its number found.

    One set of rules for every channel: ``claim_report`` and bulk import both call this,
    the bulk path with the policies of a whole chunk fetched at once (``insured``
    prefetched), ``claim_report`` with the policy's ``named_is_insured`` annotation.
    ``policy`` is None when the number is missing or unknown to the reporter.
    """
    errors = {f: _("This field is required.") for f in missing_fields(report)}
    loss_type = str(report.get("loss_type") or "")
    if loss_type and loss_type not in LossType.__members__.values():
        errors["loss_type"] = _("Choose one of: %(types)s.") % {
            "types": ", ".join(t.value for t in LossType)
        }
    if report.get("policy_no") and policy is None:
        errors["policy_no"] = _("Unknown policy number.")
    loss_time = report.get("loss_time")
    if isinstance(loss_time, datetime):
        if loss_time.tzinfo is None:
            errors["loss_time"] = _("Give the time of loss with its time zone.")
        elif loss_time > now:
            errors["loss_time"] = _("The time of loss is in the future.")
    elif loss_time not in (None, ""):
        errors["loss_time"] = _("Give the time of loss as a date and time.")
    phone = str(report.get("contact_phone") or "").strip()
    if phone and not PHONE.match(phone):
        errors["contact_phone"] = _("Enter a phone number of digits.")
    for f, limit in MAX_LENGTHS.items():
        if f not in errors and len(str(report.get(f) or "").strip()) > limit:
            errors[f] = _("At most %(limit)d characters.") % {"limit": limit}
    amount = _parse_amount(report.get("estimated_amount"), errors)
    name = str(report.get("insured_name") or "").strip()
    if policy is not None and name and not _is_insured(policy, name):
        errors["insured_name"] = _("%(name)s is not insured under this policy.") % {"name": name}
    return errors, amount


def _is_insured(policy: Policy, name: str) -> bool:
    known = getattr(policy, "named_is_insured", None)  # read with the policy (claim_report)
    if known is not None:
        return known
    return any(p.name == name for p in policy.insured.all())


def _validate(reporter, report: Mapping[str, Any], now: datetime) -> tuple[Policy, Decimal | None]:
    policy = _policy_for(reporter, report)
    errors, amount = report_check(report, policy=policy, now=now)
    if errors:
        raise ReportInvalid(errors)
    assert policy is not None  # no errors: the policy was found
    return policy, amount


def report_flags(policy: Policy, report: Mapping[str, Any]) -> list[str]:
    """Cover flags of a valid report: registered anyway, decided and explained later."""
    return cover_flags(
        loss_day=to_local(report["loss_time"]).date(),
        start=policy.start,
        end=policy.end,
        in_force=policy.status == Policy.Status.ACTIVE,
        product_line=policy.product.line,
        loss_type=str(report["loss_type"]),
    )


def claim_case_fields(policy: Policy, report: Mapping[str, Any], channel: str) -> dict[str, Any]:
    """What ``case_open`` is told about a claim's case (title, category, opening data)."""
    return {
        "kind": "claim",
        "category": str(report["loss_type"]),
        "title": f"{policy.product.name} {str(report['loss_cause']).strip()}"[:200],
        "data": {"channel": channel, "policy_no": policy.number},
    }


def claim_build(
    *,
    case,
    policy: Policy,
    report: Mapping[str, Any],
    amount: Decimal | None,
    channel: str,
    reporter,
    flags: list[str],
) -> Claim:
    """The (unsaved) claim of a valid report: one mapping of report fields for all paths."""
    return Claim(
        case=case,
        policy=policy,
        insured_name=str(report["insured_name"]).strip(),
        loss_time=report["loss_time"],
        loss_place=str(report.get("loss_place") or "").strip(),
        loss_cause=str(report["loss_cause"]).strip(),
        description=str(report.get("description") or "").strip(),
        loss_type=str(report["loss_type"]),
        estimated_amount=amount,
        contact_phone=str(report["contact_phone"]).strip(),
        channel=channel,
        reporter=reporter,
        flags=flags,
    )


# The checklist templates are admin reference data, read by every report.
_templates = ReferenceCache(
    lambda: tuple(ChecklistTemplateItem.objects.filter(active=True).order_by("position", "id")),
    ChecklistTemplateItem,
)


def checklist_templates(product_id: int, loss_type: str) -> list[ChecklistTemplateItem]:
    """The one-time checklist of a product and loss type: the loss type's items, a
    product's own items winning by code."""
    chosen: dict[str, ChecklistTemplateItem] = {}
    for t in _templates.get():
        if t.loss_type != loss_type or t.product_id not in (None, product_id):
            continue
        if t.code not in chosen or t.product_id is not None:
            chosen[t.code] = t
    return list(chosen.values())


CHECKLIST_COLUMNS = ("claim_id", "code", "name", "core", "lasting", "state", "reason", "updated_at")


def checklist_rows(claim_id: int, templates: list[ChecklistTemplateItem], now: datetime):
    """A new claim's checklist as rows of ``CHECKLIST_COLUMNS``: every item still missing."""
    return [
        (claim_id, t.code, t.name, t.core, t.lasting, ItemState.MISSING, "", now) for t in templates
    ]


def checklist_build(
    claim: Claim, templates: list[ChecklistTemplateItem], now: datetime
) -> list[ClaimItem]:
    return [
        ClaimItem(**dict(zip(CHECKLIST_COLUMNS, row, strict=True)))
        for row in checklist_rows(claim.pk, templates, now)
    ]


def duplicates_among(claim: Claim, candidates) -> list:
    """The candidates (claims, or anything with the same attributes) that look like the
    same event as ``claim``: same policy and insured person, loss within a day, similar
    cause. Linked and shown, never merged."""
    return [
        c
        for c in candidates
        if c.pk != claim.pk
        and c.policy_id == claim.policy_id
        and c.insured_name == claim.insured_name
        and looks_duplicate(
            loss_time=claim.loss_time,
            cause=claim.loss_cause,
            other_time=c.loss_time,
            other_cause=c.loss_cause,
        )
    ]


def registered_notice(number: str, items) -> dict[str, str]:
    """The customer's "registered" message with the one-time checklist (its items or the
    templates they were made from: anything with a ``name``)."""
    return {
        "subject": _("Claim %(number)s registered") % {"number": number},
        "body": _("Please provide at once: %(items)s.")
        % {"items": "、".join(i.name for i in items)},
    }


def _checklist(claim: Claim, now: datetime) -> list[ClaimItem]:
    """The one-time checklist: the loss type's items, a product's own items winning by code."""
    templates = checklist_templates(claim.policy.product_id, claim.loss_type)
    return ClaimItem.objects.bulk_create(checklist_build(claim, templates, now))


def _possible_duplicates(claim: Claim) -> list[Claim]:
    near = Claim.objects.filter(
        policy=claim.policy,
        insured_name=claim.insured_name,
        loss_time__range=(
            claim.loss_time - DUPLICATE_WINDOW,
            claim.loss_time + DUPLICATE_WINDOW,
        ),
    ).select_related("case")
    return duplicates_among(claim, near)


def document_reuse_lasting(*, claim: Claim, now: datetime, actor, items: list[ClaimItem]) -> None:
    """一次提交、全程复用: identity and bank documents already accepted for this customer
    count for the new claim too (documents imports claims, hence the late import)."""
    from claimdesk.documents.services import document_reuse_lasting as reuse

    reuse(claim=claim, now=now, actor=actor, items=items)


def claim_report(
    *,
    reporter,
    report: Mapping[str, Any],
    channel: str,
    now: datetime,
    idempotency_key: str | None = None,
) -> ReportResult:
    """Register a claim reported by a customer (their own policy) or by staff (hotline:
    the agent who takes the call owns the case)."""
    key = (idempotency_key or "").strip()[:100]
    if key:
        seen = IdempotencyKey.objects.filter(user=reporter, key=key).select_related("claim").first()
        if seen is not None:
            return ReportResult(seen.claim, created=False)
    staff = is_staff_member(reporter)
    may_report = "claims.handle_intake" if staff else "cases.act_as_customer"
    if not reporter.has_perm(may_report):
        raise NotAllowed(_("You may not report claims."))
    policy, amount = _validate(reporter, report, now)
    flags = report_flags(policy, report)
    try:
        with transaction.atomic():
            case = case_open(
                **claim_case_fields(policy, report, channel),
                actor=reporter,
                customer=policy.holder,
                owner=reporter if staff else None,
                now=now,
            )
            claim = claim_build(
                case=case,
                policy=policy,
                report=report,
                amount=amount,
                channel=channel,
                reporter=reporter,
                flags=flags,
            )
            claim.save(force_insert=True)
            items = _checklist(claim, now)
            if policy.holder_has_documents:
                document_reuse_lasting(claim=claim, now=now, actor=reporter, items=items)
            near = getattr(policy, "near_claims", True)  # read with the policy
            duplicates = _possible_duplicates(claim) if near else []
            if duplicates:
                claim.possible_duplicates.add(*duplicates)
                for flagged in (claim, *duplicates):
                    if Flag.POSSIBLE_DUPLICATE not in flagged.flags:
                        flagged.flags = [*flagged.flags, Flag.POSSIBLE_DUPLICATE]
                        flagged.save(update_fields=["flags"])
            if key:
                IdempotencyKey.objects.create(user=reporter, key=key, claim=claim, created_at=now)
            notification_queue(
                recipient=policy.holder,
                case=case,
                kind="claim_registered",
                now=now,
                phone=claim.contact_phone,
                **registered_notice(case.number, items),
            )
    except IntegrityError:
        if key:
            seen = IdempotencyKey.objects.filter(user=reporter, key=key).first()
            if seen is not None:
                return ReportResult(seen.claim, created=False)
        raise
    return ReportResult(claim, created=True, duplicates=duplicates, items=items)


def materials_complete(claim: Claim) -> bool:
    """容缺受理: every core item accepted; non-core items may still be missing."""
    return not claim.items.filter(core=True).exclude(state=ItemState.ACCEPTED).exists()


def _item_event(
    claim: Claim, item: ClaimItem, *, actor, now: datetime, kind: str, customer_visible: bool = True
) -> None:
    timeline_record(
        claim.case,
        now=now,
        actor=actor,
        kind=kind,
        customer_visible=customer_visible,
        data={"item": item.code, "name": item.name, "state": item.state, "reason": item.reason},
    )


_ITEM_MOVES: Mapping[str, tuple[str, ...]] = {
    ItemState.RECEIVED: (ItemState.MISSING, ItemState.RETURNED, ItemState.RECEIVED),
    ItemState.ACCEPTED: (ItemState.RECEIVED,),
    ItemState.RETURNED: (ItemState.RECEIVED, ItemState.ACCEPTED),
}


def claim_item_set_state(
    *, item: ClaimItem, state: str, actor, now: datetime, reason: str = ""
) -> ClaimItem:
    """Move a checklist item: missing → received → accepted, or returned with a reason.

    Receiving can come from the customer's upload; accepting and returning are staff
    decisions on the case. When the last core item is accepted the materials are complete:
    that moment is recorded once and the payment clock starts from it.
    """
    state = ItemState(state)
    with transaction.atomic():
        item = (
            ClaimItem.objects.select_for_update()
            .select_related("claim__case", "claim__policy__holder")
            .get(pk=item.pk)
        )
        claim = item.claim
        customer_upload = state == ItemState.RECEIVED and actor.pk == claim.case.customer_id
        if not (customer_upload or can_act(actor, claim.case, "claims.handle_intake")):
            raise NotAllowed(
                _("You may not change the materials of claim %(number)s.")
                % {"number": claim.number}
            )
        if not claim.case.is_open:
            raise IllegalTransition(_("Claim %(number)s is closed.") % {"number": claim.number})
        if item.state not in _ITEM_MOVES[state]:
            raise IllegalTransition(
                _("%(item)s is %(state)s and cannot become %(new)s.")
                % {
                    "item": item.name,
                    "state": item.get_state_display(),
                    "new": ItemState(state).label,
                }
            )
        if state == ItemState.RETURNED and not reason.strip():
            raise GuardFailed(_("Say why the item is returned, so the customer can fix it."))
        item.state = state
        item.reason = reason.strip()[:300] if state == ItemState.RETURNED else ""
        item.updated_at = now
        item.save(update_fields=["state", "reason", "updated_at"])
        _item_event(claim, item, actor=actor, now=now, kind=f"item_{state}")
        if state == ItemState.RETURNED:
            notification_queue(
                recipient=claim.policy.holder,
                case=claim.case,
                kind="item_returned",
                now=now,
                phone=claim.contact_phone,
                subject=_("Claim %(number)s: %(item)s returned")
                % {"number": claim.number, "item": item.name},
                body=item.reason,
            )
        elif state == ItemState.ACCEPTED:
            _materials_completed(claim, actor=actor, now=now)
    return item


def _materials_completed(claim: Claim, *, actor, now: datetime) -> None:
    """Record, once, the event the payment clock starts from, and tell the customer."""
    if claim.materials_complete_at is not None or not materials_complete(claim):
        return
    claim.materials_complete_at = now
    claim.save(update_fields=["materials_complete_at"])
    timeline_record(
        claim.case, now=now, actor=actor, kind="materials_complete", customer_visible=True, data={}
    )
    for rule_code in (payment_rule(claim), "interim_payment"):
        deadline_start(case=claim.case, rule_code=rule_code, now=now, actor=actor)
    notification_queue(
        recipient=claim.policy.holder,
        case=claim.case,
        kind="materials_complete",
        now=now,
        phone=claim.contact_phone,
        subject=_("Claim %(number)s: materials complete") % {"number": claim.number},
    )


CHASE_LIMIT = 5
CHASED_STATES = (ItemState.MISSING, ItemState.RETURNED)


def claims_chase_missing_items(*, now: datetime) -> int:
    """Remind customers of the non-core items still missing after 容缺受理.

    Every ``CLAIMDESK_CHASE_WORKING_DAYS`` working days after materials were complete (or
    after the last reminder), at most ``CHASE_LIMIT`` times, one message per claim listing
    the items. Safe to run often and in parallel: a claim is re-read under lock.
    """
    every = settings.CLAIMDESK_CHASE_WORKING_DAYS
    calendar = work_calendar()
    today = to_local(now).date()
    candidates = (
        Claim.objects.filter(
            case__is_open=True,
            materials_complete_at__isnull=False,
            materials_chase_count__lt=CHASE_LIMIT,
            items__core=False,
            items__state__in=CHASED_STATES,
        )
        .distinct()
        .only("pk", "materials_complete_at", "materials_chased_at")
    )
    chased = 0
    for claim in candidates:
        since = to_local(claim.materials_chased_at or claim.materials_complete_at).date()
        if calendar.add_working_days(since, every) > today:
            continue
        with transaction.atomic():
            locked = (
                Claim.objects.select_for_update(of=("self",))
                .select_related("case", "policy__holder")
                .get(pk=claim.pk)
            )
            if locked.materials_chased_at != claim.materials_chased_at:
                continue  # a parallel run has just chased it
            names = list(
                locked.items.filter(core=False, state__in=CHASED_STATES).values_list(
                    "name", flat=True
                )
            )
            locked.materials_chased_at = now
            locked.materials_chase_count += 1
            locked.save(update_fields=["materials_chased_at", "materials_chase_count"])
            timeline_record(
                locked.case,
                now=now,
                kind="materials_chased",
                customer_visible=True,
                data={"items": names},
            )
            notification_queue(
                recipient=locked.policy.holder,
                case=locked.case,
                kind="materials_chased",
                now=now,
                phone=locked.contact_phone,
                subject=_("Claim %(number)s: please still send %(items)s")
                % {"number": locked.number, "items": "、".join(names)},
            )
        chased += 1
    return chased


# --- adjudication: loss items, calculation, decisions with authority ----------------------

DECIDING = frozenset({"reviewing", "awaiting_materials", "investigating", "adjudicating"})
ASSESSORS = ("claims.decide_claim", "claims.handle_survey")


def _clause_ref(clause: Clause | None) -> ClauseRef | None:
    if clause is None:
        return None
    return ClauseRef(article=clause.article, title=clause.title, text=clause.text)


def _general_clause(product_id: int, word: str) -> Clause | None:
    return (
        Clause.objects.filter(product_id=product_id, kind=Clause.Kind.GENERAL, title__contains=word)
        .order_by("article")
        .first()
    )


def _paid_elsewhere(claim: Claim) -> tuple[Decimal, dict[str, Decimal]]:
    """What other approved claims on the same policy already took, in all and per coverage."""
    used: dict[str, Decimal] = {}
    total = Decimal(0)
    others = ClaimDecision.objects.filter(
        claim__policy_id=claim.policy_id, status=DecisionStatus.APPROVED
    ).exclude(claim=claim)
    for calculation in others.values_list("calculation", flat=True):
        for code, amount in (calculation.get("by_coverage") or {}).items():
            used[code] = used.get(code, Decimal(0)) + Decimal(amount)
            total += Decimal(amount)
    return total, used


def claim_calculation(claim: Claim) -> Calculation:
    """The calculator's answer for the claim's accepted loss items, against its contract."""
    policy = claim.policy
    paid, used = _paid_elsewhere(claim)
    coverages = {
        c.code: CoverageTerms(
            code=c.code,
            name=c.name,
            limit=c.limit,
            deductible=c.deductible,
            ratio=c.reimbursement_ratio,
            waiting_days=c.waiting_days,
            clause=_clause_ref(c.clause),
            used=used.get(c.code, Decimal(0)),
        )
        for c in Coverage.objects.filter(product_id=policy.product_id).select_related("clause")
    }
    terms = PolicyTerms(
        start=policy.start,
        end=policy.end,
        in_force=policy.status == Policy.Status.ACTIVE,
        sum_insured=policy.sum_insured,
        paid=paid,
        term_clause=_clause_ref(_general_clause(policy.product_id, "保险期间")),
        waiting_clause=_clause_ref(_general_clause(policy.product_id, "等待期")),
    )
    items = [
        LossLine(
            coverage=i.coverage,
            label=i.label,
            amount=i.amount,
            liability=i.liability,
            illness=i.illness,
            exclusion=_clause_ref(i.exclusion),
            exclusion_reason=i.exclusion_reason,
        )
        for i in claim.loss_items.select_related("exclusion")
    ]
    return adjudicate(
        policy=terms, coverages=coverages, loss_day=to_local(claim.loss_time).date(), items=items
    )


def _assessing(claim: Claim, actor) -> Case:
    """Lock the claim's case for a change to its loss items; refuse when not allowed."""
    case = Case.objects.select_for_update(no_key=True).get(pk=claim.pk)
    if not any(can_act(actor, case, p) for p in ASSESSORS):
        raise NotAllowed(
            _("You may not assess the loss of claim %(number)s.") % {"number": case.number}
        )
    if case.status not in DECIDING:
        raise IllegalTransition(
            _("Claim %(number)s is %(status)s: its loss can no longer change.")
            % {"number": case.number, "status": case.status_label()}
        )
    return case


def _money(raw: Any, field_name: str, *, low: Decimal, high: Decimal | None = None) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise GuardFailed(_("%(field)s must be a number.") % {"field": field_name}) from None
    if not value.is_finite() or value < low or (high is not None and value > high):
        raise GuardFailed(_("%(field)s is out of range.") % {"field": field_name})
    return value


def loss_item_add(
    *,
    claim: Claim,
    actor,
    now: datetime,
    coverage: str,
    label: str,
    amount: Any,
    liability: Any = 1,
    illness: bool = False,
) -> LossItem:
    """Record an accepted loss item under one of the product's coverages."""
    with transaction.atomic():
        case = _assessing(claim, actor)
        if not Coverage.objects.filter(product_id=claim.policy.product_id, code=coverage).exists():
            raise GuardFailed(_("The product has no coverage %(code)s.") % {"code": coverage})
        if not label.strip():
            raise GuardFailed(_("Name the loss item."))
        value = _money(amount, _("amount"), low=Decimal(0), high=Decimal("999999999999"))
        share = _money(liability, _("liability ratio"), low=Decimal(0), high=Decimal(1))
        item = LossItem.objects.create(
            claim=claim,
            coverage=coverage,
            label=label.strip()[:120],
            amount=value.quantize(Decimal("0.01")),
            liability=share.quantize(Decimal("0.001")),
            illness=illness,
            added_by=actor,
            added_at=now,
        )
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="loss_item_added",
            data={"item": item.pk, "label": item.label, "amount": str(item.amount)},
        )
    return item


def loss_item_exclude(
    *, item: LossItem, clause: Clause | None, reason: str, actor, now: datetime
) -> LossItem:
    """Apply an exclusion clause of the product to an item (or lift it with ``None``)."""
    with transaction.atomic():
        case = _assessing(item.claim, actor)
        item = LossItem.objects.select_for_update().get(pk=item.pk)
        if clause is not None:
            if clause.product_id != item.claim.policy.product_id:
                raise GuardFailed(_("The clause belongs to another product."))
            if not reason.strip():
                raise GuardFailed(_("Say why the exclusion applies."))
        item.exclusion = clause
        item.exclusion_reason = reason.strip()[:300] if clause else ""
        item.save(update_fields=["exclusion", "exclusion_reason"])
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="loss_item_excluded" if clause else "loss_item_included",
            data={"item": item.pk, "clause": clause.article if clause else "", "reason": reason},
        )
    return item


def loss_item_remove(*, item: LossItem, actor, now: datetime) -> None:
    with transaction.atomic():
        case = _assessing(item.claim, actor)
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="loss_item_removed",
            data={"item": item.pk, "label": item.label, "amount": str(item.amount)},
        )
        item.delete()


def approval_steps() -> list[tuple[Decimal, int]]:
    rows = list(ApprovalRule.objects.values_list("min_amount", "approvals"))
    return rows or list(DEFAULT_APPROVAL_STEPS)


def approval_limit(user) -> Decimal | None:
    profile = getattr(user, "staff_profile", None)
    return profile.approval_limit if profile is not None else None


def _approver_for(decision: ClaimDecision, *, exclude: set[int], final: bool):
    """Who should sign next: the lowest level that may (for the last signature, a limit
    that covers the amount), then the lightest load of open tasks."""
    deciders = [r.value for r, perms in ROLE_PERMISSIONS.items() if "claims.decide_claim" in perms]
    open_tasks = (
        Task.objects.filter(assignee=OuterRef("pk"), status=TaskStatus.OPEN)
        .order_by()
        .values("assignee")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        User.objects.filter(
            is_active=True,
            groups__name__in=deciders,
            staff_profile__approval_limit__gte=decision.amount if final else 0,
        )
        .exclude(pk__in=exclude)
        .annotate(load=Coalesce(Subquery(open_tasks), 0))
        .order_by("staff_profile__approval_limit", "load", "id")
        .first()
    )


def _route_for_approval(decision: ClaimDecision, *, actor, now: datetime) -> None:
    """Give the next approval to someone able to make it, as a task on the case."""
    done = set(decision.approvals.values_list("approver_id", flat=True))
    final = len(done) + 1 >= decision.approvals_required
    approver = _approver_for(decision, exclude=done | {decision.proposed_by_id}, final=final)
    if approver is None:
        approver = escalation_recipient(actor)
    task_assign(
        case=decision.claim.case,
        kind="approve_decision",
        title=_("Approve decision on %(number)s: %(amount)s")
        % {"number": decision.claim.number, "amount": decision.amount},
        assignee=approver,
        actor=actor,
        now=now,
    )


def _pending(claim: Claim) -> ClaimDecision | None:
    return claim.decisions.filter(status=DecisionStatus.PENDING).first()


def decision_propose(*, claim: Claim, actor, now: datetime, note: str = "") -> ClaimDecision:
    """Propose the calculator's decision for approval by others (four eyes).

    The amount and the outcome are the calculation's, never typed in: to decide otherwise,
    change the loss items or apply an exclusion clause, so the decision keeps its basis.
    A proposer's own earlier pending proposal is replaced; someone else's is not.
    """
    with transaction.atomic():
        case = Case.objects.select_for_update(no_key=True).get(pk=claim.pk)
        if not can_act(actor, case, "claims.decide_claim"):
            raise NotAllowed(_("You may not decide claim %(number)s.") % {"number": case.number})
        if case.status != "adjudicating":
            raise IllegalTransition(
                _("Claim %(number)s is %(status)s, not in adjudication.")
                % {"number": case.number, "status": case.status_label()}
            )
        if not claim.loss_items.exists():
            raise GuardFailed(_("Enter the accepted loss items before proposing a decision."))
        earlier = _pending(claim)
        if earlier is not None:
            if earlier.proposed_by_id != actor.pk:
                raise IllegalTransition(
                    _("A decision proposed by %(user)s is awaiting approval.")
                    % {"user": earlier.proposed_by.get_full_name() or earlier.proposed_by}
                )
            earlier.status = DecisionStatus.SUPERSEDED
            earlier.closed_at = now
            earlier.save(update_fields=["status", "closed_at"])
            _close_approval_tasks(case, actor=actor, now=now, status=TaskStatus.CANCELLED)
        calculation = claim_calculation(claim)
        reason = note.strip()
        if calculation.decision == "reject" and not reason:
            reason = "；".join(str(e.reason) for e in calculation.exclusions) or _(
                "Nothing is payable after the deductible and the limits."
            )
        decision = ClaimDecision.objects.create(
            claim=claim,
            decision=calculation.decision,
            amount=calculation.total,
            reason=reason,
            calculation=calculation.as_dict(),
            approvals_required=approvals_required(calculation.total, approval_steps()),
            proposed_by=actor,
            proposed_at=now,
        )
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="decision_proposed",
            data={
                "decision": decision.decision,
                "amount": str(decision.amount),
                "approvals_required": decision.approvals_required,
            },
        )
        _route_for_approval(decision, actor=actor, now=now)
    return decision


def _close_approval_tasks(case: Case, *, actor, now: datetime, status: str) -> None:
    for task in case.tasks.filter(kind="approve_decision", status=TaskStatus.OPEN):
        if status == TaskStatus.DONE and task.assignee_id == actor.pk:
            task_complete(task=task, actor=actor, now=now, result=_("approved"))
        else:
            task_cancel(task=task, actor=actor, now=now)


class AboveAuthority(NotAllowed):
    """The approver's limit is too low; the decision has been escalated."""


def decision_approve(*, decision: ClaimDecision, actor, now: datetime) -> ClaimDecision:
    """Approve a proposed decision within the approver's authority.

    Never the proposer, never twice by the same person, never above the approver's limit
    (the decision then goes to the next level, and the refusal says to whom). The last
    approval needed applies the decision: the claim moves on and the customer is told.
    """
    escalated_to = None
    with transaction.atomic():
        case = Case.objects.select_for_update(no_key=True).get(pk=decision.claim_id)
        decision = ClaimDecision.objects.select_for_update().get(pk=decision.pk)
        if not can_act(actor, case, "claims.decide_claim"):
            raise NotAllowed(_("You may not decide claim %(number)s.") % {"number": case.number})
        if decision.status != DecisionStatus.PENDING:
            raise IllegalTransition(
                _("This decision is %(status)s.") % {"status": decision.get_status_display()}
            )
        already = [str(pk) for pk in decision.approvals.values_list("approver_id", flat=True)]
        limit = approval_limit(actor)
        final = len(already) + 1 >= decision.approvals_required
        refusal = approval_refusal(
            amount=decision.amount,
            approver=str(actor.pk),
            proposer=str(decision.proposed_by_id),
            limit=limit,
            already=already,
            final=final,
        )
        if refusal and refusal.above_limit:
            escalated_to = _escalate(decision, case, actor=actor, now=now, why=str(refusal))
        elif refusal:
            raise NotAllowed(str(refusal))
        else:
            DecisionApproval.objects.create(decision=decision, approver=actor, limit=limit, at=now)
            timeline_record(
                case,
                now=now,
                actor=actor,
                kind="decision_approval",
                data={"decision": decision.decision, "amount": str(decision.amount)},
            )
            if decision.approvals.count() >= decision.approvals_required:
                # Applied while the approver still holds the task that lets them act.
                _decision_apply(decision, actor=actor, now=now)
                _close_approval_tasks(case, actor=actor, now=now, status=TaskStatus.DONE)
            else:
                # Routed on while the approver still holds the task that lets them assign.
                _route_for_approval(decision, actor=actor, now=now)
                for task in case.tasks.filter(
                    kind="approve_decision", status=TaskStatus.OPEN, assignee=actor
                ):
                    task_complete(task=task, actor=actor, now=now, result=_("approved"))
    if escalated_to is not None:
        raise AboveAuthority(
            _("%(why)s The decision has been escalated to %(user)s.")
            % {"why": refusal, "user": escalated_to.get_full_name() or escalated_to.username},
            escalated_to=escalated_to.username,
        )
    return decision


def _escalate(decision: ClaimDecision, case: Case, *, actor, now: datetime, why: str):
    """Hand the approval to the approver's manager (the next level); logged and notified."""
    manager = escalation_recipient(actor)
    if decision.escalated_to_id == manager.pk:
        return manager
    decision.escalated_to = manager
    decision.save(update_fields=["escalated_to"])
    timeline_record(
        case,
        now=now,
        actor=actor,
        kind="decision_escalated",
        data={"to": manager.username, "amount": str(decision.amount), "why": why},
    )
    _close_approval_tasks(case, actor=actor, now=now, status=TaskStatus.CANCELLED)
    task_assign(
        case=case,
        kind="approve_decision",
        title=_("Escalated: approve decision on %(number)s: %(amount)s")
        % {"number": case.number, "amount": decision.amount},
        assignee=manager,
        actor=actor,
        now=now,
    )
    return manager


def decision_return(*, decision: ClaimDecision, actor, now: datetime, reason: str) -> ClaimDecision:
    """An approver sends a proposal back with a reason; the proposer revises it."""
    with transaction.atomic():
        case = Case.objects.select_for_update(no_key=True).get(pk=decision.claim_id)
        decision = ClaimDecision.objects.select_for_update().get(pk=decision.pk)
        if not can_act(actor, case, "claims.decide_claim") or actor.pk == decision.proposed_by_id:
            raise NotAllowed(_("Only an approver may return a proposal."))
        if decision.status != DecisionStatus.PENDING:
            raise IllegalTransition(
                _("This decision is %(status)s.") % {"status": decision.get_status_display()}
            )
        if not reason.strip():
            raise GuardFailed(_("Say why the proposal goes back."))
        decision.status = DecisionStatus.RETURNED
        decision.closed_at = now
        decision.save(update_fields=["status", "closed_at"])
        timeline_record(
            case, now=now, actor=actor, kind="decision_returned", data={"reason": reason.strip()}
        )
        _close_approval_tasks(case, actor=actor, now=now, status=TaskStatus.CANCELLED)
        notification_queue(
            recipient=decision.proposed_by,
            case=case,
            kind="decision_returned",
            now=now,
            subject=_("Claim %(number)s: your proposal was returned") % {"number": case.number},
            body=reason.strip(),
        )
    return decision


def _decision_apply(decision: ClaimDecision, *, actor, now: datetime) -> None:
    """The approved decision becomes the claim's: state, amount, notices, customer told."""
    claim = Claim.objects.select_related("case", "policy__holder", "policy__product").get(
        pk=decision.claim_id
    )
    decision.status = DecisionStatus.APPROVED
    decision.closed_at = now
    decision.save(update_fields=["status", "closed_at"])
    claim.decision = decision.decision
    claim.approved_amount = decision.amount
    claim.decided_at = now
    claim.save(update_fields=["decision", "approved_amount", "decided_at"])
    action = "reject" if decision.decision == Decision.REJECT else "approve"
    data = {"decision": decision.pk, "amount": str(decision.amount)}
    if action == "reject":
        data["reason"] = decision.reason or _("Not covered.")
    case_transition(case=claim.case, action=action, actor=actor, now=now, data=data)
    from claimdesk.notices.services import notice_issue

    context = decision_notice_context(claim, decision)
    if action == "reject":
        notice_issue(case=claim.case, kind="rejection", context=context, actor=actor, now=now)
        case_transition(
            case=claim.case, action="send_rejection_notice", actor=actor, now=now, data={}
        )
    else:
        notice_issue(case=claim.case, kind="claim_report", context=context, actor=actor, now=now)
        from claimdesk.payments.services import finance_assignee, payment_handover

        # A task for finance; with nobody in finance the claim still waits on their queue.
        if (assignee := finance_assignee(claim)) is not None:
            payment_handover(claim=claim, actor=actor, now=now, assignee=assignee)
    notification_queue(
        recipient=claim.policy.holder,
        case=claim.case,
        kind="claim_decided",
        now=now,
        phone=claim.contact_phone,
        subject=_("Claim %(number)s decided: %(decision)s %(amount)s")
        % {
            "number": claim.number,
            "decision": Decision(decision.decision).label,
            "amount": decision.amount,
        },
    )


FOLLOW_UP_SUGGESTIONS = {
    LossType.AUTO: _("Book the free post-repair check at a partner shop within 30 days."),
    LossType.MEDICAL: _("Keep the invoices of follow-up treatment: they can be claimed too."),
    LossType.CRITICAL_ILLNESS: _("Ask us about the green channel for specialist appointments."),
    LossType.ACCIDENT: _("Disability appraisal within 180 days may lead to a further benefit."),
    LossType.PROPERTY: _("Ask us for a free home-safety check after repairs."),
}


def decision_notice_context(claim: Claim, decision: ClaimDecision) -> dict[str, Any]:
    """The data a claim report or rejection notice is rendered from (JSON-able)."""
    calculation = decision.calculation
    # A rejection quotes the clauses it rests on; a claim report every clause it applied.
    cited = calculation.get("exclusions", [])
    if decision.decision != Decision.REJECT or not any(e.get("clause") for e in cited):
        cited = [*cited, *calculation.get("lines", [])]
    articles = {e["clause"] for e in cited if e.get("clause")}
    clauses = [
        {"article": c.article, "title": c.title, "text": c.text}
        for c in Clause.objects.filter(product_id=claim.policy.product_id, article__in=articles)
    ]
    holder = claim.policy.holder
    return {
        "claim_no": claim.number,
        "customer_name": holder.get_full_name() or holder.username,
        "policy_no": claim.policy.number,
        "product": claim.policy.product.name,
        "insured_name": claim.insured_name,
        "loss_time": to_local(claim.loss_time).isoformat(),
        "decision": decision.decision,
        "reason": decision.reason,
        "calculation": calculation,
        "clauses": clauses,
        "follow_up": [str(FOLLOW_UP_SUGGESTIONS.get(claim.loss_type, ""))],
    }


INTERIM_TASK = "interim_payment"


def claims_interim_payment_tasks(*, now: datetime) -> int:
    """先予支付: at 60 days without a fixed amount, a task for paying the part already fixed.

    One task per claim, to the case owner, naming what the accepted loss items already fix.
    """
    due = Deadline.objects.filter(
        rule__code="interim_payment",
        state=DeadlineState.RUNNING,
        due_at__lte=now,
        case__is_open=True,
        case__claim__isnull=False,
    ).exclude(case__tasks__kind=INTERIM_TASK)
    made = 0
    for deadline in due.select_related("case__claim"):
        claim = deadline.case.claim
        fixed = claim_calculation(claim).total if claim.loss_items.exists() else Decimal(0)
        task_assign(
            case=deadline.case,
            kind=INTERIM_TASK,
            title=_("Interim payment (先予支付) of the amount already fixed: %(amount)s")
            % {"amount": fixed},
            assignee=deadline.case.owner,
            actor=deadline.case.owner,
            now=now,
        )
        made += 1
    return made
