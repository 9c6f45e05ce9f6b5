"""Daily counts: SLA clocks that ended (``SlaDay``) and survey answers given (``SurveyDay``)
per local day × kind × the team and branch of the case owner.

SLA compliance counts the clocks that stopped (met or breached) in the period per rule and per
team of the case owner; at a million claims that is half a million clocks a quarter, each
joined to its case and owner. CSAT and NPS count the period's answers of the cases of a kind
(fifty thousand, each looked up for its case's kind). The day tables hold those counts already
added up per local day (Asia/Shanghai, the days the period filter is made of), so the figures
read a few hundred rows.

Kept in step after commit (``on_committed``, a reader of the committed timeline): an action
whose lines say a clock ended, an answer came in or the case changed owner has the day groups
of that case's clocks and answers recounted from the rows (every team and branch of those
days, kinds and rules), so the counts never depend on what ran before or in which order.
A member of staff moving team or branch (``staff.services.profile_move``) moves the counts
of every case they own, in that transaction, as ``INSERT … ON CONFLICT DO UPDATE SET n = n +
…`` increments.

``rebuild()`` recomputes both tables from the clocks and surveys (the backfill migration; a
repair). Team and branch are the owner's *now*, as the live queries read them. A row of a day
is locked by the transaction that bumps it until it commits: stops of the same day, kind,
rule and team wait for each other's commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection

from claimdesk.workdays.clocks import SHANGHAI


@dataclass(frozen=True)
class _Table:
    """One day table: its key columns (after day, kind, team, branch), its count columns and
    the SQL of the rows it counts (``x`` joined to its case ``c``)."""

    name: str
    keys: tuple[str, ...]
    counts: tuple[str, ...]
    source: str  # FROM … WHERE of the counted rows, aliases x (row) and c (case)
    at: str  # the moment column of x
    key_sql: tuple[str, ...]  # SQL of the extra keys
    count_sql: tuple[str, ...]  # SQL of the counts


SLA = _Table(
    name="analytics_sladay",
    keys=("rule_id",),
    counts=("met", "breached"),
    source="cases_deadline x JOIN cases_case c ON c.id = x.case_id "
    "WHERE x.state IN ('met', 'breached') AND x.stopped_at IS NOT NULL",
    at="x.stopped_at",
    key_sql=("x.rule_id",),
    count_sql=(
        "SUM(CASE WHEN x.state = 'met' THEN 1 ELSE 0 END)",
        "SUM(CASE WHEN x.state = 'breached' THEN 1 ELSE 0 END)",
    ),
)
SURVEY = _Table(
    name="analytics_surveyday",
    keys=("csat", "nps"),
    counts=("answers",),
    source="feedback_survey x JOIN cases_case c ON c.id = x.case_id "
    "WHERE x.answered_at IS NOT NULL AND (x.csat IS NOT NULL OR x.nps IS NOT NULL)",
    at="x.answered_at",
    key_sql=("COALESCE(x.csat, -1)", "COALESCE(x.nps, -1)"),
    count_sql=("COUNT(*)",),
)
TABLE = SLA.name  # kept for callers of the SLA table's name
ENDED = ("met", "breached")


def local_day_sql(column: str) -> str:
    """SQL for the Asia/Shanghai calendar day of an aware datetime column."""
    if connection.vendor == "postgresql":
        return f"CAST(({column} AT TIME ZONE '{SHANGHAI.key}') AS date)"
    # SQLite stores UTC text; China has kept UTC+8 without daylight saving since 1991.
    return f"date({column}, '+8 hours')"


def _grouped_sql(table: _Table, where: str) -> str:
    """The counted rows of the cases matching ``where`` (SQL on ``c``), per day × kind × the
    owner's team and branch now × the table's keys."""
    from claimdesk.staff.models import StaffProfile

    profiles = StaffProfile._meta.db_table
    day = local_day_sql(table.at)
    source = table.source.replace(
        " WHERE ", f" LEFT JOIN {profiles} sp ON sp.user_id = c.owner_id WHERE ", 1
    )
    return (
        f"SELECT {day} AS day, c.kind, COALESCE(sp.team, '') AS team, "
        f"COALESCE(sp.branch, '') AS branch, {', '.join(table.key_sql)}, "
        f"{', '.join(table.count_sql)} FROM {source}{f' AND {where}' if where else ''} "
        # Grouped by what is selected: an owner without a profile and one with a blank team
        # are one group, not two rows with the same key.
        f"GROUP BY {day}, c.kind, COALESCE(sp.team, ''), COALESCE(sp.branch, ''), "
        f"{', '.join(table.key_sql)}"
    )


def _columns(table: _Table) -> str:
    return ", ".join(("day", "kind", "team", "branch", *table.keys, *table.counts))


def rebuild() -> None:
    """Both day tables from the clocks and the surveys (backfill / repair)."""
    with connection.cursor() as cursor:
        for table in (SLA, SURVEY):
            cursor.execute(f"DELETE FROM {table.name}")
            cursor.execute(
                f"INSERT INTO {table.name} ({_columns(table)}) {_grouped_sql(table, '')}"
            )


def _bump(table: _Table, rows: Iterable[tuple[tuple, tuple[int, ...]]]) -> None:
    """Add ``(key, counts)`` (negative to take away) to the day rows; a key is
    ``(day, kind, team, branch, *table.keys)``."""
    merged: dict[tuple, list[int]] = {}
    for key, counts in rows:  # one statement may not touch a row twice
        acc = merged.setdefault(tuple(key), [0] * len(table.counts))
        for i, n in enumerate(counts):
            acc[i] += n
    changed = [(k, c) for k, c in merged.items() if any(c)]
    if not changed:
        return
    width = 4 + len(table.keys) + len(table.counts)
    values = ", ".join([f"({', '.join(['%s'] * width)})"] * len(changed))
    params: list = []
    for key_values, totals in changed:
        params += [*key_values, *totals]
    conflict = ", ".join(("day", "kind", "team", "branch", *table.keys))
    update = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in table.counts)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table.name} ({_columns(table)}) VALUES {values} "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {update}",
            params,
        )


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _move(where: str, params: list, old: tuple[str, str], new: tuple[str, str]) -> None:
    """Move the counted clocks and answers of the cases matching ``where`` from the ``old``
    (team, branch) to the ``new`` one."""
    if tuple(old) == tuple(new):
        return
    for table in (SLA, SURVEY):
        with connection.cursor() as cursor:
            cursor.execute(_grouped_sql(table, where), params)
            grouped = cursor.fetchall()
        rows = []
        for day, kind, _team, _branch, *rest in grouped:
            keys, counts = rest[: len(table.keys)], rest[len(table.keys) :]
            day = _as_date(day)
            rows.append(((day, kind, *old, *keys), tuple(-n for n in counts)))
            rows.append(((day, kind, *new, *keys), tuple(counts)))
        _bump(table, rows)


# --- after commit: the day groups an action touched, re-derived from the rows ------------------

# Timeline kinds after which a case's counted clocks or answers may sit in another day group:
# a clock ended, an answer came in, the case changed owner (and so team and branch).
RECOUNT_KINDS = frozenset({"deadline_stopped", "survey_answered", "owner_changed"})


def _utc_bounds(day: date) -> tuple[Any, Any]:
    """The local ``day`` as bounds for raw SQL, in the form the database stores times (on
    SQLite naive UTC text: an aware bound compared as text would be eight hours off)."""
    start = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
    adapt = connection.ops.adapt_datetimefield_value
    return adapt(start), adapt(start + timedelta(days=1))


def _groups(table: _Table, case_ids: list[int]) -> set[tuple]:
    """``(day, kind, *keys)`` of the counted rows of ``case_ids`` (the table's own keys for
    SLA clocks: the rule; none for answers, whose score keys vary within a group)."""
    marks = ", ".join(["%s"] * len(case_ids))
    keys = table.key_sql if table is SLA else ()
    columns = ", ".join((local_day_sql(table.at), "c.kind", *keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT {columns} FROM {table.source} AND c.id IN ({marks})", case_ids
        )
        return {(_as_date(day), *rest) for day, *rest in cursor.fetchall()}


def _recount(table: _Table, groups: set[tuple]) -> None:
    """Replace the day rows of ``groups`` (every team and branch) by a fresh count.

    Idempotent and order-free: whatever ran before, the rows end up as the clocks and answers
    say. Two recounts of one group at once: the second fails on the day table's key and its
    lines are handed over again on the next dispatch run."""
    if not groups:
        return
    where, params, delete, delete_params = [], [], [], []
    for day, kind, *keys in sorted(groups):
        start, end = _utc_bounds(day)
        extra = " AND x.rule_id = %s" if keys else ""
        where.append(f"(c.kind = %s AND {table.at} >= %s AND {table.at} < %s{extra})")
        params += [kind, start, end, *keys]
        delete.append(f"(day = %s AND kind = %s{' AND rule_id = %s' if keys else ''})")
        delete_params += [day, kind, *keys]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table.name} WHERE {' OR '.join(delete)}", delete_params)
        cursor.execute(
            f"INSERT INTO {table.name} ({_columns(table)}) "
            f"{_grouped_sql(table, '(' + ' OR '.join(where) + ')')}",
            params,
        )


def on_committed(lines: list) -> None:
    """After an action's commit: recount the day groups of the cases whose clocks ended,
    whose answers came in or whose owner changed."""
    case_ids = sorted({line.case_id for line in lines if line.kind in RECOUNT_KINDS})
    if not case_ids:
        return
    for table in (SLA, SURVEY):
        _recount(table, _groups(table, case_ids))
    from claimdesk.analytics.stored import forget_cases

    forget_cases(case_ids)  # stored figures filtered by team / branch


def on_place_changed(user_id: int, before: tuple[str, str], after: tuple[str, str]) -> None:
    """A member of staff moved team or branch (``staff.services.profile_move``): the counted
    clocks and answers of the cases they own move with them, in the same transaction."""
    _move("c.owner_id = %s", [user_id], before, after)
    from claimdesk.analytics.stored import forget_filtered

    forget_filtered()


def register() -> None:
    from claimdesk.cases.committed import subscribe_committed
    from claimdesk.staff.services import subscribe_place_changed

    subscribe_committed(on_committed)
    subscribe_place_changed(on_place_changed)
