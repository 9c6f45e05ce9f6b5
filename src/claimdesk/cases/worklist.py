"""My work: each member of staff's open work, every row with the clock that drives it.

The kernel knows the work it can see without knowing any kind of case: the open cases a
person owns and the open tasks they hold, each with its live clock (the task's own, else the
case's nearest). What is due on a row, where it is done and whether it is escalated are the
kind's to say: an app registers a describer for its case kinds and task kinds
(``register_describer``) and, for work the kernel cannot see, a source of its own rows
(``register_source``). A describer is called with the rows of its kinds among the ``limit``
nearest (a page more only when describers dropped rows), so it adds at most one query per
page however long the list: no query per row; what it needs of each row it can also have
the kernel read in the list's own statement (``columns``) and add none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
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
    # The values of the describer's own columns for this row (``register_describer(columns=)``).
    columns: dict[str, Any] = field(default_factory=dict)

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
_columns: dict[Describer, dict[str, str]] = {}
_sources: dict[str, Source] = {}


T = TypeVar("T")


def register_describer(
    describe: Describer,
    *,
    case_kinds: Iterable[str] = (),
    task_kinds: Iterable[str] = (),
    columns: Mapping[str, str] | None = None,
) -> None:
    """``describe`` says what is due on the rows of ``case_kinds`` and ``task_kinds``.

    ``columns``: what it needs to know of each row, as scalar SQL (a subquery of one value,
    no params) on the row's ``{case_id}`` and ``{task_id}``; the kernel reads them in the
    list's own statement, on that describer's rows only, into ``WorkRow.columns``. A
    describer that needs nothing else makes no query of its own."""
    for kind in case_kinds:
        _case_describers[kind] = describe
    for kind in task_kinds:
        _task_describers[kind] = describe
    if columns:
        _columns[describe] = dict(columns)


def register_source(name: str, source: Source) -> None:
    _sources[name] = source


# What a row's key stands in for while the page is reversed: text for text keys (case
# numbers), digits for pages whose converter takes only digits (ids).
_SLOTS = {str: "__slot__", int: "9090909090909090909"}


@lru_cache(maxsize=256)
def _link_template(page: str, slot: str, prefix: str, urlconf: str | None) -> str:
    return reverse(page, args=[slot], urlconf=urlconf)


# While a list is described: its pages' templates, for the script prefix and urlconf read
# once per list (each read is a context-local look-up, which per row cost more than the fill).
_list_links: ContextVar[dict[tuple[str, str], str] | None] = ContextVar("list_links", default=None)


def row_link(page: str, key: str | int) -> str:
    """The URL of ``page`` for one row's ``key`` (a case number, a survey id): reversed once
    per page, then filled per row; reversing per row cost more than reading the list."""
    slot = _SLOTS[type(key)]
    links = _list_links.get()
    template = links.get((page, slot)) if links is not None else None
    if template is None:
        template = _link_template(page, slot, get_script_prefix(), get_urlconf())
        if links is not None:
            links[page, slot] = template
    text = str(key)
    return template.replace(
        slot, text if text.isascii() and text.isalnum() else quote(text, safe="")
    )


_rules = ReferenceCache(lambda: {r.pk: r for r in SlaRule.objects.all()}, SlaRule)

# --- building the list -----------------------------------------------------------------------
# One statement reads a page of a list. Its candidates: the first ``limit`` open cases a person
# owns and the first ``limit`` open tasks they hold, nearest due first, then the ones without
# a due time newest first (a range scan of ``case_open_owner_due`` / ``task_open_assignee_due``
# each). Their live clocks are one index probe each; a window picks each candidate's driving
# clock, and the candidates are ordered by the due time it gives, so only the page's rows come
# back, with one timestamp each (a timestamp costs more to load than the rest of a row;
# every cursor reads them with psycopg's own loader, ``claimdesk.pgbackend``). Describers' columns
# (``register_describer(columns=...)``) are read for the page's rows only. The ORM would take
# five statements and compile each on every call, which cost more than the reads.
_WORK_SQL = """
WITH w AS (
  SELECT * FROM (
    SELECT 'case' AS src, c.id AS item_id, c.id AS case_id, c.number, c.title, c.kind,
           c.status, c.owner_id AS holder_id, CAST(NULL AS BIGINT) AS task_id,
           c.kind AS task_kind, '' AS task_title, c.next_due_at AS due_at,
           c.opened_at AS made_at
    FROM {case} c
    WHERE {owner} AND c.is_open {case_overdue}
    ORDER BY c.next_due_at NULLS LAST, c.opened_at DESC, c.id LIMIT %s) AS owned
  UNION ALL
  SELECT * FROM (
    SELECT 'task', t.id, c.id, c.number, c.title, c.kind, c.status, t.assignee_id, t.id,
           t.kind, t.title, t.due_at, t.created_at
    FROM {task} t JOIN {case} c ON c.id = t.case_id
    WHERE {assignee} AND t.status = %s AND c.is_open {task_overdue}
    ORDER BY t.due_at NULLS LAST, t.created_at DESC, t.id LIMIT %s) AS held
), clocked AS (
  SELECT w.*, k.rule_id, k.state, k.task_id AS clock_task_id,
         CASE WHEN k.id IS NULL THEN w.due_at WHEN k.state = %s THEN k.due_at END AS due,
         CASE WHEN k.escalated_at IS NULL THEN 0 ELSE 1 END AS clock_escalated,
         MAX(CASE WHEN k.task_id IS NULL AND k.state = %s AND k.escalated_at IS NOT NULL
             THEN 1 ELSE 0 END) OVER (PARTITION BY w.src, w.item_id) AS case_escalated,
         ROW_NUMBER() OVER (PARTITION BY w.src, w.item_id ORDER BY
           CASE WHEN k.task_id IS NOT NULL THEN 0 WHEN k.state = %s THEN 1 ELSE 2 END,
           k.due_at, k.id) AS nth
  FROM w LEFT JOIN {deadline} k ON k.case_id = w.case_id AND k.state IN (%s, %s)
    AND (k.task_id IS NULL OR k.task_id = w.task_id)
)
SELECT w.src, w.case_id, w.number, w.title, w.kind, w.status, w.holder_id, w.task_id,
       w.task_kind, w.task_title, w.due, w.rule_id, w.state,
       CASE WHEN w.clock_escalated = 1 OR (w.clock_task_id IS NULL AND w.state = %s
         AND w.case_escalated = 1) THEN 1 ELSE 0 END{described}
FROM clocked w
WHERE w.nth = 1
ORDER BY due NULLS LAST, w.src, w.due_at NULLS LAST, w.made_at DESC, w.item_id
LIMIT %s OFFSET %s
"""
# The clock that drives a row: the task's own (the nearest due, running or paused), else its
# case's nearest running one, else a paused one (the row then waits, with no due time); a row
# without one keeps its own due time. Escalated: the driving clock, or for a row on its case's
# clocks any running one of them. Clocks due at the same time: the one started first (lowest
# id). Rows due at the same time: cases before tasks, then each source's order (a total
# order, so pages are exact).


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
    holders: Holders,
    limit: int,
    *,
    page: int,
    offset: int = 0,
    overdue_at: datetime | None = None,
) -> list[WorkRow]:
    """Rows ``offset`` to ``offset + page`` of the list of the cases ``holders`` own and the
    tasks they hold (at most ``limit`` of each, nearest due first; only overdue ones
    with ``overdue_at``), each with its live clock, in the list's order."""
    conn = connections[router.db_for_read(Case)]
    q = conn.ops.quote_name
    owner_sql, owner_params = holders.on("c.owner_id")
    assignee_sql, assignee_params = holders.on("t.assignee_id")
    tables = {
        "case": q(Case._meta.db_table),
        "task": q(Task._meta.db_table),
        "deadline": q(Deadline._meta.db_table),
        "owner": owner_sql,
        "assignee": assignee_sql,
    }
    described, described_params, layout = _described_columns()
    sql = _WORK_SQL.format(
        **tables,
        described=described,
        case_overdue="AND c.next_due_at < %s" if overdue_at is not None else "",
        task_overdue="AND t.due_at < %s" if overdue_at is not None else "",
    )
    cut = [] if overdue_at is None else [overdue_at]
    running, paused = DeadlineState.RUNNING, DeadlineState.PAUSED
    params: list[Any] = [*owner_params, *cut, limit, *assignee_params, _TaskStatus.OPEN, *cut]
    params += [limit, running, running, running, running, paused, running, *described_params]
    params += [page, offset]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rules = _rules.get()
    rows = []
    for (src, case_id, number, title, kind, status, holder_id, task_id, task_kind, task_title,
         due_at, rule_id, state, escalated, *looked_up) in fetched:  # fmt: skip
        rule = rules.get(rule_id) if rule_id else None
        row = WorkRow(
            key=f"{src}-{task_id if src == TASK else case_id}",
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
            rule_code=rule.code if rule else "",
            rule_id=rule_id,
            clock_state=state or "",
            escalated=bool(escalated),
            task_id=task_id,
        )
        if layout:
            mine = layout.get((src, task_kind))
            if mine:
                row.columns = {name: looked_up[i] for name, i in mine}
        rows.append(row)
    return rows


def _described_columns() -> tuple[str, list, dict[tuple[str, str], list[tuple[str, int]]]]:
    """The describers' columns as SQL on a list's row (``w``), each read only on the rows of
    its describer's kinds; their params; and where the values come back, by (source, kind)."""
    sql, params, position = "", [], 0
    layout: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for describe, columns in _columns.items():
        guards: list[str] = []
        guard_params: list[str] = []
        mine: list[tuple[str, int]] = []
        for source, table in ((CASE, _case_describers), (TASK, _task_describers)):
            kinds = [kind for kind, d in table.items() if d is describe]
            if kinds:  # w.task_kind: the task's kind on a task row, the case's on a case row
                marks = ", ".join(["%s"] * len(kinds))
                guards.append(f"(w.src = %s AND w.task_kind IN ({marks}))")
                guard_params += [source, *kinds]
                for kind in kinds:
                    layout[source, kind] = mine
        for name, expression in columns.items():
            mine.append((name, position))
            position += 1
            value = expression.format(case_id="w.case_id", task_id="w.task_id")
            sql += f",\n       CASE WHEN {' OR '.join(guards)} THEN ({value}) END"
            params += guard_params
    return sql, params, layout


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
    """Hand each kind its rows; rows nobody describes get the kernel's plain words. The rows
    kept stay in their order."""
    links = _list_links.set({})
    try:
        return _described(rows, user)
    finally:
        _list_links.reset(links)


def _described(rows: list[WorkRow], user) -> list[WorkRow]:
    groups: dict[Describer, list[WorkRow]] = {}
    plain: list[WorkRow] = []
    for row in rows:
        table = _case_describers if row.source == CASE else _task_describers
        describe = table.get(row.kind) if row.source in (CASE, TASK) else None
        if describe is None:
            plain.append(row)
        else:
            groups.setdefault(describe, []).append(row)
    kept = {id(row) for describe, mine in groups.items() for row in describe(mine, user)}
    for row in plain:
        if not row.what:
            row.what = _next_step(row)
        row.link = row.link or row_link("web:case_detail", row.number)
        kept.add(id(row))
    return [row for row in rows if id(row) in kept]  # in the list's order


def _next_step(row: WorkRow) -> str:
    """A case nobody describes: the first step its workflow offers from where it stands."""
    steps = [t for t in workflow(row.case_kind).available(row.status) if t.action != "withdraw"]
    return str(steps[0].label) if steps else row.case_status_label


def _sorted(rows: list[WorkRow]) -> list[WorkRow]:
    """Nearest due first; rows waiting on a paused clock or with none after them."""
    far = timezone.now().replace(year=9999)
    return sorted(rows, key=lambda r: (r.due_at is None, r.due_at or far))


def _work(
    holders: Holders,
    limit: int,
    user,
    *,
    overdue_at: datetime | None = None,
    keep: Callable[[WorkRow], bool] | None = None,
) -> list[WorkRow]:
    """The first ``limit`` rows of ``holders``' list, described (as ``user`` sees them) and
    kept by ``keep``. Only a page of ``limit`` rows is read and described; when describers
    drop rows (an approval the user may not give), the next page fills the list up."""
    rows: list[WorkRow] = []
    offset = 0
    while True:
        page = _select_work(holders, limit, page=limit, offset=offset, overdue_at=overdue_at)
        rows += [r for r in _describe(page, user) if keep is None or keep(r)]
        offset += len(page)
        if len(rows) >= limit or len(page) < limit:
            return rows[:limit]


def my_work(user, *, limit: int = 50, now: datetime | None = None) -> list[WorkRow]:
    """``user``'s open work, nearest due first, at most ``limit`` rows."""
    now = now or timezone.now()
    mine = Holders("{col} = %s", (user.pk,))
    rows = _work(mine, limit, user)
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
    rows = _work(others, limit, None, overdue_at=now, keep=lambda r: r.overdue(now) or r.escalated)
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
