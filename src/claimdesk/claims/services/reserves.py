"""Case reserves (未决赔款准备金): what the insurer still expects to pay on each claim.

Set at registration from the product's and loss type's average (or the reported estimate,
as the admin's ``ReserveRule`` says) and moved by each step that knows more: the survey's
loss assessment, the calculation of a proposed decision, the approved decision, each
payment, each amount recovered; a claim that closes holds none. Each change is a
``ReserveMovement`` (append-only) and a ``reserve_changed`` timeline line the evidence
ledger chains, with who made it, why, and whose reserve authority covers it.

A step's change carries the step's own authority (the calculator's rule, the decision's
signatures, the bank's confirmation) and is never held back: the reserve must say what is
known. A *manual* change is within its maker's reserve authority
(``StaffProfile.reserve_limit``) or waits for a higher signature, escalated to the maker's
manager as a decision above an approval limit is (``ReserveRequest``).

Callers hold the claim's case (in their ``case_action``): the reserve moves in the step's
transaction and commits or rolls back with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from claimdesk.cache import ReferenceCache
from claimdesk.cases.events import CaseTransitioned
from claimdesk.cases.models import Case, CaseEvent, TaskStatus
from claimdesk.cases.services import (
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    can_act,
    case_lock,
    escalation_recipient,
    task_assign,
    task_cancel,
    task_complete,
)
from claimdesk.cases.timeline import case_action, timeline_event, timeline_record
from claimdesk.claims.events import ClaimDecided, ClaimRegistered
from claimdesk.claims.held import claim_held
from claimdesk.claims.models import (
    Claim,
    ClaimDecision,
    Decision,
    RequestStatus,
    ReserveMovement,
    ReserveRequest,
    ReserveRule,
    ReserveStep,
)
from claimdesk.claims.rules import (
    DEFAULT_RESERVE_AVERAGES,
    DEFAULT_RESERVE_SAMPLE,
    ReserveFlag,
    reserve_authority_refusal,
    reserve_first,
    reserve_flags,
    reserve_outstanding,
)
from claimdesk.claims.services.accumulators import SUM_INSURED, accumulator_keys, used_by_others
from claimdesk.claims.services.assessment import claim_calculation
from claimdesk.claims.workflow import ARCHIVED_AT
from claimdesk.policies.selectors import policy_as_of
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local

# Who may change a claim's reserve by hand: its handler (intake), the adjuster holding a
# task on it, a manager — within their reserve authority (above it the change goes to their
# manager as a signature task, so they also hold ``cases.assign_task``). A surveyor's figure
# moves the reserve through the survey report.
ADJUST_PERMISSIONS = ("claims.handle_intake", "claims.decide_claim")
RESERVE_TASK = "approve_reserve"
HISTORY_DAYS = 365


class AboveReserveAuthority(NotAllowed):
    """The change is above its maker's reserve authority: it waits for a higher signature."""


@dataclass(frozen=True)
class Totals:
    reserve: Decimal | None  # None: the claim has no reserve yet
    paid: Decimal
    recovered: Decimal

    @property
    def net_cost(self) -> Decimal:
        """What the claim has cost so far: paid less recovered."""
        return self.paid - self.recovered


def _said(message: str, **values: object) -> str:
    """A step's reason as stored: in the product's first language, whoever's page made the
    step (the history reads the same to everyone)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _(message)
        return text % values if values else text


def reserve_limit(user) -> Decimal | None:
    profile = getattr(user, "staff_profile", None)
    return profile.reserve_limit if profile is not None else None


def reserve_history(claim: Claim) -> list[ReserveMovement]:
    return list(
        ReserveMovement.objects.filter(claim=claim)
        .select_related("actor", "signed_by")
        .order_by("at", "id")
    )


def reserve_totals(claim: Claim) -> Totals:
    """The claim's reserve (None: it has none yet) and what was paid and recovered on it, from
    its movements in one read (a claim has a handful)."""
    rows = ReserveMovement.objects.filter(claim=claim).order_by("at", "id")
    moved = list(rows.values_list("amount", "paid", "recovered"))
    fen = Decimal("0.01")
    return Totals(
        moved[-1][0] if moved else None,
        Decimal(sum((Decimal(str(p)) for _a, p, _r in moved), Decimal(0))).quantize(fen),
        Decimal(sum((Decimal(str(r)) for _a, _p, r in moved), Decimal(0))).quantize(fen),
    )


def _move(
    claim: Claim,
    *,
    amount: Decimal,
    step: str,
    reason: str,
    actor: Actor | None,
    now: datetime,
    signed_by: Actor | None = None,
    paid: Decimal = Decimal(0),
    recovered: Decimal = Decimal(0),
    before: Totals | None = None,
) -> ReserveMovement | None:
    """Append one movement and its ledger-chained timeline line; nothing when neither the
    reserve nor the money moved. ``before``: the totals the caller has just read."""
    amount = max(amount, Decimal(0)).quantize(Decimal("0.01"))
    held = (before or reserve_totals(claim)).reserve
    change = amount - (held or Decimal(0))
    if held is not None and not change and not paid and not recovered:
        return None
    signer = signed_by or actor
    limit = reserve_limit(signer) if signer is not None else None
    movement = ReserveMovement.objects.create(
        claim=claim,
        step=step,
        amount=amount,
        change=change,
        paid=paid,
        recovered=recovered,
        reason=reason[:300],
        actor=actor,
        signed_by=signer,
        authority_limit=limit,
        at=now,
    )
    timeline_record(claim.case, now=now, actor=actor, kind="reserve_changed", data=_line(movement))
    return movement


# --- the steps ----------------------------------------------------------------------------


# The initial reserve per loss type (and product): admin reference data every report reads.
_reserve_rules = ReferenceCache(lambda: list(ReserveRule.objects.order_by("pk")), ReserveRule)


def _rule(claim: Claim) -> ReserveRule | None:
    """The product's own rule for the loss type, else the one for every product."""
    rules = [r for r in _reserve_rules.get() if r.loss_type == claim.loss_type]
    product_id = claim.policy.product_id
    return next((r for r in rules if r.product_id == product_id), None) or next(
        (r for r in rules if r.product_id is None), None
    )


def _decided_history(claim: Claim, now: datetime) -> list[Decimal]:
    """The decided amounts of the product's paid claims of the loss type in the last year."""
    amounts = (
        Claim.objects.filter(
            policy__product_id=claim.policy.product_id,
            loss_type=claim.loss_type,
            decided_at__gte=now - timedelta(days=HISTORY_DAYS),
            decision__in=[Decision.APPROVE, Decision.PARTIAL],
        )
        .exclude(pk=claim.pk)
        .values_list("approved_amount", flat=True)[:1000]
    )
    return [a for a in amounts if a is not None]


def _first_reserve(
    claim: Claim, *, rule: ReserveRule | None, history: list[Decimal]
) -> tuple[Decimal, str]:
    """A new claim's first reserve and the reason for it, by the admin's rule."""
    amount, basis = reserve_first(
        method=rule.method if rule else "average",
        estimate=claim.estimated_amount,
        history=history,
        min_sample=rule.min_sample if rule else DEFAULT_RESERVE_SAMPLE,
        average=rule.average_amount
        if rule
        else DEFAULT_RESERVE_AVERAGES.get(claim.loss_type, Decimal(0)),
    )
    reason = {
        "estimate": _said(gettext_noop("Reported estimate")),
        "history": _said(
            gettext_noop(
                "Average of %(n)s decided claims of the product and loss type in the last year"
            ),
            n=len(history),
        ),
        "average": _said(gettext_noop("Average of the product and loss type (admin setting)")),
    }[basis]
    return max(amount, Decimal(0)).quantize(Decimal("0.01")), reason


def reserve_open(claim: Claim, *, actor: Actor | None, now: datetime) -> ReserveMovement | None:
    """The first reserve of a newly registered claim."""
    amount, reason = _first_reserve(claim, rule=_rule(claim), history=_decided_history(claim, now))
    return _move(
        claim, amount=amount, step=ReserveStep.REGISTERED, reason=reason, actor=actor, now=now
    )


def reserves_open_many(claims: list[Claim], *, actor: Actor, now: datetime) -> list[CaseEvent]:
    """The first reserves of claims registered together (bulk intake), as ``reserve_open``
    sets them one by one: the rule and history read once per product and loss type, the
    movements inserted together. Returns their timeline lines, unsaved, for the caller to
    record with the cases' other lines (the chain of a new case is written in one go)."""
    looked_up: dict[tuple[int, str], tuple[ReserveRule | None, list[Decimal]]] = {}
    limit = reserve_limit(actor)
    movements = []
    for claim in claims:
        key = (claim.policy.product_id, claim.loss_type)
        if key not in looked_up:
            looked_up[key] = (_rule(claim), _decided_history(claim, now))
        rule, history = looked_up[key]
        amount, reason = _first_reserve(claim, rule=rule, history=history)
        movements.append(
            ReserveMovement(
                claim=claim,
                step=ReserveStep.REGISTERED,
                amount=amount,
                change=amount,
                reason=reason[:300],
                actor=actor,
                signed_by=actor,
                authority_limit=limit,
                at=now,
            )
        )
    ReserveMovement.objects.bulk_create(movements)
    return [
        timeline_event(m.claim.case, now=now, actor=actor, kind="reserve_changed", data=_line(m))
        for m in movements
    ]


def _line(movement: ReserveMovement) -> dict[str, str | int]:
    """What a movement's timeline line (and so the evidence ledger) records of it."""
    limit = movement.authority_limit
    return {
        "movement": movement.pk,
        "step": movement.step,
        "reserve": str(movement.amount),
        "change": str(movement.change),
        "paid": str(movement.paid),
        "recovered": str(movement.recovered),
        "reason": movement.reason,
        "signed_by": getattr(movement.signed_by, "username", ""),
        "authority": str(limit) if limit is not None else "",
    }


def reserve_on_registered(event: ClaimRegistered) -> None:
    reserve_open(event.claim, actor=event.actor, now=event.now)


def reserve_on_transition(event: CaseTransitioned) -> None:
    """The survey's loss assessment sets the reserve to what the assessed items come to;
    a claim that closes (paid, rejected, withdrawn) holds none."""
    assessed = event.transition.action == "assessment_done"
    if not assessed and event.transition.target not in ARCHIVED_AT:
        return  # no other step moves the reserve
    try:
        claim = claim_held(event.case.pk)
    except Claim.DoesNotExist:
        return  # a bare case
    totals = reserve_totals(claim)
    if totals.reserve is None:
        return  # a claim from before reserves
    if assessed:
        if not claim.loss_items.exists():
            return
        total = claim_calculation(claim).total
        _move(
            claim,
            amount=reserve_outstanding(total, totals.paid, totals.recovered),
            step=ReserveStep.SURVEY,
            reason=_said(gettext_noop("Loss assessed at %(amount)s"), amount=total),
            actor=event.actor,
            now=event.now,
            before=totals,
        )
    else:
        _move(
            claim,
            amount=Decimal(0),
            step=ReserveStep.CLOSED,
            reason=_said(
                gettext_noop("Claim %(status)s: nothing more to pay"),
                status=event.case.workflow.state_label(event.case.status),
            ),
            actor=event.actor,
            now=event.now,
            before=totals,
        )


def reserve_on_survey(claim: Claim, *, assessed: Decimal, actor: Actor, now: datetime) -> None:
    """The surveyor's written result: the loss as assessed on site is what is expected."""
    totals = reserve_totals(claim)
    if totals.reserve is None:
        return  # a claim from before reserves
    _move(
        claim,
        amount=reserve_outstanding(assessed, totals.paid, totals.recovered),
        step=ReserveStep.SURVEY,
        reason=_said(gettext_noop("Survey report: loss assessed at %(amount)s"), amount=assessed),
        actor=actor,
        now=now,
        before=totals,
    )


def reserve_on_proposal(decision: ClaimDecision, *, actor: Actor, now: datetime) -> None:
    """A proposed decision's calculation is the best estimate until it is approved."""
    claim = decision.claim
    totals = reserve_totals(claim)
    if totals.reserve is None:
        return  # a claim from before reserves
    _move(
        claim,
        amount=reserve_outstanding(decision.amount, totals.paid, totals.recovered),
        step=ReserveStep.CALCULATION,
        reason=_said(
            gettext_noop("Calculated at %(amount)s (proposal awaiting approval)"),
            amount=decision.amount,
        ),
        actor=actor,
        now=now,
        before=totals,
    )


def reserve_on_decided(event: ClaimDecided) -> None:
    """The approved decision fixes what is owed: the reserve is what is left of it to pay."""
    decided = event.decision.amount if event.approved else Decimal(0)
    _reserve_outstanding(
        event.claim,
        decided=decided,
        reason=(
            _said(gettext_noop("Decided at %(amount)s"), amount=decided)
            if event.approved
            else _said(gettext_noop("Rejected: nothing to pay"))
        ),
        actor=event.actor,
        now=event.now,
    )


def reserve_on_revised(claim: Claim, *, decided: Decimal, actor: Actor, now: datetime) -> None:
    """A revised decision (reopened on review): the reserve is what is left of the new
    amount to pay (a supplementary payment's amount; nothing when it was overpaid)."""
    _reserve_outstanding(
        claim,
        decided=decided,
        reason=_said(gettext_noop("Decision revised on review to %(amount)s"), amount=decided),
        actor=actor,
        now=now,
    )


def _reserve_outstanding(
    claim: Claim, *, decided: Decimal, reason: str, actor: Actor | None, now: datetime
) -> None:
    totals = reserve_totals(claim)
    if totals.reserve is None:
        return  # a claim from before reserves
    _move(
        claim,
        amount=reserve_outstanding(decided, totals.paid, totals.recovered),
        step=ReserveStep.DECISION,
        reason=reason,
        actor=actor,
        now=now,
        before=totals,
    )


def reserve_on_payment(
    claim: Claim, *, amount: Decimal, reference: str, actor: Actor, now: datetime
) -> None:
    """A confirmed payment is no longer outstanding (each payment once: the payments app
    confirms a payment only once, under the case lock)."""
    totals = reserve_totals(claim)
    if totals.reserve is None:
        return
    _move(
        claim,
        amount=totals.reserve - amount,
        step=ReserveStep.PAYMENT,
        reason=_said(
            gettext_noop("Payment %(reference)s of %(amount)s confirmed"),
            reference=reference,
            amount=amount,
        ),
        actor=actor,
        now=now,
        paid=amount,
        before=totals,
    )


def reserve_on_recovery(
    claim: Claim, *, amount: Decimal, source: str, actor: Actor, now: datetime
) -> None:
    """An amount recovered (from the third party at fault, or salvage) lowers the claim's
    net cost and, while it is open, what is still reserved on it."""
    totals = reserve_totals(claim)
    current = totals.reserve or Decimal(0)
    _move(
        claim,
        amount=current - amount if claim.case.is_open else current,
        step=ReserveStep.RECOVERY,
        reason=_said(
            gettext_noop("%(amount)s recovered (%(source)s)"), amount=amount, source=source
        ),
        actor=actor,
        now=now,
        recovered=amount,
        before=totals,
    )


# --- manual adjustments and their authority --------------------------------------------------


def _may_adjust(actor: Actor, case: Case) -> bool:
    return any(can_act(actor, case, p) for p in ADJUST_PERMISSIONS)


MAX_RESERVE = Decimal("999999999999.99")  # the money column's range


def _amount(raw: object) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise GuardFailed(_("Enter the reserve in yuan, e.g. 12000.00.")) from None
    if not value.is_finite() or value > MAX_RESERVE:
        raise GuardFailed(_("Enter the reserve in yuan, e.g. 12000.00."))
    return value


def reserve_adjust(
    *, claim: Claim, amount: object, reason: str, actor: Actor, now: datetime
) -> ReserveMovement:
    """The handler sets the reserve by hand, saying why. Within their reserve authority it
    applies at once; above it, it waits for their manager's signature (a task), and the
    refusal (``AboveReserveAuthority``) says to whom it went."""
    value = _amount(amount)
    with case_action():
        case = case_lock(claim.pk)
        if not _may_adjust(actor, case):
            raise NotAllowed(
                _("You may not change the reserve of claim %(number)s.") % {"number": case.number}
            )
        if not case.is_open:
            raise IllegalTransition(
                _("Claim %(number)s is closed: its reserve no longer moves.")
                % {"number": case.number}
            )
        reason = reason.strip()
        if not reason:
            raise GuardFailed(_("Say why the reserve changes."))
        if value < 0:
            raise GuardFailed(_("A reserve cannot be negative."))
        amount = value.quantize(Decimal("0.01"))
        if amount == reserve_totals(claim).reserve:
            raise GuardFailed(_("The reserve is already %(amount)s.") % {"amount": amount})
        refusal = reserve_authority_refusal(amount, reserve_limit(actor))
        if refusal is None:
            movement = _move(
                claim,
                amount=amount,
                step=ReserveStep.MANUAL,
                reason=reason,
                actor=actor,
                now=now,
            )
            assert movement is not None
            return movement
        escalated_to = _request(claim, case, amount=amount, reason=reason, actor=actor, now=now)
    raise AboveReserveAuthority(
        _("%(why)s The change waits for the signature of %(user)s.")
        % {"why": refusal, "user": escalated_to.get_full_name() or escalated_to.username},
        escalated_to=escalated_to.username,
    )


def _request(
    claim: Claim, case: Case, *, amount: Decimal, reason: str, actor: Actor, now: datetime
):
    """A change above the maker's authority: one pending request per claim (a newer one
    replaces it), handed to the maker's manager as a task."""
    for earlier in ReserveRequest.objects.filter(claim=claim, status=RequestStatus.PENDING):
        earlier.status = RequestStatus.SUPERSEDED
        earlier.decided_at = now
        earlier.save(update_fields=["status", "decided_at"])
    _close_tasks(case, actor=actor, now=now, done=False)
    manager = escalation_recipient(actor)
    ReserveRequest.objects.create(
        claim=claim,
        amount=amount,
        reason=reason,
        requested_by=actor,
        requested_at=now,
        escalated_to=manager,
    )
    _escalation(case, amount=amount, to=manager, actor=actor, now=now, reason=reason)
    return manager


def _escalation(case: Case, *, amount: Decimal, to, actor: Actor, now: datetime, reason: str):
    timeline_record(
        case,
        now=now,
        actor=actor,
        kind="reserve_escalated",
        data={"to": to.username, "reserve": str(amount), "reason": reason},
    )
    task_assign(
        case=case,
        kind=RESERVE_TASK,
        title=_("Sign the reserve of %(number)s: %(amount)s")
        % {"number": case.number, "amount": amount},
        assignee=to,
        actor=actor,
        now=now,
    )


def _close_tasks(case: Case, *, actor: Actor, now: datetime, done: bool) -> None:
    for task in case.tasks.filter(kind=RESERVE_TASK, status=TaskStatus.OPEN):
        if done and task.assignee_id == actor.pk:
            task_complete(task=task, actor=actor, now=now, result=_("signed"))
        else:
            task_cancel(task=task, actor=actor, now=now)


def reserve_pending(claim: Claim) -> ReserveRequest | None:
    return (
        ReserveRequest.objects.filter(claim=claim, status=RequestStatus.PENDING)
        .select_related("requested_by", "escalated_to")
        .first()
    )


def reserve_request_sign(
    *, request: ReserveRequest, actor: Actor, now: datetime
) -> ReserveMovement | None:
    """A higher signature on a pending change: within the signer's reserve authority the
    change applies (made by its maker, within the signer's authority); above it, it goes up
    one more level and the refusal says to whom."""
    escalated_to = None
    with case_action():
        case = case_lock(request.claim_id)
        request = ReserveRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != RequestStatus.PENDING:
            raise IllegalTransition(
                _("This change is %(status)s.") % {"status": request.get_status_display()}
            )
        if actor.pk == request.requested_by_id:
            raise NotAllowed(_("Nobody may sign their own reserve change."))
        if not _may_adjust(actor, case):
            raise NotAllowed(
                _("You may not change the reserve of claim %(number)s.") % {"number": case.number}
            )
        refusal = reserve_authority_refusal(request.amount, reserve_limit(actor))
        if refusal is None:
            claim = Claim.objects.select_related("case").get(pk=request.claim_id)
            movement = _move(
                claim,
                amount=request.amount,
                step=ReserveStep.MANUAL,
                reason=request.reason,
                actor=request.requested_by,
                signed_by=actor,
                now=now,
            )
            request.status = RequestStatus.APPROVED
            request.decided_by = actor
            request.decided_at = now
            request.save(update_fields=["status", "decided_by", "decided_at"])
            _close_tasks(case, actor=actor, now=now, done=True)
            return movement
        manager = escalation_recipient(actor)
        if manager.pk == actor.pk:
            raise NotAllowed(refusal)  # nobody above: the change cannot be signed
        request.escalated_to = manager
        request.save(update_fields=["escalated_to"])
        _close_tasks(case, actor=actor, now=now, done=False)
        _escalation(case, amount=request.amount, to=manager, actor=actor, now=now, reason=refusal)
        escalated_to = manager
    raise AboveReserveAuthority(
        _("%(why)s The change waits for the signature of %(user)s.")
        % {"why": refusal, "user": escalated_to.get_full_name() or escalated_to.username},
        escalated_to=escalated_to.username,
    )


def reserve_request_refuse(
    *, request: ReserveRequest, actor: Actor, now: datetime, note: str
) -> ReserveRequest:
    """The signer refuses the change, saying why; the reserve stays as it was."""
    with case_action():
        case = case_lock(request.claim_id)
        request = ReserveRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != RequestStatus.PENDING:
            raise IllegalTransition(
                _("This change is %(status)s.") % {"status": request.get_status_display()}
            )
        if actor.pk == request.requested_by_id or not _may_adjust(actor, case):
            raise NotAllowed(_("Only a higher signer may refuse this change."))
        if not note.strip():
            raise GuardFailed(_("Say why the change is refused."))
        request.status = RequestStatus.REFUSED
        request.decided_by = actor
        request.decided_at = now
        request.note = note.strip()[:300]
        request.save(update_fields=["status", "decided_by", "decided_at", "note"])
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="reserve_refused",
            data={"reserve": str(request.amount), "reason": request.note},
        )
        _close_tasks(case, actor=actor, now=now, done=False)
    return request


# --- adequacy -------------------------------------------------------------------------------


def remaining_limit(claim: Claim) -> Decimal:
    """What is left of the policy's sum insured for this claim: the sum insured as of the
    loss date less what other claims have taken."""
    as_of = policy_as_of(claim.policy, to_local(claim.loss_time).date())
    keys = accumulator_keys(claim, ())
    used = used_by_others(claim, keys).get(SUM_INSURED)
    return as_of.sum_insured - (used.limit if used else Decimal(0))


def claim_reserve_flags(claim: Claim, *, now: datetime) -> list[ReserveFlag]:
    history = [(m.at, m.amount) for m in reserve_history(claim)]
    return reserve_flags(
        history=history,
        now=now,
        is_open=claim.case.is_open,
        remaining_limit=remaining_limit(claim) if history else None,
    )
