#!/usr/bin/env python
"""Time the SLA sweep and the "my work" selector against the bare indexed queries.

    python bench/sweep.py [--n N] [--due K] [--runs R] [--database-url URL] [--keep]

Builds a dedicated database (PostgreSQL: ``claimdesk_bench`` next to the database of the
URL, created and dropped here; SQLite: ``var/bench/claimdesk_bench.sqlite3``), fills it
with N open clocks of which exactly K are due, first N/10 of them and then all N, and
prints medians, ratios to the bare SQL and the query plans. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from benchdb import BenchDB, setup_django

ROOT = Path(__file__).resolve().parent.parent
DB = BenchDB("claimdesk_bench")
BENCH_DB = DB.name
SQLITE_FILE = DB.sqlite_file
bench_database, create_database, drop_database = DB.select, DB.create, DB.drop
DEFAULT_N = {"postgresql": 1_000_000, "sqlite": 200_000}
BUSY_EVERY = 50  # every 50th case belongs to the busy owner, on top of its round-robin share
TASKS_EVERY = 50  # one open task per 50 cases
CHUNK = 50_000
TARGET = 2.0
READS = ("SELECT", "WITH")  # how a statement that only reads begins

SQL_SWEEP_BARE = (
    "SELECT id FROM cases_deadline WHERE next_action_at <= %s ORDER BY next_action_at LIMIT 500"
)
SQL_PROBE = "SELECT 1 FROM cases_deadline WHERE next_action_at <= %s LIMIT 1"
CASE_COLUMNS = (
    "id, number, kind, category, status, title, owner_id, customer_id, opened_at, "
    "updated_at, closed_at, is_open, next_due_at"
)
SQL_MY_WORK_BARE = (
    f"SELECT {CASE_COLUMNS} FROM cases_case WHERE owner_id = %s AND is_open "
    "AND next_due_at IS NOT NULL ORDER BY next_due_at LIMIT 50"
)
DEADLINE_COLUMNS = (
    "id, case_id, task_id, rule_id, unit, assignee_id, state, started_at, budget, consumed, "
    "segment_started_at, due_at, remind_at, escalate_at, paused_at, stopped_at, reminded_at, "
    "warned_at, escalated_at, next_action_at"
)
TASK_COLUMNS = (
    "id, case_id, kind, title, assignee_id, assigned_by_id, returns_to_id, status, "
    "created_at, due_at, completed_at, result"
)


# --- database selection (before Django is set up) ---------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--n", type=int, help="open clocks (default 1,000,000 PostgreSQL, 200,000 SQLite)"
    )
    p.add_argument("--due", type=int, default=1_000, help="clocks due now, K (default 1000)")
    p.add_argument(
        "--runs",
        type=int,
        default=5,
        help="timed sweeps per figure (c) at K >= 500, proportionally more below (default 5)",
    )
    p.add_argument(
        "--quick-runs",
        type=int,
        default=200,
        help="timed runs of the sub-millisecond figures (a) and (b) (default 200)",
    )
    p.add_argument("--owners", type=int, default=300, help="case owners (default 300)")
    p.add_argument("--batch", type=int, default=500, help="deadline_sweep batch (default 500)")
    p.add_argument(
        "--database-url",
        help="PostgreSQL or SQLite URL; default $DATABASE_URL, else SQLite. On PostgreSQL "
        f"only the server and credentials are used: the bench runs in database {BENCH_DB}",
    )
    p.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = p.parse_args(argv)
    if args.due < 1 or args.runs < 1 or args.quick_runs < 1 or args.owners < 2:
        p.error("--due, --runs and --quick-runs must be >= 1, --owners >= 2")
    return args


# --- the data -----------------------------------------------------------------------------------


class World:
    """Everything the generator and the figures share: ids, times and the due clocks."""

    def __init__(self, *, n: int, due: int, owners: list[int], busy: int, manager: int, rule):
        from django.utils import timezone

        self.n, self.due = n, due
        self.owners, self.busy, self.manager = owners, busy, manager
        self.rule_id, self.rule_unit = rule.pk, rule.unit
        self.now = timezone.now().replace(microsecond=0)
        self.quiet = self.now - timedelta(hours=1)  # before every clock's next action
        self.small = n // 10
        self.stride = self.small // due  # due clocks are spread over the first N/10 ids
        self.due_ids = [1 + self.stride * j for j in range(due)]

    def owner(self, i: int) -> int:
        return self.busy if i % BUSY_EVERY == 0 else self.owners[i % len(self.owners)]

    def is_due(self, i: int) -> bool:
        return (i - 1) % self.stride == 0 and (i - 1) // self.stride < self.due

    def clock_times(self, i: int) -> tuple[datetime, datetime, datetime]:
        """(remind_at, due_at, escalate_at) of clock i: K due now, the rest over 30 days."""
        if self.is_due(i):
            remind = self.now - timedelta(minutes=10, seconds=i % 600)
            due = self.now + timedelta(hours=2, minutes=i % 600)
        else:
            remind = self.now + timedelta(hours=1, minutes=(i * 7919) % 43_200)
            due = remind + timedelta(hours=8)
        return remind, due, due + timedelta(hours=8)

    def cases(self, lo: int, hi: int, status: str) -> Iterator[tuple]:
        for i in range(lo, hi + 1):
            opened = self.now - timedelta(seconds=86_400 + (i * 31) % 2_000_000)
            yield (
                i,
                f"BN{i:010d}",
                "claim",
                "",
                status,
                f"Bench case {i}",
                self.owner(i),
                None,
                opened,
                opened,
                None,
                True,
                self.clock_times(i)[1],
            )

    def deadlines(self, lo: int, hi: int) -> Iterator[tuple]:
        started = self.now - timedelta(days=1)
        for i in range(lo, hi + 1):
            remind, due, escalate = self.clock_times(i)
            yield (
                i,
                i,
                None,
                self.rule_id,
                self.rule_unit,
                self.owner(i),
                "running",
                started,
                due - started,
                timedelta(0),
                started,
                due,
                remind,
                escalate,
                None,
                None,
                None,
                None,
                None,
                remind,
            )

    def tasks(self, lo: int, hi: int, case_lo: int, case_hi: int) -> Iterator[tuple]:
        span = case_hi - case_lo + 1
        for t in range(lo, hi + 1):
            c = case_lo + (t * 37) % span
            due = None if t % 10 == 0 else self.now + timedelta(minutes=30 + (t * 104_729) % 43_200)
            owner = self.owner(c)
            yield (
                t,
                c,
                "survey",
                f"Bench task {t}",
                owner,
                self.manager,
                owner,
                "open",
                self.now - timedelta(days=1),
                due,
                None,
                "",
            )


def _sqlite_value(v):
    if isinstance(v, datetime):  # what DateTimeField stores on SQLite: naive UTC text
        return str(v.astimezone(UTC).replace(tzinfo=None))
    if isinstance(v, timedelta):  # DurationField: integer microseconds
        return (v.days * 86_400 + v.seconds) * 1_000_000 + v.microseconds
    return v


def load(table: str, columns: str, rows: Iterable[tuple]) -> int:
    """COPY (PostgreSQL) or executemany (SQLite) in chunks, one transaction per chunk."""
    from django.db import connection, transaction

    count, it = 0, iter(rows)
    while True:
        chunk = [row for _, row in zip(range(CHUNK), it, strict=False)]
        if not chunk:
            return count
        with transaction.atomic(), connection.cursor() as cur:
            if connection.vendor == "postgresql":
                with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(chunk[0]))
                cur.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                    [tuple(_sqlite_value(v) for v in row) for row in chunk],
                )
        count += len(chunk)


def make_people(n_owners: int):
    """A manager and a few agents through user_create, the other owners in bulk."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from claimdesk.staff.models import StaffProfile
    from claimdesk.staff.roles import Role
    from claimdesk.staff.services import user_create

    User = get_user_model()
    manager = user_create(username="bench_manager", password="bench-pass-1", role=Role.MANAGER)
    handful = [
        user_create(
            username=f"bench_agent_{i:04d}",
            password="bench-pass-1",
            role=Role.AGENT,
            manager=manager,
            email=f"bench{i}@example.invalid",
        )
        for i in range(3)
    ]
    bulk = User.objects.bulk_create(
        User(username=f"bench_agent_{i:04d}", password="!bench") for i in range(3, n_owners)
    )
    agent = Group.objects.get(name=Role.AGENT.value)
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=u.pk, group_id=agent.pk) for u in bulk
    )
    StaffProfile.objects.bulk_create(StaffProfile(user=u, manager=manager) for u in bulk)
    owners = [u.pk for u in (*handful, *bulk)]
    return manager, owners, handful[0]


def fill(world: World, lo: int, hi: int) -> float:
    """Cases, clocks and tasks lo..hi (ids are the loop counters), then fresh statistics."""
    from django.core.management.color import no_style
    from django.db import connection

    from claimdesk.cases.models import Case, Deadline, Task
    from claimdesk.cases.workflow import workflow

    t0 = time.perf_counter()
    load("cases_case", CASE_COLUMNS, world.cases(lo, hi, workflow("claim").initial))
    load("cases_deadline", DEADLINE_COLUMNS, world.deadlines(lo, hi))
    t_lo, t_hi = (lo - 1) // TASKS_EVERY + 1, hi // TASKS_EVERY
    if t_hi >= t_lo:
        load("cases_task", TASK_COLUMNS, world.tasks(t_lo, t_hi, lo, hi))
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Case, Deadline, Task]):
            cur.execute(sql)
    analyze()
    return time.perf_counter() - t0


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for table in ("cases_case", "cases_deadline", "cases_task", "auth_user"):
                cur.execute(f"VACUUM ANALYZE {table}")
        else:
            cur.execute("ANALYZE")


def source_state() -> str:
    """The checkout the figures belong to (src/ may have uncommitted changes)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip()


# --- timing ---------------------------------------------------------------------------------------


def ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def alternate(runs: int, *fns: Callable[[], object]) -> list[float]:
    """Median ms of each function, run in alternation (after one warm-up each)."""
    for fn in fns:
        fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, out in zip(fns, samples, strict=True):
            out.append(timed(fn))
    return [ms(s) for s in samples]


def dt_param(value: datetime):
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(value)


def raw(sql: str, params) -> Callable[[], list]:
    from django.db import connection

    def run() -> list:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    return run


def in_transaction(fn: Callable[[], object]) -> Callable[[], object]:
    from django.db import transaction

    def run() -> object:
        with transaction.atomic():
            return fn()

    return run


class Capture:
    """The (sql, params) Django really sends, for EXPLAIN and for re-running raw."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, tuple]] = []

    def __call__(self, execute, sql, params, many, context):
        self.queries.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    @classmethod
    def of(cls, fn: Callable[[], object]) -> Capture:
        from django.db import connection

        cap = cls()
        with connection.execute_wrapper(cap):
            fn()
        return cap

    @property
    def selects(self) -> list[tuple[str, tuple]]:
        """The reads: plain SELECTs and the ones that start with a CTE (``WITH …``)."""
        return [(s, p) for s, p in self.queries if s.lstrip().upper().startswith(READS)]


def explain(sql: str, params: tuple) -> list[str]:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:  # FOR UPDATE locks end here
        if connection.vendor == "postgresql":
            for _ in range(2):  # the second has warm catalog caches: a fair planning time
                cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, params)
            return [r[0] for r in cur.fetchall()]
        cur.execute("EXPLAIN QUERY PLAN " + sql, params)
        rows = cur.fetchall()
    depth = {0: -1}
    lines = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def my_work_plan(sql: str) -> tuple[str, tuple[str, ...]]:
    """What one of my_work's statements reads, and the partial indexes its plan should use."""
    reads = {
        table: index
        for table, index in (
            ("cases_case", "case_open_owner_due"),
            ("cases_task", "task_open_assignee_due"),
        )
        if f'"{table}"' in sql or f" {table} " in sql
    }
    if not reads:
        table = sql.split(" FROM ", 1)[-1].split()[0].strip('"')
        return f"my_work, another read ({table})", ()
    return "my_work " + " + ".join(t.removeprefix("cases_") for t in reads), tuple(reads.values())


def short(sql: str, width: int = 150) -> str:
    sql = " ".join(sql.split())
    if sql.startswith("SELECT ") and " FROM " in sql:
        sql = "SELECT … " + sql[sql.index(" FROM ") + 1 :]
    return sql if len(sql) <= width else sql[: width - 1] + "…"


# --- the figures ----------------------------------------------------------------------------------


class Report:
    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.plans: list[tuple[str, str, list[str], bool | None]] = []

    def row(self, figure, n, median, bare=None, extra="", target=None):
        ratio = median / bare if bare else None
        verdict = ""
        if target and ratio is not None:
            verdict = "ok" if ratio <= target else "MISS"
        self.rows.append((figure, n, median, bare, ratio, verdict, extra))

    def plan(self, title: str, sql: str, params: tuple, *indexes: str) -> None:
        """EXPLAIN one statement; "USED" when its plan names every index of ``indexes``."""
        lines = explain(sql, params)
        used = all(any(index in line for line in lines) for index in indexes) if indexes else None
        self.plans.append((title, short(sql), lines, used))

    def print(self, header: str) -> None:
        print()
        print(header)
        w = max(len(r[0]) for r in self.rows) + 2
        print(
            f"{'figure':<{w}}{'N':>11}{'median ms':>12}{'bare ms':>10}{'ratio':>8}{'≤2x':>6}  notes"
        )
        print("-" * (w + 47 + 30))
        for figure, n, median, bare, ratio, verdict, extra in self.rows:
            bare_s = f"{bare:10.3f}" if bare is not None else f"{'-':>10}"
            ratio_s = f"{ratio:7.1f}x" if ratio is not None else f"{'-':>8}"
            print(f"{figure:<{w}}{n:>11,}{median:12.3f}{bare_s}{ratio_s}{verdict:>6}  {extra}")
        for title, sql, lines, used in self.plans:
            print()
            verdict = "" if used is None else f": partial index {'USED' if used else 'NOT USED'}"
            print(f"EXPLAIN {title}{verdict}")
            print(f"  {sql}")
            for line in lines:
                print(f"    {line}")


def figure_a(world: World, rep: Report, n: int, runs: int, batch: int) -> tuple[str, tuple]:
    """A sweep with nothing due vs the bare selection, and where the difference goes."""
    from claimdesk.cases import services
    from claimdesk.cases.models import Deadline

    quiet = dt_param(world.quiet)
    bare = raw(SQL_SWEEP_BARE, [quiet])
    cap = Capture.of(lambda: services.deadline_sweep(now=world.quiet, batch=batch))
    (sweep_sql, sweep_params) = cap.selects[0]
    assert not services.deadline_sweep(now=world.quiet, batch=batch).reminders

    def exists_probe() -> bool:  # an ORM early exit before the transaction
        return Deadline.objects.filter(next_action_at__lte=world.quiet).exists()

    probe = raw(SQL_PROBE, [quiet])
    sweep_ms, bare_ms, bare_tx_ms, own_sql_ms, exists_ms, probe_ms = alternate(
        runs,
        lambda: services.deadline_sweep(now=world.quiet, batch=batch),
        bare,
        in_transaction(bare),
        in_transaction(raw(sweep_sql, sweep_params)),
        exists_probe,
        probe,
    )
    rep.row("(a) deadline_sweep, nothing due", n, sweep_ms, bare_ms, target=TARGET)
    rep.row("    bare query in BEGIN…COMMIT", n, bare_tx_ms, bare_ms, "cost of the transaction")
    rep.row(
        "    sweep's own SELECT, raw, in BEGIN…COMMIT",
        n,
        own_sql_ms,
        bare_ms,
        "+ 5 select_related joins; the rest of (a) is ORM compile",
    )
    rep.row(
        "    proposal: ORM .exists() early exit",
        n,
        exists_ms,
        bare_ms,
        "Deadline.objects.filter(next_action_at__lte=now).exists()",
    )
    rep.row(
        "    proposal: raw early exit",
        n,
        probe_ms,
        bare_ms,
        "SELECT 1 … WHERE next_action_at <= %s LIMIT 1",
    )
    return sweep_sql, sweep_params


def figure_b(world: World, rep: Report, n: int, runs: int) -> list[tuple[str, tuple]]:
    """my_work for the busiest owner vs the bare range scan of its cases."""
    from django.contrib.auth import get_user_model

    from claimdesk.cases.models import Case
    from claimdesk.cases.selectors import my_work

    user = get_user_model().objects.get(pk=world.busy)
    assert my_work(user, limit=50), "the busy owner has no work"
    cap = Capture.of(lambda: my_work(user, limit=50))
    statements = [raw(s, p) for s, p in cap.selects]
    open_cases = _scalar(
        "SELECT count(*) FROM cases_case WHERE owner_id = %s AND is_open", [user.pk]
    )
    open_tasks = _scalar(
        "SELECT count(*) FROM cases_task WHERE assignee_id = %s AND status = 'open'", [user.pk]
    )

    def orm_cases() -> list:  # the bare read through the ORM
        cases = Case.objects.filter(owner=user, is_open=True, next_due_at__isnull=False)
        return list(cases.order_by("next_due_at")[:50])

    my_ms, bare_ms, all_ms, orm_ms = alternate(
        runs,
        lambda: my_work(user, limit=50),
        raw(SQL_MY_WORK_BARE, [user.pk]),
        lambda: [run() for run in statements],
        orm_cases,
    )
    rep.row(
        "(b) my_work(busy owner, limit=50)",
        n,
        my_ms,
        bare_ms,
        f"{open_cases:,} open cases, {open_tasks:,} open tasks; {len(statements)} SELECTs",
        target=TARGET,
    )
    rep.row(
        f"    my_work's {len(statements)} SELECTs, raw",
        n,
        all_ms,
        bare_ms,
        "the same statements through Django's cursor, no describing",
    )
    rep.row(
        "    the ORM cases queryset alone",
        n,
        orm_ms,
        bare_ms,
        "same SQL as bare + 50 model instances",
    )
    return cap.selects


def _scalar(sql: str, params) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def _table(model) -> str:
    return model._meta.db_table


def arm(world: World, k: int) -> None:
    """Make exactly the first k of the K due clocks due (the rest later), as created."""
    from claimdesk.cases.models import Deadline

    fresh = {"reminded_at": None, "warned_at": None, "escalated_at": None}
    first, rest = world.due_ids[:k], world.due_ids[k:]
    remind = world.now - timedelta(minutes=10)
    later = world.now + timedelta(minutes=30)
    for ids, at in ((first, remind), (rest, later)):
        for j in range(0, len(ids), 500):
            Deadline.objects.filter(pk__in=ids[j : j + 500]).update(
                remind_at=at, next_action_at=at, **fresh
            )


def watermarks() -> dict[str, int]:
    from claimdesk.cases.models import CaseEvent, DeadlineAlert
    from claimdesk.notify.models import Notification

    return {
        _table(m): _scalar(f"SELECT coalesce(max(id), 0) FROM {_table(m)}", [])
        for m in (DeadlineAlert, CaseEvent, Notification)
    }


def forget(marks: dict[str, int]) -> None:
    """Delete the alerts, timeline events and notifications a sweep created."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        for table, mark in marks.items():
            cur.execute(f"DELETE FROM {table} WHERE id > %s", [mark])


def counted_sweep(now: datetime, batch: int):
    """One sweep, counting its statements and the delivery tasks it queues on commit."""
    from django.db import connection

    from claimdesk.cases import services
    from claimdesk.notify import services as notify

    counter, scheduled = Capture(), []
    original = notify._schedule_delivery

    def schedule() -> None:
        scheduled.append(1)
        original()

    notify._schedule_delivery = schedule  # looked up by name when on_commit is registered
    try:
        with connection.execute_wrapper(counter):
            result = services.deadline_sweep(now=now, batch=batch)
    finally:
        notify._schedule_delivery = original
    return result, len(counter.queries), len(scheduled)


def figure_c(world: World, rep: Report, n: int, runs: int, batch: int, levels: list[int]):
    """Sweeps raising k reminders, reset between runs; cost per due clock."""

    from claimdesk.cases import services

    marks = watermarks()
    now = dt_param(world.now)
    for k in levels:
        sweep_s, bare_s = [], []
        runs_k = max(runs, runs * 500 // k)  # cheap small sweeps get more runs: steadier medians
        for r in range(runs_k + 1):  # the first run warms up and is counted, not timed
            arm(world, k)
            bare_s.append(timed(raw(SQL_SWEEP_BARE, [now])))
            if r == 0:
                result, queries, scheduled = counted_sweep(world.now, batch)
            else:
                t0 = time.perf_counter()
                result = services.deadline_sweep(now=world.now, batch=batch)
                sweep_s.append(time.perf_counter() - t0)
            assert result.reminders == k and not result.overdue, (k, str(result))
            forget(marks)
        median = ms(sweep_s)
        rep.row(
            f"(c) deadline_sweep, {k:,} due",
            n,
            median,
            ms(bare_s[1:]),
            f"{median / k:.3f} ms/due clock, {queries / k:.1f} statements/clock, "
            f"delivery queued {scheduled}x",
        )
    arm(world, world.due)  # leave exactly K due, as created


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    vendor, bench_url = bench_database(args.database_url or os.environ.get("DATABASE_URL"))
    n = args.n or DEFAULT_N[vendor]
    if n // 10 < args.due:
        sys.exit(f"--n {n:,} is too small for --due {args.due:,}: need N/10 >= K")
    levels = sorted({k for k in (100, 1_000, args.due) if k <= args.due})
    target = bench_url if vendor == "sqlite" else f"{BENCH_DB} on {urlsplit(bench_url).hostname}"
    print(f"ClaimDesk sweep bench: {vendor}, {target}, N={n:,}, K={args.due:,}")
    create_database(vendor, bench_url)
    try:
        setup_django(bench_url)
        return run(args, vendor, n, levels)
    finally:
        if args.keep:
            print(f"kept the bench database: {bench_url}")
        else:
            drop_database(vendor, bench_url)


def run(args: argparse.Namespace, vendor: str, n: int, levels: list[int]) -> int:
    import django
    from django.core.management import call_command

    from claimdesk.cases.models import SlaRule

    t0 = time.perf_counter()
    load_start = os.getloadavg()[0]
    call_command("migrate", interactive=False, verbosity=0)
    manager, owners, busy = make_people(args.owners)
    rule = SlaRule.objects.get(code="contact")
    world = World(n=n, due=args.due, owners=owners, busy=busy.pk, manager=manager.pk, rule=rule)
    print(f"migrated, {len(owners)} owners: {time.perf_counter() - t0:.1f}s")

    rep = Report()
    small = world.small
    took = fill(world, 1, small)
    print(f"created {small:,} open clocks ({args.due:,} due) + cases + tasks: {took:.1f}s")
    due_now = "SELECT count(*) FROM cases_deadline WHERE next_action_at <= %s"
    assert _scalar(due_now, [dt_param(world.now)]) == args.due
    figure_a(world, rep, small, args.quick_runs, args.batch)
    figure_b(world, rep, small, args.quick_runs)
    figure_c(world, rep, small, args.runs, args.batch, levels)

    took = fill(world, small + 1, n)
    print(f"grew to {n:,} open clocks: {took:.1f}s")
    sweep_sql, sweep_params = figure_a(world, rep, n, args.quick_runs, args.batch)
    my_work_selects = figure_b(world, rep, n, args.quick_runs)
    figure_c(world, rep, n, args.runs, args.batch, levels)

    rep.plan("sweep selection (nothing due)", sweep_sql, sweep_params, "deadline_next_action")
    due_params = (dt_param(world.now), *sweep_params[1:])
    rep.plan(f"sweep selection ({args.due:,} due)", sweep_sql, due_params, "deadline_next_action")
    rep.plan("proposed early exit", SQL_PROBE, (dt_param(world.quiet),), "deadline_next_action")
    for sql, params in my_work_selects:
        title, indexes = my_work_plan(sql)
        rep.plan(title, sql, params, *indexes)
    if vendor == "sqlite":
        engine = f"SQLite {_scalar('SELECT sqlite_version()', [])}"
    else:
        engine = f"PostgreSQL {_scalar('SHOW server_version', [])}"
    rep.print(
        f"Results: {engine}, Django {django.get_version()}, medians of {args.quick_runs} runs "
        f"for (a)/(b) and {args.runs}+ for (c); ratio = median / bare median; target ≤{TARGET:g}x"
    )
    print(
        f"\nsource {source_state()}; {time.perf_counter() - t0:.0f}s in all; 1-minute load average {load_start:.1f} at "
        f"the start, {os.getloadavg()[0]:.1f} at the end ({os.cpu_count()} CPUs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
