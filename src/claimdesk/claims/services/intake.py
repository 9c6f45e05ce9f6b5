"""Claim intake (报案): one path for the API, the portal, the hotline form and bulk import.

``claim_report`` validates, registers (with flags rather than refusals where the claim must
later be decided and explained), builds the one-time checklist, links possible duplicates and
starts the kernel's clocks through ``case_open``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models
from django.db.models import Exists, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from claimdesk.bounds import in_range
from claimdesk.cache import ReferenceCache
from claimdesk.cases.events import publish
from claimdesk.cases.services import (
    CaseError,
    NotAllowed,
    case_open,
)
from claimdesk.cases.timeline import case_action
from claimdesk.claims.events import ClaimRegistered
from claimdesk.claims.limitation import claim_limitation
from claimdesk.claims.models import (
    ChecklistTemplateItem,
    Claim,
    ClaimItem,
    IdempotencyKey,
    ItemState,
)
from claimdesk.claims.rules import (
    DUPLICATE_WINDOW,
    LOSS_TIME_EARLIEST,
    Caution,
    Flag,
    above_remaining,
    cover_flags,
    looks_duplicate,
    loss_type_covered,
    missing_fields,
    remaining_sum_insured,
    still_current,
)
from claimdesk.notify.services import notification_queue
from claimdesk.policies.models import LOSS_TYPE_LABELS, InsuredPerson, Policy
from claimdesk.policies.rules import LossType
from claimdesk.policies.selectors import cover_on, policies_visible_to
from claimdesk.staff.services import is_staff_member
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations

    class _ReportPolicyFacts(TypedDict):  # what _policy_for() annotates on the policy
        named_is_insured: bool
        holder_has_documents: bool
        paid: Decimal

    ReportPolicy = WithAnnotations[Policy, _ReportPolicyFacts]

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


@dataclass(frozen=True)
class IntakeCaution:
    """Something the reporter is told and asked to confirm before the claim is registered:
    ``field`` is the report field it is about, ``claims`` the numbers of the claims a
    same-event question names."""

    code: str
    field: str
    message: str
    claims: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "claims": list(self.claims),
        }


class ReportNeedsConfirmation(ReportInvalid):
    """A valid report the reporter has not confirmed yet: a likely same event, an estimate
    above what the policy can still pay, or a loss the product does not cover. Nothing is
    written; ``cautions`` says what to ask."""

    def __init__(self, cautions: list[IntakeCaution]):
        CaseError.__init__(
            self,
            _("Please confirm the report: %(questions)s")
            % {"questions": " ".join(c.message for c in cautions)},
            errors={c.field: c.message for c in cautions},
            cautions=[c.as_dict() for c in cautions],
            confirm=_('Send "confirm": true to register the report as it is.'),
        )
        self.errors = {c.field: c.message for c in cautions}
        self.cautions = cautions


# Everything the reporter can be asked: what a channel passes when the reporter confirmed
# the report as a whole (the API's ``confirm``).
ALL_CAUTIONS = (Caution.SAME_EVENT, Caution.ABOVE_SUM_INSURED, Caution.LOSS_TYPE_NOT_COVERED)


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
def _column_max_length(name: str) -> int:
    column = Claim._meta.get_field(name)
    assert isinstance(column, models.CharField) and column.max_length is not None, name
    return column.max_length


MAX_LENGTHS = {
    f: _column_max_length(f) for f in ("insured_name", "loss_place", "loss_cause", "contact_phone")
}


def _policy_for(reporter: Actor, report: Mapping[str, Any]) -> ReportPolicy | None:
    """The policy a report names, among those the reporter may see, in one query with what
    the report needs to know before writing: its holder and product, whether the named
    person is insured on it (``named_is_insured``), whether claims on it lie near the loss
    time (``near_claims``: only then can there be possible duplicates), whether the holder
    has accepted documents (``holder_has_documents``: only then can any be reused) and what
    its claims have been paid so far (``paid``)."""
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
                ClaimItem.objects.filter(
                    claim__case__customer_id=OuterRef("holder_id"),
                    state=ItemState.ACCEPTED,
                    documents__isnull=False,  # an accepted item with a document on file
                )
            ),
            paid=Coalesce(
                Subquery(
                    Claim.objects.filter(policy=OuterRef("pk"), approved_amount__isnull=False)
                    .values("policy")
                    .annotate(total=Sum("approved_amount"))
                    .values("total")
                ),
                Decimal(0),
                output_field=models.DecimalField(max_digits=14, decimal_places=2),
            ),
        )
        .filter(number=str(policy_no).strip())
    )
    loss_time = report.get("loss_time")
    if (
        isinstance(loss_time, datetime)
        and loss_time.tzinfo is not None
        and in_range(loss_time.date())
    ):  # (outside the range the window could overflow; report_check refuses such a time)
        found = found.annotate(
            near_claims=Exists(
                Claim.objects.filter(
                    policy=OuterRef("pk"),
                    insured_name=name,
                    loss_time__range=(loss_time - DUPLICATE_WINDOW, loss_time + DUPLICATE_WINDOW),
                )
            )
        )
    return found.select_related("product").first()


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
        elif loss_time < LOSS_TIME_EARLIEST:
            errors["loss_time"] = _("The time of loss cannot be before 1970.")
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


def _validate(
    reporter: Actor, report: Mapping[str, Any], now: datetime
) -> tuple[ReportPolicy, Decimal | None]:
    policy = _policy_for(reporter, report)
    errors, amount = report_check(report, policy=policy, now=now)
    if errors:
        raise ReportInvalid(errors)
    assert policy is not None  # no errors: the policy was found
    return policy, amount


def report_flags(policy: Policy, report: Mapping[str, Any], now: datetime) -> list[str]:
    """Cover flags of a valid report, and the §26 limitation flag of one reported late:
    registered anyway, decided and explained later. Read from the policy as it stood at the
    loss date (a lapse or a surrender dates from a day)."""
    loss_day = to_local(report["loss_time"]).date()
    start, end, status = cover_on(policy, loss_day)
    flags = cover_flags(
        loss_day=loss_day,
        start=start,
        end=end,
        in_force=status == Policy.Status.ACTIVE,
        product_line=policy.product.line,
        loss_type=str(report["loss_type"]),
    )
    if claim_limitation(policy.product.line, loss_day, to_local(now).date()).late:
        flags.append(Flag.LIMITATION)
    return flags


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
    reporter: Actor,
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
    templates they were made from: anything with a ``name``). Items already on file are
    named as such and never asked for again (一次提交、全程复用)."""
    on_file = [i.name for i in items if getattr(i, "on_file", False)]
    wanted = [i.name for i in items if not getattr(i, "on_file", False)]
    parts = []
    if wanted:
        parts.append(_("Please provide at once: %(items)s.") % {"items": "、".join(wanted)})
    if on_file:
        parts.append(
            _("Already on file, no need to hand in again: %(items)s.")
            % {"items": "、".join(on_file)}
        )
    return {
        "subject": _("Claim %(number)s registered") % {"number": number},
        "body": "".join(parts) or _("Nothing more is needed from you for now."),
    }


def _checklist(claim: Claim, now: datetime) -> list[ClaimItem]:
    """The one-time checklist: the loss type's items, a product's own items winning by code."""
    templates = checklist_templates(claim.policy.product_id, claim.loss_type)
    return ClaimItem.objects.bulk_create(checklist_build(claim, templates, now))


def _same_event(policy: ReportPolicy, report: Mapping[str, Any], now: datetime) -> list[Claim]:
    """Open or recently closed claims on the policy that look like the event reported:
    what the reporter is asked about, and what the new claim is linked to if they go on."""
    if not getattr(policy, "near_claims", True):  # read with the policy
        return []
    reported = Claim(
        policy=policy,
        insured_name=str(report["insured_name"]).strip(),
        loss_time=report["loss_time"],
        loss_cause=str(report["loss_cause"]).strip(),
    )
    near = Claim.objects.filter(
        policy=policy,
        insured_name=reported.insured_name,
        loss_time__range=(
            reported.loss_time - DUPLICATE_WINDOW,
            reported.loss_time + DUPLICATE_WINDOW,
        ),
    ).select_related("case")
    return [c for c in duplicates_among(reported, near) if still_current(c.case.closed_at, now)]


def _yuan(amount: Decimal | None) -> str:
    return f"¥{amount or 0:,.2f}"


def report_cautions(
    policy: ReportPolicy, report: Mapping[str, Any], amount: Decimal | None, same: list[Claim]
) -> list[IntakeCaution]:
    """What to ask the reporter about a valid report, in their words."""
    cautions = []
    if same:
        numbers = "、".join(c.case.number for c in same)
        first = same[0]
        cautions.append(
            IntakeCaution(
                Caution.SAME_EVENT,
                "loss_time",
                _(
                    "Is this the same event as %(numbers)s (loss on %(day)s: %(cause)s)? "
                    "If so, please continue there instead of reporting it again."
                )
                % {
                    "numbers": numbers,
                    "day": f"{to_local(first.loss_time):%Y-%m-%d %H:%M}",
                    "cause": first.loss_cause,
                },
                tuple(c.case.number for c in same),
            )
        )
    remaining = remaining_sum_insured(policy.sum_insured, policy.paid)
    if above_remaining(amount, remaining):
        cautions.append(
            IntakeCaution(
                Caution.ABOVE_SUM_INSURED,
                "estimated_amount",
                _(
                    "Your estimate of %(amount)s is more than this policy can still pay "
                    "(%(left)s of its sum insured is left). We can pay at most that amount; "
                    "please check the figure."
                )
                % {"amount": _yuan(amount), "left": _yuan(remaining)},
            )
        )
    loss_type = str(report["loss_type"])
    if not loss_type_covered(product_line=policy.product.line, loss_type=loss_type):
        cautions.append(
            IntakeCaution(
                Caution.LOSS_TYPE_NOT_COVERED,
                "loss_type",
                _(
                    "%(product)s does not cover %(loss_type)s losses. You may still report "
                    "it: we will look at it and explain our decision in writing."
                )
                % {
                    "product": policy.product.name,
                    "loss_type": LOSS_TYPE_LABELS.get(loss_type, loss_type),
                },
            )
        )
    return cautions


def claim_report(
    *,
    reporter: Actor,
    report: Mapping[str, Any],
    channel: str,
    now: datetime,
    idempotency_key: str | None = None,
    confirmed: Collection[str] | None = None,
) -> ReportResult:
    """Register a claim reported by a customer (their own policy) or by staff (hotline:
    the agent who takes the call owns the case).

    Channels that talk to the reporter (portal, hotline, API) pass ``confirmed``: the
    cautions the reporter has confirmed; any other caution the report raises is refused with
    ``ReportNeedsConfirmation`` and nothing is written. ``None``: nobody to ask (the demo's
    simulated reports)."""
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
    same = _same_event(policy, report, now)
    if confirmed is not None:
        asked = [
            c for c in report_cautions(policy, report, amount, same) if c.code not in confirmed
        ]
        if asked:
            raise ReportNeedsConfirmation(asked)
    flags = report_flags(policy, report, now)
    try:
        with case_action(savepoint=True):
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
            # Documents already on file may count for this claim (一次提交、全程复用).
            publish(
                ClaimRegistered(
                    case=claim.case,
                    claim=claim,
                    items=items,
                    holder_has_accepted_documents=policy.holder_has_documents,
                    actor=reporter,
                    now=now,
                )
            )
            if policy.holder_has_documents:  # some items may now be received from file
                items = list(ClaimItem.objects.filter(claim=claim).with_reuse())
            else:
                for item in items:
                    item.reused_documents = 0  # nothing on file to reuse
            duplicates = same
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
