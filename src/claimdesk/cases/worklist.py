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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

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
    # Short marks a describer puts on the row for whoever works it (e.g. "elderly mode").
    badges: list[str] = field(default_factory=list)

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


# What a row's key stands in for while the page is reversed: text for text keys (case
# numbers), digits for pages whose converter takes only digits (ids).
_SLOTS = {str: "__slot__", int: "9090909090909090909"}


@lru_cache(maxsize=256)
def _link_template(page: str, slot: str, prefix: str, urlconf: str | None) -> str:
    return reverse(page, args=[slot], urlconf=urlconf)


def row_link(page: str, key: str | int) -> str:
    """The URL of ``page`` for one row's ``key`` (a case number, a survey id): reversed once
    per page, then filled per row; reversing per row cost more than reading the list."""
    slot = _SLOTS[type(key)]
    template = _link_template(page, slot, get_script_prefix(), get_urlconf())
    return template.replace(slot, quote(str(key), safe=""))


_rules = ReferenceCache(lambda: {r.pk: r for r in SlaRule.objects.all()}, SlaRule)

# --- building the list -----------------------------------------------------------------------
# One statement reads a list: the open cases a person owns and the open tasks they hold (each
# nearest running clock first, a range scan of ``case_open_owner_due`` / ``task_open_assignee_due``,
# then clock-less ones newest first), joined to the live clocks of their cases. The ORM would
# take five statements and compile each on every call, which cost more than the reads.

_WORK_SQL = """
WITH work AS (
  SELECT * FROM (
    SELECT 'case' AS src, 0 AS part, c.id AS case_id, c.number, c.title, c.kind, c.status,
           c.owner_id AS holder_id, CAST(NULL AS BIGINT) AS task_id, c.kind AS task_kind,
           '' AS task_title, c.next_due_at AS due_at, c.next_due_at AS ord
    FROM {case} c
    WHERE {owner} AND c.is_open AND c.next_due_at IS NOT NULL {case_overdue}
    ORDER BY c.next_due_at LIMIT %s) AS dated_cases
  {undated_cases}
  UNION ALL
  SELECT * FROM (
    SELECT 'task', 0, c.id, c.number, c.title, c.kind, c.status, t.assignee_id, t.id,
           t.kind, t.title, t.due_at, t.due_at
    FROM {task} t JOIN {case} c ON c.id = t.case_id
    WHERE {assignee} AND t.status = %s AND c.is_open AND t.due_at IS NOT NULL {task_overdue}
    ORDER BY t.due_at LIMIT %s) AS dated_tasks
  {undated_tasks}
)
SELECT work.src, work.part, work.case_id, work.number, work.title, work.kind, work.status,
       work.holder_id, work.task_id, work.task_kind, work.task_title, work.due_at, work.ord,
       d.task_id, d.rule_id, d.state, d.due_at, d.escalated_at
FROM work LEFT JOIN {deadline} d ON d.case_id = work.case_id AND d.state IN (%s, %s)
ORDER BY d.due_at
"""
_UNDATED_CASES = """
  UNION ALL
  SELECT * FROM (
    SELECT 'case', 1, c.id, c.number, c.title, c.kind, c.status, c.owner_id,
           CAST(NULL AS BIGINT), c.kind, '', c.next_due_at, c.opened_at
    FROM {case} c
    WHERE {owner} AND c.is_open AND c.next_due_at IS NULL
    ORDER BY c.opened_at DESC LIMIT %s) AS undated_cases"""
_UNDATED_TASKS = """
  UNION ALL
  SELECT * FROM (
    SELECT 'task', 1, c.id, c.number, c.title, c.kind, c.status, t.assignee_id, t.id, t.kind,
           t.title, t.due_at, t.created_at
    FROM {task} t JOIN {case} c ON c.id = t.case_id
    WHERE {assignee} AND t.status = %s AND c.is_open AND t.due_at IS NULL
    ORDER BY t.created_at DESC LIMIT %s) AS undated_tasks"""


@dataclass(frozen=True)
class Holders:
    """Whose work a list shows, as SQL on the holder's column (``{col}``) and its params."""

    sql: str
    params: tuple = ()

    def on(self, column: str) -> tuple[str, list]:
        return self.sql.format(col=column), list(self.params)


def _datetime(value: Any) -> datetime | None:
    """A datetime as the raw cursor gives it back (SQLite: naive, or text, in UTC)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(value)
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, UTC)
    return parsed


def _select_work(
    owners: Holders, assignees: Holders, limit: int, *, overdue_at: datetime | None = None
) -> list[WorkRow]:
    """The rows of the cases ``owners`` own and the tasks ``assignees`` hold, each with its
    live clock: at most ``limit`` of each, nearest due first (only overdue ones with
    ``overdue_at``)."""
    conn = connections[router.db_for_read(Case)]
    q = conn.ops.quote_name
    owner_sql, owner_params = owners.on("c.owner_id")
    assignee_sql, assignee_params = assignees.on("t.assignee_id")
    overdue = overdue_at is not None
    tables = {
        "case": q(Case._meta.db_table),
        "task": q(Task._meta.db_table),
        "deadline": q(Deadline._meta.db_table),
        "owner": owner_sql,
        "assignee": assignee_sql,
    }
    sql = _WORK_SQL.format(
        **tables,
        case_overdue="AND c.next_due_at < %s" if overdue else "",
        task_overdue="AND t.due_at < %s" if overdue else "",
        undated_cases="" if overdue else _UNDATED_CASES.format(**tables),
        undated_tasks="" if overdue else _UNDATED_TASKS.format(**tables),
    )
    cut = [overdue_at] if overdue else []
    params: list[Any] = [*owner_params, *cut, limit]
    if not overdue:
        params += [*owner_params, limit]
    params += [*assignee_params, _TaskStatus.OPEN, *cut, limit]
    if not overdue:
        params += [*assignee_params, _TaskStatus.OPEN, limit]
    params += [DeadlineState.RUNNING, DeadlineState.PAUSED]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows: dict[str, WorkRow] = {}
    order: dict[str, tuple[int, float]] = {}  # dated by due time, then undated newest first
    clocks: list[tuple] = []
    for (src, part, case_id, number, title, kind, status, holder_id, task_id, task_kind,
         task_title, due_at, ord_at, *clock) in fetched:  # fmt: skip
        key = f"{src}-{task_id if src == TASK else case_id}"
        if key not in rows:
            at = _datetime(ord_at)
            stamp = at.timestamp() if at else 0.0
            order[key] = (part, stamp if not part else -stamp)
            rows[key] = WorkRow(
                key=key,
                source=src,
                kind=task_kind,
                case_id=case_id,
                number=number,
                title=title,
                case_kind=kind,
                status=status,
                holder_id=holder_id,
                what=task_title if src == TASK else "",
                due_at=_datetime(due_at),
                task_id=task_id,
            )
        if clock[2] is not None:
            clocks.append((case_id, clock[0], clock[1], clock[2], _datetime(clock[3]), clock[4]))
    chosen = []
    for source in (CASE, TASK):
        keys = sorted((k for k, r in rows.items() if r.source == source), key=order.__getitem__)
        chosen += [rows[k] for k in keys[:limit]]
    _apply_clocks(chosen, list(dict.fromkeys(clocks)))
    return chosen


def _rows(cases: Sequence[Case]) -> list[WorkRow]:
    return [
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


def _attach_clocks(rows: list[WorkRow]) -> None:
    """Each row gets its live clock (one query for all rows)."""
    case_ids = {r.case_id for r in rows}
    if not case_ids:
        return
    clocks = (
        Deadline.objects.filter(case_id__in=case_ids, state__in=LIVE_STATES)
        .order_by("due_at")
        .values_list("case_id", "task_id", "rule_id", "state", "due_at", "escalated_at")
    )
    _apply_clocks(rows, list(clocks))


def _apply_clocks(rows: list[WorkRow], clocks: list[tuple]) -> None:
    """The clock that drives a row: a task's own, else the case's nearest running one, else
    a paused one (the row then waits, with no due time). ``clocks``: (case id, task id,
    rule id, state, due at, escalated at), nearest due first."""
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
        row.link = row.link or row_link("web:case_detail", row.number)
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
    mine = Holders("{col} = %s", (user.pk,))
    rows = _describe(_select_work(mine, mine, limit), user)
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
        members, params = User.objects.filter(team).values("pk").query.sql_with_params()
        others = Holders("{col} IN (" + members + ")", tuple(params))
    else:
        others = Holders("{col} <> %s", (user.pk,))
    rows = _select_work(others, others, limit, overdue_at=now)
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
    rows = _rows(list(cases))
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
