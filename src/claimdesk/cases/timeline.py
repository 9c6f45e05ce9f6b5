"""The one writer of the case timeline (``CaseEvent``).

Every line of every case's timeline is written here, by the kernel's own services and by the
domain apps alike, so that what must happen to each new line happens to all of them: the
evidence ledger (which subscribes with ``timeline_subscribe``) chains it in the same
transaction, and instants read the same everywhere.

A business action runs in ``case_action()``: the lines it records are kept until its end and
written together, one ``INSERT`` and one ledger append for the whole action instead of one
of each per line; so are the notifications it queues (one ``INSERT``). Outside an action a
line is written at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Required, TypedDict, Unpack

from django.db import connections, router, transaction
from django.db.models import Field, Model, TextChoices
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _

from claimdesk.cases.models import Case, CaseEvent
from claimdesk.db import COPY_FROM, bulk_insert, typed_marks
from claimdesk.notify.services import (
    notification_queue_many,
    notifications_batched,
    notifications_statement_part,
)
from claimdesk.workdays.clocks import to_local


class TimelineKind(TextChoices):
    """The kernel's own timeline lines; each app registers the kinds it writes likewise."""

    OPENED = "opened", _("Case opened")
    TRANSITION = "transition", _("Workflow step")
    DEADLINE_STARTED = "deadline_started", _("Clock started")
    DEADLINE_PAUSED = "deadline_paused", _("Clock paused")
    DEADLINE_RESUMED = "deadline_resumed", _("Clock resumed")
    DEADLINE_STOPPED = "deadline_stopped", _("Clock stopped")
    DEADLINE_EXTENDED = "deadline_extended", _("Clock extended")
    REMINDER = "reminder", _("Reminder")
    OVERDUE = "overdue", _("Overdue warning")
    ESCALATION = "escalation", _("Escalated")
    TASK_ASSIGNED = "task_assigned", _("Task assigned")
    TASK_DONE = "task_done", _("Task done")
    TASK_CANCELLED = "task_cancelled", _("Task cancelled")
    OWNER_CHANGED = "owner_changed", _("Owner changed")


_KIND_LABELS: dict[str, Any] = {}


def register_event_kinds(kinds: type[TextChoices]) -> None:
    """Name the kinds of timeline line an app writes (from its ``ready``): the one place a
    kind and its label are defined; pages show the label, never the code."""
    for value, label in kinds.choices:
        known = _KIND_LABELS.get(value)
        if known is not None and str(known) != str(label):
            raise ValueError(f"timeline kind {value!r} is registered twice")
        _KIND_LABELS[value] = label


def event_label(kind: str) -> str:
    """The readable name of a timeline kind (the code itself if no app registered it)."""
    label = _KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


def event_kinds() -> set[str]:
    return set(_KIND_LABELS)


# A subscriber sees the events just written, in the writing transaction; ``new_cases`` says
# they all belong to cases opened in that transaction (no earlier line to follow); the list
# holds what the subscriber's own side put aside during the action (``action_defer``), to be
# written together with the lines (the ledger's chained rows: one append per action).
TimelineSubscriber = Callable[[list[CaseEvent], bool, list[Any]], None]


@dataclass(frozen=True)
class StatementPart:
    """A subscriber's share of an action's one statement (PostgreSQL): common table
    expressions (``name AS (…)``, comma-separated, names of its own) that may read the new
    lines' keys from ``timeline_ids(k, id)`` (``k``: a line's place in the batch, from 1),
    and their parameters in order."""

    ctes: str
    params: list[Any]


# Given the unsaved lines and what the action put aside, the subscriber's part of the one
# statement, or None when it cannot join (it is then called with the written lines).
StatementJoiner = Callable[[list[CaseEvent], list[Any]], StatementPart | None]
_SUBSCRIBERS: list[tuple[TimelineSubscriber, StatementJoiner | None]] = []


def timeline_subscribe(
    subscriber: TimelineSubscriber, *, joiner: StatementJoiner | None = None
) -> None:
    """Run ``subscriber`` on every batch of new timeline lines (from an app's ``ready``).
    With a ``joiner`` its writes can go in the statement that inserts the lines."""
    if all(s is not subscriber for s, _ in _SUBSCRIBERS):
        _SUBSCRIBERS.append((subscriber, joiner))


# A customer text reads one timeline line in the customer's words, or None when the line is
# not of its kinds: each app that writes lines registers one for its own kinds.
CustomerText = Callable[[CaseEvent], str | None]
_TEXTS: list[CustomerText] = []


def register_customer_text(text: CustomerText) -> None:
    """Let an app word its own timeline lines for the customer (from its ``ready``)."""
    if text not in _TEXTS:
        _TEXTS.append(text)


def customer_text(event: CaseEvent) -> str | None:
    """The registered wording of ``event`` for the customer; None when no app words it."""
    for text in _TEXTS:
        if (words := text(event)) is not None:
            return words
    return None


def _local_instants(data: Mapping[str, Any]) -> dict[str, Any]:
    # One spelling for instants in the timeline, whether read from the database (UTC) or
    # just computed (local): Asia/Shanghai, as people read them.
    return {k: to_local(v) if isinstance(v, datetime) and v.tzinfo else v for k, v in data.items()}


class TimelineLine(TypedDict, total=False):
    """What a line says besides its case: when (``now``, required) and what (``kind``,
    required); who (``actor``, None = the system); whether the customer sees it; a workflow
    step's ``action`` and statuses; and its ``data``."""

    now: Required[datetime]
    kind: Required[str]
    actor: Any
    customer_visible: bool
    action: str
    from_status: str
    to_status: str
    data: Mapping[str, Any] | None


def timeline_event(case: Case, **line: Unpack[TimelineLine]) -> CaseEvent:
    """An unsaved timeline line, for ``timeline_record_many``."""
    return CaseEvent(
        case=case,
        at=line["now"],
        actor_id=getattr(line.get("actor"), "pk", None),
        kind=line["kind"],
        action=line.get("action", ""),
        from_status=line.get("from_status", ""),
        to_status=line.get("to_status", ""),
        data=_local_instants(line.get("data") or {}),
        customer_visible=line.get("customer_visible", False),
    )


@dataclass
class _Batch:
    """The lines one action has recorded so far, and what it has already established."""

    lines: list[CaseEvent] = field(default_factory=list)
    memo: dict[Any, Any] = field(default_factory=dict)
    deferred: list[Any] = field(default_factory=list)
    messages: list[Any] = field(default_factory=list)  # notifications, written at the end
    saves: list[tuple[Model, tuple[str, ...]]] = field(default_factory=list)  # action_save
    depth: int = 1  # how many ``case_action`` blocks are open: 1 in the action's own code


_batch: ContextVar[_Batch | None] = ContextVar("timeline_batch", default=None)


@contextmanager
def case_action(*, savepoint: bool = False) -> Iterator[None]:
    """One business action: a transaction whose timeline lines are written together when it
    ends, still inside it (one ``INSERT``, one ledger append).

    Nested in another action it is part of that action, and the lines it recorded are
    dropped if it raises. It takes no savepoint (a refusal inside propagates and rolls the
    whole action back) unless ``savepoint``: for a block whose caller catches its failure
    (an ``IntegrityError`` lost to a parallel writer) and carries on. The outermost action
    keeps a savepoint when a caller's transaction is already open, so a caller that catches
    the refusal carries on as before.
    """
    outer = _batch.get()
    if outer is not None:
        # (No saves to drop: a nested step saves at once, see ``action_save``.)
        marks = len(outer.lines), len(outer.deferred), len(outer.messages)
        outer.depth += 1
        try:
            with transaction.atomic(savepoint=savepoint):
                yield
        except BaseException:
            del outer.lines[marks[0] :]
            del outer.deferred[marks[1] :]
            del outer.messages[marks[2] :]
            # What the failed part established (a row it locked and changed in memory, a
            # task it found) is looked up again by whatever the caller does next.
            outer.memo.clear()
            raise
        finally:
            outer.depth -= 1
        return
    batch = _Batch()
    token = _batch.set(batch)
    try:
        with transaction.atomic():
            with notifications_batched() as batch.messages:
                yield
            # Not ``new_cases`` even for a case opened in the action: the action may have
            # chained something else of it already (a reused document).
            _write(
                batch.lines,
                new_cases=False,
                deferred=batch.deferred,
                messages=batch.messages,
                saves=batch.saves,
            )
    finally:
        _batch.reset(token)


def action_memo() -> dict[Any, Any] | None:
    """A scratch dict living as long as the current action (None outside one): for what an
    action establishes once and its nested steps would otherwise read again."""
    batch = _batch.get()
    return batch.memo if batch is not None else None


def action_defer(item: Any) -> bool:
    """Put ``item`` aside for the timeline's subscribers at the end of the current action
    (dropped with the lines of a nested part that fails); False outside an action, where the
    caller writes it at once."""
    batch = _batch.get()
    if batch is None:
        return False
    batch.deferred.append(item)
    return True


def action_save(obj: Model, fields: Sequence[str]) -> None:
    """Save ``fields`` of ``obj`` (a row the action holds locked and does not read back from
    the database) with the statement that ends the action, instead of an ``UPDATE`` of its
    own. Saved at once outside an action; in a step nested in a larger action (which may
    read the row again: a straight-through decision accepting items, then checking them);
    and for a model whose saves someone listens to (no signal is sent otherwise). Where the
    action cannot end in one statement, its saves are made just before its lines are
    written, with the values the objects then hold."""
    batch = _batch.get()
    if batch is None or batch.depth > 1 or obj.pk is None or post_save.has_listeners(type(obj)):
        obj.save(update_fields=list(fields))
        return
    batch.saves.append((obj, tuple(fields)))


def _pending_saves(saves: list[tuple[Model, tuple[str, ...]]]) -> list[tuple[Model, list[str]]]:
    """One save per row (its fields together, the last object recorded for it)."""
    rows: dict[tuple[type[Model], Any], tuple[Model, list[str]]] = {}
    for obj, fields in saves:
        key = (type(obj), obj.pk)
        _held, known = rows.get(key, (obj, []))
        rows[key] = (obj, [*known, *(f for f in fields if f not in known)])
    return list(rows.values())


def _update_part(n: int, obj: Model, fields: list[str]) -> StatementPart:
    conn = connections[router.db_for_write(type(obj))]
    opts = obj._meta
    q = conn.ops.quote_name
    columns = [f for name in fields if isinstance(f := opts.get_field(name), Field)]
    if len(columns) != len(fields):
        raise ValueError(f"action_save: not all of {fields} are columns of {opts.label}")
    sets = ", ".join(
        f"{q(f.column)} = {mark}"
        for f, mark in zip(columns, typed_marks(columns, conn), strict=True)
    )
    # ``pre_save`` as ``save()`` would: the value, stamped first for an ``auto_now`` field.
    params = [f.get_db_prep_save(f.pre_save(obj, False), conn) for f in columns]
    sql = (
        f"action_save_{n} AS (UPDATE {q(opts.db_table)} SET {sets} "
        f"WHERE {q(opts.pk.column)} = %s RETURNING 1)"
    )
    return StatementPart(sql, [*params, obj.pk])


def action_deferred() -> list[Any]:
    """What the current action has put aside so far (empty outside one)."""
    batch = _batch.get()
    return batch.deferred if batch is not None else []


def _write(
    lines: list[CaseEvent],
    *,
    new_cases: bool,
    deferred: list[Any] | None = None,
    messages: list[Any] | None = None,
    saves: list[tuple[Model, tuple[str, ...]]] | None = None,
) -> list[CaseEvent]:
    """Write the action's saves, its lines, what the subscribers write about them and its
    messages: in one statement where it can be, else one write each."""
    messages = messages or []
    rows = _pending_saves(saves or [])
    joined = bool(lines) and _write_jointly(lines, deferred or [], messages, rows)
    if not joined:
        for obj, fields in rows:
            obj.save(update_fields=fields)
    written = lines
    if not joined and (lines or deferred):
        written = bulk_insert(lines) if lines else lines
        for subscriber, _joiner in _SUBSCRIBERS:
            subscriber(written, new_cases, deferred or [])
    if messages and not joined:
        notification_queue_many(messages)
    if not written:
        return written
    from claimdesk.cases.committed import dispatch_after_commit

    dispatch_after_commit()
    return written


# An action's lines and what its subscribers write about them, in one round trip: the lines'
# keys are drawn from their sequence first (in order), so a subscriber can chain them in the
# same statement. The ORM would take one INSERT for the lines and one statement per
# subscriber; per action that was a quarter of all the statements sent.
_IDS = """timeline_ids(k, id) AS MATERIALIZED (
    SELECT k, nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s) AS k)"""
_LINES = """timeline_lines AS (
    INSERT INTO {table} ({pk}, {columns})
    SELECT i.id, {picked} FROM (VALUES {values}) AS l(k, {columns})
    JOIN timeline_ids i ON i.k = l.k
    RETURNING 1)"""


def _write_jointly(
    lines: list[CaseEvent],
    deferred: list[Any],
    messages: list[Any],
    saves: list[tuple[Model, list[str]]],
) -> bool:
    """Write the ``saves``, ``lines``, every subscriber's part and the ``messages`` in one
    statement; False (nothing written) when that cannot be: not PostgreSQL, a large batch,
    a subscriber without a part, a message the screen holds, a row of another database."""
    conn = connections[router.db_for_write(CaseEvent)]
    if conn.vendor != "postgresql" or len(lines) >= COPY_FROM:
        return False
    if any(router.db_for_write(type(obj)) != conn.alias for obj, _fields in saves):
        return False
    parts = [_update_part(n, obj, fields) for n, (obj, fields) in enumerate(saves, start=1)]
    for _subscriber, joiner in _SUBSCRIBERS:
        part = joiner(lines, deferred) if joiner is not None else None
        if part is None:
            return False
        parts.append(part)
    if messages:
        outbox = notifications_statement_part(messages)
        if outbox is None:
            return False
        parts.append(StatementPart(*outbox))
    opts = CaseEvent._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    q = conn.ops.quote_name
    columns = ", ".join(q(f.column) for f in fields)
    one = "(%s::integer, " + ", ".join(typed_marks(fields, conn)) + ")"
    values: list[Any] = []
    for k, line in enumerate(lines, start=1):
        values.append(k)
        values += [f.get_db_prep_save(getattr(line, f.attname), conn) for f in fields]
    inserted = _LINES.format(
        table=q(opts.db_table),
        pk=q(opts.pk.column),
        columns=columns,
        picked=", ".join(f"l.{q(f.column)}" for f in fields),
        values=", ".join([one] * len(lines)),
    )
    ctes = ",\n".join([_IDS, inserted, *(p.ctes for p in parts)])
    sql = f"WITH RECURSIVE\n{ctes}\nSELECT k, id FROM timeline_ids ORDER BY k"
    params = [opts.db_table, opts.pk.column, len(lines), *values]
    for part in parts:
        params += part.params
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall()
    for line, (_k, pk) in zip(lines, keys, strict=True):
        line.pk = pk
        line._state.adding = False
        line._state.db = conn.alias
    return True


def timeline_record(case: Case, **line: Unpack[TimelineLine]) -> CaseEvent:
    """Record one line of ``case``'s timeline (inside the action's transaction): written at
    the end of the enclosing ``case_action``, or at once outside one."""
    event = timeline_event(case, **line)
    batch = _batch.get()
    if batch is not None:
        batch.lines.append(event)
    else:
        _write([event], new_cases=False)
    return event


def timeline_record_many(
    events: Iterable[CaseEvent], *, new_cases: bool = False
) -> list[CaseEvent]:
    """Record many lines at once (built with ``timeline_event``), in the order given.

    ``new_cases``: every line belongs to a case opened in this transaction (bulk intake,
    ``case_open``), so there is no earlier line to lock and follow.
    """
    lines = list(events)
    batch = _batch.get()
    if batch is None:
        return _write(lines, new_cases=new_cases)
    batch.lines += lines
    return lines
