#!/usr/bin/env python
"""HTTP load on the three busiest calls: intake (``POST /api/v1/claims``), a customer's
progress (``GET /api/v1/claims/{no}/progress``) and staff work queues (``GET
/api/v1/my-work``), each at 16 and 64 connections for a fixed time.

    python bench/load.py [--seconds S] [--connections 16,64] [--workers W]
                         [--database-url URL] [--db-name NAME] [--keep]

Builds its own database (as the other benches: PostgreSQL ``--db-name`` next to the URL's,
or ``var/bench/<name>.sqlite3``), starts gunicorn on it, and prints per call and connection
count: requests per second, p50 and p99 latency and the error rate (any status but 200/201,
or no answer). The client is Python threads (one request per connection at a time, a new
TCP connection per request as gunicorn's sync workers close it), on the same machine as the
server: its figures are a floor, not the server's ceiling. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from benchdb import ROOT, BenchDB, bench_env, setup_django
from intake import World, free_port, json_report, pct, post, stop

SEED_CLAIMS = 200


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=10.0, help="per call and level (10)")
    p.add_argument("--connections", default="16,64", help="connection levels (16,64)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    p.add_argument("--database-url", help="PostgreSQL or SQLite URL; default $DATABASE_URL")
    p.add_argument("--db-name", default="claimdesk_bench_load", help="the bench's database")
    p.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = p.parse_args(argv)
    args.levels = [int(c) for c in args.connections.split(",") if c.strip()]
    if args.seconds <= 0 or args.workers < 1 or not args.levels or min(args.levels) < 1:
        p.error("seconds, workers and connections must be positive")
    return args


def start_gunicorn(bench_url: str, workers: int, env: dict | None = None):
    """gunicorn on the bench database; ready when it answers (the first answer, which builds
    the OpenAPI schema, may take a while on a busy machine)."""
    import subprocess

    port = free_port()
    env = {**os.environ, **bench_env(bench_url), **(env or {}), "PYTHONPATH": str(ROOT / "src")}
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
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/openapi.json", timeout=60).read()
            return proc, base
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError("gunicorn did not come up")


def get(url: str, token: str) -> int:
    req = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def hammer(call, connections: int, seconds: float) -> dict:
    """Run ``call(i)`` (returns an HTTP status) from ``connections`` threads until the time
    is up; the requests still running then are waited for and counted."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    counter = iter(range(10**9))

    def worker() -> None:
        while time.perf_counter() < stop_at:
            with lock:
                i = next(counter)
            t = time.perf_counter()
            try:
                status = call(i)
            except (OSError, urllib.error.URLError):
                status = 0
            took = time.perf_counter() - t
            with lock:
                latencies.append(took)
                if status not in (200, 201):
                    errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    n = len(latencies)
    return {
        "requests": n,
        "rps": n / wall,
        "p50": pct(latencies, 0.50),
        "p99": pct(latencies, 0.99),
        "errors": errors[0] / n if n else 1.0,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    db = BenchDB(args.db_name)
    vendor, bench_url = db.select(args.database_url or os.environ.get("DATABASE_URL"))
    host = urlsplit(bench_url).hostname or "local file"
    print(f"ClaimDesk HTTP load: {vendor} ({db.name} on {host}), {args.workers} gunicorn workers")
    db.create(vendor, bench_url)
    try:
        setup_django(bench_url)
        return run(args)
    finally:
        if not args.keep:
            db.drop(vendor, bench_url)


def run(args: argparse.Namespace) -> int:
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from claimdesk.claims.services import claim_report

    call_command("migrate", interactive=False, verbosity=0)
    world = World()
    claims: list[tuple[str, str]] = []  # (claim number, its customer's username)
    for _ in range(SEED_CLAIMS):
        report = world.report()
        policy = next(p for p in world.policies if p.number == report["policy_no"])
        result = claim_report(
            reporter=policy.holder, report=report, channel="api", now=timezone.now()
        )
        claims.append((result.claim.number, policy.holder.username))
    connections.close_all()
    print(f"migrated; {len(world.policies)} policies, {len(claims)} claims to read")

    proc, base = start_gunicorn(os.environ["DATABASE_URL"], args.workers)
    try:

        def token(username: str) -> str:
            status, body = post(
                f"{base}/api/v1/auth/token", {"username": username, "password": world.password}
            )
            if status != 200:
                raise SystemExit(f"token for {username}: HTTP {status} {body[:200]!r}")
            return json.loads(body)["token"]

        customer_tokens = {u: token(u) for u in {u for _, u in claims}}
        agent_tokens = [token("bench_agent")] + [token(f"bench_agent_{i}") for i in range(3)]
        lock = threading.Lock()

        def intake(i: int) -> int:
            with lock:
                body = {**json_report(world.report()), "confirm": True}
            return post(f"{base}/api/v1/claims", body, agent_tokens[0])[0]

        def progress(i: int) -> int:
            number, username = claims[i % len(claims)]
            return get(f"{base}/api/v1/claims/{number}/progress", customer_tokens[username])

        def my_work(i: int) -> int:
            return get(f"{base}/api/v1/my-work", agent_tokens[i % len(agent_tokens)])

        calls = {"intake": intake, "progress": progress, "my-work": my_work}
        for call in calls.values():  # warm every worker's imports, caches and plans
            for i in range(4 * args.workers):
                call(i)
        print()
        print(
            f"{'call':<10}{'conns':>6}{'requests':>10}{'req/s':>9}{'p50 ms':>9}"
            f"{'p99 ms':>9}{'errors':>9}"
        )
        print("-" * 62)
        worst = 0.0
        for name, call in calls.items():
            for level in args.levels:
                r = hammer(call, level, args.seconds)
                worst = max(worst, r["errors"])
                print(
                    f"{name:<10}{level:>6}{r['requests']:>10,}{r['rps']:>9.1f}"
                    f"{r['p50']:>9.1f}{r['p99']:>9.1f}{r['errors']:>8.2%}"
                )
    finally:
        stop(proc)
    print()
    print(
        f"{args.seconds:g} s per row; load average now {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores (client and server share them)"
    )
    return 0 if worst == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
