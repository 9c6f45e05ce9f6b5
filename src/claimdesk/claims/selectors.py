"""Reads of claims for the API and the portal: what a caller may see, and the customer's
progress view (stage, checklist, running clocks, the timeline in plain words)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from claimdesk.cases.models import LIVE_STATES, CaseEvent, Deadline, DeadlineState
from claimdesk.cases.selectors import case_timeline, cases_visible_to
from claimdesk.cases.timeline import customer_text
from claimdesk.claims.limitation import claim_limitation, limitation_reason
from claimdesk.claims.models import Claim, ClaimItem, ItemState
from claimdesk.claims.rules import EMERGENCY_GUIDANCE, FLAG_LABELS, Flag
from claimdesk.claims.workflow import ClaimState
from claimdesk.policies.models import Policy
from claimdesk.policies.selectors import phone_as_seen_by, policies_matching, policies_visible_to
from claimdesk.staff.services import is_staff_member
from claimdesk.workdays.clocks import to_local

# The customer's road through a claim (报案受理 → 资料审核 → 调查定损 → 理赔核定 → 赔付结案 → 回访):
# each status is shown as the stage it belongs to.
STAGES = ("report", "review", "investigation", "decision", "payment", "followup")
STAGE_OF_STATUS: dict[str, str] = {
    ClaimState.REPORTED: "report",
    ClaimState.REVIEWING: "review",
    ClaimState.AWAITING_MATERIALS: "review",
    ClaimState.INVESTIGATING: "investigation",
    ClaimState.ADJUDICATING: "decision",
    ClaimState.REJECTED: "decision",
    ClaimState.PAYING: "payment",
    ClaimState.CLOSED: "followup",
    ClaimState.FOLLOWED_UP: "followup",
}
PAYMENT_RULES = ("payment", "payment_small")


def stage_labels() -> dict[str, str]:
    return {
        "report": _("Report received"),
        "review": _("Material review"),
        "investigation": _("Investigation and loss assessment"),
        "decision": _("Decision"),
        "payment": _("Payment and closure"),
        "followup": _("Follow-up"),
    }


def claims_visible_to(user) -> QuerySet[Claim]:
    """A customer's own claims; staff the claims of the cases they may see."""
    return Claim.objects.filter(case__in=cases_visible_to(user))


def claim_list(user, *, status: str | None = None) -> QuerySet[Claim]:
    claims = claims_visible_to(user).select_related("case", "policy")
    if status:
        claims = claims.filter(case__status=status)
    return claims.order_by("-case__opened_at", "-case_id")


def claim_find(user, claim_no: str) -> Claim | None:
    """The claim numbered ``claim_no`` if ``user`` may see it (else None: a 404, never a
    hint that someone else's claim exists), with what its answer needs prefetched."""
    if "\x00" in claim_no:
        return None
    return (
        claims_visible_to(user)
        .select_related("case__owner", "case__customer", "policy__product")
        .prefetch_related(
            Prefetch("items", queryset=ClaimItem.objects.order_by("id")),
            Prefetch("possible_duplicates", queryset=Claim.objects.select_related("case")),
        )
        .filter(case__number=claim_no)
        .first()
    )


def claims_matching(
    user,
    *,
    number: str = "",
    phone: str = "",
    last4: str = "",
    name: str = "",
    policies: QuerySet[Policy] | None = None,
) -> QuerySet[Claim]:
    """Claims a staff search finds among those ``user`` may see: by number (prefix), by the
    contact phone (whole or last four digits), by the insured person's name, or on one of
    ``policies`` (what the search found by plate, an insured's phone or ID number). Each
    term is an index look-up of its own; visibility is the kernel's rule."""
    found = Q()
    if number:
        found |= Q(case__number__startswith=number)
    if phone:
        found |= Q(contact_phone_last4=phone[-4:], contact_phone=phone)
    if last4:
        found |= Q(contact_phone_last4=last4)
    if name:
        found |= Q(insured_name=name)
    if policies is not None:
        found |= Q(policy__in=policies.values("pk"))
    if not found:
        return Claim.objects.none()
    return claims_visible_to(user).filter(found)


@dataclass(frozen=True)
class CallerClaim:
    """An open claim of a caller; ``may_open`` says whether the agent may open it (else the
    page names its owner)."""

    claim: Claim
    may_open: bool


@dataclass(frozen=True)
class Caller:
    """What the hotline knows about a caller before a new report is taken."""

    phone: str
    policies: list[Policy]
    open_claims: list[CallerClaim]


def caller_lookup(*, user, phone: str, limit: int = 20) -> Caller:
    """The caller's policies (an insured person on them has this phone, or an earlier
    claim gave it as contact, and the other policies of the same holders) and the open
    claims on them, the newest first. Every open claim is listed, also a colleague's:
    the agent must not register the same event twice, and can say who handles it."""
    by_phone = policies_matching(user, phone=phone)
    reported = Claim.objects.filter(contact_phone_last4=phone[-4:], contact_phone=phone)
    holders = Policy.objects.filter(
        Q(pk__in=by_phone.values("pk")) | Q(pk__in=reported.values("policy_id"))
    ).values("holder_id")
    policies = list(
        policies_visible_to(user)
        .filter(holder_id__in=holders)
        .prefetch_related("insured")
        .order_by("-start", "number")[:limit]
    )
    claims = list(
        Claim.objects.filter(case__is_open=True)
        .filter(Q(policy__in=[p.pk for p in policies]) | Q(pk__in=reported.values("pk")))
        .select_related("case__owner", "policy")
        .order_by("-case__opened_at")[:limit]
    )
    visible = set(
        claims_visible_to(user).filter(pk__in=[c.pk for c in claims]).values_list("pk", flat=True)
    )
    return Caller(
        phone=phone,
        policies=policies,
        open_claims=[CallerClaim(c, c.pk in visible) for c in claims],
    )


def claim_clocks(claim: Claim, *, live_only: bool = False) -> list[Deadline]:
    """The case's own clocks (not those of tasks handed to staff), live ones first."""
    clocks = claim.case.deadlines.filter(task__isnull=True).select_related("rule")
    if live_only:
        clocks = clocks.filter(state__in=LIVE_STATES)
    return sorted(clocks, key=lambda d: (d.state not in LIVE_STATES, d.due_at, d.pk))


def claim_flags(claim: Claim, *, duplicates=None) -> list[dict[str, str]]:
    """The claim's flags with readable labels. A link to a possible duplicate is shown on
    both claims, also on the earlier one that was registered before the later report.
    ``duplicates``: the linked claims when the caller holds them, else read."""
    codes = list(claim.flags)
    if duplicates is None:
        duplicates = claim.possible_duplicates.all()
    if Flag.POSSIBLE_DUPLICATE not in codes and duplicates:
        codes.append(Flag.POSSIBLE_DUPLICATE)
    return [{"code": f, "label": _flag_label(claim, f)} for f in codes]


def _flag_label(claim: Claim, code: str) -> str:
    """A flag in words; the §26 flag with its dates and clause."""
    if code == Flag.LIMITATION:
        found = claim_limitation(
            claim.policy.product.line,
            to_local(claim.loss_time).date(),
            to_local(claim.case.opened_at).date(),
        )
        return limitation_reason(found)
    return str(FLAG_LABELS.get(code, code))


def claim_guidance(claim: Claim) -> str | None:
    text = EMERGENCY_GUIDANCE.get(claim.loss_type)
    return str(text) if text else None


def claim_events(claim: Claim, user) -> list[CaseEvent]:
    """The timeline: staff see all of it, the customer the events meant for them."""
    return list(case_timeline(claim.case, customer_view=not is_staff_member(user)))


# --- the timeline in plain words ------------------------------------------------------------


def _transition_text(event: CaseEvent, claim: Claim) -> str:
    data = event.data or {}
    texts = {
        "contact": _("Your claim handler contacted you and the review of materials began."),
        "request_materials": _("We asked you for supplementary materials: %(items)s."),
        "materials_received": _("Your supplementary materials arrived; the review goes on."),
        "send_to_investigation": _(
            "The core materials are complete; the loss is being investigated and assessed."
        ),
        "send_to_adjudication": _("The core materials are complete; your claim is being decided."),
        "assessment_done": _("The loss assessment is done; your claim is being decided."),
        "approve": _("Your claim was approved; the payment is being made."),
        "reject": _(
            "Your claim was not approved. A written notice with the reasons and the ways "
            "to object follows."
        ),
        "send_rejection_notice": _("We sent you the written notice of the decision."),
        "confirm_payment": _("The payment was made and the claim is closed."),
        "follow_up": _("We followed up with you on this claim. Thank you."),
        "withdraw": _("The claim was withdrawn."),
    }
    text = texts.get(event.action)
    if text is None:
        status = claim.case.workflow.state_label(event.to_status)
        return _("The claim is now: %(status)s.") % {"status": status}
    if "%(items)s" in text:
        items = data.get("items")
        if isinstance(items, list | tuple):
            items = "、".join(str(i) for i in items)
        return text % {"items": items or _("see the checklist")}
    return text


def event_text(event: CaseEvent, claim: Claim) -> str:
    """One timeline event as a sentence a customer understands, in the active language."""
    data = event.data or {}
    name = str(data.get("name") or data.get("item") or "")
    if event.kind == "opened":
        return _("We registered your claim %(number)s.") % {"number": claim.number}
    if event.kind == "transition":
        return _transition_text(event, claim)
    if event.kind == "item_received":
        return _("We received: %(item)s.") % {"item": name}
    if event.kind == "item_accepted":
        return _("%(item)s was checked and accepted.") % {"item": name}
    if event.kind == "item_returned":
        return _("%(item)s was returned to you: %(reason)s") % {
            "item": name,
            "reason": data.get("reason") or "",
        }
    if event.kind == "materials_complete":
        return _("All core materials are complete; the payment commitment runs from now.")
    if event.kind == "archived":
        return _("Your claim is closed and its file archived.")
    if event.kind == "decision_automatic":
        return _(
            "Your claim passed every check and was decided automatically: ¥%(amount)s, "
            "calculated item by item under your policy's clauses; the payment has been "
            "instructed."
        ) % {"amount": data.get("amount", "")}
    if event.kind == "decision_revised":
        return _(
            "Your claim was reviewed and recalculated item by item under your policy's "
            "clauses: ¥%(amount)s instead of ¥%(previous)s."
        ) % {"amount": data.get("amount", ""), "previous": data.get("previous", "")}
    if event.kind == "interim_decided":
        return _(
            "¥%(amount)s of your claim can already be fixed and will be paid first "
            "(interim payment, Insurance Law art. 25); the rest follows the final decision."
        ) % {"amount": data.get("amount", "")}
    if text := customer_text(event):  # lines other apps wrote (payments, notices, …)
        return text
    if text := _staff_text(event, data):
        return text
    if text := data.get("text"):
        return str(text)
    return _("Your claim was updated.")


def _staff_text(event: CaseEvent, data: dict) -> str | None:
    """Internal events (staff see them; the customer's view never lists them)."""
    rule = str(data.get("rule") or "")
    texts = {
        "deadline_started": _("Clock %(rule)s started."),
        "deadline_paused": _("Clock %(rule)s paused."),
        "deadline_resumed": _("Clock %(rule)s resumed."),
        "deadline_stopped": _("Clock %(rule)s stopped: %(outcome)s."),
        "reminder": _("Reminder: clock %(rule)s."),
        "overdue": _("Overdue: clock %(rule)s."),
        "escalation": _("Escalated: clock %(rule)s."),
        "task_assigned": _("Task assigned to %(assignee)s."),
        "task_done": _("Task done."),
        "task_cancelled": _("Task cancelled."),
        "owner_changed": _("Owner changed from %(from)s to %(to)s."),
    }
    text = texts.get(event.kind)
    if text is None:
        return None
    outcome = data.get("outcome")
    return text % {
        "rule": rule,
        "outcome": str(DeadlineState(outcome).label) if outcome in DeadlineState.values else "",
        "assignee": data.get("assignee") or "",
        "from": data.get("from") or "",
        "to": data.get("to") or "",
    }


# --- the customer's progress view -----------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    claim: Claim
    stage: str
    stage_label: str
    stages: list[dict[str, str]]
    checklist: list[ClaimItem]
    clocks: list[Deadline]
    events: list[CaseEvent]
    expected_payment: datetime | None


def claim_progress(claim: Claim) -> Progress:
    """What the customer sees: where the claim stands, what is still missing, each running
    commitment with its due time, and what happened, in words."""
    status = claim.case.status
    labels = stage_labels()
    current = STAGE_OF_STATUS.get(status)
    stages = []
    reached = False
    for code in STAGES:
        if current is None:  # withdrawn: the road was left
            state = "skipped"
        elif code == current:
            reached = True
            state = "done" if status == ClaimState.FOLLOWED_UP else "current"
        else:
            state = "upcoming" if reached else "done"
        stages.append({"code": code, "label": labels[code], "state": state})
    clocks = claim_clocks(claim, live_only=True)
    payment = next(
        (d for d in clocks if d.rule.code in PAYMENT_RULES and d.state == DeadlineState.RUNNING),
        None,
    )
    return Progress(
        claim=claim,
        stage=current or status,
        stage_label=claim.case.status_label(),
        stages=stages,
        checklist=list(claim.items.with_reuse()),
        clocks=clocks,
        events=list(case_timeline(claim.case, customer_view=True)),
        expected_payment=payment.due_at if payment else None,
    )


def missing_core_items(items: list[ClaimItem]) -> list[ClaimItem]:
    return [i for i in items if i.core and not i.waived and i.state != ItemState.ACCEPTED]


def core_items_to_provide(items: list[ClaimItem]) -> list[ClaimItem]:
    """The core items the customer still has to hand in: not accepted and not on file
    (一次提交、全程复用: what is on file is never asked for again)."""
    return [i for i in missing_core_items(items) if not i.on_file]


def contact_phone_for(claim: Claim, user) -> str:
    """The contact phone as ``user`` may see it: the customer, the owner and the staff who
    call customers (intake, survey) see it whole; other roles see it masked (138****5678)."""
    case = claim.case
    return phone_as_seen_by(
        user, claim.contact_phone, own=user.pk in (case.customer_id, case.owner_id)
    )


# Other apps' flags on a claim (investigation's red flags), each a list of {code, reason}.
FlagSource = Callable[[Claim], list[dict[str, str]]]
_FLAG_SOURCES: list[FlagSource] = []


def register_review_flags(source: FlagSource) -> None:
    """Let an app add its flags to what an adjuster weighs (from its ``ready``)."""
    if source not in _FLAG_SOURCES:
        _FLAG_SOURCES.append(source)


def claim_review_flags(claim: Claim) -> list[dict[str, str]]:
    """Every flag an adjuster should weigh, with its reason: intake's and the other apps'
    (investigation's red flags), each code once."""
    flags = [{"code": f["code"], "reason": f["label"]} for f in claim_flags(claim)]
    seen = {f["code"] for f in flags}
    for source in _FLAG_SOURCES:
        for flag in source(claim):
            if flag["code"] not in seen:
                seen.add(flag["code"])
                flags.append(flag)
    return flags
