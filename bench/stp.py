#!/usr/bin/env python
"""Straight-through small claims (闪赔) end to end: report, upload, OCR on a real worker,
automatic decision and payment instruction.

    python bench/stp.py [--n N] [--rate R] [--workers W] [--database-url URL] [--keep]

Builds a bench database (PostgreSQL ``cd_stp_bench`` on the URL's server by default, or
SQLite), the demo products, one policy per bench customer (medical or motor, 200 days in
force), and starts ``W`` Celery workers (concurrency 1 each) on Redis
``redis://127.0.0.1:6379/9`` (``--broker``). Then, as a customer arriving every ``60/R``
seconds, each claim of a realistic mix is reported through ``POST /api/v1/claims`` and its
invoice image (drawn here with Noto CJK, see ``bench/ocr.py``) uploaded through
``POST /api/v1/claims/{no}/documents``; the worker reads it (RapidOCR) and, after the OCR's
commit, checks the claim (``stp.tasks.stp_check``): decided and paid automatically, or left
for a person with the failed rules.

Prints the share decided automatically (target ≥ 40 %), the reasons of the others, the median
and p95 time from the last upload to the decision (target ≤ 60 s median with one worker),
and decisions per second per worker over the run.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench" / "stp"
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
PASSWORD = "bench-pass-1"
PG_NAME = "cd_stp_bench"

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛")
HOSPITALS = (
    "上海市第一人民医院",
    "北京协和医院",
    "四川大学华西医院",
    "南京鼓楼医院",
    "武汉市中心医院",
)
CAUSES = ("急性肠胃炎门诊", "感冒发热门诊", "牙龈发炎门诊", "皮肤过敏门诊", "扭伤门诊")
GARAGES = ("上海永达汽车维修有限公司", "北京亚之杰汽车服务有限公司", "广州广物汽车维修中心")

# The mix: (kind, share). ``ok`` claims should pass every rule; the others each fail one
# (or more) for a reason a person then sees.
MIX = (
    ("medical_ok", 0.50),
    ("auto_ok", 0.15),
    ("medical_above_limit", 0.08),
    ("medical_amount_differs", 0.08),
    ("auto_above_limit", 0.05),
    ("medical_early_loss", 0.05),
    ("medical_pre_existing", 0.05),
    ("medical_other_name", 0.04),
)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=60, help="claims (60)")
    p.add_argument("--rate", type=float, default=30, help="claims reported per minute (30)")
    p.add_argument("--workers", type=int, default=1, help="Celery workers, concurrency 1 (1)")
    p.add_argument("--seed", type=int, default=15)
    p.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="server to use (a database named cd_stp_bench is made there), or sqlite",
    )
    p.add_argument("--broker", default="redis://127.0.0.1:6379/9")
    p.add_argument("--timeout", type=float, default=600, help="seconds to wait for the checks")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    if args.n < 1 or args.rate <= 0 or args.workers < 1:
        p.error("--n, --rate and --workers must be positive")
    return args


def database_url(args) -> str:
    if args.database_url.startswith("sqlite"):
        return f"sqlite:///{BENCH_DIR / 'stp.sqlite3'}"
    base = args.database_url.rsplit("/", 1)[0]
    return f"{base}/{PG_NAME}"


def recreate_database(args) -> None:
    shutil.rmtree(BENCH_DIR, ignore_errors=True)
    BENCH_DIR.mkdir(parents=True)
    if args.database_url.startswith("sqlite"):
        return
    import psycopg

    admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_NAME}")


def drop_database(args) -> None:
    if args.database_url.startswith("sqlite"):
        return
    import psycopg

    admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")


def bench_env(args) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "claimdesk.settings",
        "CLAIMDESK_VAR_DIR": str(BENCH_DIR),
        "DATABASE_URL": database_url(args),
        "BROKER_URL": args.broker,
        "CLAIMDESK_TASKS_EAGER": "0",
        "CLAIMDESK_LOG_LEVEL": "WARNING",
        "CLAIMDESK_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT / "src"),
    }


# --- the claims ----------------------------------------------------------------------------------


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


def plan(n: int, rng: random.Random) -> list[str]:
    kinds = []
    for kind, share in MIX:
        kinds += [kind] * round(n * share)
    while len(kinds) < n:
        kinds.append("medical_ok")
    kinds = kinds[:n]
    rng.shuffle(kinds)
    return kinds


def claim_for(kind: str, i: int, rng: random.Random, loss_day) -> dict:
    """The report and the invoice's text of claim ``i`` of ``kind``."""
    name = person(rng)
    medical = kind.startswith("medical")
    limit = 3000 if medical else 5000
    above = kind.endswith("above_limit")
    amount = (
        rng.randrange(limit * 100 + 100, limit * 150) / 100
        if above
        else (rng.randrange(3_000, limit * 100 - 100) / 100)
    )
    invoice_amount = amount + rng.choice((20, 50, 100)) if kind.endswith("differs") else amount
    on_invoice = person(rng) if kind.endswith("other_name") else name
    shown = (
        f"{loss_day.year}年{loss_day.month}月{loss_day.day}日" if i % 2 else loss_day.isoformat()
    )
    if medical:
        hospital = rng.choice(HOSPITALS)
        cause = rng.choice(CAUSES)
        description = f"到{hospital}就诊，门诊治疗配药。"
        if kind.endswith("pre_existing"):
            description = f"胃病多年复发，到{hospital}就诊。"
        lines = [
            "门诊收费票据",
            f"票据号码：{rng.randrange(10**9, 10**10)}",
            f"姓名：{on_invoice}",
            f"医院：{hospital}",
            f"日期：{shown}",
            f"金额合计：¥{invoice_amount:,.2f}",
        ]
        report = {
            "loss_type": "medical",
            "loss_place": hospital,
            "loss_cause": cause,
            "description": description,
            "item": "medical_invoice",
        }
    else:
        garage = rng.choice(GARAGES)
        lines = [
            "机动车维修发票",
            f"被保险人：{on_invoice}",
            f"收款单位：{garage}",
            f"日期：{shown}",
            "项目：前保险杠钣金喷漆",
            f"金额合计：¥{invoice_amount:,.2f}",
        ]
        report = {
            "loss_type": "auto",
            "loss_place": "上海市浦东新区世纪大道",
            "loss_cause": "停车时被刮擦",
            "description": "停车场内倒车时刮擦立柱，前保险杠受损，无人受伤。",
            "item": "repair_invoice",
        }
    return {
        "kind": kind,
        "name": name,
        "line": "medical" if medical else "auto",
        "early": kind.endswith("early_loss"),
        "amount": f"{amount:.2f}",
        "lines": lines,
        **report,
    }


def draw(lines: list[str]) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 32, index=2)
    image = Image.new("RGB", (900, 60 * len(lines) + 40), "white")
    pen = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        pen.text((30, 20 + 60 * i), line, fill="black", font=font)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


# --- the run -------------------------------------------------------------------------------------


def setup(claims: list[dict], now) -> list:
    """Staff, the demo products, a customer with a policy and an account per claim."""
    from django.core.management import call_command

    from claimdesk.policies.demo import demo_bank_account, demo_policy, demo_products
    from claimdesk.staff.roles import Role
    from claimdesk.staff.services import token_issue, user_create

    call_command("migrate", interactive=False, verbosity=0)
    manager = user_create(username="bench_manager", password=PASSWORD, role=Role.MANAGER)
    user_create(username="bench_agent", password=PASSWORD, role=Role.AGENT, manager=manager)
    user_create(username="bench_finance", password=PASSWORD, role=Role.FINANCE, manager=manager)
    products = demo_products()
    tokens = []
    for i, c in enumerate(claims):
        customer = user_create(
            username=f"bench_c{i:04d}", password=PASSWORD, role=Role.CUSTOMER, first_name=c["name"]
        )
        started = now - timedelta(days=10 if c["early"] else 200)
        c["policy_no"] = f"B{c['line'][:3].upper()}{i:06d}"
        demo_policy(
            number=c["policy_no"],
            holder=customer,
            line=c["line"],
            start=started.date(),
            insured_name=c["name"],
            plate=f"沪B{10000 + i}" if c["line"] == "auto" else "",
            products=products,
        )
        demo_bank_account(customer, c["name"], f"6222021002{i:08d}")
        tokens.append(token_issue(username=customer.username, password=PASSWORD, now=now))
    return tokens


def start_workers(args, env) -> list[subprocess.Popen]:
    logs = BENCH_DIR / "workers"
    logs.mkdir(exist_ok=True)
    procs = []
    for w in range(args.workers):
        out = open(logs / f"worker{w}.log", "w")  # noqa: SIM115 - closed with the process
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "claimdesk.celery",
                    "worker",
                    "--concurrency",
                    "1",
                    "--pool",
                    "prefork",
                    "--loglevel",
                    "INFO",
                    "--hostname",
                    f"stpbench{w}@%h",
                    "--without-gossip",
                    "--without-mingle",
                ],
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    return procs


def wait_ready(args, timeout: float = 180) -> None:
    """Until every worker answers a ping and has loaded its OCR engine (a warm-up task)."""
    from claimdesk.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=2) or []
        if len(replies) >= args.workers:
            return
    sys.exit(f"the workers did not answer within {timeout:.0f}s; see {BENCH_DIR / 'workers'}")


def report_and_upload(client_factory, token: str, c: dict, now) -> tuple[str, float]:
    client = client_factory()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    loss_time = now - timedelta(hours=20)
    body = {
        "policy_no": c["policy_no"],
        "insured_name": c["name"],
        "loss_time": loss_time.isoformat(),
        "loss_place": c["loss_place"],
        "loss_cause": c["loss_cause"],
        "description": c["description"],
        "loss_type": c["loss_type"],
        "estimated_amount": c["amount"],
        "contact_phone": "13800138000",
    }
    r = client.post("/api/v1/claims", body, content_type="application/json", **headers)
    if r.status_code == 400 and r.json().get("cautions"):
        r = client.post(
            "/api/v1/claims", {**body, "confirm": True}, content_type="application/json", **headers
        )
    assert r.status_code == 201, r.content
    number = r.json()["claim_no"]
    f = io.BytesIO(c["image"])
    f.name = "invoice.png"
    r = client.post(f"/api/v1/claims/{number}/documents", {"file": f, "item": c["item"]}, **headers)
    assert r.status_code == 201, r.content
    return number, time.monotonic()


TASK_LINE = re.compile(r"Task ([\w.]+)\[[^\]]+\] succeeded in ([\d.]+)s")


def task_times() -> dict[str, tuple[int, float]]:
    """Runs and seconds per task, from the workers' INFO lines."""
    out: dict[str, tuple[int, float]] = {}
    for log in (BENCH_DIR / "workers").glob("*.log"):
        for m in TASK_LINE.finditer(log.read_text(errors="replace")):
            count, total = out.get(m.group(1), (0, 0.0))
            out[m.group(1)] = (count + 1, total + float(m.group(2)))
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    if not FONT.exists():
        sys.exit(f"{FONT} is missing: install Debian's fonts-noto-cjk")
    rng = random.Random(args.seed)
    recreate_database(args)
    env = bench_env(args)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.test import Client
    from django.utils import timezone

    from claimdesk.celery import app
    from claimdesk.workdays.clocks import to_local

    app.control.purge()
    now = timezone.now()
    loss_day = to_local(now - timedelta(hours=20)).date()
    claims = [claim_for(kind, i, rng, loss_day) for i, kind in enumerate(plan(args.n, rng))]
    t0 = time.perf_counter()
    for c in claims:
        c["image"] = draw(c["lines"])
    print(f"{args.n} claims planned, invoice PNGs drawn: {time.perf_counter() - t0:.1f}s")
    t0 = time.perf_counter()
    tokens = setup(claims, now)
    print(f"migrated, {args.n} customers with policies: {time.perf_counter() - t0:.1f}s")
    procs = start_workers(args, env)
    try:
        t0 = time.perf_counter()
        wait_ready(args)
        print(f"{args.workers} worker(s) up: {time.perf_counter() - t0:.1f}s")
        return run(args, claims, tokens, Client)
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(p.pid, signal.SIGKILL)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args)
            shutil.rmtree(BENCH_DIR, ignore_errors=True)


def run(args, claims, tokens, Client) -> int:
    from django.utils import timezone

    from claimdesk.claims.models import Claim
    from claimdesk.payments.models import Payment
    from claimdesk.stp.models import Outcome, StpCheck
    from claimdesk.stp.rules import RULE_LABELS

    gap = 60 / args.rate
    numbers = []
    start = time.monotonic()
    first_upload = timezone.now()
    for i, (c, token) in enumerate(zip(claims, tokens, strict=True)):
        due = start + i * gap
        if (wait := due - time.monotonic()) > 0:
            time.sleep(wait)  # the next customer arrives: an open-loop arrival rate
        number, _at = report_and_upload(Client, token, c, timezone.now())
        numbers.append(number)
        c["number"] = number
    print(f"{len(numbers)} claims reported with their invoice in {time.monotonic() - start:.0f}s")
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        done = StpCheck.objects.filter(claim__case__number__in=numbers).count()
        if done >= len(numbers):
            break
        time.sleep(1)
    checks = {
        ch.claim.case.number: ch
        for ch in StpCheck.objects.filter(claim__case__number__in=numbers).select_related(
            "claim__case", "decision"
        )
    }
    automatic = [n for n in numbers if n in checks and checks[n].outcome == Outcome.AUTOMATIC]
    waits = []
    for n in numbers:
        ch = checks.get(n)
        if ch is None or ch.last_upload_at is None:
            continue
        decided = ch.decision.proposed_at if ch.decision is not None else ch.checked_at
        waits.append((decided - ch.last_upload_at).total_seconds())
    paid = Payment.objects.filter(claim__case__number__in=automatic).count()
    reasons: Counter[str] = Counter()
    by_kind: Counter[tuple[str, str]] = Counter()
    for c in claims:
        ch = checks.get(c["number"])
        outcome = ch.outcome if ch else "unchecked"
        by_kind[(c["kind"], outcome)] += 1
        if ch and ch.outcome == Outcome.PERSON:
            for r in ch.failed():
                reasons[str(RULE_LABELS.get(r["code"], r["code"]))] += 1
    span = 0.0
    if checks:
        last = max(
            (ch.decision.proposed_at if ch.decision else ch.checked_at) for ch in checks.values()
        )
        span = (last - first_upload).total_seconds()
    unchecked = len(numbers) - len(checks)

    print()
    print(f"claims: {len(numbers)}  checked: {len(checks)}  unchecked: {unchecked}")
    share = len(automatic) / len(numbers)
    mark = "ok" if share >= 0.40 else "MISS"
    print(
        f"decided automatically: {len(automatic)} ({share:.0%}; target >= 40%: {mark}), "
        f"payment instructed for {paid}"
    )
    print("left for a person, by failed rule:")
    for reason, count in reasons.most_common():
        print(f"  {count:4d}  {reason}")
    print("by kind of claim in the mix:")
    for (kind, outcome), count in sorted(by_kind.items()):
        print(f"  {kind:<24} {outcome:<10} {count}")
    if waits:
        waits.sort()
        median = statistics.median(waits)
        p95 = waits[min(len(waits) - 1, round(0.95 * (len(waits) - 1)))]
        mark = "ok" if median <= 60 else "MISS"
        print(
            f"last upload -> decision: median {median:.1f}s (target <= 60s: {mark}), "
            f"p95 {p95:.1f}s, max {waits[-1]:.1f}s"
        )
    if span > 0:
        rate = len(checks) / span / args.workers
        print(
            f"decisions per second per worker: {rate:.2f} "
            f"({len(checks)} in {span:.0f}s from the first upload, {args.workers} worker(s))"
        )
    decided_claims = Claim.objects.filter(case__number__in=automatic, case__status="paying").count()
    print(f"automatic claims now in payment: {decided_claims}/{len(automatic)}")
    print("worker time by task (from the workers' logs):")
    times = task_times()
    for name, (count, seconds) in sorted(times.items(), key=lambda kv: -kv[1][1]):
        print(f"  {name:<48} {count:4d} runs  {seconds:7.1f}s  {seconds / count:6.2f}s each")
    busy = sum(seconds for _count, seconds in times.values())
    if checks and busy:
        print(
            f"worker busy {busy / len(checks):.1f}s per claim: at most "
            f"{len(checks) / busy:.2f} decisions per second per worker when kept busy"
        )
    print(
        f"N={args.n} rate={args.rate:g}/min workers={args.workers} "
        f"db={'sqlite' if args.database_url.startswith('sqlite') else 'postgresql'} "
        f"broker={args.broker}, {os.cpu_count()} CPUs, "
        f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    return 0 if unchecked == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
