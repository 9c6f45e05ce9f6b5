"""Percentiles and stage intervals, computed in the database on PostgreSQL and SQLite alike.

``percentiles()`` is the one helper every median / p80 / p90 goes through. It wraps an ORM
queryset (the population, with its group columns and the value) in SQL of its own:

- PostgreSQL: ``percentile_cont(p) WITHIN GROUP (ORDER BY v)`` per group — exact, one pass
  (``percentile_sets``: several groupings in that one pass with ``GROUPING SETS``).
- SQLite (tests, small installs): no ordered-set aggregates, so each group's rows are ranked
  with ``ROW_NUMBER() OVER (PARTITION BY … ORDER BY v)`` and only the two values around the
  wanted rank are fetched per group (``MAX(CASE WHEN rn = k …)``); Python interpolates
  between those two numbers exactly as ``percentile_cont`` does: rank ``h = p·(n−1)``,
  ``v[⌊h⌋] + (h−⌊h⌋)·(v[⌊h⌋+1] − v[⌊h⌋])``. The rows themselves never leave the database.

Durations are measured in seconds between two datetime columns:
``EXTRACT(EPOCH FROM b − a)`` on PostgreSQL, ``(julianday(b) − julianday(a))·86400`` on SQLite
(Django stores UTC text there, which ``julianday`` reads).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import F, QuerySet, Window
from django.db.models.functions import Lead

from claimdesk.cases.models import Case, CaseEvent

# Timeline events that put a case into a status: the opening (into the initial status)
# and every transition.
STATUS_EVENTS = ("opened", "transition")


# Planner settings for the dashboard's statements on PostgreSQL (``tuned()``): sort memory for
# the percentiles (a quarter's stage stays sort in memory instead of spilling to disk), and
# random reads priced as on SSD / cached data (PostgreSQL's default 4.0 assumes spinning disks
# and makes the planner hash a whole table of cases rather than look up the few thousand rows
# a period needs by primary key).
TUNED = {"work_mem": "64MB", "random_page_cost": "1.1"}


@contextmanager
def tuned() -> Iterator[None]:
    """Run the block's statements with ``TUNED`` (PostgreSQL; elsewhere a no-op).

    ``SET LOCAL`` semantics in a transaction of its own (a savepoint inside a request's); the
    previous values are put back when the block ends (or rolled back with it on an error), so
    nothing leaks to other statements."""
    if connection.vendor != "postgresql" or getattr(connection, "_analytics_tuned", False):
        yield
        return
    names = list(TUNED)
    sets = ", ".join("set_config(%s, %s, true)" for _ in names)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The old values first, then the new ones (the select list runs left to right).
            olds = ", ".join(f"current_setting('{name}')" for name in names)
            cursor.execute(f"SELECT {olds}, {sets}", [v for n in names for v in (n, TUNED[n])])
            before = cursor.fetchone()[: len(names)]
        setattr(connection, "_analytics_tuned", True)  # noqa: B010 (not a declared attribute)
        try:
            yield
        finally:
            setattr(connection, "_analytics_tuned", False)  # noqa: B010
        # On an error the rollback of the savepoint / transaction undoes the settings instead.
        with connection.cursor() as cursor:
            pairs = [v for pair in zip(names, before, strict=True) for v in pair]
            cursor.execute(f"SELECT {sets}", pairs)


def _key(p: float) -> str:
    """0.5 → "p50", 0.9 → "p90", 0.8 → "p80"."""
    return f"p{round(p * 100):d}"


def seconds_between(earlier: str, later: str) -> str:
    """SQL for the seconds from column ``earlier`` to ``later`` on the current database."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"
    # julianday is a float of days: rounded to the millisecond so equal durations compare equal.
    return f"ROUND((julianday({later}) - julianday({earlier})) * 86400.0, 3)"


def _prepare(
    source: QuerySet,
    by: Mapping[str, str],
    value: str | None,
    between: tuple[str, str] | None,
    skip: Mapping[str, Sequence[str]] | None,
    bytewise: bool = False,
) -> tuple[str, list]:
    """The population as SQL: one row per value, columns ``g_<name>`` and ``v``.

    ``bytewise`` (PostgreSQL, text group columns only): the groups compare byte by byte
    (``COLLATE "C"``) — sorting a million rows by two text keys with the database's
    linguistic collation costs a good part of the percentile query, and group keys need no
    linguistic order."""
    if (value is None) == (between is None):
        raise ValueError("give either value or between")
    columns = {f"g_{name}": F(lookup) for name, lookup in by.items()}
    if between:
        columns |= {"v_a": F(between[0]), "v_b": F(between[1])}
        measure = seconds_between("s0.v_a", "s0.v_b")
    else:
        assert value is not None  # exactly one of value and between, checked above
        columns |= {"v_a": F(value)}
        measure = "s0.v_a"
    # No ORDER BY inside (a model's default ordering would sort every row for nothing).
    inner_sql, inner_params = source.order_by().values(**columns).query.sql_with_params()
    collate = ' COLLATE "C"' if bytewise and connection.vendor == "postgresql" else ""
    groups = "".join(f"s0.g_{n}{collate} AS g_{n}, " for n in by)
    base = f"SELECT {groups}{measure} AS v FROM ({inner_sql}) s0"
    params = list(inner_params)
    conditions = []
    for name, values in (skip or {}).items():
        if values:
            conditions.append(f"s0.g_{name} NOT IN ({', '.join(['%s'] * len(values))})")
            params.extend(values)
    if conditions:
        base += " WHERE " + " AND ".join(conditions)
    return base, params


def fetch_rows(sql: str, params: list) -> list[dict]:
    """The rows of a raw statement as dicts (for the few grouped rows a figure reads)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


_fetch = fetch_rows


def _pg_aggregates(ps: Sequence[float]) -> str:
    return ", ".join(
        f"percentile_cont({float(p)!r}) WITHIN GROUP (ORDER BY s.v) AS {_key(p)}" for p in ps
    )


def _pg_item(row: dict, names: Sequence[str], ps: Sequence[float]) -> dict:
    item = {name: row[f"g_{name}"] for name in names}
    item["n"] = row["n"]
    for p in ps:
        v = row[_key(p)]
        item[_key(p)] = None if v is None else float(v)
    return item


def _sqlite_percentiles(
    base: str, params: list, names: Sequence[str], ps: Sequence[float]
) -> list[dict]:
    """Rank each group's values, fetch the two around each wanted rank, interpolate."""
    groups = [f"g_{n}" for n in names]
    select_groups = "".join(f"s.{g}, " for g in groups)
    partition = f"PARTITION BY {', '.join(f's.{g}' for g in groups)} " if groups else ""
    picks = []
    for i, p in enumerate(ps):
        rank = f"CAST((r.n - 1) * {float(p)!r} AS INTEGER)"
        picks.append(f"MAX(CASE WHEN r.rn = {rank} THEN r.v END) AS lo_{i}")
        picks.append(f"MAX(CASE WHEN r.rn = {rank} + 1 THEN r.v END) AS hi_{i}")
    ranked = (
        f"SELECT {select_groups}s.v, ROW_NUMBER() OVER ({partition}ORDER BY s.v) - 1 AS rn, "
        f"COUNT(*) OVER ({partition.strip()}) AS n FROM ({base}) s WHERE s.v IS NOT NULL"
    )
    sql = f"SELECT {''.join(f'r.{g}, ' for g in groups)}r.n, {', '.join(picks)} FROM ({ranked}) r"
    sql += f" GROUP BY {''.join(f'r.{g}, ' for g in groups)}r.n"
    if groups:
        sql += f" ORDER BY {', '.join(f'r.{g}' for g in groups)}"
    out = []
    for row in _fetch(sql, params):
        item = {name: row[f"g_{name}"] for name in names}
        item["n"] = n = row["n"]
        for i, p in enumerate(ps):
            h = (n - 1) * float(p)
            low, high = row[f"lo_{i}"], row[f"hi_{i}"]
            frac = h - math.floor(h)
            item[_key(p)] = float(low) if high is None or not frac else low + frac * (high - low)
        out.append(item)
    return out


def percentiles(
    source: QuerySet,
    *,
    by: Mapping[str, str] | None = None,
    value: str | None = None,
    between: tuple[str, str] | None = None,
    ps: Sequence[float] = (0.5, 0.9),
    skip: Mapping[str, Sequence[str]] | None = None,
) -> list[dict]:
    """Count and continuous percentiles of a value per group, computed by the database.

    ``source`` is any queryset; ``by`` maps output names to its lookups (``{"stage":
    "to_status"}``); the value is either the lookup ``value`` (a number) or the seconds
    ``between=(start_lookup, end_lookup)`` of two datetimes (annotations such as a
    ``Lead`` window are fine). Rows whose value is NULL are left out. Returns one dict per
    group, ordered by the group columns: the group values, ``n`` and ``p50``/``p90``/… as
    floats (seconds for durations).

    ``skip`` leaves out groups by value *after* the source query ran (``{"stage": ("closed",)}``):
    filtering the source instead would change what a ``Lead`` window sees.
    """
    by = dict(by or {})
    base, params = _prepare(source, by, value, between, skip)
    if connection.vendor != "postgresql":
        return _sqlite_percentiles(base, params, list(by), ps)
    groups = ", ".join(f"g_{n}" for n in by)
    sql = (
        f"SELECT {''.join(f'g_{n}, ' for n in by)}COUNT(*) AS n, {_pg_aggregates(ps)} "
        f"FROM ({base}) s WHERE s.v IS NOT NULL"
    )
    if by:
        sql += f" GROUP BY {groups} ORDER BY {groups}"
    return [r for r in (_pg_item(row, list(by), ps) for row in _fetch(sql, params)) if r["n"]]


def percentile_sets(
    source: QuerySet,
    *,
    by: Mapping[str, str],
    sets: Sequence[Sequence[str]],
    value: str | None = None,
    between: tuple[str, str] | None = None,
    ps: Sequence[float] = (0.5, 0.9),
    skip: Mapping[str, Sequence[str]] | None = None,
    bytewise: bool = False,
) -> dict[tuple[str, ...], list[dict]]:
    """``percentiles`` for several groupings of one population at once (``sets`` are tuples
    of names of ``by``, e.g. ``[("type", "stage"), ("stage",)]``), keyed by the tuple.

    PostgreSQL reads the population once (``GROUP BY GROUPING SETS``, told apart by
    ``GROUPING()``); SQLite, which has no grouping sets, runs one query per set. ``bytewise``:
    see ``_prepare`` (text group columns only; groups then come in byte order).
    """
    groupings = [tuple(names) for names in sets]
    by = {name: lookup for name, lookup in by.items() if any(name in names for names in groupings)}
    base, params = _prepare(source, by, value, between, skip, bytewise)
    if connection.vendor != "postgresql":
        return {names: _sqlite_percentiles(base, params, names, ps) for names in groupings}
    columns = [f"g_{n}" for n in by]
    grouping_sets = ", ".join(f"({', '.join(f'g_{n}' for n in names)})" for names in groupings)
    sql = (
        f"SELECT {''.join(f'{c}, ' for c in columns)}GROUPING({', '.join(columns)}) AS gid, "
        f"COUNT(*) AS n, {_pg_aggregates(ps)} FROM ({base}) s WHERE s.v IS NOT NULL "
        f"GROUP BY GROUPING SETS ({grouping_sets}) ORDER BY gid, {', '.join(columns)}"
    )

    def mask(names: tuple[str, ...]) -> int:
        # GROUPING(a, b, …): bit set (first column highest) for each column NOT grouped by.
        return sum(1 << (len(by) - 1 - i) for i, n in enumerate(by) if n not in names)

    out: dict[tuple[str, ...], list[dict]] = {names: [] for names in groupings}
    by_mask = {mask(names): names for names in groupings}
    for row in _fetch(sql, params):
        names = by_mask[row["gid"]]
        if row["n"]:
            out[names].append(_pg_item(row, names, ps))
    return out


def stage_intervals(cases: QuerySet[Case]) -> QuerySet[CaseEvent]:
    """Each stay of each case in a status: ``stage`` (the status), ``entered`` (when the case
    came into it) and ``left_at`` (when the next status event moved it on; NULL while it is
    still there), via ``LEAD(at) OVER (PARTITION BY case ORDER BY at, id)``.

    Feed it to ``percentiles(..., between=("at", "left_at"))``; group by ``to_status`` and any
    lookup through ``case__…``.
    """
    return CaseEvent.objects.filter(case__in=cases.values("pk"), kind__in=STATUS_EVENTS).annotate(
        left_at=Window(Lead("at"), partition_by=[F("case_id")], order_by=[F("at"), F("id")])
    )
