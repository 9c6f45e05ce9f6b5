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

``rebuild_clauses(case_ids)``: the clauses the approved decision of a rejected claim cites
(``RejectionClause``), re-derived when the claim's decision or policy or a decision is saved.

The customer, channel and claim columns of the per-case row (product, disease, estimated and
paid amounts, decision, decided at, investigated) come from the same statement.

``on_committed`` reads the committed timeline (``cases.committed``): after every action that
wrote lines for a claim or ticket, a worker re-derives that case's rows, outside the action's
transaction and its case lock. Until it has, the figures lag by that action; the figures
about cases *opened* in a period check that every such case has its row and read the raw
tables when one is missing (``metrics._summaries_complete``).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

# The kinds whose stages the dashboard measures (it subscribes to their steps).
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
        "AS closed_at, "
        "MAX(CASE WHEN n.to_status = 'investigating' THEN 1 ELSE 0 END) AS investigated "
        f"FROM ({numbered}) n GROUP BY n.case_id"
    )
    # Confirmed payments of the claim (claims only; tickets: NULL).
    paid = (
        "CASE WHEN cl.case_id IS NULL THEN NULL ELSE COALESCE((SELECT SUM(pay.amount) "
        "FROM payments_payment pay WHERE pay.claim_id = cl.case_id AND pay.state = 'confirmed'), "
        "0) END"
    )
    return (
        f"INSERT INTO {SUMMARY_TABLE} "
        "(case_id, kind, case_type, opened_at, closed_at, done_at, reopened, customer_id, "
        "channel, product_id, disease, estimated_amount, paid_amount, decision, decided_at, "
        "investigated) "
        "SELECT c.id, c.kind, CASE WHEN c.kind = 'claim' THEN cl.loss_type ELSE c.category END, "
        "c.opened_at, p.closed_at, p.done_at, p.reopened = 1, c.customer_id, "
        "COALESCE(cl.channel, t.channel, ''), pol.product_id, "
        "CASE WHEN cl.loss_type = 'critical_illness' THEN cl.loss_cause END, "
        f"cl.estimated_amount, {paid}, COALESCE(cl.decision, ''), cl.decided_at, "
        "p.investigated = 1 "
        f"FROM ({per_case}) p JOIN cases_case c ON c.id = p.case_id "
        "LEFT JOIN claims_claim cl ON cl.case_id = p.case_id "
        "LEFT JOIN service_ticket t ON t.case_id = p.case_id "
        "LEFT JOIN policies_policy pol ON pol.id = cl.policy_id"
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


CLAUSE_TABLE = "analytics_rejectionclause"


def clauses_sql(case_filter: str = "") -> str:
    """``INSERT … SELECT`` of the clauses cited by the approved decision of rejected claims
    (``exclusions[].clause`` of its calculation), one row per claim and clause, with the
    claim's product and decision time; ``case_filter`` as in ``stays_sql``."""
    if connection.vendor == "postgresql":
        article = "e.value ->> 'clause'"
        join = "CROSS JOIN LATERAL jsonb_array_elements(d.calculation::jsonb -> 'exclusions') e"
    else:
        article = "json_extract(e.value, '$.clause')"
        join = "JOIN json_each(d.calculation, '$.exclusions') e"
    where = f" AND d.claim_id {case_filter}" if case_filter else ""
    return (
        f"INSERT INTO {CLAUSE_TABLE} (case_id, product_id, article, decided_at) "
        f"SELECT DISTINCT d.claim_id, pol.product_id, {article}, cl.decided_at "
        f"FROM claims_claimdecision d {join} "
        "JOIN claims_claim cl ON cl.case_id = d.claim_id "
        "JOIN policies_policy pol ON pol.id = cl.policy_id "
        "WHERE d.status = 'approved' AND d.decision = 'reject' AND cl.decision = 'reject' "
        f"AND cl.decided_at IS NOT NULL AND {article} IS NOT NULL AND {article} <> ''{where}"
    )


def rebuild_clauses(case_ids: Sequence[int] | None = None) -> None:
    """Re-derive the cited clauses of ``case_ids`` (every claim when ``None``)."""
    with connection.cursor() as cursor:
        if case_ids is None:
            cursor.execute(f"DELETE FROM {CLAUSE_TABLE}")
            cursor.execute(clauses_sql())
            return
        ids = [int(i) for i in case_ids]
        if not ids:
            return
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(f"DELETE FROM {CLAUSE_TABLE} WHERE case_id IN ({marks})", ids)
        cursor.execute(clauses_sql(f"IN ({marks})"), ids)


def rebuild(case_ids: Sequence[int] | None = None) -> None:
    """Every summary of ``case_ids`` (every case when ``None``) from the timeline; the stored
    stage figures of the periods the cases closed in are forgotten (``analytics.stored``)."""
    from claimdesk.analytics.stored import forget_cases

    rebuild_stays(case_ids)
    rebuild_summaries(case_ids)
    forget_cases(case_ids)


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


def on_committed(lines: list) -> None:
    """After an action's commit: every summary of the claims and tickets it wrote lines for
    (a step ends a stay; a decision, payment, owner or customer changes the per-case row and
    the cited clauses). Re-derived from the rows, so a batch handed over twice is harmless."""
    from claimdesk.cases.models import Case

    touched = {line.case_id for line in lines}
    case_ids = sorted(
        Case.objects.filter(pk__in=touched, kind__in=KINDS).values_list("pk", flat=True)
    )
    if case_ids:
        rebuild(case_ids)
        rebuild_clauses(case_ids)


def register() -> None:
    from claimdesk.cases.committed import subscribe_committed

    subscribe_committed(on_committed)
