#!/usr/bin/env python
"""Faults under work: a Celery worker killed (SIGKILL, parent and pool) mid-OCR and
mid-delivery, a web worker killed mid-payment, and PostgreSQL's connections terminated
(``pg_terminate_backend``) under intake load. Prints lost / duplicated / stranded per fault
(target 0 / 0 / 0) and how long the work took to finish after the kill.

    python bench/faults.py [--database-url URL] [--broker redis://127.0.0.1:6379/13]
                           [--db-name NAME] [--keep]

Needs PostgreSQL (the worker and gunicorn share the bench database) and Redis (the broker
whose visibility timeout redelivers a dead worker's task). Builds its own database
(``--db-name`` next to the URL's), uses the broker's database number given (emptied first),
a fake SMS gateway on 127.0.0.1 (it records every request and honours ``Idempotency-Key``),
and ``var/bench/faults`` for files. The worker runs the beat too (as ``claimdesk run``
does): a dead worker's task comes back by redelivery, a message it held by the outbox's
lease and the beat's delivery pass.

- **lost**: work that never happened by the deadline and is no longer queued anywhere;
- **duplicated**: work done twice (an OCR result written twice, an SMS delivered twice, a
  payment sent twice, a claim registered twice for one request);
- **stranded**: work still half-way at the deadline (a document pending though its task is
  queued, a message ``sending``, a payment marked sent without its transfer).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from benchdb import ROOT, BenchDB, bench_env
from intake import World, free_port, json_report, post, stop
from load import start_gunicorn

DEADLINE_MARGIN = 90  # seconds beyond the visibility timeout to finish redelivered work


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", help="PostgreSQL URL; default $DATABASE_URL")
    p.add_argument("--broker", default="redis://127.0.0.1:6379/13", help="Redis URL (db 13)")
    p.add_argument("--db-name", default="claimdesk_bench_faults")
    p.add_argument("--visibility", type=int, default=120, help="broker visibility timeout (s)")
    p.add_argument("--documents", type=int, default=6)
    p.add_argument("--messages", type=int, default=20)
    p.add_argument("--payments", type=int, default=12)
    p.add_argument("--faults", default="ocr,delivery,payment,pg", help="which, in this order")
    p.add_argument("--keep", action="store_true")
    return p.parse_args(argv)


# --- the fake SMS gateway -------------------------------------------------------------------


class Gateway:
    """Records each request; a repeated ``Idempotency-Key`` is acknowledged, not delivered."""

    def __init__(self, delay: float = 0.4):
        self.requests: list[dict] = []
        self.delivered: dict[str, int] = {}
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key") or str(uuid.uuid4())
                with gateway.lock:
                    gateway.requests.append(body)
                    gateway.delivered[key] = gateway.delivered.get(key, 0) + (
                        0 if key in gateway.delivered else 1
                    )
                time.sleep(delay)  # a gateway takes its time: the window a kill lands in
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of(self, ids: set[int]) -> list[dict]:
        return [r for r in self.requests if r["id"] in ids]

    def repeated(self, ids: set[int]) -> int:
        seen = [r["id"] for r in self.of(ids)]
        return len(seen) - len(set(seen))

    def delivered_twice(self, ids: set[int]) -> int:
        keys = {f"claimdesk-notification-{pk}" for pk in ids}
        return sum(1 for k, n in self.delivered.items() if k in keys and n > 1)


# --- processes --------------------------------------------------------------------------------


class Worker:
    """A Celery worker (prefork, 2 processes) in its own process group."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log, self.proc = env, log, None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        start = self.log.stat().st_size if self.log.exists() else 0
        out = self.log.open("a")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "claimdesk",
                "worker",
                "--beat",  # the periodic passes, as in production (``claimdesk run`` too)
                f"--schedule={self.log.parent / 'beat-schedule'}",
                "--pool=prefork",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # ready when it says so
            with self.log.open() as fh:
                fh.seek(start)
                if " ready." in fh.read():
                    return
            time.sleep(0.2)
        raise RuntimeError(f"the worker did not come up; see {self.log}")

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def wait_for(check, timeout: float, step: float = 0.2) -> float | None:
    """Seconds until ``check()`` holds, or None at the timeout."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if check():
            return time.monotonic() - t0
        time.sleep(step)
    return None


def in_broker(broker) -> int:
    """Tasks still queued or delivered but not acknowledged."""
    return broker.llen("celery") + broker.hlen("unacked")


# --- the faults --------------------------------------------------------------------------------


def scanned_page(i: int) -> bytes:
    """A page of text, large enough that reading it takes the OCR engine a while."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1000, 700), "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("NotoSansCJK-Regular.ttc", 36)
    except OSError:
        font = ImageFont.load_default()
    for line in range(10):
        draw.text(
            (60, 50 + 55 * line),
            f"医疗费用发票 第{i}页 第{line}行 金额合计 ¥1,234.56",
            "black",
            font,
        )
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def fault_ocr(args, world, worker: Worker, broker) -> dict:
    from django.db import transaction

    from claimdesk.cases.models import CaseEvent
    from claimdesk.claims.services import claim_report
    from claimdesk.documents.models import Document
    from claimdesk.documents.services import document_upload

    ids = []
    for i in range(args.documents):
        report = world.report()
        policy = next(p for p in world.policies if p.number == report["policy_no"])
        now = report["loss_time"] + timedelta(hours=2)
        claim = claim_report(reporter=policy.holder, report=report, channel="api", now=now).claim
        f = io.BytesIO(scanned_page(i))
        f.name = f"invoice-{i}.png"
        with transaction.atomic():  # the OCR task is queued when the upload commits
            doc = document_upload(
                claim=claim, file=f, actor=policy.holder, now=_now()
            ).document  # uploaded now: the beat's OCR sweep (10 minutes stale) stays out
        ids.append(doc.pk)

    def pending() -> int:
        return Document.objects.filter(pk__in=ids, ocr_status="pending").count()

    per_page = wait_for(lambda: pending() < len(ids), 600)  # the first page is read: kill now
    if per_page is None:
        raise RuntimeError("no OCR finished within 600 s")
    at_kill = pending()
    worker.kill()
    t_kill = time.monotonic()
    worker.start()
    # time to redeliver, then to read what is left two at a time at the pace measured
    deadline = args.visibility + DEADLINE_MARGIN + per_page * (at_kill + 1) / 2
    took = wait_for(lambda: pending() == 0, deadline - (time.monotonic() - t_kill), step=1)
    left = pending()
    done_twice = sum(
        1
        for pk in ids
        if CaseEvent.objects.filter(kind__startswith="document_ocr_", data__document=pk).count() > 1
    )
    queued = in_broker(broker)
    return {
        "fault": "worker SIGKILL mid-OCR",
        "work": f"{len(ids)} documents, {at_kill} unread at the kill, "
        f"{per_page:.0f} s for the first page",
        "lost": left if not queued else 0,
        "duplicated": done_twice,
        "stranded": left if queued else 0,
        "finished": None if took is None else time.monotonic() - t_kill,
    }


def fault_delivery(args, world, worker: Worker, gateway: Gateway) -> dict:
    from django.db import transaction

    from claimdesk.notify.models import Channel, Notification
    from claimdesk.notify.services import notification_queue

    customer = world.policies[0].holder
    with transaction.atomic():
        for i in range(args.messages):
            notification_queue(
                recipient=customer,
                subject=f"理赔进度通知 {i}",
                body="",
                now=_now(),
                kind="bench",
                phone="13800138000",
            )
    sms = Notification.objects.filter(channel=Channel.SMS, kind="bench")
    ids = set(sms.values_list("pk", flat=True))
    if wait_for(lambda: len(gateway.of(ids)) >= 3, 300, step=0.05) is None:
        raise RuntimeError("the gateway got none of them within 300 s")
    worker.kill()
    t_kill = time.monotonic()
    at_kill = len(gateway.of(ids))
    worker.start()
    lease = 90  # CLAIMDESK_NOTIFY_LEASE_SECONDS: a row the dead worker held waits for it
    took = wait_for(
        lambda: sms.exclude(status="sent").count() == 0,
        max(args.visibility, lease) + DEADLINE_MARGIN,
        step=1,
    )
    delivered_twice = gateway.delivered_twice(ids)
    return {
        "fault": "worker SIGKILL mid-delivery",
        "work": f"{args.messages} SMS, {at_kill} at the gateway at the kill; "
        f"{gateway.repeated(ids)} request(s) repeated an id (dropped by its Idempotency-Key)",
        "lost": sms.filter(status__in=["pending", "failed"]).count(),
        "duplicated": delivered_twice,
        "stranded": sms.filter(status="sending").count(),
        "finished": None if took is None else time.monotonic() - t_kill,
    }


def _now():
    from django.utils import timezone

    return timezone.now()


def paying_claims(world, n: int):
    """``n`` claims brought to paying through the real services, each payment instructed."""
    from decimal import Decimal

    from claimdesk.cases.services import case_transition, task_assign
    from claimdesk.claims.services import (
        claim_item_set_state,
        claim_report,
        decision_approve,
        decision_propose,
        loss_item_add,
    )
    from claimdesk.payments.services import payment_handover, payment_instruct
    from claimdesk.policies.models import BankAccount
    from claimdesk.staff.roles import Role
    from claimdesk.staff.services import certification_grant, user_create

    manager = user_create(
        username="bench_manager",
        password=world.password,
        role=Role.MANAGER,
        approval_limit=Decimal("1000000"),
    )
    staff = {}
    for name, role, grade in (
        ("bench_adj1", Role.ADJUSTER, 1),
        ("bench_adj2", Role.ADJUSTER, 2),
        ("bench_fin", Role.FINANCE, None),
    ):
        staff[name] = user_create(
            username=name,
            password=world.password,
            role=role,
            manager=manager,
            approval_limit=Decimal("50000"),
        )
        if grade:
            from datetime import date

            certification_grant(
                user=staff[name],
                code="adjuster",
                name="理赔师",
                grade=grade,
                issued_on=date(2020, 1, 1),
                expires_on=date(2035, 12, 31),
            )
    payments = []
    auto = [p for p in world.policies if p.product.line == "auto"]
    for i in range(n):
        policy = auto[i % len(auto)]
        BankAccount.objects.get_or_create(
            owner=policy.holder,
            account_number=f"6222020200{policy.holder.pk:09d}",
            defaults={"bank_name": "中国工商银行", "account_name": "张三", "is_default": True},
        )
        report = world.report()
        report.update(
            policy_no=policy.number,
            insured_name=policy.insured.first().name,
            loss_type="auto",
            estimated_amount="3200",
        )
        now = report["loss_time"] + timedelta(hours=2)
        claim = claim_report(reporter=world.agent, report=report, channel="hotline", now=now).claim
        case_transition(case=claim.case, action="contact", actor=world.agent, now=now)
        for item in claim.items.filter(core=True):
            claim_item_set_state(item=item, state="received", actor=world.agent, now=now)
            claim_item_set_state(item=item, state="accepted", actor=world.agent, now=now)
        case_transition(case=claim.case, action="send_to_adjudication", actor=world.agent, now=now)
        task_assign(
            case=claim.case,
            kind="review",
            title="核定",
            assignee=staff["bench_adj1"],
            actor=world.agent,
            now=now,
        )
        claim.refresh_from_db()
        loss_item_add(
            claim=claim,
            actor=staff["bench_adj1"],
            now=now,
            coverage="vehicle-damage",
            label="后保险杠维修",
            amount="3000",
        )
        decision = decision_propose(claim=claim, actor=staff["bench_adj1"], now=now)
        decision_approve(decision=decision, actor=staff["bench_adj2"], now=now)
        claim.refresh_from_db()
        payment_handover(
            claim=claim, actor=staff["bench_adj1"], now=now, assignee=staff["bench_fin"]
        )
        payments.append(payment_instruct(claim=claim, actor=staff["bench_fin"], now=now))
    return payments


def fault_payment(args, world, bench_url: str) -> dict:
    from django.db import connections

    from claimdesk.payments.models import Payment

    payments = paying_claims(world, args.payments)
    connections.close_all()
    proc, base = start_gunicorn(bench_url, 2, env=self_env())
    try:
        _status, body = post(
            f"{base}/api/v1/auth/token", {"username": "bench_fin", "password": world.password}
        )
        token = json.loads(body)["token"]
        outcomes: dict[str, list[int]] = {p.reference: [] for p in payments}
        go = threading.Event()

        def send(reference: str) -> None:
            go.wait()
            for _ in range(5):  # a client retries what got no answer, as any would
                try:
                    status, _ = post(
                        f"{base}/api/v1/payments/{reference}/actions/send",
                        {"bank_ref": f"B-{reference}"},
                        token,
                    )
                except OSError:
                    status = 0
                outcomes[reference].append(status)
                if status in (200, 409):  # sent, or already sent by the request that died
                    return

        threads = [threading.Thread(target=send, args=(p.reference,)) for p in payments]
        for t in threads:
            t.start()
        workers = [
            int(pid)
            for pid in subprocess.run(
                ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
            ).stdout.split()
        ]
        go.set()
        time.sleep(0.05)  # requests in flight
        os.kill(workers[0], signal.SIGKILL)
        for t in threads:
            t.join()
    finally:
        stop(proc)
    rows = Payment.objects.filter(pk__in=[p.pk for p in payments])
    twice = sum(1 for p in rows if p.transfers.count() > 1)
    half = sum(1 for p in rows if (p.state == "sent") != (p.transfers.count() == 1))
    unsent = sum(1 for p in rows if p.state == "instructed")
    retried = sum(1 for s in outcomes.values() if len(s) > 1)
    return {
        "fault": "web worker SIGKILL mid-payment",
        "work": f"{len(payments)} payments sent at once; {retried} request(s) retried by the client",
        "lost": unsent,
        "duplicated": twice,
        "stranded": half,
        "finished": 0.0,
    }


def fault_pg(args, world, bench_url: str, dbname: str) -> dict:
    import psycopg
    from django.db import connections

    from claimdesk.claims.models import Claim, IdempotencyKey

    connections.close_all()
    proc, base = start_gunicorn(bench_url, 2, env=self_env())
    answered: dict[str, tuple[int, str]] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + 12
    try:
        _status, body = post(
            f"{base}/api/v1/auth/token",
            {"username": world.agent.username, "password": world.password},
        )
        token = json.loads(body)["token"]

        def client() -> None:
            import urllib.error
            import urllib.request

            while time.monotonic() < stop_at:
                with lock:
                    report = {**json_report(world.report()), "confirm": True}
                key = str(uuid.uuid4())
                for _ in range(5):  # retried with the same key until answered
                    req = urllib.request.Request(
                        f"{base}/api/v1/claims",
                        json.dumps(report).encode(),
                        {
                            "Content-Type": "application/json",
                            "Authorization": f"Bearer {token}",
                            "Idempotency-Key": key,
                        },
                        method="POST",
                    )
                    try:
                        with urllib.request.urlopen(req, timeout=60) as answer:
                            number = json.loads(answer.read()).get("claim_no", "")
                            status = answer.status
                    except urllib.error.HTTPError as exc:
                        status, number = exc.code, ""
                    except OSError:
                        status, number = 0, ""
                    with lock:
                        answered[key] = (status, number)
                    if status in (200, 201) or 400 <= status < 500:
                        break  # answered (a refusal is an answer: nothing to retry)

        threads = [threading.Thread(target=client) for _ in range(16)]
        for t in threads:
            t.start()
        kills = 0
        admin = psycopg.connect(bench_url.replace(f"/{dbname}", "/postgres"), autocommit=True)
        for _ in range(4):
            time.sleep(2.5)
            kills += admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (dbname,),
            ).fetchone()[0]
        admin.close()
        for t in threads:
            t.join()
    finally:
        stop(proc)
    ok = {k: n for k, (s, n) in answered.items() if s in (200, 201)}
    refused = [k for k, (s, _) in answered.items() if 400 <= s < 500]
    failed = [k for k, (s, _) in answered.items() if s not in (200, 201) and not 400 <= s < 500]
    numbers = list(ok.values())
    present = set(
        Claim.objects.filter(case__number__in=numbers).values_list("case__number", flat=True)
    )
    keys = IdempotencyKey.objects.filter(key__in=list(answered)).values_list("key", flat=True)
    dup_keys = len(keys) - len(set(keys))
    return {
        "fault": "pg_terminate_backend under intake load",
        "work": f"{len(answered)} reports by 16 clients, {kills} connections terminated, "
        f"{len(refused)} refused (4xx), {len(failed)} unanswered after 5 tries",
        "lost": len([n for n in numbers if n not in present]),
        "duplicated": dup_keys + (len(numbers) - len(set(numbers))),
        "stranded": len(failed),
        "finished": 0.0,
    }


def self_env() -> dict:
    """What this process runs with (broker, gateway, files) for the servers it starts."""
    names = ("BROKER_URL", "CLAIMDESK_VAR_DIR", "CLAIMDESK_SMS_URL", "CLAIMDESK_VISIBILITY_TIMEOUT")
    return {k: os.environ[k] for k in names if k in os.environ}


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    url = args.database_url or os.environ.get("DATABASE_URL") or ""
    if not url.startswith("postgres"):
        sys.exit("faults.py needs PostgreSQL: --database-url postgresql://…")
    db = BenchDB(args.db_name)
    vendor, bench_url = db.select(url)
    import redis

    broker = redis.Redis.from_url(args.broker)
    broker.flushdb()
    gateway = Gateway()
    var = ROOT / "var" / "bench" / "faults"
    env = {
        **os.environ,
        **bench_env(bench_url),
        "PYTHONPATH": str(ROOT / "src"),
        "BROKER_URL": args.broker,
        "CLAIMDESK_VAR_DIR": str(var),
        "CLAIMDESK_SMS_URL": gateway.url,
        "CLAIMDESK_VISIBILITY_TIMEOUT": str(args.visibility),
    }
    os.environ.update(env)
    print(
        f"ClaimDesk faults: {db.name} on {urlsplit(bench_url).hostname}, broker {args.broker}, "
        f"visibility timeout {args.visibility} s"
    )
    db.create(vendor, bench_url)
    worker = Worker(env, var / "worker.log")
    results = []
    try:
        import django

        sys.path.insert(0, str(ROOT / "src"))
        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        world = World()
        chosen = args.faults.split(",")
        if "ocr" in chosen or "delivery" in chosen:
            worker.start()
        if "ocr" in chosen:
            results.append(fault_ocr(args, world, worker, broker))
            print(results[-1])
        if "delivery" in chosen:
            results.append(fault_delivery(args, world, worker, gateway))
            print(results[-1])
        worker.stop()
        if "payment" in chosen:
            results.append(fault_payment(args, world, bench_url))
            print(results[-1])
        if "pg" in chosen:
            results.append(fault_pg(args, world, bench_url, db.name))
            print(results[-1])
    finally:
        worker.stop()
        if not args.keep:
            db.drop(vendor, bench_url)
        broker.flushdb()
    print()
    print(f"{'fault':<42}{'lost':>6}{'dup':>6}{'strand':>8}{'done after kill':>17}  work")
    print("-" * 120)
    for r in results:
        done = "-" if r["finished"] is None else (f"{r['finished']:.0f} s" if r["finished"] else "")
        print(
            f"{r['fault']:<42}{r['lost']:>6}{r['duplicated']:>6}{r['stranded']:>8}{done:>17}  {r['work']}"
        )
    bad = sum(r["lost"] + r["duplicated"] + r["stranded"] for r in results)
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
