#!/usr/bin/env python
"""Full claim lifecycles per second: ClaimDesk's services against SpiffWorkflow running the
same 5-step claim process (report → review → assess → pay → close), both on one database.

    python bench/lifecycle.py [--claims N] [--spiff-claims N] [--rounds R] [--line LINE]
                              [--mode auto|full|kernel] [--queries] [--profile]
                              [--database-url URL] [--keep]

Builds a dedicated database (PostgreSQL ``claimdesk_bench_lifecycle`` next to the database of
the URL, created and dropped here; default server 127.0.0.1:5432), migrates it, then runs R
rounds of lifecycles per engine, alternating the engines, and prints medians, the ratio, the
statements and time of every ClaimDesk service call, and (``--queries``, ``--profile``) where
the time goes. SpiffWorkflow
is a bench-only dependency: ``pip install -e ".[bench]"``. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from benchdb import BenchDB, setup_django

ROOT = Path(__file__).resolve().parent.parent
BPMN_FILE = Path(__file__).resolve().parent / "claim_process.bpmn"
BPMN_PROCESS = "claim_process"
DB = BenchDB("claimdesk_bench_lifecycle")
VAR_DIR = ROOT / "var" / "bench" / "lifecycle"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
POLICIES = 200
CUSTOMERS = 20
TARGET_RATIO = 2.0
# The five business steps both engines run, in order.
STEPS = ("report", "review", "assess", "pay", "close")
SPIFF_TABLE = "bench_spiff_workflow"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--claims", type=int, default=20, help="ClaimDesk lifecycles per round (default 20)"
    )
    p.add_argument(
        "--spiff-claims",
        type=int,
        default=200,
        help="SpiffWorkflow lifecycles per round and variant (default 200: ~1 s, long enough "
        "to time)",
    )
    p.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    p.add_argument(
        "--line",
        default="medical",
        choices=("auto", "medical", "property", "accident"),
        help="product line and loss type of the claims (default medical: 6 core items)",
    )
    p.add_argument(
        "--mode",
        choices=("auto", "full", "kernel"),
        default="auto",
        help="ClaimDesk side: full = decision_propose/decision_approve and payment_instruct/"
        "send/confirm; kernel = the plain case transitions approve and confirm_payment "
        "(refused where the claims app requires an approved decision); auto (default) = full "
        "when those services exist",
    )
    p.add_argument("--full", action="store_const", const="full", dest="mode", help="--mode full")
    p.add_argument(
        "--profile",
        action="store_true",
        help="after the figures, profile one more round of ClaimDesk lifecycles (cProfile)",
    )
    p.add_argument(
        "--database-url",
        help=f"PostgreSQL (or SQLite) URL; default $DATABASE_URL, else {DEFAULT_URL}. Only the "
        f"server and credentials are used: the bench runs in database {DB.name}",
    )
    p.add_argument(
        "--queries",
        action="store_true",
        help="after the figures, list the statements of one more ClaimDesk lifecycle",
    )
    p.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = p.parse_args(argv)
    if min(args.claims, args.spiff_claims, args.rounds) < 1:
        p.error("counts must be >= 1")
    return args


# --- the data -----------------------------------------------------------------------------------


class World:
    """The people and policies of the bench; reports that never look like duplicates."""

    def __init__(self, line: str) -> None:
        from django.utils import timezone

        from claimdesk.policies.demo import demo_bank_account, demo_policy, demo_products
        from claimdesk.staff.roles import Role
        from claimdesk.staff.services import certification_grant, user_create

        password = "bench-pass-1"
        # The manager takes the hotline call, so owns the case (首问负责制), reviews, decides
        # and follows up; finance pays on a payment task, which gives it its relation to the
        # case (``cases.services.can_act``: permission plus owner, open task or oversight).
        self.manager = user_create(username="bench_manager", password=password, role=Role.MANAGER)
        self.finance = user_create(
            username="bench_finance", password=password, role=Role.FINANCE, manager=self.manager
        )
        # the second pair of eyes: approves the manager's proposals within its limit
        self.adjuster = user_create(
            username="bench_adjuster",
            password=password,
            role=Role.ADJUSTER,
            manager=self.manager,
            approval_limit=Decimal("200000"),
        )
        # deciding needs a valid adjuster's licence of the grade the amount calls for
        today = timezone.localdate()
        for decider in (self.manager, self.adjuster):
            certification_grant(
                user=decider,
                code="adjuster",
                name="理赔师（3级）",
                grade=3,
                issued_on=today - timedelta(days=30),
                expires_on=today + timedelta(days=700),
            )
        customers = [
            user_create(username=f"bench_customer_{i}", password=password, role=Role.CUSTOMER)
            for i in range(CUSTOMERS)
        ]
        for i, customer in enumerate(customers):
            demo_bank_account(customer, f"客户{i}", f"62220200000000{i:05d}")
        products = demo_products()
        coverage = products[line].coverages.order_by("id").first()
        self.coverage, self.deductible = coverage.code, coverage.deductible
        self.line = line
        self.start = timezone.now() - timedelta(days=320)
        self.policies = [
            demo_policy(
                number=f"PLIFE{i:05d}",
                holder=customers[i % CUSTOMERS],
                line=line,
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
        # after the policy's waiting period (30 days), at most 250 days later: in the past
        loss = self.start + timedelta(days=31, hours=26 * (i // POLICIES) % 6000)
        return {
            "policy_no": f"PLIFE{p:05d}",
            "insured_name": f"客户{p}",
            "loss_time": loss,
            "loss_place": "浙江省温州市鹿城区",
            "loss_cause": f"住院治疗{i}",
            "description": "急性阑尾炎住院手术",
            "loss_type": self.line,
            "estimated_amount": str(1000 + i % 50000),
            "contact_phone": "13800000000",
        }


# --- how a lifecycle's calls are run: timed, or timed and counted -------------------------------


@dataclass
class Calls:
    """Runs each service call of a lifecycle and keeps, per (step, call), its durations and,
    when ``count`` is on, the statements it sent and the time they took on the wire."""

    count: bool = False
    after_commit: bool = False  # run the worker's after-commit readers after each action
    lifecycles: int = 0
    log: list | None = None  # (step, call), statement, seconds: every statement, when kept
    seconds: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    queries: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    db_seconds: dict[tuple[str, str], list[float]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def __call__(self, step: str, call: str, fn: Callable, **kwargs):
        result = self._run(step, call, fn, kwargs)
        if self.after_commit and not call.startswith("(") and (worker := _worker()):
            # What the worker does after this action's commit (the tests' and production's
            # on-commit task), timed apart: the timeline readers (analytics, the letter's PDF).
            self._run(step, WORKER, worker, {})
        return result

    def _run(self, step: str, call: str, fn: Callable, kwargs: dict):
        if not self.count:
            t = time.perf_counter()
            result = fn(**kwargs)
            self.seconds[step, call].append(time.perf_counter() - t)
            return result
        from django.db import connection

        meter = _Meter(self.log, (step, call))
        with connection.execute_wrapper(meter):
            t = time.perf_counter()
            result = fn(**kwargs)
            took = time.perf_counter() - t
        self.seconds[step, call].append(took)
        self.queries[step, call].append(meter.statements)
        self.db_seconds[step, call].append(meter.seconds)
        return result


# The label of the after-commit work in the breakdown (not a business action: in parentheses).
WORKER = "(worker after commit: timeline readers)"


def _worker() -> Callable | None:
    """The after-commit dispatch of this checkout, or None where it has none."""
    try:
        from claimdesk.cases.committed import dispatch_committed
    except ImportError:
        return None
    return dispatch_committed


class _Meter:
    """An execute wrapper: statements sent and the time spent waiting for the database."""

    def __init__(self, log: list | None = None, where: tuple[str, str] = ("", "")) -> None:
        self.statements = 0
        self.seconds = 0.0
        self.log, self.where = log, where

    def __call__(self, execute, sql, params, many, context):
        self.statements += 1
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - t
            self.seconds += took
            if self.log is not None:
                self.log.append((self.where, sql, took))


def now():
    from django.utils import timezone

    return timezone.now()


# --- ClaimDesk ------------------------------------------------------------------------------------


def claimdesk_lifecycle(world: World, call: Calls, *, full: bool) -> None:
    """One claim from report to follow-up through ClaimDesk's services.

    Every call is one service, one committed transaction, with its permission and relation
    checks, row locks, timeline events (each chained in the evidence ledger), SLA clocks and
    customer notifications: exactly what the API and the pages call. ``full``: the decision
    (loss item, proposal, approval within authority, claim report PDF) and payment
    (handover, instruct, send, confirm) services; otherwise the kernel transitions alone.
    """
    from claimdesk.cases.services import case_transition, task_assign, task_complete
    from claimdesk.claims.services import claim_item_set_state, claim_report

    manager, finance = world.manager, world.finance
    result = call(
        "report",
        "claim_report",
        claim_report,
        reporter=manager,
        report=world.report(),
        channel="hotline",
        now=now(),
    )
    claim = result.claim
    case = claim.case
    customer = claim.policy.holder
    amount = claim.estimated_amount
    # review: the customer is called back, sends the core materials, the manager accepts them
    # (容缺受理: non-core items may stay missing)
    call(
        "review",
        "case_transition contact",
        case_transition,
        case=case,
        action="contact",
        actor=manager,
        now=now(),
        data={"note": "已电话联系客户，告知所需材料"},
    )
    items = call("review", "(bench) read core items", _core_items, claim=claim)
    for item in items:
        call(
            "review",
            "claim_item_set_state received (customer)",
            claim_item_set_state,
            item=item,
            state="received",
            actor=customer,
            now=now(),
        )
    for item in items:
        call(
            "review",
            "claim_item_set_state accepted",
            claim_item_set_state,
            item=item,
            state="accepted",
            actor=manager,
            now=now(),
        )
    call(
        "assess",
        "case_transition send_to_adjudication",
        case_transition,
        case=case,
        action="send_to_adjudication",
        actor=manager,
        now=now(),
    )
    if full:
        _assess_and_pay_full(world, call, claim, amount)
    else:
        call(
            "assess",
            "case_transition approve",
            case_transition,
            case=case,
            action="approve",
            actor=manager,
            now=now(),
            data={"amount": str(amount), "basis": "医疗费用按条款计算"},
        )
        # finance pays on a task, which returns to the owner when done
        task = call(
            "pay",
            "task_assign payment",
            task_assign,
            case=case,
            kind="payment",
            title=f"赔款支付 ¥{amount}",
            assignee=finance,
            actor=manager,
            now=now(),
        )
        call(
            "pay",
            "case_transition confirm_payment",
            case_transition,
            case=case,
            action="confirm_payment",
            actor=finance,
            now=now(),
            data={"amount": str(amount), "reference": f"BANK{claim.pk:010d}"},
        )
        call(
            "pay",
            "task_complete payment",
            task_complete,
            task=task,
            actor=finance,
            now=now(),
            result="paid",
        )
    # close: the follow-up call
    call(
        "close",
        "case_transition follow_up",
        case_transition,
        case=case,
        action="follow_up",
        actor=manager,
        now=now(),
        data={"csat": 5, "nps": 9, "comment": "理赔很快"},
    )


def _assess_and_pay_full(world: World, call: Calls, claim, amount) -> None:
    """assess: the accepted loss item, the manager's proposal from the calculator, the
    adjuster's approval within their limit (which applies it: approve, claim report PDF,
    payment task handed to finance, customer told); pay: finance instructs, sends and
    confirms the payment (``confirm_payment`` closes the claim, the task returns)."""
    from claimdesk.claims.services import decision_approve, decision_propose, loss_item_add
    from claimdesk.payments.services import payment_confirm, payment_instruct, payment_send

    manager, finance, adjuster = world.manager, world.finance, world.adjuster
    call(
        "assess",
        "loss_item_add",
        loss_item_add,
        claim=claim,
        actor=manager,
        now=now(),
        coverage=world.coverage,
        label="住院医疗费用",
        amount=amount + world.deductible,
        illness=True,
    )
    decision = call(
        "assess",
        "decision_propose",
        decision_propose,
        claim=claim,
        actor=manager,
        now=now(),
        note="按条款计算",
    )
    call(
        "assess",
        "decision_approve (applies: approve + PDF)",
        decision_approve,
        decision=decision,
        actor=adjuster,
        now=now(),
    )
    payment = call(
        "pay", "payment_instruct", payment_instruct, claim=claim, actor=finance, now=now()
    )
    call(
        "pay",
        "payment_send",
        payment_send,
        payment=payment,
        actor=finance,
        now=now(),
        bank_ref=f"TX{claim.pk:010d}",
    )
    call(
        "pay",
        "payment_confirm (confirm_payment)",
        payment_confirm,
        payment=payment,
        actor=finance,
        now=now(),
    )


def _core_items(*, claim):
    return list(claim.items.filter(core=True).order_by("id"))


FULL_SERVICES = (
    ("claimdesk.claims.services", "decision_propose"),
    ("claimdesk.claims.services", "decision_approve"),
    ("claimdesk.payments.services", "payment_instruct"),
    ("claimdesk.payments.services", "payment_confirm"),
)


def full_services_missing() -> list[str]:
    """The decision and payment services ``--full`` needs that the checkout does not have."""
    import importlib

    missing = []
    for module, name in FULL_SERVICES:
        try:
            found = hasattr(importlib.import_module(module), name)
        except ImportError:
            found = False
        if not found:
            missing.append(f"{module}.{name}")
    return missing


# --- SpiffWorkflow --------------------------------------------------------------------------------


class Spiff:
    """The same 5-step process run by SpiffWorkflow, its whole state serialised with
    ``BpmnWorkflowSerializer`` and written to ``bench_spiff_workflow`` (a text column) after
    every step, each write committed. Same connection and driver as ClaimDesk (Django's)."""

    def __init__(self, line: str) -> None:
        from django.db import connection
        from SpiffWorkflow.bpmn.parser import BpmnParser
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

        parser = BpmnParser()
        parser.add_bpmn_file(str(BPMN_FILE))
        self.spec = parser.get_spec(BPMN_PROCESS)
        self.serializer = BpmnWorkflowSerializer()
        self.connection = connection
        self.line = line
        self.serial = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"CREATE TABLE {SPIFF_TABLE} (id bigserial PRIMARY KEY, "
                    "state text NOT NULL, updated_at timestamptz NOT NULL)"
                )
            else:
                cursor.execute(
                    f"CREATE TABLE {SPIFF_TABLE} (id integer PRIMARY KEY AUTOINCREMENT, "
                    "state text NOT NULL, updated_at text NOT NULL)"
                )

    def step_data(self, step: str) -> dict:
        """What each user task is completed with (the claim's facts as the step learns them)."""
        i = self.serial
        amount = f"{1000 + i % 50000}.00"
        return {
            "report": {
                "policy_no": f"PLIFE{i % POLICIES:05d}",
                "insured_name": f"客户{i % POLICIES}",
                "loss_type": self.line,
                "loss_cause": f"住院治疗{i}",
                "estimated_amount": amount,
                "contact_phone": "13800000000",
            },
            "review": {
                "contacted": True,
                "items_accepted": [
                    "claim_form",
                    "medical_invoice",
                    "expense_list",
                    "diagnosis",
                    "id_card",
                    "bank_card",
                ],
                "materials_complete": True,
            },
            "assess": {"decision": "approve", "approved_amount": amount},
            "pay": {"paid_amount": amount, "reference": f"BANK{i:010d}"},
            "close": {"csat": 5, "nps": 9, "comment": "理赔很快"},
        }[step]

    def _complete(self, workflow, step: str) -> None:
        from SpiffWorkflow.util.task import TaskState

        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if len(ready) != 1 or ready[0].task_spec.name != step:
            raise RuntimeError(f"SpiffWorkflow: expected user task {step}, found {ready}")
        task = ready[0]
        task.data.update(self.step_data(step))
        task.run()
        workflow.do_engine_steps()

    def _dt(self):
        return self.connection.ops.adapt_datetimefield_value(now())

    def _insert(self, workflow) -> int:
        from django.db import transaction

        state = self.serializer.serialize_json(workflow)
        with transaction.atomic(), self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(
                    f"INSERT INTO {SPIFF_TABLE} (state, updated_at) VALUES (%s, %s) RETURNING id",
                    [state, self._dt()],
                )
                return cursor.fetchone()[0]
            cursor.execute(
                f"INSERT INTO {SPIFF_TABLE} (state, updated_at) VALUES (%s, %s)",
                [state, self._dt()],
            )
            return cursor.lastrowid

    def _save(self, cursor, pk: int, workflow) -> None:
        cursor.execute(
            f"UPDATE {SPIFF_TABLE} SET state = %s, updated_at = %s WHERE id = %s",
            [self.serializer.serialize_json(workflow), self._dt(), pk],
        )

    def lifecycle_persist(self, call: Calls) -> None:
        """The workflow stays in memory; after each step its state is serialised and written
        (UPDATE … COMMIT). The cheapest honest persistence: nothing is read back."""
        from django.db import transaction
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

        self.serial += 1

        def create():
            workflow = BpmnWorkflow(self.spec)
            workflow.do_engine_steps()
            return workflow, self._insert(workflow)

        def step(*, workflow, pk, name):
            self._complete(workflow, name)
            with transaction.atomic(), self.connection.cursor() as cursor:
                self._save(cursor, pk, workflow)

        workflow, pk = call("report", "create + INSERT", create)
        for name in STEPS:
            call(name, "complete task + UPDATE", step, workflow=workflow, pk=pk, name=name)
        if not workflow.is_completed():
            raise RuntimeError("SpiffWorkflow: the process did not reach its end event")

    def lifecycle_load(self, call: Calls) -> None:
        """As a request-per-step application runs it: each step reads the row under lock,
        deserialises the workflow, completes the task, serialises and writes it back."""
        from django.db import transaction
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

        self.serial += 1

        def create():
            workflow = BpmnWorkflow(self.spec)
            workflow.do_engine_steps()
            return self._insert(workflow)

        def step(*, pk, name):
            lock = " FOR UPDATE" if self.connection.vendor == "postgresql" else ""
            with transaction.atomic(), self.connection.cursor() as cursor:
                cursor.execute(f"SELECT state FROM {SPIFF_TABLE} WHERE id = %s{lock}", [pk])
                workflow = self.serializer.deserialize_json(cursor.fetchone()[0])
                self._complete(workflow, name)
                self._save(cursor, pk, workflow)
            return workflow

        pk = call("report", "create + INSERT", create)
        for name in STEPS:
            workflow = call(name, "SELECT + complete task + UPDATE", step, pk=pk, name=name)
        if not workflow.is_completed():
            raise RuntimeError("SpiffWorkflow: the process did not reach its end event")


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Engine:
    label: str
    lifecycle: Callable[[Calls], None]
    n: int  # lifecycles per timed round
    rounds: list[float] = field(default_factory=list)  # seconds per round of N lifecycles
    calls: Calls = field(default_factory=Calls)

    def run(self, calls: Calls, n: int) -> float:
        t = time.perf_counter()
        for _ in range(n):
            self.lifecycle(calls)
        calls.lifecycles += n
        return time.perf_counter() - t

    def timed_round(self) -> None:
        self.rounds.append(self.run(self.calls, self.n))

    def lifecycles_per_s(self) -> float:
        return self.n / statistics.median(self.rounds)

    def commits_per_lifecycle(self) -> float:
        """Service calls (each one committed transaction) in one lifecycle, bench reads aside."""
        calls = sum(len(v) for (_step, c), v in self.calls.seconds.items() if not c.startswith("("))
        return calls / self.calls.lifecycles


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    vendor, bench_url = DB.select(
        args.database_url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    )
    target = bench_url if vendor == "sqlite" else f"{DB.name} on {urlsplit(bench_url).hostname}"
    print(
        f"ClaimDesk lifecycle bench: {vendor}, {target}, {args.rounds} rounds x "
        f"{args.claims} ClaimDesk / {args.spiff_claims} SpiffWorkflow lifecycles, {args.line} claims"
    )
    if vendor != "postgresql":
        print("note: the figures that count are PostgreSQL's (issue 4 item 12)")
    DB.create(vendor, bench_url)
    # the notices' PDFs (full mode) are stored under the var directory: a throw-away one
    shutil.rmtree(VAR_DIR, ignore_errors=True)
    VAR_DIR.mkdir(parents=True)
    os.environ["CLAIMDESK_VAR_DIR"] = str(VAR_DIR)
    try:
        setup_django(bench_url)
        return run(args, vendor)
    finally:
        if args.keep:
            print(f"kept the bench database: {bench_url}")
        else:
            DB.drop(vendor, bench_url)
            shutil.rmtree(VAR_DIR, ignore_errors=True)


def run(args: argparse.Namespace, vendor: str) -> int:
    import django
    from django.core.management import call_command
    from django.db import connection

    t0 = time.perf_counter()
    load_start = os.getloadavg()[0]
    call_command("migrate", interactive=False, verbosity=0)
    world = World(args.line)
    spiff = Spiff(args.line)
    print(f"migrated, {POLICIES} policies: {time.perf_counter() - t0:.1f}s")

    missing = full_services_missing()
    if args.mode == "full" and missing:
        print("--mode full: this checkout lacks " + ", ".join(missing))
        return 2
    full = args.mode == "full" or (args.mode == "auto" and not missing)
    mode = "decision + payment services" if full else "kernel transitions"
    if args.mode == "auto" and missing:
        print("decision/payment services missing (" + ", ".join(missing) + "): kernel mode")

    engines = [
        Engine(
            f"ClaimDesk ({mode})",
            lambda c: claimdesk_lifecycle(world, c, full=full),
            args.claims,
        ),
        Engine(
            "SpiffWorkflow, persist after each step", spiff.lifecycle_persist, args.spiff_claims
        ),
        Engine("SpiffWorkflow, load + persist each step", spiff.lifecycle_load, args.spiff_claims),
    ]
    claimdesk, spiff_persist, spiff_load = engines

    # warm-up (imports, caches, prepared plans), then one counted pass per engine
    from claimdesk.cases.services import CaseError

    claimdesk.calls.after_commit = True
    try:
        claimdesk.run(Calls(after_commit=True), 1)
    except CaseError as exc:  # e.g. --mode kernel where the claims app refuses a plain approve
        print(f"ClaimDesk ({mode}) refused a step: {exc.message}")
        return 2
    counted = {}
    for e in engines:
        e.run(Calls(), 5)
        counted[e.label] = Calls(count=True, after_commit=e is claimdesk)
        e.run(counted[e.label], min(10, args.claims))

    # timed rounds; the order rotates so load from neighbours hits every engine alike. The
    # PDF renderer is timed too (a wrapper around the real one, ~1 µs a call)
    pdf = PdfMeter()
    with pdf:
        for r in range(args.rounds):
            for e in engines[r % 3 :] + engines[: r % 3]:
                e.timed_round()

    n = args.claims
    spiff_best = spiff_persist.lifecycles_per_s()
    cd_rate = claimdesk.lifecycles_per_s()
    ratio = cd_rate / spiff_best
    engine = (
        f"SQLite {connection.Database.sqlite_version}"
        if vendor == "sqlite"
        else f"PostgreSQL {connection.cursor().connection.info.server_version}"
    )
    print()
    print(
        f"Results: {engine}, Django {django.get_version()}, SpiffWorkflow {spiff_version()}; "
        f"medians of {args.rounds} rounds of {n} (ClaimDesk) / {args.spiff_claims} "
        "(SpiffWorkflow) lifecycles"
    )
    w = 42
    print(
        f"{'engine':<{w}}{'lifecycles/s':>13}{'steps/s':>10}{'ms/lifecycle':>14}"
        f"{'commits/lc':>12}{'commits/s':>11}{'vs Spiff':>10}"
    )
    print("-" * (w + 70))
    for e in engines:
        rate = e.lifecycles_per_s()
        commits = e.commits_per_lifecycle()
        print(
            f"{e.label:<{w}}{rate:>13,.1f}{rate * len(STEPS):>10,.0f}{1000 / rate:>14.2f}"
            f"{commits:>12.0f}{rate * commits:>11,.0f}{rate / spiff_best:>9.2f}x"
        )
    verdict = "ok" if ratio >= TARGET_RATIO else "MISS"
    print(
        f"\nratio ClaimDesk / SpiffWorkflow (persist after each step), 5-step claim process: "
        f"{ratio:.2f}x  {verdict} (target >= {TARGET_RATIO:g}x)"
    )
    print(
        f"  against SpiffWorkflow loading and persisting each step: "
        f"{cd_rate / spiff_load.lifecycles_per_s():.2f}x"
    )
    print(
        "  a step is one of report / review / assess / pay / close, the same five on both "
        "sides; steps/s = 5 x lifecycles/s"
    )
    print(
        "  commits/lc: ClaimDesk service calls per lifecycle, each its own transaction with "
        "permission and\n  relation checks, row lock, timeline events chained in the evidence "
        "ledger (hash), SLA clocks started/stopped\n  and customer notifications queued. "
        "SpiffWorkflow: 1 INSERT + 5 UPDATEs of the serialised state, no business rules."
    )

    print_breakdown(counted[claimdesk.label], claimdesk.calls, "ClaimDesk: per service call")
    print_action_ratios(counted[claimdesk.label], claimdesk.calls, spiff_persist)
    print_breakdown(counted[spiff_persist.label], spiff_persist.calls, "SpiffWorkflow, persist")
    print_breakdown(counted[spiff_load.label], spiff_load.calls, "SpiffWorkflow, load + persist")

    if full and pdf.calls:
        per_lc = pdf.seconds * 1000 / claimdesk.calls.lifecycles
        rest = 1000 / cd_rate - per_lc
        print(
            f"\nof which PDF rendering (WeasyPrint, the claim report in decision_approve): "
            f"{per_lc:.1f} ms/lifecycle (mean over the timed rounds, {pdf.calls} renders);\n"
            f"without it a lifecycle would take ~{rest:.1f} ms: {1000 / rest / spiff_best:.2f}x "
            f"SpiffWorkflow (persist)"
        )
    if args.queries:
        print_queries(world, full=full)
    if args.profile:
        profile_claimdesk(world, n, full=full)

    print(
        f"\nsource {source_state()}; {time.perf_counter() - t0:.0f}s in all; 1-minute load "
        f"average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end "
        f"({os.cpu_count()} CPUs)"
    )
    return 0


def print_breakdown(counted: Calls, timed: Calls, title: str) -> None:
    """Per call: how often in a lifecycle, median ms and ms per lifecycle (timed rounds),
    statements and the share of its time spent waiting for the database (counted pass)."""
    print(f"\n{title}")
    w = 56
    print(
        f"{'step / call':<{w}}{'per lc':>7}{'ms med':>8}{'ms/lc':>8}{'share':>7}"
        f"{'queries':>9}{'db ms':>7}{'db %':>6}"
    )
    print("-" * (w + 52))
    ms_lc = {k: sum(v) * 1000 / timed.lifecycles for k, v in timed.seconds.items()}
    total = sum(ms_lc.values())
    step_q: dict[str, float] = defaultdict(float)
    step_ms: dict[str, float] = defaultdict(float)
    for (step, call), times in timed.seconds.items():
        per_lc = len(times) / timed.lifecycles
        q = counted.queries[step, call]
        db, t = counted.db_seconds[step, call], counted.seconds[step, call]
        step_q[step] += sum(q) / counted.lifecycles
        step_ms[step] += ms_lc[step, call]
        print(
            f"{step + ' / ' + call:<{w}}{per_lc:>7.0f}{statistics.median(times) * 1000:>8.2f}"
            f"{ms_lc[step, call]:>8.2f}{100 * ms_lc[step, call] / total:>6.0f}%"
            f"{statistics.median(q):>9.0f}{statistics.median(db) * 1000:>7.2f}"
            f"{100 * sum(db) / sum(t):>5.0f}%"
        )
    print(
        "per step: "
        + ", ".join(f"{s} {step_ms[s]:.1f} ms / {step_q[s]:.0f} q" for s in STEPS)
        + f"; lifecycle {total:.1f} ms / {sum(step_q.values()):.0f} queries"
    )


# Targets of the lean transition (issue 11 item 8), same run, PostgreSQL.
TARGET_STATEMENTS = 8.0  # statements per business action, in its transaction
TARGET_ACTION_VS_SPIFF = 3.0  # per-action time / SpiffWorkflow's persisted commit per step
TARGET_APPROVE_MS = 60.0  # decision_approve p50, the letter's PDF rendered after commit


def print_action_ratios(counted: Calls, timed: Calls, spiff: Engine) -> None:
    """The figures issue 11 sets: statements per business action, per-action time against
    SpiffWorkflow's persisted step, decision_approve's median; and the after-commit work."""
    actions = {k: v for k, v in counted.queries.items() if not k[1].startswith("(")}
    n_actions = sum(len(v) for v in actions.values())
    statements = sum(sum(v) for v in actions.values())
    worker = [q for k, v in counted.queries.items() if k[1] == WORKER for q in v]
    per_action = statements / n_actions
    timed_actions = [t for k, v in timed.seconds.items() if not k[1].startswith("(") for t in v]
    worker_ms = [t * 1000 for k, v in timed.seconds.items() if k[1] == WORKER for t in v]
    spiff_step = [
        t for k, v in spiff.calls.seconds.items() if k[1] == "complete task + UPDATE" for t in v
    ]
    action_ms = statistics.median(timed_actions) * 1000
    spiff_ms = statistics.median(spiff_step) * 1000
    approve = [
        t * 1000 for k, v in timed.seconds.items() if k[1].startswith("decision_approve") for t in v
    ]

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISS"

    print("\nthe lean transition (issue 11), ClaimDesk business actions:")
    print(
        f"  statements per action, in its transaction: {per_action:.1f} "
        f"({statements / counted.lifecycles:.0f} in {n_actions / counted.lifecycles:.0f} actions "
        "a lifecycle)  "
        f"{verdict(per_action <= TARGET_STATEMENTS)} (target <= {TARGET_STATEMENTS:g})"
    )
    ratio = action_ms / spiff_ms
    print(
        f"  per-action time, median: {action_ms:.2f} ms = {ratio:.1f}x SpiffWorkflow's persisted "
        f"step ({spiff_ms:.2f} ms)  {verdict(ratio <= TARGET_ACTION_VS_SPIFF)} "
        f"(target <= {TARGET_ACTION_VS_SPIFF:g}x)"
    )
    if approve:
        p50 = statistics.median(approve)
        print(
            f"  decision_approve p50: {p50:.1f} ms  {verdict(p50 <= TARGET_APPROVE_MS)} "
            f"(target <= {TARGET_APPROVE_MS:g} ms, its letter's PDF rendered after commit)"
        )
    if worker:
        print(
            f"  after commit, in the worker (analytics summaries, the letter's PDF): "
            f"{sum(worker) / counted.lifecycles:.0f} statements and "
            f"{sum(worker_ms) / timed.lifecycles:.1f} ms a lifecycle, outside every case lock"
        )


class PdfMeter:
    """Time spent in the notices' PDF renderer (the real one, only timed) while active."""

    def __init__(self) -> None:
        self.seconds, self.calls = 0.0, 0

    def __enter__(self):
        try:
            from claimdesk.notices import services
        except ImportError:
            self.module = None
            return self
        self.module, self.real = services, services.render_pdf

        def timed_render(*args, **kwargs):
            t = time.perf_counter()
            try:
                return self.real(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t
                self.calls += 1

        services.render_pdf = timed_render
        return self

    def __exit__(self, *exc) -> None:
        if self.module is not None:
            self.module.render_pdf = self.real


def _statement_shape(sql: str) -> tuple[str, str]:
    """(verb, first table) of a statement, e.g. ("SELECT … FOR UPDATE", "cases_case")."""
    words = sql.split()
    verb = words[0].upper() if words else "?"
    if verb == "SELECT" and " FOR NO KEY UPDATE" in sql:
        verb = "SELECT … FOR NO KEY UPDATE"
    elif verb == "SELECT" and " FOR UPDATE" in sql:
        verb = "SELECT … FOR UPDATE"
    match = re.search(r'(?:FROM|INTO|UPDATE)\s+"?([a-z_0-9]+)"?', sql)
    return verb, match.group(1) if match else "-"


def print_queries(world: World, *, full: bool) -> None:
    """Every statement of one more ClaimDesk lifecycle: by verb and table, and the slowest."""
    calls = Calls(count=True, log=[], after_commit=True)
    claimdesk_lifecycle(world, calls, full=full)
    log = [entry for entry in calls.log if entry[0][1] != WORKER]
    by_shape: dict[tuple[str, str], list[float]] = defaultdict(list)
    for _where, sql, took in log:
        by_shape[_statement_shape(sql)].append(took)
    total = sum(took for _w, _s, took in log)
    print(
        f"\nstatements of one ClaimDesk lifecycle's actions: {len(log)}, {total * 1000:.1f} ms on "
        "the wire (the worker's after commit aside)"
    )
    print(f"{'count':>6}{'ms':>8}  verb / table")
    for (verb, table), times in sorted(by_shape.items(), key=lambda kv: -len(kv[1]))[:25]:
        print(f"{len(times):>6}{sum(times) * 1000:>8.2f}  {verb} {table}")
    print("per action (verb table × count):")
    by_call: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for where, sql, _took in log:
        by_call[where].append(_statement_shape(sql))
    for (step, call), shapes in by_call.items():
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for shape in shapes:
            counts[shape] += 1
        parts = ", ".join(f"{v} {t}×{n}" if n > 1 else f"{v} {t}" for (v, t), n in counts.items())
        print(f"  {step} / {call} [{len(shapes)}]: {parts}")
    print("slowest statements:")
    for (step, call), sql, took in sorted(log, key=lambda x: -x[2])[:8]:
        print(f"  {took * 1000:7.2f} ms  {step} / {call}: {' '.join(sql.split())[:150]}")


def profile_claimdesk(world: World, n: int, *, full: bool) -> None:
    """One more round of ClaimDesk lifecycles under cProfile: own time by area, then the
    functions with the most cumulative time in claimdesk's code."""
    profiler = cProfile.Profile()
    calls = Calls(after_commit=True)
    profiler.enable()
    for _ in range(n):
        claimdesk_lifecycle(world, calls, full=full)
    profiler.disable()
    stats = pstats.Stats(profiler)
    areas: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _line, _name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        areas[_area(filename)] += tt
        total += tt
    print(f"\ncProfile of {n} ClaimDesk lifecycles: own time by area ({total:.2f}s in all)")
    for area, tt in sorted(areas.items(), key=lambda kv: -kv[1])[:14]:
        print(f"  {area:<44}{tt:>7.2f}s {100 * tt / total:>5.1f}%")
    print("\nclaimdesk functions by cumulative time (per lifecycle)")
    rows = [
        (ct, nc, f"{Path(filename).relative_to(ROOT / 'src')}:{line} {name}")
        for (filename, line, name), (_cc, nc, _tt, ct, _callers) in stats.stats.items()
        if "/src/claimdesk/" in filename
    ]
    for ct, nc, where in sorted(rows, reverse=True)[:25]:
        print(f"  {1000 * ct / n:>8.2f} ms  {nc / n:>6.1f} calls  {where}")


def _area(filename: str) -> str:
    """Which library (or claimdesk app) a profiled function belongs to."""
    if "/src/claimdesk/" in filename:
        return "claimdesk." + filename.split("/src/claimdesk/")[1].split("/")[0].removesuffix(".py")
    if "site-packages/" in filename:
        parts = filename.split("site-packages/")[1].split("/")
        if parts[0] == "django" and len(parts) > 2:
            return f"django.{parts[1]}.{parts[2].removesuffix('.py')}"
        return parts[0]
    if filename.startswith("<") or filename == "~":
        return "builtins (C)"
    return "stdlib " + Path(filename).stem


def spiff_version() -> str:
    from importlib.metadata import version

    return version("SpiffWorkflow")


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
