#!/usr/bin/env python
"""Time the analytics dashboard's queries over a big book of claims on PostgreSQL.

    python bench/analytics.py [--claims N] [--rounds R] [--period 2026Q3] [--database-url URL]
                              [--explain K] [--keep] [--reuse]

Builds a dedicated PostgreSQL database (``claimdesk_bench_analytics`` next to the database of
the URL, dropped and created here) with N claims and their whole history — timeline events
through the stages with realistic durations, SLA clocks met and breached, decisions citing
clauses, payments, surveys, post-closure surveys, service tickets with root-cause reports and
corrective actions, assistant conversations, renewed and cross-sold policies — by bulk SQL
(``generate_series``), then times every metric in ``analytics.metrics.METRICS``, the scorecard
and the whole dashboard (all of them) for a quarter, first without and then with the analytics
indexes (``analytics`` migration ``INDEX_MIGRATION``), and prints medians and the plans of the
slowest statements. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from benchdb import BenchDB, setup_django

ROOT = Path(__file__).resolve().parent.parent
DB = BenchDB("claimdesk_bench_analytics")
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_S = 1.0
# The analytics migration that adds the dashboard's indexes: "before" is the one before it.
INDEX_MIGRATION = "0001_dashboard_indexes"
# Every figure + the scorecard inside metrics.computed_once(): timed, not added to the total.
ONE_PASS = "one pass, computed_once()"
# The figures that read stored results for periods that are over (analytics.stored), timed
# again computed from the rows (stored.live()): the "live" total uses these instead.
LIVE = " [live]"
STORED = ("cycle_time", "bottleneck_stage")
ONE_PASS_LIVE = ONE_PASS + LIVE
SPAN_DAYS = 700  # claims are opened over the ~23 months before "now"
STAFF = 240  # case owners, 8 teams in 4 branches
BRANCHES = ("上海分公司", "北京分公司", "广州分公司", "杭州分公司")
LINES = ("auto", "medical", "critical_illness", "accident", "property")
DISEASES = (
    "恶性肿瘤",
    "急性心肌梗塞",
    "脑中风后遗症",
    "重大器官移植术",
    "终末期肾病",
    "多个肢体缺失",
)
CAUSES = {
    "auto": "追尾碰撞",
    "medical": "住院治疗",
    "accident": "意外摔伤",
    "property": "台风暴雨浸水",
}
ROOT_CAUSES = (
    ("process", "流程", "理赔运营部", "资料清单未一次告知"),
    ("staff", "人员", "客户服务部", "回访不及时"),
    ("system", "系统", "信息技术部", "进度短信未推送"),
    ("product", "产品", "产品精算部", "免责条款表述不清"),
    ("communication", "沟通", "客户服务部", "拒赔理由解释不充分"),
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--claims", type=int, default=1_000_000, help="claims (default 1,000,000)")
    p.add_argument("--rounds", type=int, default=5, help="timed rounds per figure (default 5)")
    p.add_argument("--period", default="", help="the quarter filter (default: the last full one)")
    p.add_argument("--explain", type=int, default=4, help="plans of the K slowest statements")
    p.add_argument("--no-before", action="store_true", help="skip the run without the indexes")
    p.add_argument(
        "--proposal",
        action="store_true",
        help="also time the stage figures on a stage-stay summary table (bench-only table)",
    )
    p.add_argument(
        "--page-rounds",
        type=int,
        default=1,
        help="timed GETs of the dashboard page after the indexes (default 1; 0 = skip)",
    )
    p.add_argument(
        "--database-url",
        help=f"PostgreSQL URL; default $DATABASE_URL, else {DEFAULT_URL}. Only the server and "
        f"credentials are used: the bench runs in database {DB.name}",
    )
    p.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="use the database a --keep run left (no build); implies --keep",
    )
    args = p.parse_args(argv)
    if args.claims < 1000 or args.rounds < 1:
        p.error("--claims must be >= 1000 and --rounds >= 1")
    args.keep = args.keep or args.reuse
    return args


# --- the data ---------------------------------------------------------------------------------


class Builder:
    """Everything by set-based SQL on one connection; foreign-key triggers off while loading
    (``session_replication_role = replica``: the ids are made consistent by construction)."""

    def __init__(self, n: int, now: datetime) -> None:
        from django.db import connection

        self.n = n
        self.tickets = max(n // 10, 100)
        self.customers = max(n // 50, 100)
        self.conversations = max(n // 20, 100)
        self.now = now
        self.start = now - timedelta(days=SPAN_DAYS)
        self.cursor = connection.cursor()
        self.steps: list[tuple[str, float, int]] = []

    def sql(self, statement: str, params: dict | None = None) -> int:
        self.cursor.execute(statement, params or {})
        return self.cursor.rowcount

    def one(self, statement: str, params: dict | None = None):
        self.cursor.execute(statement, params or {})
        return self.cursor.fetchone()[0]

    @contextmanager
    def step(self, name: str):
        t = time.perf_counter()
        rows = [0]
        yield rows
        took = time.perf_counter() - t
        self.steps.append((name, took, rows[0]))
        print(f"  {name:<44} {rows[0]:>12,} rows {took:8.1f} s", flush=True)

    def build(self) -> None:
        from claimdesk.policies.demo import demo_products
        from claimdesk.staff.roles import Role
        from claimdesk.staff.services import user_create

        self.products = demo_products()
        self.manager = user_create(
            username="bench_manager", password="bench-pass-1", role=Role.MANAGER
        )
        self.rules = dict(self.one_rows("SELECT code, id FROM cases_slarule"))
        self.sql("SET session_replication_role = replica")
        self.sql("SET synchronous_commit = off")
        self.sql("SET work_mem = '256MB'")
        self.sql("SET maintenance_work_mem = '512MB'")
        try:
            self.people()
            self.policies()
            self.plan()
            self.claims()
            self.tickets_()
            self.assistant()
            self.sequences()
        finally:
            self.sql("SET session_replication_role = DEFAULT")
        with self.step("VACUUM ANALYZE") as r:
            self.sql("VACUUM ANALYZE")
            r[0] = 0

    def one_rows(self, statement: str) -> list[tuple]:
        self.cursor.execute(statement)
        return list(self.cursor.fetchall())

    # -- people and policies ---------------------------------------------------------------

    def people(self) -> None:
        base = self.one("SELECT coalesce(max(id), 0) FROM auth_user")
        self.staff_base = base
        self.customer_base = base + STAFF
        p = {"now": self.now, "staff": STAFF, "base": base, "customers": self.customers}
        with self.step("staff and customers (auth_user)") as r:
            r[0] = self.sql(
                """
                INSERT INTO auth_user (id, password, is_superuser, username, first_name,
                    last_name, email, is_staff, is_active, date_joined)
                SELECT %(base)s + k, '!', false,
                    CASE WHEN k <= %(staff)s THEN 'bench_staff_' || k
                         ELSE 'bench_customer_' || (k - %(staff)s) END,
                    CASE WHEN k <= %(staff)s THEN '员工' ELSE '客户' END, k::text, '',
                    k <= %(staff)s, true, %(now)s
                FROM generate_series(1, %(staff)s + %(customers)s) k
                """,
                p,
            )
        with self.step("staff profiles (8 teams, 4 branches)") as r:
            branches = "ARRAY[" + ",".join(f"'{b}'" for b in BRANCHES) + "]"
            r[0] = self.sql(
                f"""
                INSERT INTO staff_staffprofile (team, branch, region, user_id, approval_limit)
                SELECT '理赔' || (mod(k, 8) + 1) || '组', ({branches})[mod(k, 4) + 1], '',
                    %(base)s + k, 200000
                FROM generate_series(1, %(staff)s) k
                """,
                p,
            )
        with self.step("bank accounts") as r:
            r[0] = self.sql(
                """
                INSERT INTO policies_bankaccount (id, bank_name, account_name, account_number,
                    is_default, owner_id)
                SELECT c, '中国工商银行', '客户' || c, '62220200' || lpad(c::text, 11, '0'),
                    true, %(base)s + %(staff)s + c
                FROM generate_series(1, %(customers)s) c
                """,
                p,
            )

    def policies(self) -> None:
        """Five slots per customer: the main line for three years (renewed by 70 % in the
        third), and another line taken later by one in four (cross-selling)."""
        ids = [self.products[line].pk for line in LINES]
        p = {
            "customers": self.customers,
            "cbase": self.customer_base,
            "first": (self.start - timedelta(days=200)).date(),
            "now": self.now,
        }
        with self.step("policies (renewals, cross-sell)") as r:
            r[0] = self.sql(
                f"""
                INSERT INTO policies_policy (id, number, start, "end", sum_insured, premium,
                    status, vehicle_plate, new_energy_vehicle, insured_address, created_at,
                    holder_id, product_id)
                SELECT c * 5 + g, 'PB' || lpad((c * 5 + g)::text, 10, '0'), s, s + 364,
                    500000, 1000, 'active', '', false, '', %(now)s, %(cbase)s + c,
                    (ARRAY{ids})[mod(c + CASE WHEN g < 3 THEN 0 ELSE g - 2 END, 5) + 1]
                FROM generate_series(1, %(customers)s) c
                CROSS JOIN generate_series(0, 4) g
                CROSS JOIN LATERAL (SELECT CASE WHEN g < 3
                    THEN %(first)s::date + mod(c, 365) + 365 * g
                    ELSE %(first)s::date + 300 + mod(c * 7, 400) + 60 * g END AS s) d
                WHERE g < 2 OR (g = 2 AND mod(c, 10) < 7) OR (g = 3 AND mod(c, 4) = 0)
                   OR (g = 4 AND mod(c, 9) = 0)
                """,
                p,
            )

    # -- the claims' plan: every moment of every claim, decided once ---------------------------

    def plan(self) -> None:
        """One row per claim with its owner, policy, outcome and the time of each step.

        Durations are exponential around realistic means (contact ~8 h, materials chased in
        35 % of claims ~4 days, review ~1.5 days, investigation in 20 % ~4 days, adjudication
        ~1.5 days, payment ~2 days, follow-up in 98 % ~2 days). Steps after "now" are not taken,
        so recent claims stand open at the stage they have reached.
        """
        p = {
            "n": self.n,
            "start": self.start,
            "span": SPAN_DAYS,
            "staff": STAFF,
            "sbase": self.staff_base,
            "customers": self.customers,
            "now": self.now,
        }
        self.sql("DROP TABLE IF EXISTS bench_plan")
        self.sql("SELECT setseed(0.42)")
        with self.step("plan (one row per claim)") as r:
            r[0] = self.sql(
                """
                CREATE UNLOGGED TABLE bench_plan AS
                WITH r AS (
                    SELECT i, random() ro, random() rs, random() rc, random() ra,
                        random() rout, random() rm, random() rinv, random() rf, random() rch,
                        -ln(1 - random()) e1, -ln(1 - random()) e2, -ln(1 - random()) e3,
                        -ln(1 - random()) e4, -ln(1 - random()) e5, -ln(1 - random()) e6,
                        -ln(1 - random()) e7, -ln(1 - random()) e8
                    FROM generate_series(1, %(n)s) i
                ), b AS (
                    SELECT i, e7, rf, rch, ra,
                        interval '2 hours' + e8 * interval '2 days' AS d8,
                        %(start)s::timestamptz + ro * %(span)s * interval '1 day' AS t0,
                        %(sbase)s + 1 + floor(rs * %(staff)s)::int AS owner,
                        1 + floor(rc * %(customers)s)::int AS c,
                        CASE WHEN rout < 0.03 THEN 'withdraw' WHEN rout < 0.13 THEN 'reject'
                             WHEN rout < 0.23 THEN 'partial' ELSE 'approve' END AS outcome,
                        rm < 0.35 AS mat, rinv < 0.20 AS inv,
                        interval '6 minutes' + e1 * interval '8 hours' AS d1,
                        interval '1 hour' + e2 * interval '20 hours' AS d2,
                        interval '6 hours' + e3 * interval '4 days' AS d3,
                        interval '2 hours' + e4 * interval '36 hours' AS d4,
                        interval '1 day' + e5 * interval '3 days' AS d5,
                        interval '2 hours' + e6 * interval '36 hours' AS d6
                    FROM r
                ), t AS (
                    SELECT *, t0 + d1 AS t1,
                        CASE WHEN mat THEN t0 + d1 + d2 END AS t2,
                        CASE WHEN mat THEN t0 + d1 + d2 + d3 END AS t3,
                        t0 + d1 + CASE WHEN mat THEN d2 + d3 ELSE interval '0' END + d4 AS t4
                    FROM b
                ), u AS (
                    SELECT *, CASE WHEN inv AND outcome <> 'withdraw' THEN t4 + d5 END AS t5,
                        CASE WHEN outcome <> 'withdraw' THEN t4
                            + CASE WHEN inv THEN d5 ELSE interval '0' END + d6 END AS t6
                    FROM t
                ), v AS (
                    SELECT *, t6 + CASE WHEN outcome = 'reject'
                        THEN interval '1 hour' + e7 * interval '1 day'
                        ELSE interval '1 hour' + e7 * interval '2 days' END AS t7
                    FROM u
                )
                SELECT i, i AS case_id, owner, c,
                    -- the main line's policy in force: slot 0, 1 or (when renewed) 2
                    c * 5 + least(CASE WHEN mod(c, 10) < 7 THEN 2 ELSE 1 END,
                        greatest(0, floor(extract(epoch FROM t0 - pol0) / 86400 / 365)::int))
                        AS policy,
                    mod(c, 5) AS line, outcome, mat, inv,
                    CASE WHEN rch < 0.40 THEN 'portal' WHEN rch < 0.55 THEN 'api'
                         WHEN rch < 0.95 THEN 'hotline' ELSE 'bulk' END AS channel,
                    round((CASE mod(c, 5) WHEN 0 THEN 6000 WHEN 1 THEN 4000 WHEN 2 THEN 200000
                        WHEN 3 THEN 12000 ELSE 20000 END
                        * (0.2 + -ln(1 - ra)))::numeric, 2) AS amount,
                    t0,
                    CASE WHEN t1 <= %(now)s THEN t1 END AS t1,
                    CASE WHEN t2 <= %(now)s THEN t2 END AS t2,
                    CASE WHEN t3 <= %(now)s THEN t3 END AS t3,
                    CASE WHEN t4 <= %(now)s THEN t4 END AS t4,
                    CASE WHEN t5 <= %(now)s THEN t5 END AS t5,
                    CASE WHEN t6 <= %(now)s THEN t6 END AS t6,
                    CASE WHEN t7 <= %(now)s THEN t7 END AS t7,
                    CASE WHEN rf < 0.98 AND t7 + d8 <= %(now)s THEN t7 + d8 END AS t8,
                    e7
                FROM v
                CROSS JOIN LATERAL (SELECT %(start)s::date - 200 + mod(c, 365) AS pol0) p
                """,
                p,
            )
        self.sql("ALTER TABLE bench_plan ADD PRIMARY KEY (i)")
        self.sql("ANALYZE bench_plan")

    def status_sql(self) -> str:
        return """CASE
            WHEN outcome = 'withdraw' AND t4 IS NOT NULL THEN 'withdrawn'
            WHEN t8 IS NOT NULL THEN 'followed_up'
            WHEN t7 IS NOT NULL THEN 'closed'
            WHEN t6 IS NOT NULL THEN CASE WHEN outcome = 'reject' THEN 'rejected' ELSE 'paying' END
            WHEN t5 IS NOT NULL THEN 'adjudicating'
            WHEN t4 IS NOT NULL THEN CASE WHEN inv THEN 'investigating' ELSE 'adjudicating' END
            WHEN t3 IS NOT NULL THEN 'reviewing'
            WHEN t2 IS NOT NULL THEN 'awaiting_materials'
            WHEN t1 IS NOT NULL THEN 'reviewing'
            ELSE 'reported' END"""

    def claims(self) -> None:
        base = self.one("SELECT coalesce(max(id), 0) FROM cases_case")
        self.sql("UPDATE bench_plan SET case_id = i + %(b)s", {"b": base})
        line_names = "ARRAY[" + ",".join(f"'{x}'" for x in LINES) + "]"
        diseases = "ARRAY[" + ",".join(f"'{d}'" for d in DISEASES) + "]"
        p = {"now": self.now}
        with self.step("cases (claims)") as r:
            r[0] = self.sql(
                f"""
                INSERT INTO cases_case (id, number, kind, category, status, title, opened_at,
                    updated_at, closed_at, is_open, next_due_at, customer_id, owner_id)
                SELECT case_id, 'CL' || lpad(i::text, 12, '0'), 'claim',
                    ({line_names})[line + 1], s.status, '理赔 ' || i, t0,
                    coalesce(t8, t7, t6, t5, t4, t3, t2, t1, t0),
                    CASE WHEN s.status IN ('followed_up', 'withdrawn') THEN coalesce(t8, t4) END,
                    s.status NOT IN ('followed_up', 'withdrawn'), NULL,
                    {self.customer_base} + c, owner
                FROM bench_plan CROSS JOIN LATERAL (SELECT {self.status_sql()} AS status) s
                """,
                p,
            )
        with self.step("claims") as r:
            r[0] = self.sql(
                f"""
                INSERT INTO claims_claim (case_id, insured_name, loss_time, loss_place,
                    loss_cause, description, loss_type, estimated_amount, contact_phone,
                    channel, flags, materials_complete_at, policy_id, reporter_id,
                    materials_chase_count, approved_amount, decided_at, decision, archived_at)
                SELECT case_id, '客户' || c, t0 - interval '2 days', '',
                    CASE WHEN line = 2 THEN ({diseases})[1 + mod(i, {len(DISEASES)})]
                         ELSE ({self.causes_array()})[line + 1] END,
                    '', ({line_names})[line + 1], amount,
                    '138' || lpad(mod(i, 100000000)::text, 8, '0'), channel, '[]',
                    CASE WHEN outcome <> 'withdraw' THEN t4 END, policy,
                    CASE WHEN channel = 'portal' THEN {self.customer_base} + c ELSE owner END,
                    0,
                    CASE WHEN t6 IS NULL THEN NULL WHEN outcome = 'approve' THEN amount
                         WHEN outcome = 'partial' THEN round(amount * 0.6, 2) ELSE 0 END,
                    t6, CASE WHEN t6 IS NULL THEN '' ELSE outcome END, t8
                FROM bench_plan
                """,
                p,
            )
        self.events()
        self.deadlines()
        self.decisions()
        self.payments()
        self.investigations()
        self.surveys()

    def causes_array(self) -> str:
        return "ARRAY[" + ",".join(f"'{CAUSES.get(x, '重大疾病')}'" for x in LINES) + "]"

    def events(self) -> None:
        """The timeline: opened, the two opening clocks, then one event per transition."""
        p = {"now": self.now}
        with self.step("timeline events (claims)") as r:
            r[0] = self.sql(
                """
                INSERT INTO cases_caseevent (at, kind, action, from_status, to_status, data,
                    customer_visible, actor_id, case_id)
                SELECT e.at, e.kind, e.action, e.f, e.t, e.data::jsonb, e.kind = 'transition'
                    OR e.kind = 'opened', owner, case_id
                FROM bench_plan CROSS JOIN LATERAL (VALUES
                    (t0, 'opened', '', '', 'reported', '{"owner": "bench"}'),
                    (t0, 'deadline_started', '', '', '', '{"rule": "contact"}'),
                    (t0, 'deadline_started', '', '', '', '{"rule": "decision_statutory"}'),
                    (t1, 'transition', 'contact', 'reported', 'reviewing', '{}'),
                    (t2, 'transition', 'request_materials', 'reviewing', 'awaiting_materials',
                        '{"items": ["invoice"]}'),
                    (t3, 'transition', 'materials_received', 'awaiting_materials', 'reviewing',
                        '{}'),
                    (t4, 'transition', CASE WHEN outcome = 'withdraw' THEN 'withdraw'
                        WHEN inv THEN 'send_to_investigation' ELSE 'send_to_adjudication' END,
                        'reviewing', CASE WHEN outcome = 'withdraw' THEN 'withdrawn'
                        WHEN inv THEN 'investigating' ELSE 'adjudicating' END, '{}'),
                    (t5, 'transition', 'assessment_done', 'investigating', 'adjudicating', '{}'),
                    (t6, 'transition', CASE WHEN outcome = 'reject' THEN 'reject' ELSE 'approve'
                        END, 'adjudicating', CASE WHEN outcome = 'reject' THEN 'rejected'
                        ELSE 'paying' END, '{}'),
                    (t7, 'transition', CASE WHEN outcome = 'reject' THEN 'send_rejection_notice'
                        ELSE 'confirm_payment' END, CASE WHEN outcome = 'reject' THEN 'rejected'
                        ELSE 'paying' END, 'closed', '{}'),
                    (t8, 'transition', 'follow_up', 'closed', 'followed_up', '{}')
                ) e(at, kind, action, f, t, data)
                WHERE e.at IS NOT NULL
                """,
                p,
            )

    def deadlines(self) -> None:
        """Clocks as the kernel leaves them: met/breached when stopped (by the stop time
        against the due time), cancelled when no longer owed, running otherwise."""
        rules = self.rules
        p = {"now": self.now}
        with self.step("SLA clocks (claims)") as r:
            r[0] = self.sql(
                f"""
                INSERT INTO cases_deadline (unit, state, started_at, budget, consumed,
                    segment_started_at, due_at, remind_at, escalate_at, stopped_at,
                    next_action_at, assignee_id, case_id, rule_id)
                SELECT d.unit, CASE WHEN d.cancel THEN 'cancelled' WHEN d.stop IS NULL
                        THEN 'running' WHEN d.stop <= d.due THEN 'met' ELSE 'breached' END,
                    d.start, d.budget, coalesce(d.stop - d.start, interval '0'), d.start, d.due,
                    d.start + (d.due - d.start) * 0.75, d.start + (d.due - d.start) * 1.25,
                    d.stop, CASE WHEN d.stop IS NULL THEN d.start + (d.due - d.start) * 0.75
                        END, owner, case_id, d.rule
                FROM bench_plan CROSS JOIN LATERAL (VALUES
                    ({rules["contact"]}, 'working_days', t0, interval '1 day',
                        t0 + interval '1 day', t1, false),
                    ({rules["decision_statutory"]}, 'calendar_days', t0, interval '30 days',
                        t0 + interval '30 days' + coalesce(t3 - t2, interval '0'),
                        CASE WHEN outcome = 'withdraw' THEN t4 ELSE t6 END,
                        outcome = 'withdraw' AND t4 IS NOT NULL),
                    ({rules["payment"]}, 'working_days',
                        CASE WHEN outcome <> 'withdraw' THEN t4 END, interval '5 days',
                        t4 + interval '7 days', CASE WHEN outcome = 'reject' THEN t6 ELSE t7 END,
                        outcome = 'reject' AND t6 IS NOT NULL),
                    ({rules["rejection_notice"]}, 'calendar_days',
                        CASE WHEN outcome = 'reject' THEN t6 END, interval '3 days',
                        t6 + interval '3 days', t7, false),
                    ({rules["followup"]}, 'working_days', t7, interval '3 days',
                        t7 + interval '4 days', t8, false)
                ) d(rule, unit, start, budget, due, stop, cancel)
                WHERE d.start IS NOT NULL
                """,
                p,
            )
        with self.step("cases.next_due_at of open claims") as r:
            r[0] = self.sql(
                """
                UPDATE cases_case c SET next_due_at = d.due
                FROM (SELECT case_id, min(due_at) due FROM cases_deadline
                      WHERE state = 'running' GROUP BY case_id) d
                WHERE d.case_id = c.id AND c.is_open
                """
            )

    def decisions(self) -> None:
        clauses: dict[int, list[tuple[str, str]]] = {}
        for line_no, line in enumerate(LINES):
            rows = self.one_rows(
                "SELECT article, title FROM policies_clause WHERE product_id = "
                f"{self.products[line].pk} ORDER BY kind = 'exclusion' DESC, id"
            )
            clauses[line_no] = rows[:3] or [("1", "总则")]
        self.sql("DROP TABLE IF EXISTS bench_clause")
        self.sql(
            "CREATE UNLOGGED TABLE bench_clause (line int, k int, n int, article text, title text)"
        )
        self.cursor.executemany(
            "INSERT INTO bench_clause VALUES (%s, %s, %s, %s, %s)",
            [
                (ln, k, len(rows), a, t)
                for ln, rows in clauses.items()
                for k, (a, t) in enumerate(rows)
            ],
        )
        with self.step("decisions (calculation cites clauses)") as r:
            r[0] = self.sql(
                """
                INSERT INTO claims_claimdecision (decision, amount, reason, calculation,
                    approvals_required, status, proposed_at, closed_at, claim_id, proposed_by_id)
                SELECT outcome, CASE outcome WHEN 'approve' THEN amount
                        WHEN 'partial' THEN round(amount * 0.6, 2) ELSE 0 END, '',
                    jsonb_build_object('decision', outcome, 'claimed', amount::text,
                        'total', (CASE outcome WHEN 'approve' THEN amount
                            WHEN 'partial' THEN round(amount * 0.6, 2) ELSE 0 END)::text,
                        'currency', 'CNY', 'lines', '[]'::jsonb,
                        'exclusions', CASE WHEN outcome = 'approve' THEN '[]'::jsonb
                            ELSE jsonb_build_array(jsonb_build_object('code', 'excluded',
                                'reason', '责任免除', 'clause', cl.article,
                                'clause_title', cl.title, 'clause_text', '')) END),
                    1, 'approved', t6 - interval '1 hour', t6, case_id, owner
                FROM bench_plan p
                JOIN bench_clause cl ON cl.line = p.line
                    AND cl.k = mod(p.i, cl.n)
                WHERE t6 IS NOT NULL
                """
            )

    def payments(self) -> None:
        fin = self.staff_base + 1
        with self.step("payments") as r:
            r[0] = self.sql(
                f"""
                INSERT INTO payments_payment (reference, amount, state, attempts, instructed_at,
                    sent_at, confirmed_at, failure_reason, bank_ref, updated_at, account_id,
                    claim_id, confirmed_by_id, instructed_by_id)
                SELECT 'PAY' || lpad(i::text, 12, '0'),
                    CASE WHEN outcome = 'approve' THEN amount ELSE round(amount * 0.6, 2) END,
                    CASE WHEN t7 IS NULL THEN 'sent' ELSE 'confirmed' END, 1,
                    t6 + interval '10 minutes', t6 + interval '20 minutes', t7, '', '',
                    coalesce(t7, t6), c, case_id, CASE WHEN t7 IS NOT NULL THEN {fin} END, {fin}
                FROM bench_plan WHERE t6 IS NOT NULL AND outcome IN ('approve', 'partial')
                """
            )

    def investigations(self) -> None:
        base = self.one("SELECT coalesce(max(id), 0) FROM cases_task")
        with self.step("survey tasks + investigation surveys") as r:
            r[0] = self.sql(
                f"""
                INSERT INTO cases_task (id, kind, title, status, created_at, due_at,
                    completed_at, result, assigned_by_id, assignee_id, case_id, returns_to_id)
                SELECT {base} + i, 'survey', '查勘定损',
                    CASE WHEN t5 IS NULL THEN 'open' ELSE 'done' END, t4,
                    t4 + interval '2 days', t5, '', owner,
                    {self.staff_base} + 1 + mod(i, {STAFF}), case_id, owner
                FROM bench_plan WHERE inv AND t4 IS NOT NULL AND outcome <> 'withdraw'
                """
            )
            r[0] += self.sql(
                f"""
                INSERT INTO investigation_survey (certificate, assigned_at, status, findings,
                    assessed_loss, method, basis, reported_at, assigned_by_id, claim_id,
                    surveyor_id, task_id)
                SELECT '', t4, CASE WHEN t5 IS NULL THEN 'assigned' ELSE 'reported' END,
                    CASE WHEN t5 IS NULL THEN '' ELSE '现场查勘完毕' END,
                    CASE WHEN t5 IS NULL THEN NULL ELSE amount END, '', '', t5, owner, case_id,
                    {self.staff_base} + 1 + mod(i, {STAFF}), {base} + i
                FROM bench_plan WHERE inv AND t4 IS NOT NULL AND outcome <> 'withdraw'
                """
            )

    def surveys(self) -> None:
        """Six in ten closed claims get a survey; four in ten of those are answered."""
        p = {"now": self.now, "cbase": self.customer_base}
        with self.step("post-closure surveys (CSAT/NPS)") as r:
            r[0] = self.sql(
                """
                INSERT INTO feedback_survey (token, closed_at, sent_at, expires_at, answered_at,
                    csat, nps, comment, case_id, customer_id, staff_id)
                SELECT md5('survey' || i), t7, t7 + interval '1 hour', t7 + interval '15 days',
                    a.at, CASE WHEN a.at IS NOT NULL THEN
                        CASE WHEN e7 < 0.05 THEN 1 WHEN e7 < 0.15 THEN 2 WHEN e7 < 0.4 THEN 3
                             WHEN e7 < 1.1 THEN 4 ELSE 5 END END,
                    CASE WHEN a.at IS NOT NULL THEN least(10, floor(mod(i * 7, 11) * 0.4
                        + CASE WHEN e7 < 0.4 THEN 0 ELSE 6 END))::int END, '',
                    case_id, %(cbase)s + c, owner
                FROM bench_plan
                CROSS JOIN LATERAL (SELECT CASE WHEN mod(i, 10) < 4
                    AND t7 + interval '1 day' <= %(now)s THEN t7 + interval '1 day' END AS at) a
                WHERE t7 IS NOT NULL AND mod(i, 10) < 6
                """,
                p,
            )

    # -- the service desk ------------------------------------------------------------------

    def tickets_(self) -> None:
        """Tickets (one per ten claims): inquiries, complex matters, complaints (3 %),
        objections, appeals and green-channel requests, half of them about a claim; every
        resolved complaint has a root-cause report and one or two corrective actions."""
        base = self.one("SELECT coalesce(max(id), 0) FROM cases_case")
        p = {
            "m": self.tickets,
            "start": self.start,
            "span": SPAN_DAYS,
            "now": self.now,
            "n": self.n,
            "claim0": self.one("SELECT min(case_id) FROM bench_plan") - 1,
        }
        self.sql("DROP TABLE IF EXISTS bench_ticket")
        with self.step("ticket plan") as r:
            r[0] = self.sql(
                f"""
                CREATE UNLOGGED TABLE bench_ticket AS
                WITH r AS (
                    SELECT j, random() ro, random() rcat, random() rch, random() rcl,
                        -ln(1 - random()) e1, -ln(1 - random()) e2, -ln(1 - random()) e3
                    FROM generate_series(1, %(m)s) j
                ), b AS (
                    SELECT j, {base} + j AS case_id,
                        %(start)s::timestamptz + ro * %(span)s * interval '1 day' AS t0,
                        CASE WHEN rcat < 0.60 THEN 'inquiry' WHEN rcat < 0.75 THEN 'complex'
                             WHEN rcat < 0.78 THEN 'complaint' WHEN rcat < 0.88 THEN 'objection'
                             WHEN rcat < 0.93 THEN 'appeal' ELSE 'green' END AS category,
                        CASE WHEN rch < 0.30 THEN 'portal' WHEN rch < 0.70 THEN 'hotline'
                             WHEN rch < 0.78 THEN 'email' WHEN rch < 0.85 THEN 'api'
                             ELSE 'assistant' END AS channel,
                        CASE WHEN rcl < 0.5 THEN %(claim0)s + 1 + floor(rcl * 2 * %(n)s)::int
                            END AS claim_id,
                        {self.staff_base} + 1 + mod(j * 13, {STAFF}) AS owner,
                        1 + mod(j * 31, {self.customers}) AS c, e1, e2, e3
                    FROM r
                )
                SELECT *, CASE WHEN t1 > %(now)s THEN NULL ELSE t1 END AS r1,
                    CASE WHEN t2 > %(now)s THEN NULL ELSE t2 END AS r2,
                    CASE WHEN t3 > %(now)s THEN NULL ELSE t3 END AS r3
                FROM (SELECT *, t0 + interval '3 minutes' + e1 * interval '25 minutes' AS t1,
                        t0 + interval '1 hour' + e1 * interval '3 hours'
                           + e2 * CASE WHEN category IN ('complaint', 'objection')
                                  THEN interval '6 days' ELSE interval '20 hours' END AS t2,
                        t0 + interval '1 day' + e1 * interval '3 hours'
                           + e2 * CASE WHEN category IN ('complaint', 'objection')
                                  THEN interval '6 days' ELSE interval '20 hours' END
                           + e3 * interval '1 day' AS t3
                      FROM b) x
                """,
                p,
            )
        self.sql("ALTER TABLE bench_ticket ADD PRIMARY KEY (j)")
        self.sql("ANALYZE bench_ticket")
        with self.step("cases (tickets) + tickets") as r:
            r[0] = self.sql(
                f"""
                INSERT INTO cases_case (id, number, kind, category, status, title, opened_at,
                    updated_at, closed_at, is_open, next_due_at, customer_id, owner_id)
                SELECT case_id, 'TK' || lpad(j::text, 12, '0'), 'ticket', category,
                    CASE WHEN r3 IS NOT NULL THEN 'closed' WHEN r2 IS NOT NULL THEN 'resolved'
                         WHEN r1 IS NOT NULL THEN 'in_progress' ELSE 'new' END,
                    '工单 ' || j, t0, coalesce(r3, r2, r1, t0), r3, r3 IS NULL, NULL,
                    {self.customer_base} + c, owner
                FROM bench_ticket
                """
            )
            r[0] += self.sql(
                """
                INSERT INTO service_ticket (case_id, channel, topic, subject, green_reason,
                    complex, claim_id)
                SELECT case_id, channel, (ARRAY['timeliness', 'amount', 'service_attitude',
                    'materials', 'other'])[1 + mod(j, 5)], '工单 ' || j,
                    CASE WHEN category = 'green' THEN 'critical_illness' ELSE '' END,
                    category = 'complex', claim_id
                FROM bench_ticket
                """
            )
        with self.step("timeline events (tickets)") as r:
            r[0] = self.sql(
                """
                INSERT INTO cases_caseevent (at, kind, action, from_status, to_status, data,
                    customer_visible, actor_id, case_id)
                SELECT e.at, e.kind, e.action, e.f, e.t, '{}'::jsonb, true, owner, case_id
                FROM bench_ticket CROSS JOIN LATERAL (VALUES
                    (t0, 'opened', '', '', 'new'),
                    (r1, 'transition', 'reply', 'new', 'in_progress'),
                    (r2, 'transition', 'resolve', 'in_progress', 'resolved'),
                    (r3, 'transition', 'close', 'resolved', 'closed')
                ) e(at, kind, action, f, t)
                WHERE e.at IS NOT NULL
                """
            )
        rules = self.rules
        with self.step("SLA clocks (tickets)") as r:
            r[0] = self.sql(
                f"""
                INSERT INTO cases_deadline (unit, state, started_at, budget, consumed,
                    segment_started_at, due_at, remind_at, escalate_at, stopped_at,
                    next_action_at, assignee_id, case_id, rule_id)
                SELECT d.unit, CASE WHEN d.stop IS NULL THEN 'running'
                        WHEN d.stop <= d.due THEN 'met' ELSE 'breached' END,
                    t0, d.due - t0, coalesce(d.stop - t0, interval '0'), t0, d.due,
                    t0 + (d.due - t0) * 0.75, t0 + (d.due - t0) * 1.25, d.stop,
                    CASE WHEN d.stop IS NULL THEN t0 + (d.due - t0) * 0.75 END, owner, case_id,
                    d.rule
                FROM bench_ticket CROSS JOIN LATERAL (SELECT * FROM (VALUES
                    ('inquiry', {rules["inquiry_reply"]}, 'business_hours',
                        t0 + interval '2 hours', r1),
                    ('complex', {rules["complex_solution"]}, 'hours', t0 + interval '24 hours',
                        r2),
                    ('appeal', {rules["complex_solution"]}, 'hours', t0 + interval '24 hours',
                        r2),
                    ('complaint', {rules["complaint"]}, 'calendar_days',
                        t0 + interval '15 days', r2),
                    ('objection', {rules["objection_reply"]}, 'working_days',
                        t0 + interval '4 days', r2),
                    ('green', {rules["green_response"]}, 'hours', t0 + interval '30 minutes',
                        r1)
                ) v(cat, rule, unit, due, stop) WHERE v.cat = category) d
                """
            )
        with self.step("root-cause reports + corrective actions") as r:
            r[0] = self.sql(
                f"""
                INSERT INTO service_rootcausereport (category, department, root_cause,
                    cause_key, corrective_action, due_date, verification, created_at,
                    updated_at, author_id, owner_id, ticket_id)
                SELECT rc.code, rc.dept, rc.cause, rc.code || ':' || rc.cause, '整改措施',
                    (r2 + interval '30 days')::date, '回访验证', r2, r2, owner, owner, case_id
                FROM bench_ticket
                CROSS JOIN LATERAL (SELECT * FROM (VALUES {self.root_cause_values()})
                    v(k, code, dept, cause) WHERE v.k = mod(j, {len(ROOT_CAUSES)})) rc
                WHERE category = 'complaint' AND r2 IS NOT NULL
                """
            )
            r[0] += self.sql(
                """
                INSERT INTO service_correctiveaction (description, due_date, done_at, result,
                    owner_id, report_id)
                SELECT '整改措施 ' || n, rca.due_date,
                    CASE WHEN mod(rca.id + n, 10) < 7
                        AND rca.created_at + interval '20 days' <= %(now)s
                        THEN rca.created_at + interval '20 days' END, '', rca.owner_id, rca.id
                FROM service_rootcausereport rca CROSS JOIN generate_series(1, 2) n
                WHERE n = 1 OR mod(rca.id, 2) = 0
                """,
                p,
            )

    def root_cause_values(self) -> str:
        return ", ".join(
            f"({k}, '{code}', '{dept}', '{cause}')"
            for k, (code, _label, dept, cause) in enumerate(ROOT_CAUSES)
        )

    def assistant(self) -> None:
        """Self-service conversations; one turn in seven is handed over to a person."""
        p = {"k": self.conversations, "start": self.start, "span": SPAN_DAYS}
        with self.step("assistant conversations + turns") as r:
            r[0] = self.sql(
                """
                INSERT INTO assistant_conversation (id, session_key, language, started_at,
                    ticket_no, user_id)
                SELECT md5('conv' || k)::uuid, 's' || k, 'zh-hans',
                    %(start)s::timestamptz + mod(k * 7919, %(span)s * 1440) * interval '1 minute',
                    '', NULL
                FROM generate_series(1, %(k)s) k
                """,
                p,
            )
            r[0] += self.sql(
                """
                INSERT INTO assistant_turn (question, answer, language, score, confidence,
                    handed_over, ticket_no, asked_at, conversation_id, entry_id)
                SELECT '理赔需要哪些材料？', '请准备身份证明、发票等。', 'zh-hans', 0.8, 0.8,
                    mod(k + n, 7) = 0, '', c.started_at + n * interval '1 minute', c.id, NULL
                FROM generate_series(1, %(k)s) k CROSS JOIN generate_series(1, 1 + mod(k, 3)) n
                JOIN assistant_conversation c ON c.id = md5('conv' || k)::uuid
                """,
                p,
            )

    def sequences(self) -> None:
        for table in (
            "auth_user",
            "cases_case",
            "cases_task",
            "policies_policy",
            "policies_bankaccount",
        ):
            self.sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        self.sql("DROP TABLE IF EXISTS bench_plan, bench_ticket, bench_clause")


# --- timing -----------------------------------------------------------------------------------


class Statements:
    """The SQL a callable sends, with each statement's own time (execute_wrapper)."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seen.append((time.perf_counter() - t, sql, params))


def figures(period: str) -> list[tuple[str, Callable[[], object]]]:
    """(name, callable) of every dashboard figure: each metric, then the scorecard."""
    from claimdesk.analytics.filters import Filters, parse_period
    from claimdesk.analytics.metrics import METRICS, computed_once, scorecard
    from claimdesk.analytics.stored import live

    start, end = parse_period(period)
    f = Filters(start=start, end=end)
    out = [(code, (lambda fn=fn: fn(f))) for code, fn in METRICS.items()]
    out.append(("scorecard", lambda: scorecard(f)))

    def one_pass() -> None:
        # What the page can do: every figure and the scorecard in one computed_once() block,
        # so the scorecard reuses the figures and cycle time / bottleneck share their stays.
        with computed_once():
            for fn in METRICS.values():
                fn(f)
            scorecard(f)

    def computed_live(fn):
        def run() -> object:
            with live():
                return fn()

        return run

    out.append((ONE_PASS, one_pass))
    for code in STORED:
        out.append((code + LIVE, computed_live(lambda fn=METRICS[code]: fn(f))))
    out.append((ONE_PASS_LIVE, computed_live(one_pass)))
    return out


def measure(period: str, rounds: int) -> tuple[dict[str, float], list[float], dict, dict[str, str]]:
    """Per figure the median seconds over ``rounds``, the whole dashboard's time per round
    (every metric once, in order: what the page computes; ``scorecard()`` on its own computes
    its figures again, so it is timed but not added), the statements of one untimed warm-up
    pass, and the figures that raised (name → error; they are reported, not timed)."""
    from django.db import connection, transaction

    parts = figures(period)
    statements: dict[str, Statements] = {}
    errors: dict[str, str] = {}
    for name, fn in parts:  # warm-up: imports, caches, plans; and the SQL each figure sends
        rec = Statements()
        try:
            with connection.execute_wrapper(rec), transaction.atomic():
                fn()
        except Exception as exc:  # a broken metric is a finding to print, not a crash
            errors[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:90]}"
        statements[name] = rec
    parts = [(name, fn) for name, fn in parts if name not in errors]
    times: dict[str, list[float]] = {name: [] for name, _ in parts}
    totals, live_totals = [], []
    for k in range(rounds):
        order = parts if k % 2 == 0 else parts[::-1]  # load from neighbours hits all alike
        took_by = {}
        for name, fn in order:
            t = time.perf_counter()
            fn()
            took_by[name] = time.perf_counter() - t
            times[name].append(took_by[name])
        # Summed: every figure on its own (the stage figures as stored for a period that is
        # over); "live": the same with the stage figures computed from the rows instead.
        singles = {
            n: t for n, t in took_by.items() if n not in ("scorecard", ONE_PASS, ONE_PASS_LIVE)
        }
        totals.append(sum(t for n, t in singles.items() if not n.endswith(LIVE)))
        live_totals.append(
            sum(t for n, t in singles.items() if n.endswith(LIVE) or n + LIVE not in singles)
        )
    medians = {name: statistics.median(v) for name, v in times.items()}
    return medians, (totals, live_totals), statements, errors


def print_table(
    title: str, medians: dict[str, float], totals: list[float], stmts: dict, errors: dict
) -> None:
    print()
    print(title)
    print(f"{'figure':<34}{'median ms':>12}{'statements':>12}{'db ms (warm-up)':>18}")
    print("-" * 76)
    for name, rec in stmts.items():
        db = sum(s[0] for s in rec.seen) * 1000
        if name in errors:
            print(f"{name:<34}{'ERROR':>12}{len(rec.seen):>12}{db:>18.1f}  {errors[name]}")
            continue
        print(f"{name:<34}{medians[name] * 1000:>12.1f}{len(rec.seen):>12}{db:>18.1f}")
    missing = f"; WITHOUT {len(errors)} failing figure(s)" if errors else ""
    print("-" * 76)
    stored_totals, live_totals = totals
    for label, per_round in (
        ("dashboard: every figure once", stored_totals),
        ("  same, stage figures live", live_totals),
    ):
        dash = statistics.median(per_round) if per_round else 0.0
        mark = "ok" if dash <= TARGET_S else "MISS"
        print(
            f"{label:<34}{dash * 1000:>12.1f}"
            f"{'':>12}{'':>18}  {mark} target <= {TARGET_S * 1000:.0f} ms{missing} "
            f"(rounds: {', '.join(f'{t * 1000:.0f}' for t in per_round)})"
        )


def explain_slowest(stmts: dict, k: int) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the K slowest statements of the warm-up pass."""
    from django.db import connection, transaction

    everything = [
        (t, name, sql, params) for name, rec in stmts.items() for t, sql, params in rec.seen
    ]
    everything.sort(key=lambda row: row[0], reverse=True)
    for t, name, sql, params in everything[:k]:
        print(f"\n--- EXPLAIN {name}: {t * 1000:.1f} ms in the warm-up pass")
        print(f"    {sql[:600]}{' …' if len(sql) > 600 else ''}")
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", params)
                plan = [line for (line,) in cursor.fetchall()]
        except Exception as exc:  # the statement of a failing figure
            plan = [f"(no plan: {type(exc).__name__}: {str(exc).splitlines()[0][:100]})"]
        for line in plan:
            print(f"    {line}")


def time_page(period: str, rounds: int) -> tuple[float, int, int]:
    """The real dashboard page (``analytics:dashboard``: every figure once, the monthly trends,
    the live overdue list) as the bench manager: median seconds, last status, bytes."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    client = Client(SERVER_NAME="localhost")
    client.force_login(get_user_model().objects.get(username="bench_manager"))
    url = reverse("analytics:dashboard")
    times, answer = [], None
    for _ in range(rounds):
        t = time.perf_counter()
        answer = client.get(url, {"period": period})
        times.append(time.perf_counter() - t)
    return statistics.median(times), answer.status_code, len(answer.content)


PROPOSAL_BUILD = """
CREATE UNLOGGED TABLE bench_stage_stay AS
SELECT s.case_id, c.kind, coalesce(cl.loss_type, c.category) AS type, s.stage, s.entered_at,
    s.left_at, extract(epoch FROM s.left_at - s.entered_at) AS seconds, done.at AS closed_at
FROM (SELECT case_id, to_status AS stage, at AS entered_at,
          lead(at) OVER (PARTITION BY case_id ORDER BY at, id) AS left_at
      FROM cases_caseevent WHERE kind IN ('opened', 'transition')) s
JOIN cases_case c ON c.id = s.case_id
LEFT JOIN claims_claim cl ON cl.case_id = s.case_id
JOIN LATERAL (SELECT min(e.at) AS at FROM cases_caseevent e WHERE e.case_id = s.case_id
              AND e.kind = 'transition' AND e.to_status = 'closed') done ON true
WHERE s.left_at IS NOT NULL AND s.stage NOT IN ('closed', 'followed_up', 'withdrawn')
"""
PROPOSAL_QUERY = """
SELECT type, stage, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds),
    percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds)
FROM bench_stage_stay
WHERE kind = 'claim' AND closed_at >= %(lo)s AND closed_at < %(hi)s
GROUP BY GROUPING SETS ((type, stage), (stage))
"""


def proposal(period: str, rounds: int) -> None:
    """What the stage figures would cost reading a summary table of stage stays (one row per
    stay with its seconds and the case's closing time) instead of LEAD() over the timeline:
    the one-off build, and the per-type and overall percentiles in one GROUPING SETS query."""
    from django.db import connection

    from claimdesk.analytics.filters import Filters, parse_period

    start, end = parse_period(period)
    lo, hi = Filters(start=start, end=end).bounds()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_stage_stay")
        t = time.perf_counter()
        cursor.execute(PROPOSAL_BUILD)
        rows = cursor.rowcount
        cursor.execute(
            "CREATE INDEX ON bench_stage_stay (closed_at) INCLUDE (kind, type, stage, seconds)"
        )
        cursor.execute("ANALYZE bench_stage_stay")
        build = time.perf_counter() - t
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            cursor.execute(PROPOSAL_QUERY, {"lo": lo, "hi": hi})
            cursor.fetchall()
            times.append(time.perf_counter() - t)
        cursor.execute("DROP TABLE bench_stage_stay")
    print(
        f"\nPROPOSAL stage-stay summary table: built from the timeline in {build:.1f}s "
        f"({rows:,} stays); cycle time per type and stage + overall in one query: "
        f"{statistics.median(times) * 1000:.0f} ms (median of {rounds}); compare cycle_time "
        "and bottleneck_stage above, which compute the same numbers with LEAD() over the timeline"
    )


def unapply_indexes() -> str | None:
    """Migrate analytics back to just before ``INDEX_MIGRATION``; its name, or None when the
    migration does not exist in this checkout."""
    from django.core.management import call_command
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    names = sorted(name for app, name in loader.disk_migrations if app == "analytics")
    if INDEX_MIGRATION not in names:
        return None
    pos = names.index(INDEX_MIGRATION)
    before = names[pos - 1] if pos else "zero"
    call_command("migrate", "analytics", before, interactive=False, verbosity=0)
    return before


def last_full_quarter(today) -> str:
    q = (today.month - 1) // 3  # the current quarter's index 0..3; the last full one before it
    return f"{today.year - 1}Q4" if q == 0 else f"{today.year}Q{q}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    vendor, bench_url = DB.select(
        args.database_url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    )
    if vendor != "postgresql":
        sys.exit("the analytics bench runs on PostgreSQL only (give a postgresql:// URL)")
    print(
        f"ClaimDesk analytics bench: {DB.name} on {urlsplit(bench_url).hostname}, "
        f"{args.claims:,} claims, {args.rounds} rounds"
    )
    if not args.reuse:
        DB.create(vendor, bench_url)
    try:
        setup_django(bench_url)
        return run(args)
    finally:
        if args.keep:
            print(f"kept the bench database: {bench_url}")
        else:
            DB.drop(vendor, bench_url)


def run(args: argparse.Namespace) -> int:
    import django
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    t0 = time.perf_counter()
    load_start = os.getloadavg()[0]
    now = timezone.now().replace(microsecond=0)
    period = args.period or last_full_quarter(timezone.localdate(now))
    built = 0.0
    if not args.reuse:
        call_command("migrate", interactive=False, verbosity=0)
        before = unapply_indexes()
        print(f"migrated in {time.perf_counter() - t0:.1f}s; analytics at {before or 'latest'}")
        print(f"building {args.claims:,} claims (now = {now:%Y-%m-%d %H:%M %Z}):")
        tb = time.perf_counter()
        Builder(args.claims, now).build()
        built = time.perf_counter() - tb
        print(f"built in {built:.1f}s")
    elif args.no_before:
        # Measure the kept database as it is, after applying any new analytics migration
        # (summary tables are backfilled by theirs) — no rebuild of the indexes.
        t = time.perf_counter()
        call_command("migrate", "analytics", interactive=False, verbosity=0)
        vacuum_summaries()
        print(f"analytics migrated forward + VACUUM ANALYZE in {time.perf_counter() - t:.1f}s")
        before = None
    else:
        before = unapply_indexes()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case WHERE kind = 'claim'")
        claims = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM cases_caseevent")
        events = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    print(f"{claims:,} claims, {events:,} timeline events, database {size}; period {period}")

    engine = f"PostgreSQL {connection.cursor().connection.info.server_version}"
    if before is not None and not args.no_before:
        medians, totals, stmts, errors = measure(period, args.rounds)
        print_table(
            f"BEFORE the analytics indexes (analytics at {before}): {engine}, "
            f"medians of {args.rounds} rounds",
            medians,
            totals,
            stmts,
            errors,
        )
        explain_slowest(stmts, args.explain)
    if before is not None:
        t = time.perf_counter()
        call_command("migrate", "analytics", interactive=False, verbosity=0)
        vacuum_summaries()
        print(
            f"\nmigrated analytics to the latest (indexes built, summaries backfilled) + "
            f"VACUUM ANALYZE in "
            f"{time.perf_counter() - t:.1f}s"
        )
    medians, totals, stmts, errors = measure(period, args.rounds)
    print_table(
        f"AFTER (analytics migrated to the latest): {engine}, Django {django.get_version()}, "
        f"medians of {args.rounds} rounds, filter {period}",
        medians,
        totals,
        stmts,
        errors,
    )
    explain_slowest(stmts, args.explain)
    if args.proposal:
        proposal(period, args.rounds)
    if args.page_rounds:
        sec, status, size = time_page(period, args.page_rounds)
        mark = "ok" if sec <= TARGET_S else "MISS"
        print(
            f"\ndashboard page GET /analytics/?period={period} as a manager: "
            f"{sec * 1000:.0f} ms (median of {args.page_rounds}), HTTP {status}, "
            f"{size:,} bytes; {mark} target <= {TARGET_S * 1000:.0f} ms"
        )
    print(
        f"\nsource {source_state()}; build {built:.0f}s, {time.perf_counter() - t0:.0f}s in all; "
        f"1-minute load average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the "
        f"end ({os.cpu_count()} CPUs)"
    )
    return 0


def vacuum_summaries() -> None:
    """ANALYZE everything, and VACUUM the freshly backfilled summary tables so their covering
    indexes are read index-only (autovacuum does the same in production after the bulk insert)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        for table in ("analytics_stagestay", "analytics_casesummary", "analytics_sladay"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def source_state() -> str:
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
