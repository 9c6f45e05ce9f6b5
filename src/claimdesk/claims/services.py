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
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from claimdesk.cases.models import CaseEvent
from claimdesk.cases.services import (
    CaseError,
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    can_act,
    case_open,
    deadline_start,
)
from claimdesk.claims.models import (
    ChecklistTemplateItem,
    Claim,
    ClaimItem,
    IdempotencyKey,
    ItemState,
)
from claimdesk.claims.rules import (
    DUPLICATE_WINDOW,
    Flag,
    cover_flags,
    is_small_claim,
    looks_duplicate,
    missing_fields,
)
from claimdesk.notify.services import notification_queue
from claimdesk.policies.models import Policy
from claimdesk.policies.rules import LossType
from claimdesk.policies.selectors import policies_visible_to
from claimdesk.staff.services import is_staff_member
from claimdesk.workdays.clocks import to_local
from claimdesk.workdays.selectors import work_calendar

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


def _policy_for(reporter, policy_no: Any) -> Policy | None:
    """The policy a report names, among those the reporter may see (with its insured)."""
    if not policy_no:
        return None
    return (
        policies_visible_to(reporter)
        .select_related("holder")
        .prefetch_related("insured")
        .filter(number=str(policy_no).strip())
        .first()
    )


def report_check(
    report: Mapping[str, Any], *, policy: Policy | None, now: datetime
) -> tuple[dict[str, str], Decimal | None]:
    """Every field error of a report and its amount, given the policy its number found.

    One set of rules for every channel: ``claim_report`` and bulk import both call this,
    the bulk path with the policies of a whole chunk fetched at once (``insured``
    prefetched). ``policy`` is None when the number is missing or unknown to the reporter.
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
    if policy is not None and name and not any(p.name == name for p in policy.insured.all()):
        errors["insured_name"] = _("%(name)s is not insured under this policy.") % {"name": name}
    return errors, amount


def _validate(reporter, report: Mapping[str, Any], now: datetime) -> tuple[Policy, Decimal | None]:
    policy = _policy_for(reporter, report.get("policy_no"))
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


def checklist_templates(product_id: int, loss_type: str) -> list[ChecklistTemplateItem]:
    """The one-time checklist of a product and loss type: the loss type's items, a
    product's own items winning by code."""
    templates = ChecklistTemplateItem.objects.filter(
        Q(product__isnull=True) | Q(product=product_id),
        loss_type=loss_type,
        active=True,
    ).order_by("position", "id")
    chosen: dict[str, ChecklistTemplateItem] = {}
    for t in templates:
        if t.code not in chosen or t.product_id is not None:
            chosen[t.code] = t
    return list(chosen.values())


def checklist_build(
    claim: Claim, templates: list[ChecklistTemplateItem], now: datetime
) -> list[ClaimItem]:
    return [
        ClaimItem(
            claim=claim, code=t.code, name=t.name, core=t.core, lasting=t.lasting, updated_at=now
        )
        for t in templates
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


def registered_notice(number: str, items: list[ClaimItem]) -> dict[str, str]:
    """The customer's "registered" message with the one-time checklist."""
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


def document_reuse_lasting(*, claim: Claim, now: datetime, actor) -> None:
    """一次提交、全程复用: identity and bank documents already accepted for this customer
    count for the new claim too (documents imports claims, hence the late import)."""
    from claimdesk.documents.services import document_reuse_lasting as reuse

    reuse(claim=claim, now=now, actor=actor)


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
    may_report = "cases.handle_intake" if staff else "cases.act_as_customer"
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
            document_reuse_lasting(claim=claim, now=now, actor=reporter)
            duplicates = _possible_duplicates(claim)
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
    return ReportResult(claim, created=True, duplicates=duplicates)


def claim_is_small(claim: Claim) -> bool:
    return is_small_claim(claim.loss_type, claim.estimated_amount)


def materials_complete(claim: Claim) -> bool:
    """容缺受理: every core item accepted; non-core items may still be missing."""
    return not claim.items.filter(core=True).exclude(state=ItemState.ACCEPTED).exists()


def _item_event(
    claim: Claim, item: ClaimItem, *, actor, now: datetime, kind: str, customer_visible: bool = True
) -> None:
    CaseEvent.objects.create(
        case=claim.case,
        at=now,
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
        if not (customer_upload or can_act(actor, claim.case, "cases.handle_intake")):
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
    CaseEvent.objects.create(
        case=claim.case,
        at=now,
        actor=actor,
        kind="materials_complete",
        customer_visible=True,
        data={},
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


def payment_rule(claim: Claim) -> str:
    return "payment_small" if claim_is_small(claim) else "payment"


MATERIALS_GATED = frozenset({"send_to_investigation", "send_to_adjudication"})


def claim_transition_check(case, transition, data: dict[str, Any]) -> str | None:
    """Claims move past review only with every core item accepted (容缺受理); the payment
    commitment that then applies is the claim's own, never the caller's say-so."""
    if transition.action not in MATERIALS_GATED:
        return None
    claim = Claim.objects.filter(case=case).first()
    if claim is None:
        return None
    missing = list(
        claim.items.filter(core=True)
        .exclude(state=ItemState.ACCEPTED)
        .values_list("name", flat=True)
    )
    if missing:
        return _("Core materials not yet accepted: %(items)s.") % {"items": "、".join(missing)}
    data["small"] = claim_is_small(claim)
    return None


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
            CaseEvent.objects.create(
                case=locked.case,
                at=now,
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
