"""My work: each member of staff's open work, every row with the clock that drives it.

The kernel knows the work it can see without knowing any kind of case: the open cases a
person owns and the open tasks they hold, each with its live clock (the task's own, else the
case's nearest). What is due on a row, where it is done and whether it is escalated are the
kind's to say: an app registers a describer for its case kinds and task kinds
(``register_describer``) and, for work the kernel cannot see, a source of its own rows
(``register_source``). Both are called once per list with every row of theirs, so each adds at
most one query however long the list: no query per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from claimdesk.cache import ReferenceCache
from claimdesk.cases.countdown import SOON_SECONDS, countdown_text
from claimdesk.cases.models import LIVE_STATES, Case, Deadline, DeadlineState, SlaRule, Task
from claimdesk.cases.models import TaskStatus as _TaskStatus
from claimdesk.cases.workflow import workflow

CASE = "case"  # WorkRow.source of a case its owner holds
TASK = "task"  # WorkRow.source of a task its assignee holds
User = get_user_model()


@dataclass
class WorkRow:
    """One thing due from one person, with its clock. Describers fill ``what``, ``link``
    and may set ``escalated``; the kernel fills the rest."""

    key: str  # unique in a list: "case-12", "task-34", or a source's own
    source: str  # CASE, TASK, or a registered source's name
    kind: str  # the case kind for CASE rows, the task kind for TASK rows
    case_id: int
    number: str
    title: str  # the case's title: context, not what is due
    case_kind: str
    status: str  # the case's state code
    holder_id: int  # who the work is waiting on
    what: str = ""
    link: str = ""
    due_at: datetime | None = None
    rule_code: str = ""
    rule_id: int | None = None
    clock_state: str = ""  # "running", "paused", or "" without a live clock
    escalated: bool = False
    task_id: int | None = None
    holder_name: str = ""

    @property
    def rule(self) -> str:
        """The clock's rule in words, in the active language."""
        rule = _rules.get().get(self.rule_id) if self.rule_id else None
        return rule.label if rule else ""

    def seconds_left(self, now: datetime) -> int | None:
        return None if self.due_at is None else int((self.due_at - now).total_seconds())

    def overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at < now

    @property
    def case_status_label(self) -> str:
        return workflow(self.case_kind).state_label(self.status)

    @property
    def case_kind_label(self) -> str:
        return str(workflow(self.case_kind).label)


# Describe the rows of one's kinds (fill what/link/escalated); return the rows to keep.
# ``user`` is None when the rows are a manager's view of the team's work.
Describer = Callable[[list[WorkRow], Any], list[WorkRow]]
# A source of rows the kernel cannot see: (user, limit, now) -> rows, nearest due first.
Source = Callable[[Any, int, datetime], list[WorkRow]]

_case_describers: dict[str, Describer] = {}
_task_describers: dict[str, Describer] = {}
_sources: dict[str, Source] = {}


T = TypeVar("T")


def register_describer(
    describe: Describer, *, case_kinds: Iterable[str] = (), task_kinds: Iterable[str] = ()
) -> None:
    """``describe`` says what is due on the rows of ``case_kinds`` and ``task_kinds``."""
    for kind in case_kinds:
        _case_describers[kind] = describe
    for kind in task_kinds:
        _task_describers[kind] = describe


def register_source(name: str, source: Source) -> None:
    _sources[name] = source


_rules = ReferenceCache(lambda: {r.pk: r for r in SlaRule.objects.all()}, SlaRule)

# --- building the list -----------------------------------------------------------------------


def _owned_cases(owner_ids: Q, limit: int, *, overdue_at: datetime | None = None) -> list[Case]:
    """Open cases, nearest running clock first (a range scan of ``case_open_owner_due``),
    then, if room is left, clock-less ones newest first."""
    cases = Case.objects.filter(owner_ids, is_open=True).only(
        "id", "number", "title", "kind", "status", "owner_id", "next_due_at"
    )
    if overdue_at is not None:
        cases = cases.filter(next_due_at__lt=overdue_at)
    dated = list(cases.filter(next_due_at__isnull=False).order_by("next_due_at")[:limit])
    if len(dated) < limit and overdue_at is None:
        dated += list(
            cases.filter(next_due_at__isnull=True).order_by("-opened_at")[: limit - len(dated)]
        )
    return dated


def _held_tasks(assignees: Q, limit: int, *, overdue_at: datetime | None = None) -> list[Task]:
    """Open tasks on open cases, nearest due first (``task_open_assignee_due``), then
    clock-less ones newest first."""
    tasks = (
        Task.objects.filter(assignees, status=_TaskStatus.OPEN, case__is_open=True)
        .select_related("case")
        .only(
            "id",
            "kind",
            "title",
            "assignee_id",
            "due_at",
            "case__id",
            "case__number",
            "case__title",
            "case__kind",
            "case__status",
            "case__next_due_at",
        )
    )
    if overdue_at is not None:
        tasks = tasks.filter(due_at__lt=overdue_at)
    held = list(tasks.filter(due_at__isnull=False).order_by("due_at")[:limit])
    if len(held) < limit and overdue_at is None:
        held += list(tasks.filter(due_at__isnull=True).order_by("-created_at")[: limit - len(held)])
    return held


def _rows(cases: Sequence[Case], tasks: Sequence[Task]) -> list[WorkRow]:
    rows = [
        WorkRow(
            key=f"case-{c.pk}",
            source=CASE,
            kind=c.kind,
            case_id=c.pk,
            number=c.number,
            title=c.title,
            case_kind=c.kind,
            status=c.status,
            holder_id=c.owner_id,
            due_at=c.next_due_at,
        )
        for c in cases
    ]
    rows += [
        WorkRow(
            key=f"task-{t.pk}",
            source=TASK,
            kind=t.kind,
            case_id=t.case_id,
            number=t.case.number,
            title=t.case.title,
            case_kind=t.case.kind,
            status=t.case.status,
            holder_id=t.assignee_id,
            what=t.title,
            due_at=t.due_at,
            task_id=t.pk,
        )
        for t in tasks
    ]
    return rows


def _attach_clocks(rows: list[WorkRow]) -> None:
    """Each row gets its live clock: a task's own, else the case's nearest running one, else
    a paused one (the row then waits, with no due time). One query for all rows."""
    case_ids = {r.case_id for r in rows}
    if not case_ids:
        return
    clocks = (
        Deadline.objects.filter(case_id__in=case_ids, state__in=LIVE_STATES)
        .order_by("due_at")
        .values_list("case_id", "task_id", "rule_id", "state", "due_at", "escalated_at")
    )
    by_task: dict[int, tuple] = {}
    by_case: dict[int, list[tuple]] = {}
    for clock in clocks:
        if clock[1] is not None:
            by_task.setdefault(clock[1], clock)
        else:
            by_case.setdefault(clock[0], []).append(clock)
    for row in rows:
        own = by_task.get(row.task_id) if row.task_id else None
        case_clocks = by_case.get(row.case_id, [])
        running = [c for c in case_clocks if c[3] == DeadlineState.RUNNING]
        chosen = own or (running[0] if running else (case_clocks[0] if case_clocks else None))
        if chosen is None:
            continue
        _case_id, _task_id, rule_id, state, due_at, escalated_at = chosen
        row.rule_id, row.clock_state = rule_id, state
        row.due_at = due_at if state == DeadlineState.RUNNING else None
        row.escalated = escalated_at is not None or (
            own is None and any(c[5] is not None for c in running)
        )
        rule = _rules.get().get(rule_id)
        row.rule_code = rule.code if rule else ""


def _describe(rows: list[WorkRow], user) -> list[WorkRow]:
    """Hand each kind its rows; rows nobody describes get the kernel's plain words."""
    groups: dict[Describer, list[WorkRow]] = {}
    plain: list[WorkRow] = []
    for row in rows:
        table = _case_describers if row.source == CASE else _task_describers
        describe = table.get(row.kind) if row.source in (CASE, TASK) else None
        if describe is None:
            plain.append(row)
        else:
            groups.setdefault(describe, []).append(row)
    kept = [row for describe, mine in groups.items() for row in describe(mine, user)]
    for row in plain:
        if not row.what:
            row.what = _next_step(row)
        row.link = row.link or reverse("web:case_detail", args=[row.number])
    return kept + plain


def _next_step(row: WorkRow) -> str:
    """A case nobody describes: the first step its workflow offers from where it stands."""
    steps = [t for t in workflow(row.case_kind).available(row.status) if t.action != "withdraw"]
    return str(steps[0].label) if steps else row.case_status_label


def _sorted(rows: list[WorkRow]) -> list[WorkRow]:
    """Nearest due first; rows waiting on a paused clock or with none after them."""
    far = timezone.now().replace(year=9999)
    return sorted(rows, key=lambda r: (r.due_at is None, r.due_at or far))


def my_work(user, *, limit: int = 50, now: datetime | None = None) -> list[WorkRow]:
    """``user``'s open work, nearest due first, at most ``limit`` rows."""
    now = now or timezone.now()
    rows = _rows(_owned_cases(Q(owner=user), limit), _held_tasks(Q(assignee=user), limit))
    _attach_clocks(rows)
    rows = _describe(rows, user)
    for source in _sources.values():
        rows += source(user, limit, now)
    return _sorted(rows)[:limit]


def team_of(user) -> Q | None:
    """Whose work ``user`` oversees, as a filter on users: their reports
    (``StaffProfile.manager``); a role that sees every case, without reports, oversees
    everyone (an empty filter). None: nobody's."""
    if user.reports.exists():
        return Q(staff_profile__manager=user)
    if user.has_perm("cases.view_all_cases"):
        return Q()
    return None


def team_alerts(user, *, limit: int = 50, now: datetime | None = None) -> list[WorkRow]:
    """The overdue and escalated work of the team ``user`` leads, nearest due first."""
    now = now or timezone.now()
    team = team_of(user)
    if team is None:
        return []
    if team:
        members = User.objects.filter(team).values("pk")
        owners, assignees = Q(owner__in=members), Q(assignee__in=members)
    else:
        owners, assignees = ~Q(owner=user), ~Q(assignee=user)
    rows = _rows(
        _owned_cases(owners, limit, overdue_at=now),
        _held_tasks(assignees, limit, overdue_at=now),
    )
    _attach_clocks(rows)
    rows = [r for r in _describe(rows, None) if r.overdue(now) or r.escalated]
    names = dict(
        User.objects.filter(pk__in={r.holder_id for r in rows}).values_list("pk", "first_name")
    )
    for row in rows:
        row.holder_name = names.get(row.holder_id, "")
    return _sorted(rows)[:limit]


def live_clocks(cases: Iterable[Case]) -> dict[int, WorkRow]:
    """The clock that drives each case (its nearest running case clock, else a paused
    one), for lists of a kind's own (e.g. finance's payments): one query."""
    rows = _rows(list(cases), [])
    _attach_clocks(rows)
    return {r.case_id: r for r in rows}


def sort_by_due(items: list[T], due: Callable[[T], datetime | None]) -> list[T]:
    """Nearest due first, then the ones without a running clock (in their order)."""
    far = timezone.now().replace(year=9999)
    return sorted(items, key=lambda i: (due(i) is None, due(i) or far))


def clock_cells(due_at: datetime | None, now: datetime, *, paused: bool = False) -> dict:
    """How a row's clock reads on any work list (my work, finance's payments): the seconds
    left for the live countdown, the text, and the urgency the row is coloured by."""
    if due_at is None:
        return {
            "seconds_left": None,
            "countdown": None,
            "urgency": "paused" if paused else "none",
        }
    seconds = int((due_at - now).total_seconds())
    if seconds < 0:
        urgency = "overdue"
    elif seconds < SOON_SECONDS:
        urgency = "soon"
    else:
        urgency = "later"
    return {"seconds_left": seconds, "countdown": countdown_text(seconds), "urgency": urgency}
