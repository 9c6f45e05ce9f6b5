"""Keeping the analytics summary tables in step with the timeline.

``rebuild_stays(case_ids)`` derives the finished stage stays of the given cases (all cases
with ``None``) from their status events, with the very definition the metrics used on the
raw timeline: a stay runs from a status event (the opening or a transition) to the case's
next status event in ``(at, id)`` order (``LEAD()``). It deletes and re-inserts the cases'
rows in one ``INSERT … SELECT`` (PostgreSQL and SQLite alike), so the kernel hook and the
backfill migration share one statement and cannot drift apart.

``rebuild_summaries(case_ids)`` does the same for the per-case row (``CaseSummary``): type,
opening, first closing, the moment the case entered the done statuses it is in now, and
whether it ever left a done status.

``on_transition`` is registered for claims and tickets in ``AnalyticsConfig.ready()``: the
kernel calls it inside the transition's transaction, so a stay is written (and, on closing,
every stay of the case learns its closing time) atomically with the step that ends it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

# The kinds whose stages the dashboard measures (cases.services transition effects).
KINDS = ("claim", "ticket")
STAY_TABLE = "analytics_stagestay"
SUMMARY_TABLE = "analytics_casesummary"
# Statuses after which a case is done from the customer's point of view, per kind (other
# kinds: "closed"). The metrics' backlog and cycle figures use the same table.
DONE_STATUSES = {
    "claim": ("closed", "followed_up", "withdrawn"),
    "ticket": ("resolved", "closed"),
}


def _seconds(earlier: str, later: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS double precision)"
    # Same rounding as analytics.sql.seconds_between (equal durations compare equal).
    return f"ROUND((julianday({later}) - julianday({earlier})) * 86400.0, 3)"


def stays_sql(case_filter: str = "") -> str:
    """``INSERT … SELECT`` of the finished stays; ``case_filter`` is SQL restricting
    ``e.case_id`` (e.g. ``IN (%s)``), empty for every case."""
    where = f" AND e.case_id {case_filter}" if case_filter else ""
    closed_where = f" AND case_id {case_filter}" if case_filter else ""
    return (
        f"INSERT INTO {STAY_TABLE} "
        "(case_id, kind, case_type, stage, entered_at, left_at, seconds, closed_at) "
        "SELECT s.case_id, c.kind, "
        "CASE WHEN c.kind = 'claim' THEN cl.loss_type ELSE c.category END, "
        f"s.to_status, s.at, s.left_at, {_seconds('s.at', 's.left_at')}, clo.closed_at "
        "FROM (SELECT e.case_id, e.to_status, e.at, "
        "LEAD(e.at) OVER (PARTITION BY e.case_id ORDER BY e.at, e.id) AS left_at "
        f"FROM cases_caseevent e WHERE e.kind IN ('opened', 'transition'){where}) s "
        "JOIN cases_case c ON c.id = s.case_id "
        "LEFT JOIN claims_claim cl ON cl.case_id = s.case_id "
        "LEFT JOIN (SELECT case_id, MIN(at) AS closed_at FROM cases_caseevent "
        f"WHERE kind = 'transition' AND to_status = 'closed'{closed_where} GROUP BY case_id) clo "
        "ON clo.case_id = s.case_id "
        "WHERE s.left_at IS NOT NULL"
    )


def _done_flag(kind: str, status: str) -> str:
    """SQL: 1 when ``status`` is a done status of the case's ``kind``, else 0."""
    whens = " ".join(
        f"WHEN {kind} = '{k}' THEN CASE WHEN {status} IN "
        f"({', '.join(repr(s) for s in statuses)}) THEN 1 ELSE 0 END"
        for k, statuses in DONE_STATUSES.items()
    )
    return f"CASE {whens} ELSE CASE WHEN {status} = 'closed' THEN 1 ELSE 0 END END"


def summaries_sql(case_filter: str = "") -> str:
    """``INSERT … SELECT`` of the per-case rows; ``case_filter`` as in ``stays_sql``.

    The status events in ``(at, id)`` order are numbered by how many not-done statuses came
    so far (``grp``): the done run the case is in now is the done events of the last number;
    a done event of an earlier number was left again (reopened).
    """
    where = f" AND e.case_id {case_filter}" if case_filter else ""
    flagged = (
        f"SELECT e.case_id, e.at, e.id, {_done_flag('c.kind', 'e.to_status')} AS done, "
        "e.kind AS event_kind, e.to_status "
        "FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id "
        f"WHERE e.kind IN ('opened', 'transition'){where}"
    )
    numbered = (
        "SELECT f.*, SUM(1 - f.done) OVER (PARTITION BY f.case_id ORDER BY f.at, f.id "
        "ROWS UNBOUNDED PRECEDING) AS grp, "
        "SUM(1 - f.done) OVER (PARTITION BY f.case_id) AS last_grp "
        f"FROM ({flagged}) f"
    )
    per_case = (
        "SELECT n.case_id, "
        "MIN(CASE WHEN n.done = 1 AND n.grp = n.last_grp THEN n.at END) AS done_at, "
        "MAX(CASE WHEN n.done = 1 AND n.grp < n.last_grp THEN 1 ELSE 0 END) AS reopened, "
        "MIN(CASE WHEN n.event_kind = 'transition' AND n.to_status = 'closed' THEN n.at END) "
        "AS closed_at "
        f"FROM ({numbered}) n GROUP BY n.case_id"
    )
    return (
        f"INSERT INTO {SUMMARY_TABLE} "
        "(case_id, kind, case_type, opened_at, closed_at, done_at, reopened) "
        "SELECT c.id, c.kind, CASE WHEN c.kind = 'claim' THEN cl.loss_type ELSE c.category END, "
        "c.opened_at, p.closed_at, p.done_at, p.reopened = 1 "
        f"FROM ({per_case}) p JOIN cases_case c ON c.id = p.case_id "
        "LEFT JOIN claims_claim cl ON cl.case_id = p.case_id"
    )


def rebuild_summaries(case_ids: Sequence[int] | None = None) -> None:
    """Re-derive the per-case rows of ``case_ids`` (every case when ``None``)."""
    with connection.cursor() as cursor:
        if case_ids is None:
            cursor.execute(f"DELETE FROM {SUMMARY_TABLE}")
            cursor.execute(summaries_sql())
            return
        ids = [int(i) for i in case_ids]
        if not ids:
            return
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(f"DELETE FROM {SUMMARY_TABLE} WHERE case_id IN ({marks})", ids)
        cursor.execute(summaries_sql(f"IN ({marks})"), ids)


def rebuild(case_ids: Sequence[int] | None = None) -> None:
    """Every summary of ``case_ids`` (every case when ``None``) from the timeline."""
    rebuild_stays(case_ids)
    rebuild_summaries(case_ids)


def rebuild_stays(case_ids: Sequence[int] | None = None) -> None:
    """Re-derive the stage stays of ``case_ids`` (every case when ``None``) from the timeline."""
    with connection.cursor() as cursor:
        if case_ids is None:
            cursor.execute(f"DELETE FROM {STAY_TABLE}")
            cursor.execute(stays_sql())
            return
        ids = [int(i) for i in case_ids]
        if not ids:
            return
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(f"DELETE FROM {STAY_TABLE} WHERE case_id IN ({marks})", ids)
        # The filter appears twice in the statement (stays and closing times).
        cursor.execute(stays_sql(f"IN ({marks})"), ids + ids)


def on_transition(*, case, transition, data, actor, now) -> None:
    """Kernel transition effect: the step just ended the stay in the previous status (and
    may have closed, finished or reopened the case)."""
    rebuild([case.pk])


def register() -> None:
    from claimdesk.cases.services import register_transition_effect

    for kind in KINDS:
        register_transition_effect(kind, on_transition)
