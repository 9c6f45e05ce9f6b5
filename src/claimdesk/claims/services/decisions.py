"""Decisions with four eyes and authority (核定, 核赔权限): propose, approve, escalate above a
signer's limit, return; applying an approved decision moves the claim and issues its notice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claimdesk.cache import ReferenceCache
from claimdesk.cases.events import publish
from claimdesk.cases.licences import licence_gate
from claimdesk.cases.models import Case, Task, TaskStatus
from claimdesk.cases.services import (
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    can_act,
    case_lock,
    case_transition,
    escalation_recipient,
    open_tasks_locked,
    task_assign,
    task_cancel,
    task_complete,
)
from claimdesk.cases.timeline import case_action, timeline_record
from claimdesk.claims.events import ClaimDecided, DecisionRevised, InterimDecided
from claimdesk.claims.held import claim_held, decision_applying
from claimdesk.claims.models import (
    ApprovalRule,
    Claim,
    ClaimDecision,
    Decision,
    DecisionApproval,
    DecisionStage,
    DecisionStatus,
    LossItem,
)
from claimdesk.claims.rules import (
    DEFAULT_APPROVAL_STEPS,
    Calculation,
    ClauseRef,
    LossLine,
    approval_refusal,
    approvals_required,
)
from claimdesk.claims.services.accumulators import (
    LimitsChanged,
    accumulator_keys,
    accumulators_lock,
    accumulators_reserve,
)
from claimdesk.claims.services.assessment import claim_calculation
from claimdesk.claims.services.reserves import reserve_on_proposal, reserve_on_revised
from claimdesk.claims.workflow import ClaimState
from claimdesk.notify.services import notification_queue
from claimdesk.policies.models import Clause
from claimdesk.policies.rules import LossType
from claimdesk.policies.selectors import policy_as_of, product_catalogue
from claimdesk.staff import licences
from claimdesk.staff.roles import ROLE_PERMISSIONS
from claimdesk.staff.services import certified_user_ids, licence_lapses
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local

User = get_user_model()

# 先予支付: decided while the amount is still being fixed (materials complete, no final
# decision yet).
INTERIM_STATES = frozenset({ClaimState.INVESTIGATING, ClaimState.ADJUDICATING})
INTERIM_TASK = "interim_payment"


# How many signatures an amount needs: admin reference data every proposal reads.
_approval_rules = ReferenceCache(
    lambda: list(ApprovalRule.objects.values_list("min_amount", "approvals")), ApprovalRule
)


def approval_steps() -> list[tuple[Decimal, int]]:
    return list(_approval_rules.get()) or list(DEFAULT_APPROVAL_STEPS)


def approval_limit(user) -> Decimal | None:
    profile = getattr(user, "staff_profile", None)
    return profile.approval_limit if profile is not None else None


def _approver_for(decision: ClaimDecision, *, exclude: set[int], final: bool, on: date):
    """Who should sign next: the lowest level that may (for the last signature, a limit
    that covers the amount and the adjuster grade of the amount's band; for every one an
    adjuster certificate valid on the day), then the lightest load of open tasks."""
    (grade,) = licences.approval_needs(decision.amount, final=final)
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
            pk__in=certified_user_ids(grade.code, on, grade.grade),
        )
        .exclude(pk__in=exclude)
        .annotate(load=Coalesce(Subquery(open_tasks), 0))
        .order_by("staff_profile__approval_limit", "load", "id")
        .first()
    )


def _route_for_approval(decision: ClaimDecision, *, actor: Actor, now: datetime) -> None:
    """Give the next approval to someone able to make it, as a task on the case."""
    done = set(decision.approvals.values_list("approver_id", flat=True))
    final = len(done) + 1 >= decision.approvals_required
    approver = _approver_for(
        decision, exclude=done | {decision.proposed_by_id}, final=final, on=to_local(now).date()
    )
    if approver is None:
        approver = escalation_recipient(actor)
    title = (
        _("Approve the interim payment on %(number)s: %(amount)s")
        if decision.stage == DecisionStage.INTERIM
        else _("Approve decision on %(number)s: %(amount)s")
    )
    task_assign(
        case=decision.claim.case,
        kind="approve_decision",
        title=title % {"number": decision.claim.number, "amount": decision.amount},
        assignee=approver,
        actor=actor,
        now=now,
    )


def _pending(claim: Claim) -> ClaimDecision | None:
    return claim.decisions.filter(status=DecisionStatus.PENDING).first()


def decision_propose(*, claim: Claim, actor: Actor, now: datetime, note: str = "") -> ClaimDecision:
    """Propose the calculator's decision for approval by others (four eyes).

    The amount and the outcome are the calculation's, never typed in: to decide otherwise,
    change the loss items or apply an exclusion clause, so the decision keeps its basis.
    A proposer's own earlier pending proposal is replaced; someone else's is not.
    """
    return decision_propose_stage(
        claim=claim, actor=actor, now=now, note=note, stage=DecisionStage.FINAL
    )


def decision_propose_stage(
    *, claim: Claim, actor: Actor, now: datetime, note: str = "", stage: str
) -> ClaimDecision:
    """Propose a final decision, or (``interim``) the part of the amount that can already
    be fixed, to be paid first (先予支付, §25) — with the same four eyes and authority."""
    interim = stage == DecisionStage.INTERIM
    with case_action():
        case = case_lock(claim.pk)
        if not can_act(actor, case, "claims.decide_claim"):
            raise NotAllowed(_("You may not decide claim %(number)s.") % {"number": case.number})
        allowed = INTERIM_STATES if interim else {ClaimState.ADJUDICATING}
        if case.status not in allowed:
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
        _check_against_interim(claim, calculation.total, interim=interim)
        reason = note.strip()
        if calculation.decision == "reject" and not reason:
            reason = "；".join(str(e.reason) for e in calculation.exclusions) or _(
                "Nothing is payable after the deductible and the limits."
            )
        decision = ClaimDecision.objects.create(
            claim=claim,
            stage=stage,
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
            kind="interim_proposed" if interim else "decision_proposed",
            data={
                "decision": decision.decision,
                "amount": str(decision.amount),
                "approvals_required": decision.approvals_required,
            },
        )
        reserve_on_proposal(decision, actor=actor, now=now)
        _route_for_approval(decision, actor=actor, now=now)
    return decision


def interim_decided(claim: Claim) -> ClaimDecision | None:
    """The claim's approved interim decision (先予支付), if any."""
    return claim.decisions.filter(
        stage=DecisionStage.INTERIM, status=DecisionStatus.APPROVED
    ).first()


def _check_against_interim(claim: Claim, total: Decimal, *, interim: bool) -> None:
    """One interim decision per claim, before the final one, paying something; the final
    decision never decides less than the interim payment already decided."""
    done = interim_decided(claim)
    if interim:
        if done is not None:
            raise IllegalTransition(
                _("Claim %(number)s already has its interim payment decided (%(amount)s).")
                % {"number": claim.number, "amount": done.amount}
            )
        if total <= 0:
            raise GuardFailed(_("No part of the amount can be fixed yet: nothing to pay first."))
    elif done is not None and total < done.amount:
        raise GuardFailed(
            _(
                "The calculation (%(total)s) is below the interim payment already decided "
                "(%(amount)s): check the loss items."
            )
            % {"total": total, "amount": done.amount}
        )


def _close_approval_tasks(case: Case, *, actor: Actor, now: datetime, status: str) -> None:
    for task in open_tasks_locked(case, kind="approve_decision"):
        if status == TaskStatus.DONE and task.assignee_id == actor.pk:
            task_complete(task=task, actor=actor, now=now, result=_("approved"))
        else:
            task_cancel(task=task, actor=actor, now=now)


class AboveAuthority(NotAllowed):
    """The approver's limit is too low; the decision has been escalated."""


def decision_approve(*, decision: ClaimDecision, actor: Actor, now: datetime) -> ClaimDecision:
    """Approve a proposed decision within the approver's authority.

    Never the proposer, never twice by the same person, never above the approver's limit
    (the decision then goes to the next level, and the refusal says to whom). The last
    approval needed applies the decision: the claim moves on and the customer is told.
    """
    escalated_to = None
    lapsed = False
    needs: tuple[licences.Need, ...] = ()
    with case_action():
        case = case_lock(decision.claim_id)
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
        needs = licences.approval_needs(decision.amount, final=final)
        if refusal and refusal.above_limit:
            escalated_to = _escalate(decision, case, actor=actor, now=now, why=str(refusal))
        elif refusal:
            raise NotAllowed(str(refusal))
        elif licence_lapses(actor, needs, to_local(now).date()):
            lapsed = True  # refused once the lock is released, so the manager's notice stays
        else:
            assert limit is not None  # approval_refusal refuses anyone without a limit
            DecisionApproval.objects.create(decision=decision, approver=actor, limit=limit, at=now)
            timeline_record(
                case,
                now=now,
                actor=actor,
                kind="decision_approval",
                data={"decision": decision.decision, "amount": str(decision.amount)},
            )
            if final:  # the row is locked: ``already`` is every approval but this one
                _reserve_limits(decision, now=now)
                # Applied while the approver still holds the task that lets them act.
                if decision.stage == DecisionStage.INTERIM:
                    _interim_apply(decision, actor=actor, now=now)
                elif decision.stage == DecisionStage.REVISION:
                    _revision_apply(decision, actor=actor, now=now)
                else:
                    _decision_apply(decision, actor=actor, now=now)
                _close_approval_tasks(case, actor=actor, now=now, status=TaskStatus.DONE)
            else:
                # Routed on while the approver still holds the task that lets them assign.
                _route_for_approval(decision, actor=actor, now=now)
                for task in case.tasks.filter(
                    kind="approve_decision", status=TaskStatus.OPEN, assignee=actor
                ):
                    task_complete(task=task, actor=actor, now=now, result=_("approved"))
    if lapsed:
        licence_gate(
            user=actor,
            needs=needs,
            act=_("Approving the decision on %(number)s") % {"number": case.number},
            now=now,
            case=case,
        )
    if escalated_to is not None:
        raise AboveAuthority(
            _("%(why)s The decision has been escalated to %(user)s.")
            % {"why": refusal, "user": escalated_to.get_full_name() or escalated_to.username},
            escalated_to=escalated_to.username,
        )
    return decision


class NotAutomatic(GuardFailed):
    """The calculation does not approve the claim in full: a person decides it."""


def decision_automatic(
    *, claim: Claim, actor: Actor, now: datetime, rules_passed: list[dict[str, Any]]
) -> ClaimDecision:
    """Decide a claim straight through (闪赔) as ``actor``, the system: the calculator's
    answer on the claim's loss items, approved at once under the admin's small-claim rules
    (the authority is the rules it passed, recorded with the decision), limits reserved
    under lock and applied exactly as a person's last signature applies it: the claim moves
    to payment, the claim report is issued, finance gets the payment, the customer is told.

    Only a full approval is automatic; anything else (an exclusion, a limit, nothing
    payable) raises ``NotAutomatic`` and changes nothing, so a person decides it.
    """
    with case_action():
        case = case_lock(claim.pk)
        if not can_act(actor, case, "claims.decide_claim"):
            raise NotAllowed(_("You may not decide claim %(number)s.") % {"number": case.number})
        if case.status != ClaimState.ADJUDICATING:
            raise IllegalTransition(
                _("Claim %(number)s is %(status)s, not in adjudication.")
                % {"number": case.number, "status": case.status_label()}
            )
        if (
            _pending(claim) is not None
            or claim.decisions.filter(status=DecisionStatus.APPROVED).exists()
        ):
            raise IllegalTransition(
                _("Claim %(number)s already has a decision.") % {"number": case.number}
            )
        calculation = claim_calculation(claim)
        if calculation.decision != Decision.APPROVE or calculation.total <= 0:
            raise NotAutomatic(
                _("The calculation does not approve the claim in full (%(decision)s %(amount)s).")
                % {"decision": Decision(calculation.decision).label, "amount": calculation.total}
            )
        decision = ClaimDecision.objects.create(
            claim=claim,
            stage=DecisionStage.FINAL,
            decision=calculation.decision,
            amount=calculation.total,
            reason=_("Decided automatically: every straight-through rule passed."),
            calculation=calculation.as_dict(),
            approvals_required=0,
            proposed_by=actor,
            proposed_at=now,
            automatic=True,
            rules_passed=rules_passed,
        )
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="decision_automatic",
            customer_visible=True,
            data={
                "decision": decision.decision,
                "amount": str(decision.amount),
                "rules": [r.get("code", "") for r in rules_passed],
            },
        )
        _reserve_limits(decision, now=now)
        _decision_apply(decision, actor=actor, now=now)
    return decision


def _reserve_limits(decision: ClaimDecision, *, now: datetime) -> None:
    """Reserve the decided amount on the policy year's accumulators (locked after the case).

    The calculation is made again under the lock: when another claim of the policy took
    the room since the proposal, the amounts differ and the approval is refused (409) —
    two claims are never both approved over a limit.
    """
    claim = claim_held(decision.claim_id)
    as_of = policy_as_of(claim.policy, to_local(claim.loss_time).date())
    rows = accumulators_lock(claim, accumulator_keys(claim, as_of.coverages))
    revised = decision.stage == DecisionStage.REVISION
    fresh = claim_calculation(claim, items=revised_lines(claim, decision) if revised else None)
    proposed = {c: Decimal(v) for c, v in (decision.calculation.get("by_coverage") or {}).items()}
    if fresh.total != decision.amount or dict(fresh.by_coverage) != proposed:
        raise LimitsChanged(
            _(
                "The calculation has changed since this decision was proposed (another "
                "claim on policy %(policy)s used its limits, or the loss items changed): the "
                "amount is now %(amount)s. Propose the decision again."
            )
            % {"policy": claim.policy.number, "amount": fresh.total}
        )
    accumulators_reserve(claim=claim, decision=decision, rows=rows, now=now)


def _interim_apply(decision: ClaimDecision, *, actor: Actor, now: datetime) -> None:
    """The approved interim decision: the fixed part goes to finance as an interim
    payment, the 先予支付 task is done, the customer is told; the claim stays in decision."""
    claim = claim_held(decision.claim_id)
    decision.status = DecisionStatus.APPROVED
    decision.closed_at = now
    decision.save(update_fields=["status", "closed_at"])
    timeline_record(
        claim.case,
        now=now,
        actor=actor,
        kind="interim_decided",
        customer_visible=True,
        data={"decision": decision.pk, "amount": str(decision.amount)},
    )
    for task in claim.case.tasks.filter(kind=INTERIM_TASK, status=TaskStatus.OPEN):
        task_cancel(task=task, actor=actor, now=now)
    publish(InterimDecided(case=claim.case, claim=claim, decision=decision, actor=actor, now=now))
    notification_queue(
        recipient=claim.policy.holder,
        case=claim.case,
        kind="interim_decided",
        now=now,
        phone=claim.contact_phone,
        subject=_(
            "Claim %(number)s: %(amount)s of the amount is fixed and will be paid first "
            "(interim payment); the rest follows the final decision"
        )
        % {"number": claim.number, "amount": decision.amount},
    )


def _escalate(decision: ClaimDecision, case: Case, *, actor: Actor, now: datetime, why: str):
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


def decision_return(
    *, decision: ClaimDecision, actor: Actor, now: datetime, reason: str
) -> ClaimDecision:
    """An approver sends a proposal back with a reason; the proposer revises it."""
    with case_action():
        case = case_lock(decision.claim_id)
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


def _decision_apply(decision: ClaimDecision, *, actor: Actor, now: datetime) -> None:
    """The approved decision becomes the claim's: state, amount, notices, customer told."""
    claim = claim_held(decision.claim_id)
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
    decision_applying(claim.pk, decision.pk, decision.decision)  # saved approved just above
    case_transition(case=claim.case, action=action, actor=actor, now=now, data=data)
    # The notice (and for an approval the hand-over to finance) follow from the subscribers.
    publish(
        ClaimDecided(
            case=claim.case,
            claim=claim,
            decision=decision,
            approved=action == "approve",
            notice_kind="rejection" if action == "reject" else "claim_report",
            notice_context=decision_notice_context(claim, decision),
            actor=actor,
            now=now,
        )
    )
    if action == "reject":
        case_transition(
            case=claim.case, action="send_rejection_notice", actor=actor, now=now, data={}
        )
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


# Lazy: read in the language of the notice being written, not of whoever imported the module.
FOLLOW_UP_SUGGESTIONS: Mapping[str, Promise] = {
    LossType.AUTO: gettext_lazy(
        "Book the free post-repair check at a partner shop within 30 days."
    ),
    LossType.MEDICAL: gettext_lazy(
        "Keep the invoices of follow-up treatment: they can be claimed too."
    ),
    LossType.CRITICAL_ILLNESS: gettext_lazy(
        "Ask us about the green channel for specialist appointments."
    ),
    LossType.ACCIDENT: gettext_lazy(
        "Disability appraisal within 180 days may lead to a further benefit."
    ),
    LossType.PROPERTY: gettext_lazy("Ask us for a free home-safety check after repairs."),
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
        for c in product_catalogue(claim.policy.product_id).clauses
        if c.article in articles
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


# --- a decision reopened on review ---------------------------------------------------------------

# A decided claim whose money may still move: being paid, or paid and not yet followed up.
REVISABLE = frozenset({ClaimState.PAYING, ClaimState.CLOSED})
MAX_ITEM_AMOUNT = Decimal("999999999")


@dataclass(frozen=True)
class ItemCorrection:
    """A reviewer's correction of one loss item: the amount the invoice supports, and/or an
    exclusion clause (its article; ``"-"`` lifts one) with the reason."""

    item_id: int
    amount: Decimal | None = None
    exclusion: str = ""
    reason: str = ""


def current_decision(claim: Claim) -> ClaimDecision | None:
    """The claim's approved decision as it stands (its final one, or the last revision)."""
    return (
        claim.decisions.filter(
            status=DecisionStatus.APPROVED,
            stage__in=[DecisionStage.FINAL, DecisionStage.REVISION],
        )
        .order_by("-proposed_at", "-id")
        .first()
    )


def _corrected_rows(claim: Claim, corrections: Sequence[ItemCorrection]) -> list[dict[str, Any]]:
    """The claim's loss items with the corrections applied, as JSON (stored with the
    revised decision, so the approval recalculates from exactly these)."""
    items = {i.pk: i for i in claim.loss_items.select_related("exclusion")}
    exclusions = {
        c.article: c
        for c in Clause.objects.filter(
            product_id=claim.policy.product_id, kind=Clause.Kind.EXCLUSION
        )
    }
    rows = {
        pk: {
            "item": pk,
            "coverage": i.coverage,
            "label": i.label,
            "amount": str(i.amount),
            "liability": str(i.liability),
            "illness": i.illness,
            "days": i.days,
            "exclusion": i.exclusion.article if i.exclusion else "",
            "exclusion_reason": i.exclusion_reason,
        }
        for pk, i in items.items()
    }
    for c in corrections:
        row = rows.get(c.item_id)
        if row is None:
            raise GuardFailed(_("Loss item %(id)s is not on this claim.") % {"id": c.item_id})
        if c.amount is not None:
            if not c.amount.is_finite() or not 0 <= c.amount <= MAX_ITEM_AMOUNT:
                raise GuardFailed(_("%(field)s is out of range.") % {"field": _("amount")})
            row["amount"] = str(c.amount.quantize(Decimal("0.01")))
        if c.exclusion == "-":
            row["exclusion"], row["exclusion_reason"] = "", ""
        elif c.exclusion:
            if c.exclusion not in exclusions:
                raise GuardFailed(
                    _("The product has no exclusion clause %(article)s.") % {"article": c.exclusion}
                )
            if not c.reason.strip():
                raise GuardFailed(_("Say why the exclusion applies."))
            row["exclusion"], row["exclusion_reason"] = c.exclusion, c.reason.strip()[:300]
    return list(rows.values())


def revised_lines(claim: Claim, decision: ClaimDecision) -> list[LossLine]:
    """The calculator's input of a revised decision (its corrected loss items)."""
    clauses = {
        c.article: ClauseRef(article=c.article, title=c.title, text=c.text)
        for c in Clause.objects.filter(product_id=claim.policy.product_id)
    }
    return [
        LossLine(
            coverage=r["coverage"],
            label=r["label"],
            amount=Decimal(r["amount"]),
            liability=Decimal(r["liability"]),
            illness=bool(r["illness"]),
            days=r["days"],
            exclusion=clauses.get(r["exclusion"]) if r["exclusion"] else None,
            exclusion_reason=r["exclusion_reason"],
        )
        for r in decision.revised_items
    ]


def revision_calculation(claim: Claim, corrections: Sequence[ItemCorrection]) -> Calculation:
    """What the claim comes to with the corrections (nothing written)."""
    rows = _corrected_rows(claim, corrections)
    probe = ClaimDecision(claim=claim, stage=DecisionStage.REVISION, revised_items=rows)
    return claim_calculation(claim, items=revised_lines(claim, probe))


def decision_revise(
    *,
    claim: Claim,
    actor: Actor,
    now: datetime,
    corrections: Sequence[ItemCorrection],
    reason: str,
) -> ClaimDecision:
    """Propose a revised decision on a decided claim (reopened on review): the calculator's
    answer on the loss items as corrected, for approval by others with the authority of any
    decision (four eyes, limits, escalation). Nothing moves until it is approved; then the
    difference is paid or recovered (``DecisionRevised``). Only someone who decides claims
    proposes one (the QA review adds its own rule: a QA reviewer); one waits at a time."""
    reason = reason.strip()
    if not reason:
        raise GuardFailed(_("Say what the decision got wrong."))
    with case_action():
        case = Case.objects.select_for_update(no_key=True).get(pk=claim.pk)
        if not can_act(actor, case, "claims.decide_claim"):
            raise NotAllowed(_("You may not decide claim %(number)s.") % {"number": case.number})
        if case.status not in REVISABLE or not case.is_open:
            raise IllegalTransition(
                _("Claim %(number)s is %(status)s: its decision can no longer be revised.")
                % {"number": case.number, "status": case.status_label()}
            )
        current = current_decision(claim)
        if current is None:
            raise IllegalTransition(
                _("Claim %(number)s has no approved decision to revise.") % {"number": case.number}
            )
        if _pending(claim) is not None:
            raise IllegalTransition(
                _("A decision on %(number)s is already awaiting approval.")
                % {"number": case.number}
            )
        rows = _corrected_rows(claim, corrections)
        decision = ClaimDecision(
            claim=claim, stage=DecisionStage.REVISION, revised_items=rows, proposed_by=actor
        )
        calculation = claim_calculation(claim, items=revised_lines(claim, decision))
        decision.decision = calculation.decision
        decision.amount = calculation.total
        decision.reason = reason[:4000]
        decision.calculation = calculation.as_dict()
        decision.approvals_required = approvals_required(calculation.total, approval_steps())
        decision.proposed_at = now
        decision.save()
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="decision_revision_proposed",
            data={
                "decision": decision.decision,
                "amount": str(decision.amount),
                "previous": str(current.amount),
                "approvals_required": decision.approvals_required,
                "reason": decision.reason,
            },
        )
        _route_for_approval(decision, actor=actor, now=now)
    return decision


def _write_corrections(claim: Claim, rows: list[dict[str, Any]]) -> None:
    """The approved revision's loss items become the claim's (what it now rests on)."""
    clauses = {c.article: c for c in Clause.objects.filter(product_id=claim.policy.product_id)}
    for row in rows:
        LossItem.objects.filter(pk=row["item"], claim=claim).update(
            amount=Decimal(row["amount"]),
            exclusion=clauses.get(row["exclusion"]) if row["exclusion"] else None,
            exclusion_reason=row["exclusion_reason"],
        )


def _revision_apply(decision: ClaimDecision, *, actor: Actor, now: datetime) -> None:
    """The approved revision becomes the claim's decision; the one it replaces is marked
    revised; the reserve follows; the difference goes to payment or recovery."""
    claim = Claim.objects.select_related("case", "policy__holder").get(pk=decision.claim_id)
    previous = current_decision(claim)
    assert previous is not None  # decision_revise refused a claim without one
    previous.status = DecisionStatus.REVISED
    previous.save(update_fields=["status"])
    decision.status = DecisionStatus.APPROVED
    decision.closed_at = now
    decision.save(update_fields=["status", "closed_at"])
    _write_corrections(claim, decision.revised_items)
    claim.decision = decision.decision
    claim.approved_amount = decision.amount
    claim.save(update_fields=["decision", "approved_amount"])
    timeline_record(
        claim.case,
        now=now,
        actor=actor,
        kind="decision_revised",
        customer_visible=True,
        data={
            "decision": decision.pk,
            "previous": str(previous.amount),
            "amount": str(decision.amount),
            "difference": str(decision.amount - previous.amount),
        },
    )
    reserve_on_revised(claim, decided=decision.amount, actor=actor, now=now)
    publish(
        DecisionRevised(
            case=claim.case,
            claim=claim,
            decision=decision,
            previous=previous,
            actor=actor,
            now=now,
        )
    )
