#!/usr/bin/env python
"""Claims reported per second: ``claim_report`` in-process, over HTTP, and bulk import,
against the raw floor (the same rows inserted with plain SQL, one transaction per claim).

    python bench/intake.py [--n N] [--runs R] [--database-url URL] [--no-http] [--keep]

Builds a dedicated database (PostgreSQL: ``claimdesk_bench_intake`` next to the database of
the URL, created and dropped here; SQLite: ``var/bench/claimdesk_bench_intake.sqlite3``) with
demo products, policies and agents, then measures and prints medians. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from benchdb import BenchDB, bench_env, setup_django

ROOT = Path(__file__).resolve().parent.parent
DB = BenchDB("claimdesk_bench_intake")
BENCH_DB = DB.name
SQLITE_FILE = DB.sqlite_file
bench_database, create_database, drop_database = DB.select, DB.create, DB.drop
POLICIES = 250
LINES = ("auto", "medical", "property", "accident")
TARGET_RATIO = 0.6
TARGET_P99_MS = 50.0
TARGET_BULK = 1_700.0


# --- database selection (as bench/sweep.py) ---------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1_000, help="claims per timed run (default 1000)")
    p.add_argument("--runs", type=int, default=3, help="timed runs per figure (default 3)")
    p.add_argument(
        "--bulk-n", type=int, default=5_000, help="rows per bulk import run (default 5000)"
    )
    p.add_argument("--http-n", type=int, default=2_000, help="HTTP reports per run (default 2000)")
    p.add_argument("--connections", type=int, default=16, help="HTTP connections (default 16)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    p.add_argument("--no-http", action="store_true", help="skip the HTTP figures")
    p.add_argument(
        "--database-url",
        help="PostgreSQL or SQLite URL; default $DATABASE_URL, else SQLite. On PostgreSQL "
        f"only the server and credentials are used: the bench runs in database {BENCH_DB}",
    )
    p.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = p.parse_args(argv)
    if min(args.n, args.runs, args.bulk_n, args.http_n, args.connections, args.workers) < 1:
        p.error("counts must be >= 1")
    return args


# --- the data -----------------------------------------------------------------------------------


class World:
    """Agents, customers and policies; reports that never look like duplicates."""

    def __init__(self) -> None:
        from django.utils import timezone

        from claimdesk.policies.demo import demo_policy, demo_products
        from claimdesk.staff.roles import Role
        from claimdesk.staff.services import user_create

        self.password = "bench-pass-1"
        self.agent = user_create(username="bench_agent", password=self.password, role=Role.AGENT)
        for i in range(3):
            user_create(username=f"bench_agent_{i}", password=self.password, role=Role.AGENT)
        customers = [
            user_create(username=f"bench_customer_{i}", password=self.password, role=Role.CUSTOMER)
            for i in range(20)
        ]
        products = demo_products()
        self.start = timezone.now() - timedelta(days=300)
        self.policies = [
            demo_policy(
                number=f"PBENCH{i:05d}",
                holder=customers[i % len(customers)],
                line=LINES[i % len(LINES)],
                start=self.start.date(),
                insured_name=f"客户{i}",
                products=products,
            )
            for i in range(POLICIES)
        ]
        self.serial = 0

    def report(self) -> dict:
        """The next report: per policy, one loss every 26 hours (never a possible duplicate)."""
        i = self.serial
        self.serial += 1
        p = i % POLICIES
        loss = self.start + timedelta(days=1, hours=26 * (i // POLICIES) % 6000)
        return {
            "policy_no": f"PBENCH{p:05d}",
            "insured_name": f"客户{p}",
            "loss_time": loss,
            "loss_place": "浙江省温州市鹿城区",
            "loss_cause": f"台风过境浸水{i}",
            "description": "台风过境，车辆及房屋进水受损",
            "loss_type": LINES[p % len(LINES)],
            "estimated_amount": str(1000 + i % 50000),
            "contact_phone": "13800000000",
        }


def per_second(n: int, seconds: list[float]) -> float:
    return n / statistics.median(seconds)


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


# --- figures ------------------------------------------------------------------------------------


def claim_report_loop(world: World, n: int) -> Callable[[], None]:
    from django.utils import timezone

    from claimdesk.claims.services import claim_report

    def run() -> None:
        for _ in range(n):
            claim_report(
                reporter=world.agent, report=world.report(), channel="hotline", now=timezone.now()
            )

    return run


class Floor:
    """The rows one claim_report writes, inserted with plain SQL through Django's connection
    (same driver costs): one transaction per claim, values computed once up front."""

    def __init__(self, world: World):
        from django.db import connection
        from django.utils import timezone

        from claimdesk.cases.models import SlaRule
        from claimdesk.claims.services import checklist_templates

        self.world, self.conn = world, connection
        self.ops = connection.ops
        self.now = timezone.now()
        self.rules = {
            r.code: r for r in SlaRule.objects.filter(code__in=["contact", "decision_statutory"])
        }
        self.templates = {
            (pol.product_id, pol.product.line): checklist_templates(
                pol.product_id, pol.product.line
            )
            for pol in world.policies[: len(LINES)]
        }
        self.policy = {p.number: p for p in world.policies}
        self.serial = 0

    def dt(self, value):
        return self.ops.adapt_datetimefield_value(value)

    def one(self, cursor) -> None:
        from django.db import transaction

        r = self.world.report()
        pol = self.policy[r["policy_no"]]
        now, agent = self.dt(self.now), self.world.agent.pk
        due = self.dt(self.now + timedelta(days=2))
        self.serial += 1
        with transaction.atomic():
            cursor.execute(
                "UPDATE cases_casenumbersequence SET last = last + 1 WHERE prefix = 'FL'"
            )
            cursor.execute(
                "INSERT INTO cases_case (number, kind, category, status, title, owner_id, "
                "customer_id, opened_at, updated_at, is_open, next_due_at) VALUES "
                "(%s, 'claim', %s, 'reported', %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                [
                    f"FL{self.serial:012d}",
                    r["loss_type"],
                    f"台风 {r['loss_cause']}",
                    agent,
                    pol.holder_id,
                    now,
                    now,
                    True,
                    due,
                ],
            )
            case_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO cases_caseevent (case_id, at, actor_id, kind, action, from_status, "
                "to_status, data, customer_visible) VALUES (%s, %s, %s, %s, '', '', %s, %s, %s), "
                "(%s, %s, %s, %s, '', '', %s, %s, %s), (%s, %s, %s, %s, '', '', %s, %s, %s) "
                "RETURNING id",
                [
                    *(case_id, now, agent, "opened", "reported", '{"owner": "bench_agent"}', True),
                    *(case_id, now, agent, "deadline_started", "", '{"rule": "contact"}', False),
                    *(case_id, now, agent, "deadline_started", "", '{"rule": "decision"}', False),
                ],
            )
            event_ids = [row[0] for row in cursor.fetchall()]
            # The evidence ledger: one entry per event, chained, and the case's head.
            prev, entries = "0" * 64, []
            for seq, event_id in enumerate(event_ids, start=1):
                entry_hash = hashlib.sha256(f"{prev}{event_id}".encode()).hexdigest()
                entries.append((case_id, seq, event_id, prev, entry_hash, now))
                prev = entry_hash
            cursor.executemany(
                "INSERT INTO ledger_ledgerentry (case_id, seq, record_type, record_id, "
                "prev_hash, entry_hash, digests, at) VALUES (%s, %s, 'event', %s, %s, %s, "
                "'{}', %s)",
                entries,
            )
            cursor.execute(
                "INSERT INTO ledger_ledgerhead (case_id, seq, last_hash) VALUES (%s, %s, %s)",
                [case_id, len(entries), prev],
            )
            budget, zero = timedelta(days=1), timedelta(0)
            if self.conn.vendor == "sqlite":  # Django stores durations as microseconds there
                budget, zero = 86_400_000_000, 0
            cursor.executemany(
                "INSERT INTO cases_deadline (case_id, rule_id, unit, assignee_id, state, "
                "started_at, budget, consumed, segment_started_at, due_at, remind_at, "
                "escalate_at, next_action_at) VALUES "
                "(%s, %s, 'working_days', %s, 'running', %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (case_id, rule.pk, agent, now, budget, zero, now, due, due, due, due)
                    for rule in self.rules.values()
                ],
            )
            cursor.execute(
                "INSERT INTO claims_claim (case_id, policy_id, insured_name, loss_time, "
                "loss_place, loss_cause, description, loss_type, estimated_amount, "
                "contact_phone, channel, reporter_id, flags, materials_chase_count, decision) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'hotline', %s, '[]', 0, '')",
                [
                    case_id,
                    pol.pk,
                    r["insured_name"],
                    self.dt(r["loss_time"]),
                    r["loss_place"],
                    r["loss_cause"],
                    r["description"],
                    r["loss_type"],
                    self.ops.adapt_decimalfield_value(r["estimated_amount"], 14, 2)
                    if self.conn.vendor == "sqlite"
                    else r["estimated_amount"],
                    r["contact_phone"],
                    agent,
                ],
            )
            cursor.executemany(
                "INSERT INTO claims_claimitem (claim_id, code, name, core, lasting, state, "
                "reason, updated_at) VALUES (%s, %s, %s, %s, %s, 'missing', '', %s)",
                [
                    (case_id, t.code, t.name, t.core, t.lasting, now)
                    for t in self.templates[(pol.product_id, r["loss_type"])]
                ],
            )
            cursor.execute(
                "INSERT INTO notify_notification (recipient_id, case_id, kind, channel, "
                "subject, body, created_at, attempts, last_error, status, next_attempt_at) "
                "VALUES (%s, %s, 'claim_registered', 'inapp', %s, %s, %s, 0, '', 'pending', %s)",
                [pol.holder_id, case_id, "registered", "please provide", now, now],
            )

    def loop(self, n: int) -> Callable[[], None]:
        from claimdesk.cases.models import CaseNumberSequence

        CaseNumberSequence.objects.get_or_create(prefix="FL", day=date(2000, 1, 1))

        def run() -> None:
            with self.conn.cursor() as cursor:
                for _ in range(n):
                    self.one(cursor)

        return run


def bulk_rows(world: World, n: int) -> list[tuple[int, dict]]:
    return [(i + 2, world.report()) for i in range(n)]


# --- HTTP -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(bench_url: str, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, **bench_env(bench_url), "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "claimdesk.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{base}/api/openapi.json", timeout=2).read()
            return proc, base
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    stop(proc)
    raise RuntimeError("gunicorn did not come up")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def post(url: str, body, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json", "Accept-Language": "en"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def http_load(
    url: str, token: str, bodies: list, connections: int
) -> tuple[float, list[float], int]:
    """POST every body with ``connections`` threads; (wall seconds, latencies, failures)."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    it = iter(bodies)

    def worker() -> None:
        while True:
            with lock:
                body = next(it, None)
            if body is None:
                return
            t = time.perf_counter()
            status, _ = post(url, body, token)
            took = time.perf_counter() - t
            with lock:
                latencies.append(took)
                if status not in (200, 201):
                    failures[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - t0, latencies, failures[0]


def json_report(r: dict) -> dict:
    return {**r, "loss_time": r["loss_time"].isoformat()}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


# --- the run ------------------------------------------------------------------------------------


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def row(self, figure: str, value: str, floor: str = "", ratio: str = "", note: str = ""):
        self.rows.append((figure, value, floor, ratio, note))

    def print(self, header: str) -> None:
        print()
        print(header)
        w = max(len(r[0]) for r in self.rows) + 2
        print(f"{'figure':<{w}}{'median':>16}{'floor':>16}{'ratio':>9}  notes")
        print("-" * (w + 41 + 40))
        for figure, value, floor, ratio, note in self.rows:
            print(f"{figure:<{w}}{value:>16}{floor:>16}{ratio:>9}  {note}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # a timeout's SIGTERM unwinds like Ctrl-C: gunicorn stopped, bench database dropped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    vendor, bench_url = bench_database(args.database_url or os.environ.get("DATABASE_URL"))
    target = bench_url if vendor == "sqlite" else f"{BENCH_DB} on {urlsplit(bench_url).hostname}"
    print(f"ClaimDesk intake bench: {vendor}, {target}, n={args.n:,} x {args.runs} runs")
    create_database(vendor, bench_url)
    try:
        setup_django(bench_url)
        return run(args, vendor, bench_url)
    finally:
        if args.keep:
            print(f"kept the bench database: {bench_url}")
        else:
            drop_database(vendor, bench_url)


def run(args: argparse.Namespace, vendor: str, bench_url: str) -> int:
    import django
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from claimdesk.claims.bulk import claims_import

    t0 = time.perf_counter()
    load_start = os.getloadavg()[0]
    call_command("migrate", interactive=False, verbosity=0)
    world = World()
    print(f"migrated, {POLICIES} policies: {time.perf_counter() - t0:.1f}s")
    table = Table()

    # (1) in-process claim_report against the floor, alternating so load hits both alike
    floor = Floor(world)
    report_s, floor_s = [], []
    claim_report_loop(world, 20)()  # warm up: imports, caches, prepared plans
    floor.loop(20)()
    for _ in range(args.runs):
        report_s.append(timed(claim_report_loop(world, args.n)))
        floor_s.append(timed(floor.loop(args.n)))
    rate, floor_rate = per_second(args.n, report_s), per_second(args.n, floor_s)
    ratio = rate / floor_rate
    table.row(
        "claim_report in-process (claims/s)",
        f"{rate:,.0f}",
        f"{floor_rate:,.0f}",
        f"{ratio:.2f}x",
        f"{'ok' if ratio >= TARGET_RATIO else 'MISS'} target >= {TARGET_RATIO}x; "
        f"{1000 / rate:.2f} ms/claim vs {1000 / floor_rate:.2f} ms floor",
    )

    # (2) bulk import
    bulk_s = []
    for _ in range(args.runs):
        rows = bulk_rows(world, args.bulk_n)
        t = time.perf_counter()
        result = claims_import(reporter=world.agent, rows=rows, now=timezone.now())
        bulk_s.append(time.perf_counter() - t)
        assert len(result.created) == args.bulk_n, result.errors[:3]
    bulk_rate = per_second(args.bulk_n, bulk_s)
    table.row(
        f"bulk import, {args.bulk_n:,} rows (claims/s)",
        f"{bulk_rate:,.0f}",
        f"{floor_rate:,.0f}",
        f"{bulk_rate / floor_rate:.2f}x",
        f"{'ok' if bulk_rate >= TARGET_BULK else 'MISS'} target >= {TARGET_BULK:,.0f}/s "
        f"(PostgreSQL); chunks of 500",
    )

    # (3) HTTP
    if not args.no_http:
        http_figures(args, world, bench_url, table)

    engine = (
        f"SQLite {connection.Database.sqlite_version}"
        if vendor == "sqlite"
        else f"PostgreSQL {connection.cursor().connection.info.server_version}"
    )
    table.print(
        f"Results: {engine}, Django {django.get_version()}, medians of {args.runs} runs; "
        "floor = the same rows by plain SQL, one transaction per claim"
    )
    print(
        f"\nsource {source_state()}; {time.perf_counter() - t0:.0f}s in all; 1-minute load "
        f"average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end "
        f"({os.cpu_count()} CPUs)"
    )
    return 0


def http_figures(args, world: World, bench_url: str, table: Table) -> None:
    from django.db import connections

    connections.close_all()  # SQLite: let the workers write
    proc, base = start_gunicorn(bench_url, args.workers)
    try:
        status, body = post(
            f"{base}/api/v1/auth/token",
            {"username": world.agent.username, "password": world.password},
        )
        token = json.loads(body)["token"]
        probe = post(f"{base}/api/v1/claims", json_report(world.report()), token)[0]
        if probe not in (200, 201):
            table.row("HTTP POST /api/v1/claims", "n/a", note=f"answered {probe}")
        else:
            runs = []
            for _ in range(args.runs):
                bodies = [json_report(world.report()) for _ in range(args.http_n)]
                post(f"{base}/api/v1/claims", bodies[0], token)  # warm
                runs.append(http_load(f"{base}/api/v1/claims", token, bodies, args.connections))
            wall = statistics.median(r[0] for r in runs)
            p50 = statistics.median(pct(r[1], 0.50) for r in runs)
            p99 = statistics.median(pct(r[1], 0.99) for r in runs)
            failed = sum(r[2] for r in runs)
            table.row(
                f"HTTP POST /api/v1/claims, {args.connections} conn (claims/s)",
                f"{args.http_n / wall:,.0f}",
                note=f"{args.workers} gunicorn sync workers; {failed} failed",
            )
            table.row(
                "  latency p50 / p99 (ms)",
                f"{p50:.1f} / {p99:.1f}",
                note=f"{'ok' if p99 <= TARGET_P99_MS else 'MISS'} target p99 <= "
                f"{TARGET_P99_MS:g} ms",
            )
        batch = [json_report(world.report()) for _ in range(1000)]
        status, _ = post(f"{base}/api/v1/claims/batch", batch[:1], token)
        if status in (404, 405):
            table.row("HTTP POST /api/v1/claims/batch", "n/a", note="router not registered")
        else:
            took = []
            for _ in range(args.runs):
                batch = [json_report(world.report()) for _ in range(1000)]
                t = time.perf_counter()
                status, _ = post(f"{base}/api/v1/claims/batch", batch, token)
                took.append(time.perf_counter() - t)
            table.row(
                "HTTP POST /api/v1/claims/batch x1000 (claims/s)",
                f"{1000 / statistics.median(took):,.0f}",
                note=f"one request of 1,000 reports; last status {status}",
            )
    finally:
        stop(proc)


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
