"""Every write to the case kernel: open, transition, clocks, tasks, the sweep.

Each public function is one business action in one transaction, takes ``now`` from its
caller (read the clock once per operation), writes the timeline and queues notifications
that leave only after commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Min, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from claimdesk.cache import ReferenceCache
from claimdesk.cases.events import CaseTransitioned, publish
from claimdesk.cases.models import (
    LIVE_STATES,
    AlertKind,
    Case,
    CaseEvent,
    CaseNumberSequence,
    Deadline,
    DeadlineAlert,
    DeadlinePause,
    DeadlineState,
    SlaRule,
    Task,
    TaskStatus,
)
from claimdesk.cases.timeline import (
    action_memo,
    action_save,
    case_action,
    timeline_event,
    timeline_record,
    timeline_record_many,
)
from claimdesk.cases.workflow import Transition, resolve_clocks, workflow
from claimdesk.db import bulk_insert
from claimdesk.notify.services import notification_queue
from claimdesk.staff.roles import Role
from claimdesk.staff.services import certificate_valid, is_staff_member, role_pool
from claimdesk.types import Actor, Viewer
from claimdesk.workdays.calendar import WorkCalendar
from claimdesk.workdays.clocks import ZERO, Clock, to_local
from claimdesk.workdays.selectors import clock, work_calendar

User = get_user_model()


class CaseError(Exception):
    """A business rule refused the action; ``status`` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.message = message
        self.details = details


class IllegalTransition(CaseError):
    status = 409


class NotAllowed(CaseError):
    status = 403


class GuardFailed(CaseError):
    status = 400


# --- helpers ------------------------------------------------------------------------------


def reserve_numbers(kind: str, now: datetime, count: int = 1) -> list[str]:
    """The next ``count`` case numbers of the day, e.g. FL20260930000042: one locking
    ``UPDATE … RETURNING`` (PostgreSQL and SQLite ≥ 3.35), a new row on the day's first case.
    Bulk intake reserves a whole chunk's numbers at once."""
    prefix, day = workflow(kind).number_prefix, to_local(now).date()
    params: list[int | str | None] = [count, prefix, connection.ops.adapt_datefield_value(day)]
    with connection.cursor() as cursor:
        cursor.execute(_NUMBER_SQL, params)
        row = cursor.fetchone()
    if row is None:
        try:
            with transaction.atomic():
                CaseNumberSequence.objects.create(prefix=prefix, day=day, last=count)
                row = (count,)
        except IntegrityError:  # another transaction opened the day first
            with connection.cursor() as cursor:
                cursor.execute(_NUMBER_SQL, params)
                row = cursor.fetchone()
    last = row[0]
    return [f"{prefix}{day:%Y%m%d}{n:06d}" for n in range(last - count + 1, last + 1)]


_NUMBER_SQL = (
    f"UPDATE {CaseNumberSequence._meta.db_table} SET last = last + %s "
    "WHERE prefix = %s AND day = %s RETURNING last"
)


def least_loaded_agent():
    """The active agent with the fewest open cases: owner of a case a customer opened."""
    agent = (
        role_pool(Role.AGENT)
        .annotate(load=Count("owned_cases", filter=Q(owned_cases__is_open=True)))
        .order_by("load", "id")
        .first()
    )
    if agent is None:
        raise CaseError(_("No customer-service agent is available to own the case."))
    return agent


def escalation_recipient(user):
    """Whom to escalate ``user``'s overdue work to: their manager, else any manager.

    A manager who has left (inactive) reads no escalations: the next active one does.
    """
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.manager_id and profile.manager.is_active:
        return profile.manager
    manager = (
        User.objects.filter(is_active=True, groups__name=Role.MANAGER.value).order_by("id").first()
    )
    return manager or user


def works_others_tasks(actor: Viewer) -> bool:
    """Whether ``actor`` may finish work handed to someone else: oversight that also hands
    out work (a manager). The admin sees every case but does none of its work
    (segregation of duties, docs/access-matrix.md)."""
    return actor.has_perm("cases.view_all_cases") and actor.has_perm("cases.assign_task")


def can_act(actor: Viewer, case: Case, permission: str) -> bool:
    """Role permission plus a reason to touch this case: owner, task on it, or oversight.

    Within one action a task found once is not looked up again: the nested steps of an
    approval re-check the authority the action started with (a task the action closes on
    its way does not take it back halfway)."""
    if not actor.is_authenticated or not actor.has_perm(permission):
        return False
    if actor.pk == case.owner_id or actor.has_perm("cases.view_all_cases"):
        return True
    memo = action_memo()
    key = ("holds_task", actor.pk, case.pk)
    if memo is not None and memo.get(key):
        return True
    holds = case.tasks.filter(assignee=actor, status=TaskStatus.OPEN).exists()
    if holds and memo is not None:
        memo[key] = True
    return holds


def _next_due(case: Case, clocks: list[Deadline]) -> datetime | None:
    """The case's nearest running case-level due time, from its clocks already in hand
    (every live case-level clock of the case, as the step left them): no query."""
    if not case.is_open:
        return None
    running = [d.due_at for d in clocks if d.state == DeadlineState.RUNNING and d.task_id is None]
    return min(running, default=None)


def _refresh_next_due(case: Case) -> None:
    case.next_due_at = (
        (
            case.deadlines.filter(state=DeadlineState.RUNNING, task__isnull=True).aggregate(
                m=Min("due_at")
            )["m"]
        )
        if case.is_open
        else None
    )


def _next_action(d: Deadline) -> datetime | None:
    if d.state != DeadlineState.RUNNING:
        return None
    pending = [
        at
        for at, done in (
            (d.remind_at, d.reminded_at),
            (d.due_at, d.warned_at),
            (d.escalate_at, d.escalated_at),
        )
        if done is None
    ]
    return min(pending) if pending else None


# --- clocks -------------------------------------------------------------------------------


def deadline_start(
    *,
    case: Case,
    rule_code: str,
    now: datetime,
    actor: Actor | None = None,
    task: Task | None = None,
    calendar: WorkCalendar | None = None,
) -> Deadline | None:
    """Start the clock of ``rule_code``; a clock already live for the rule is kept as is.

    An inactive rule starts nothing: the admin switched that commitment off.
    """
    with case_action():
        d = _start(case, rule_code, now=now, actor=actor, task=task, calendar=calendar)
        if d is not None and task is None:
            _sync_next_due(case)
    return d


def deadline_pause(
    *,
    deadline: Deadline,
    now: datetime,
    actor: Actor | None = None,
    reason: str = "",
    calendar: WorkCalendar | None = None,
) -> None:
    """Stop the clock: remember how much counted time it has used."""
    with case_action():
        d = _locked(deadline)
        _pause(d, now=now, actor=actor, reason=reason, calendar=calendar)
        _sync_next_due(d.case)


def deadline_resume(
    *,
    deadline: Deadline,
    now: datetime,
    actor: Actor | None = None,
    calendar: WorkCalendar | None = None,
) -> None:
    """Restart the clock with exactly the counted time it had left; milestones move with it."""
    with case_action():
        d = _locked(deadline)
        _resume(d, now=now, actor=actor, calendar=calendar)
        _sync_next_due(d.case)


def deadline_stop(
    *, deadline: Deadline, now: datetime, actor: Actor | None = None, cancel: bool = False
) -> None:
    """Stop the clock for good and record whether the commitment was met."""
    with case_action():
        d = _locked(deadline)
        _stop(d, now=now, actor=actor, cancel=cancel)
        _sync_next_due(d.case)


def _locked(deadline: Deadline) -> Deadline:
    """The clock as it is now, locked: a caller's copy may be stale (the sweep writes too)."""
    return (
        Deadline.objects.select_for_update(of=("self",), no_key=True)
        .select_related("rule", "case")
        .get(pk=deadline.pk)
    )


def _sync_next_due(case: Case) -> None:
    """Keep ``Case.next_due_at`` (the work queue's sort key) right after a clock changed."""
    _refresh_next_due(case)
    Case.objects.filter(pk=case.pk).update(next_due_at=case.next_due_at)


# SLA rules are admin reference data read by every clock start.
_sla_rules = ReferenceCache(lambda: {r.code: r for r in SlaRule.objects.all()}, SlaRule)


def sla_rule(code: str) -> SlaRule:
    """The SLA rule of ``code`` as the admin left it (cached reference data)."""
    try:
        return _sla_rules.get()[code]
    except KeyError:
        raise CaseError(_("Unknown SLA rule %(code)s.") % {"code": code}) from None


def sla_due_at(rule: SlaRule, event: datetime, calendar: WorkCalendar | None = None) -> datetime:
    """When a clock of ``rule`` for an event at ``event`` falls due.

    The one due-time computation: clocks (and so the sweep and every page), the API and the
    CLI all read it. The rule's own wording, then the period-end rule for a statutory period
    counted in calendar days (民法典 §203)."""
    clk = clock(rule.unit, calendar)
    return _period_end(rule, clk, clk.due_at(event, rule.amount))


def _period_end(rule: SlaRule, clk: Clock, plain_due: datetime) -> datetime:
    """``plain_due`` moved off a rest day or holiday when the rule is a statutory period in
    calendar days; unchanged for every other rule."""
    return clk.period_end(plain_due) if rule.period_end_rule else plain_due


def deadline_times(
    rule: SlaRule,
    now: datetime,
    calendar: WorkCalendar | None = None,
    *,
    counted_from: datetime | None = None,
) -> dict[str, Any]:
    """Budget, due time and milestones of a clock of ``rule`` started at ``now`` (the same
    for every clock of the rule started then: bulk intake computes them once).

    The period counts from ``counted_from`` (an extension counts from the end of the period
    it extends), else from ``now``. The budget is the period as the rule words it; the
    period-end rule moves only the due time, so a pause and a resume re-apply it to the
    period's new end, and the reminder and the escalation stay inside the period itself.
    """
    clk = clock(rule.unit, calendar)
    plain_due = clk.due_at(counted_from or now, rule.amount)
    budget = clk.counted(now, plain_due)
    return {
        "budget": budget,
        "due_at": _period_end(rule, clk, plain_due),
        "remind_at": clk.advance(now, budget * rule.reminder_percent / 100),
        "escalate_at": clk.advance(now, budget * rule.escalation_percent / 100),
    }


def deadline_new(
    case: Case,
    rule: SlaRule,
    *,
    now: datetime,
    task: Task | None = None,
    calendar: WorkCalendar | None = None,
    times: Mapping[str, Any] | None = None,
) -> Deadline:
    """An unsaved running clock of ``rule`` from ``now``, milestones placed."""
    d = Deadline(
        case=case,
        task=task,
        rule=rule,
        unit=rule.unit,
        assignee_id=task.assignee_id if task else case.owner_id,
        state=DeadlineState.RUNNING,
        started_at=now,
        segment_started_at=now,
        **(times or deadline_times(rule, now, calendar)),
    )
    d.next_action_at = _next_action(d)
    return d


def clock_started_event(
    case: Case, d: Deadline, *, now: datetime, actor: Actor | None
) -> CaseEvent:
    """The timeline line that says a clock started (unsaved: written with its case's lines)."""
    return timeline_event(
        case,
        now=now,
        actor=actor,
        kind="deadline_started",
        data={"rule": d.rule.code, "due_at": d.due_at, "task": d.task_id},
    )


def _start(
    case: Case,
    rule_code: str,
    *,
    now: datetime,
    actor: Actor | None,
    task: Task | None = None,
    calendar: WorkCalendar | None = None,
    held: list[Deadline] | None = None,
) -> Deadline | None:
    """``held``: the case's live case-level clocks, already locked by the caller (then no
    query looks for a live clock of the rule)."""
    rule = sla_rule(rule_code)
    if not rule.active:
        return None
    if held is not None and task is None:
        live = next((d for d in held if d.rule_id == rule.pk and d.state in LIVE_STATES), None)
    else:
        live = case.deadlines.filter(rule=rule, task=task, state__in=LIVE_STATES).first()
    if live is not None:
        return live
    d = deadline_new(case, rule, now=now, task=task, calendar=calendar)
    d.save(force_insert=True)
    timeline_record_many([clock_started_event(case, d, now=now, actor=actor)])
    return d


def _milestone(clk: Clock, now: datetime, d: Deadline, percent: int, old: datetime) -> datetime:
    """Where a milestone at ``percent`` of the budget lands after a resume at ``now``."""
    left = d.budget * percent / 100 - d.consumed
    return clk.advance(now, left) if left > ZERO else old


# The pause/resume/stop steps write only the fields they own: the sweep's alert marks
# (reminded_at, warned_at, escalated_at) are never overwritten with a stale copy.
_PAUSE_FIELDS = ["consumed", "state", "paused_at", "next_action_at"]
_RESUME_FIELDS = [
    "due_at",
    "remind_at",
    "escalate_at",
    "state",
    "segment_started_at",
    "paused_at",
    "next_action_at",
]
_STOP_FIELDS = ["state", "stopped_at", "next_action_at"]


def _pause(
    deadline: Deadline, *, now: datetime, actor: Actor | None, reason: str = "", calendar=None
) -> None:
    if deadline.state != DeadlineState.RUNNING:
        return
    clk = clock(deadline.unit, calendar)
    deadline.consumed += clk.counted(deadline.segment_started_at, now)
    deadline.state = DeadlineState.PAUSED
    deadline.paused_at = now
    deadline.next_action_at = None
    deadline.save(update_fields=_PAUSE_FIELDS)
    DeadlinePause.objects.create(deadline=deadline, paused_at=now, reason=reason[:200])
    timeline_record(
        deadline.case,
        now=now,
        actor=actor,
        kind="deadline_paused",
        data={
            "rule": deadline.rule.code,
            "remaining": str(deadline.budget - deadline.consumed),
            "due_at": deadline.due_at,
        },
    )


def _resume(deadline: Deadline, *, now: datetime, actor: Actor | None, calendar=None) -> None:
    if deadline.state != DeadlineState.PAUSED:
        return
    clk = clock(deadline.unit, calendar)
    old_due = deadline.due_at
    rule = deadline.rule
    left = deadline.budget - deadline.consumed
    if left > ZERO:  # the period's new end, moved off a holiday again where the rule says so
        deadline.due_at = _period_end(rule, clk, clk.advance(now, left))
    deadline.remind_at = _milestone(clk, now, deadline, rule.reminder_percent, deadline.remind_at)
    deadline.escalate_at = _milestone(
        clk, now, deadline, rule.escalation_percent, deadline.escalate_at
    )
    deadline.state = DeadlineState.RUNNING
    deadline.segment_started_at = now
    deadline.paused_at = None
    deadline.next_action_at = _next_action(deadline)
    deadline.save(update_fields=_RESUME_FIELDS)
    DeadlinePause.objects.filter(deadline=deadline, resumed_at__isnull=True).update(resumed_at=now)
    if deadline.task_id:
        Task.objects.filter(pk=deadline.task_id).update(due_at=deadline.due_at)
    timeline_record(
        deadline.case,
        now=now,
        actor=actor,
        kind="deadline_resumed",
        data={"rule": rule.code, "due_before": old_due, "due_at": deadline.due_at},
    )


def _stop(deadline: Deadline, *, now: datetime, actor: Actor | None, cancel: bool = False) -> None:
    if deadline.state not in LIVE_STATES:
        return
    if cancel:
        outcome = DeadlineState.CANCELLED
    elif deadline.state == DeadlineState.PAUSED:
        # Met when the wait began in time: within the budget, or (a period moved by the
        # period-end rule) before the due time it then had.
        in_time = deadline.consumed <= deadline.budget or (
            deadline.paused_at is not None and deadline.paused_at <= deadline.due_at
        )
        outcome = DeadlineState.MET if in_time else DeadlineState.BREACHED
    else:
        outcome = DeadlineState.MET if now <= deadline.due_at else DeadlineState.BREACHED
    if deadline.state == DeadlineState.PAUSED:
        DeadlinePause.objects.filter(deadline=deadline, resumed_at__isnull=True).update(
            resumed_at=now
        )
    deadline.state = outcome
    deadline.stopped_at = now
    deadline.next_action_at = None
    deadline.save(update_fields=_STOP_FIELDS)
    timeline_record(
        deadline.case,
        now=now,
        actor=actor,
        kind="deadline_stopped",
        data={"rule": deadline.rule.code, "outcome": outcome, "due_at": deadline.due_at},
    )


def _lock_live_clocks(case: Case) -> list[Deadline]:
    """Lock the case's live clocks (its tasks' too) and return the case-level ones.

    Take them before writing any event: an event locks the case's ledger head until commit,
    and the sweep holds clocks while it writes events, so the other order deadlocks."""
    # Locked: a parallel sweep skips these rows (SKIP LOCKED) instead of racing the change.
    locked = list(
        case.deadlines.filter(state__in=LIVE_STATES)
        .select_related("rule")
        .select_for_update(of=("self",), no_key=True)
    )
    return [d for d in locked if d.task_id is None]


def _apply_clocks(
    case: Case,
    t: Transition,
    data: Mapping[str, Any],
    now: datetime,
    actor: Actor,
    live: list[Deadline],
) -> list[Deadline]:
    """Stop, pause, resume, extend and start the step's clocks; returns the case-level
    clocks as the step leaves them (those it holds, and those it started)."""
    calendar = work_calendar()
    extensions = dict(t.extends)
    clocks = list(live)
    for d in live:
        d.case = case
        code = d.rule.code
        if code in extensions and not t.stop_all:
            new = _extend(d, extensions[code], data, now=now, actor=actor, calendar=calendar)
            clocks += [new] if new is not None else []
        elif t.stop_all or code in t.stops or code in t.cancels:
            _stop(d, now=now, actor=actor, cancel=t.stop_all or code in t.cancels)
        elif code in t.pauses:
            _pause(d, now=now, actor=actor, reason=t.action, calendar=calendar)
        elif code in t.resumes:
            _resume(d, now=now, actor=actor, calendar=calendar)
    for code in resolve_clocks(t.starts, case, data):
        started = _start(case, code, now=now, actor=actor, calendar=calendar, held=clocks)
        if started is not None and started not in clocks:
            clocks.append(started)
    if t.stop_all:
        for task in case.tasks.filter(status=TaskStatus.OPEN):
            _task_close(task, now=now, actor=actor, status=TaskStatus.CANCELLED)
    return clocks


def _extend(
    old: Deadline,
    rule_code: str,
    data: Mapping[str, Any],
    *,
    now: datetime,
    actor: Actor,
    calendar: WorkCalendar,
) -> Deadline | None:
    """Replace a running clock by the clock of an extension rule, counted from the end of the
    period it extends (e.g. a complaint's "+30 days"). Who approved it and why go on the
    timeline. Only a period still running and not yet over can be extended."""
    rule = sla_rule(rule_code)
    if not rule.active:
        raise GuardFailed(_("The SLA rule %(code)s is switched off.") % {"code": rule_code})
    if old.state != DeadlineState.RUNNING or now > old.due_at:
        raise GuardFailed(_("Only a running clock can be extended, before its due time."))
    clk = clock(old.unit, calendar)
    period_end = clk.advance(old.segment_started_at, old.budget - old.consumed)
    _stop(old, now=now, actor=actor, cancel=True)
    last_instant = period_end - timedelta(microseconds=1)  # the old period's last day
    d = deadline_new(
        old.case,
        rule,
        now=now,
        times=deadline_times(rule, now, calendar, counted_from=last_instant),
    )
    d.save(force_insert=True)
    timeline_record_many([clock_started_event(old.case, d, now=now, actor=actor)])
    timeline_record(
        old.case,
        now=now,
        actor=actor,
        kind="deadline_extended",
        data={
            "rule": old.rule.code,
            "to_rule": rule.code,
            "due_before": old.due_at,
            "due_at": d.due_at,
            "approved_by": actor.username,
            "reason": str(data.get("reason") or ""),
        },
    )
    return d


# --- cases --------------------------------------------------------------------------------


def case_open(
    *,
    kind: str,
    title: str,
    actor: Actor,
    now: datetime,
    customer=None,
    owner=None,
    category: str = "",
    data: Mapping[str, Any] | None = None,
) -> Case:
    """Register a case. Whoever on the staff takes it first owns it (首问负责制); a case a
    customer opens goes to the least-loaded agent. The kind's opening clocks start now."""
    try:
        wf = workflow(kind)
    except LookupError:
        raise GuardFailed(_("Unknown kind of case %(kind)s.") % {"kind": kind}) from None
    if not title.strip():
        raise GuardFailed(_("A case needs a title."))
    staff = is_staff_member(actor)
    if not staff and (customer is None or customer.pk != actor.pk):
        raise NotAllowed(_("Customers may only open cases for themselves."))
    if owner is not None and not (owner.is_active and is_staff_member(owner)):
        raise GuardFailed(_("The new owner must be a member of staff."))
    owner = owner or (actor if staff else least_loaded_agent())
    with case_action():
        case = Case(
            number=reserve_numbers(wf.kind, now)[0],
            kind=wf.kind,
            category=category,
            status=wf.initial,
            title=title.strip()[:200],
            owner=owner,
            customer=customer,
            opened_at=now,
            updated_at=now,
        )
        calendar = work_calendar()
        clocks = []
        for code in resolve_clocks(wf.opening_clocks, case, data or {}):
            rule = sla_rule(code)
            if rule.active:
                clocks.append(deadline_new(case, rule, now=now, calendar=calendar))
        case.next_due_at = min((d.due_at for d in clocks), default=None)
        case.save(force_insert=True)
        for d in clocks:
            d.case = case  # the pk is known now
        bulk_insert(clocks)
        opened = timeline_event(
            case,
            now=now,
            actor=actor,
            kind="opened",
            to_status=wf.initial,
            customer_visible=True,
            data={"owner": owner.username, **(data or {})},
        )
        timeline_record_many(
            [opened, *(clock_started_event(case, d, now=now, actor=actor) for d in clocks)],
            new_cases=True,
        )
        if owner.pk != actor.pk:
            notification_queue(
                recipient=owner,
                case=case,
                kind="case_assigned",
                now=now,
                subject=_("New case %(number)s is yours") % {"number": case.number},
            )
    return case


def case_lock(pk: int) -> Case:
    """The case row locked for the current action (its customer and owner with it: a step
    tells the customer, a task returns to the owner).

    Locked once per action: the nested steps of an action (an approval's transition, its
    payment's hand-over) get the same row and the same object, so what one step changed the
    next one sees, without another ``SELECT … FOR UPDATE``. Outside an action, or after a
    nested part of it failed, the row is read and locked again."""
    memo = action_memo()
    key = ("case_locked", pk)
    if memo is not None and (held := memo.get(key)) is not None:
        return held
    case = (
        Case.objects.select_for_update(no_key=True, of=("self",))
        .select_related("customer", "owner")
        .get(pk=pk)
    )
    if memo is not None:
        memo[key] = case
    return case


def case_transition(
    *, case: Case, action: str, actor: Actor, now: datetime, data: Mapping[str, Any] | None = None
) -> Case:
    """Apply one row of the kind's transition table, or say clearly why not.

    Locks the case row so two people acting at once are serialised; the second finds
    the case already moved and gets an illegal-transition error instead of a double step.
    """
    data = dict(data or {})
    with case_action():
        # The customer comes with the row: a step the customer sees tells them.
        case = case_lock(case.pk)
        wf = case.workflow
        t = wf.find(case.status, action)
        if t is None:
            allowed = sorted(x.action for x in wf.available(case.status))
            raise IllegalTransition(
                _("%(action)s is not possible while the case is %(status)s.")
                % {"action": wf.action_label(action), "status": case.status_label()},
                allowed=allowed,
            )
        if not can_act(actor, case, t.permission):
            raise NotAllowed(
                _("You may not %(action)s on case %(number)s.")
                % {"action": t.label, "number": case.number}
            )
        if t.guard and (problem := t.guard(case, data)):
            raise GuardFailed(str(problem))
        for check in wf.checks:
            if problem := check(case, t, data):
                raise GuardFailed(str(problem))
        live = _lock_live_clocks(case)
        old = case.status
        case.status = t.target
        case.updated_at = now
        if t.target in wf.final:
            case.is_open = False
            case.closed_at = now
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="transition",
            action=action,
            from_status=old,
            to_status=t.target,
            data=data,
            customer_visible=t.customer_visible,
        )
        case.next_due_at = _next_due(case, _apply_clocks(case, t, data, now, actor, live))
        case.save()
        for effect in wf.effects:
            effect(case=case, transition=t, data=data, actor=actor, now=now)
        publish(CaseTransitioned(case=case, transition=t, data=data, actor=actor, now=now))
        if t.customer_visible and case.customer_id and case.customer_id != actor.pk:
            notification_queue(
                recipient=case.customer,
                case=case,
                kind="status_changed",
                now=now,
                subject=_("Case %(number)s: %(status)s")
                % {"number": case.number, "status": case.status_label()},
            )
    return case


def case_reassign(
    *, case: Case, new_owner: Actor, actor: Actor, now: datetime, reason: str
) -> Case:
    """Hand a case to another owner (e.g. a leaver); live case clocks follow the owner."""
    if not actor.has_perm("cases.reassign_case"):
        raise NotAllowed(_("You may not reassign cases."))
    if not reason.strip():
        raise GuardFailed(_("Say why the case changes owner."))
    if not is_staff_member(new_owner):
        raise GuardFailed(_("The new owner must be a member of staff."))
    with case_action():
        case = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
        if case.owner_id == new_owner.pk:
            return case
        old = case.owner
        case.owner = new_owner
        case.updated_at = now
        case.save(update_fields=["owner", "updated_at"])
        case.deadlines.filter(task__isnull=True, state__in=LIVE_STATES).update(assignee=new_owner)
        # Work handed out by the old owner comes back to whoever owns the case now.
        case.tasks.filter(status=TaskStatus.OPEN, returns_to=old).update(returns_to=new_owner)
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="owner_changed",
            data={"from": old.username, "to": new_owner.username, "reason": reason},
        )
        notification_queue(
            recipient=new_owner,
            case=case,
            kind="case_assigned",
            now=now,
            subject=_("Case %(number)s is now yours") % {"number": case.number},
        )
    return case


# --- tasks --------------------------------------------------------------------------------


def task_assign(
    *,
    case: Case,
    kind: str,
    title: str,
    assignee: Actor,
    actor: Actor,
    now: datetime,
    rule_code: str | None = None,
    certificate: str = "",
) -> Task:
    """Hand work on a case to someone; it returns to the case owner when done.

    The case row is locked so a task cannot land on a case being withdrawn at that moment.
    Work that needs a ``certificate`` (e.g. ``nev``) goes only to someone holding it, valid
    on the day of ``now``.
    """
    with case_action():
        case = case_lock(case.pk)
        if not can_act(actor, case, "cases.assign_task"):
            raise NotAllowed(
                _("You may not assign tasks on case %(number)s.") % {"number": case.number}
            )
        if not is_staff_member(assignee):
            raise GuardFailed(_("Tasks go to members of staff."))
        if certificate and not certificate_valid(assignee, certificate, to_local(now).date()):
            raise GuardFailed(
                _("%(user)s holds no valid %(code)s certificate for this task.")
                % {"user": assignee.username, "code": certificate}
            )
        if not case.is_open:
            raise IllegalTransition(_("Case %(number)s is closed.") % {"number": case.number})
        task = Task.objects.create(
            case=case,
            kind=kind,
            title=title[:200],
            assignee=assignee,
            assigned_by=actor,
            returns_to=case.owner,
            created_at=now,
        )
        if rule_code:
            d = _start(case, rule_code, now=now, actor=actor, task=task)
            if d is not None:
                task.due_at = d.due_at
                task.save(update_fields=["due_at"])
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="task_assigned",
            data={
                "task": task.pk,
                "kind": kind,
                "assignee": assignee.username,
                "due_at": task.due_at,
            },
        )
        if assignee.pk != actor.pk:
            notification_queue(
                recipient=assignee,
                case=case,
                kind="task_assigned",
                now=now,
                subject=_("Task on %(number)s: %(title)s")
                % {"number": case.number, "title": task.title},
            )
    return task


def _task_close(task: Task, *, now: datetime, actor: Actor, status: str, result: str = "") -> None:
    task.status = status
    task.completed_at = now
    task.result = result
    task.save(update_fields=["status", "completed_at", "result"])
    live = task.deadlines.filter(state__in=LIVE_STATES).select_related("rule", "case")
    for d in live.select_for_update(of=("self",), no_key=True):
        _stop(d, now=now, actor=actor, cancel=status == TaskStatus.CANCELLED)
    timeline_record(
        task.case,
        now=now,
        actor=actor,
        kind=f"task_{status}",
        data={
            "task": task.pk,
            "kind": task.kind,
            "result": result,
            "returns_to": task.returns_to.username,
        },
    )


def open_tasks_locked(case: Case, *, kind: str, assignee: Actor | None = None) -> list[Task]:
    """The case's open tasks of ``kind`` (held by ``assignee``, if given), locked for the
    current action (after its case, the kernel's lock order): ``task_complete`` and
    ``task_cancel`` then take them as they are, without reading them again."""
    tasks = (
        Task.objects.select_for_update(of=("self",), no_key=True)
        .select_related("returns_to")
        .filter(case_id=case.pk, kind=kind, status=TaskStatus.OPEN)
    )
    if assignee is not None:
        tasks = tasks.filter(assignee_id=assignee.pk)
    found = list(tasks.order_by("pk"))
    memo = action_memo()
    if memo is not None:
        for task in found:
            memo[("task_locked", task.pk)] = task
    return found


def _task_locked(pk: int) -> Task:
    """The task locked: as ``open_tasks_locked`` left it in this action (once), else read."""
    memo = action_memo()
    if memo is not None and (held := memo.pop(("task_locked", pk), None)) is not None:
        return held
    return (
        Task.objects.select_for_update(of=("self",), no_key=True)
        .select_related("returns_to")
        .get(pk=pk)
    )


def task_cancel(*, task: Task, actor: Actor, now: datetime) -> None:
    """Withdraw an open task that is no longer needed (e.g. an approval made moot)."""
    with case_action():
        task = _task_locked(task.pk)
        if task.status == TaskStatus.OPEN:
            _task_close(task, now=now, actor=actor, status=TaskStatus.CANCELLED)


def task_complete(*, task: Task, actor: Actor, now: datetime, result: str = "") -> Task:
    """Finish a task: its clock stops and the work comes back to the owner, who is told."""
    with case_action():
        # Lock order as in case_transition (case, then its tasks and clocks): a withdrawal
        # cancelling this task and its completion are serialised, never interleaved.
        case = case_lock(task.case_id)
        task = _task_locked(task.pk)
        task.case = case  # the action's one object of the case
        if task.status != TaskStatus.OPEN:
            raise IllegalTransition(
                _("This task is already %(status)s.") % {"status": task.get_status_display()}
            )
        if actor.pk != task.assignee_id and not works_others_tasks(actor):
            raise NotAllowed(_("Only the assignee can complete this task."))
        _task_close(task, now=now, actor=actor, status=TaskStatus.DONE, result=result)
        if case.updated_at != now:  # a step of the same action may have stamped it already
            case.updated_at = now
            action_save(case, ("updated_at",))
        if task.returns_to_id != actor.pk:
            notification_queue(
                recipient=task.returns_to,
                case=task.case,
                kind="task_returned",
                now=now,
                body=result,
                subject=_("Back to you: %(title)s on %(number)s")
                % {"title": task.title, "number": task.case.number},
            )
    return task


# --- the sweep ----------------------------------------------------------------------------


@dataclass
class SweepResult:
    reminders: int = 0
    overdue: int = 0
    escalations: int = 0

    def __str__(self) -> str:
        return f"reminders={self.reminders} overdue={self.overdue} escalations={self.escalations}"


_ALERT_STEPS = (
    (AlertKind.REMINDER, "remind_at", "reminded_at", "reminders"),
    (AlertKind.OVERDUE, "due_at", "warned_at", "overdue"),
    (AlertKind.ESCALATION, "escalate_at", "escalated_at", "escalations"),
)

_ALERT_SUBJECTS = {
    AlertKind.REMINDER: gettext_noop("Reminder: %(rule)s on %(number)s is due %(due)s"),
    AlertKind.OVERDUE: gettext_noop("Overdue: %(rule)s on %(number)s was due %(due)s"),
    AlertKind.ESCALATION: gettext_noop(
        "Escalated: %(rule)s on %(number)s (owner %(owner)s) was due %(due)s"
    ),
}


def _raise_alert(d: Deadline, kind: AlertKind, done_field: str, now: datetime) -> bool:
    """Raise one alert exactly once: the conditional update is the claim on it."""
    claimed = Deadline.objects.filter(pk=d.pk, **{f"{done_field}__isnull": True}).update(
        **{done_field: now}
    )
    setattr(d, done_field, now)  # claimed here or by a parallel sweep: done either way
    if not claimed:
        return False
    recipient = escalation_recipient(d.assignee) if kind == AlertKind.ESCALATION else d.assignee
    _alert, created = DeadlineAlert.objects.get_or_create(
        deadline=d, kind=kind, defaults={"raised_at": now, "recipient": recipient}
    )
    if not created:  # raised before (the mark was lost): never twice, never a failed sweep
        return False
    timeline_record(
        d.case,
        now=now,
        actor=None,
        kind=kind.value,
        data={"rule": d.rule.code, "due_at": d.due_at, "to": recipient.username},
    )
    subject = _(_ALERT_SUBJECTS[kind]) % {
        "rule": d.rule.label,
        "number": d.case.number,
        "due": f"{to_local(d.due_at):%Y-%m-%d %H:%M}",
        "owner": d.assignee.username,
    }
    notification_queue(recipient=recipient, case=d.case, kind=kind.value, subject=subject, now=now)
    return True


def _due_batch(now: datetime, size: int) -> list[Deadline]:
    qs = Deadline.objects.filter(next_action_at__lte=now).order_by("next_action_at")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",), no_key=True)
    return list(qs.select_related("case", "rule", "assignee__staff_profile__manager")[:size])


def _anything_due(now: datetime) -> bool:
    """One probe of the partial index, outside any transaction: most sweeps find nothing.

    Plain SQL on purpose: building and planning the locking batch query costs far more than
    the index lookup itself (bench/sweep.py measures both).
    """
    table = connection.ops.quote_name(Deadline._meta.db_table)
    column = connection.ops.quote_name(Deadline._meta.get_field("next_action_at").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE {column} <= %s LIMIT 1",
            [connection.ops.adapt_datetimefield_value(now)],
        )
        return cursor.fetchone() is not None


def deadline_sweep(*, now: datetime, batch: int = 500) -> SweepResult:
    """Raise every reminder, overdue warning and escalation that has come due, once each.

    Reads only clocks whose ``next_action_at`` has passed (a partial index), so its cost
    follows the number of due clocks, not of open ones. Safe to run twice or in parallel:
    rows are locked (SKIP LOCKED on PostgreSQL) and each alert is claimed by a conditional
    update, backed by a unique constraint.
    """
    result = SweepResult()
    if not _anything_due(now):
        return result
    while True:
        with case_action():
            rows = _due_batch(now, batch)
            for d in rows:
                for kind, at_field, done_field, counter in _ALERT_STEPS:
                    due = getattr(d, at_field)
                    if (
                        getattr(d, done_field) is None
                        and due <= now
                        and _raise_alert(d, kind, done_field, now)
                    ):
                        setattr(result, counter, getattr(result, counter) + 1)
                d.next_action_at = _next_action(d)
                Deadline.objects.filter(pk=d.pk).update(next_action_at=d.next_action_at)
        if len(rows) < batch:
            return result
