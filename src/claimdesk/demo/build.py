"""``demo_create``: the people, their policies, the plan, and then every planned step of every
case run in time order through the real services (``case_open``, ``case_transition``,
``claim_report``, ``task_assign`` …) with ``now`` moving forward and the beat's SLA sweep every
few simulated hours, so the timeline, the clocks (running, paused, met, breached), the alerts
and the notifications are what the product itself would have written.

Everything happens in one transaction: the demo is there completely or not at all. It takes
a while, so it reports its progress line by line (``report``) and where the time went.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.utils import timezone

from claimdesk.cases import selectors, services
from claimdesk.cases.models import Case, Deadline, DeadlineAlert, Task, TaskStatus
from claimdesk.claims.models import Claim
from claimdesk.compliance.services import qa_sample_previous_week
from claimdesk.demo.partners import partners_create
from claimdesk.demo.payouts import payouts_create
from claimdesk.demo.people import DEMO_PASSWORD, People, people_create
from claimdesk.demo.planner import HISTORY_DAYS, Planner
from claimdesk.demo.policies import policies_create
from claimdesk.demo.policy_changes import policy_changes_create
from claimdesk.demo.premiums import lapses_create
from claimdesk.demo.recoveries import recoveries_create
from claimdesk.demo.story import Step, Story
from claimdesk.demo.underwriting import applications_create
from claimdesk.notify.models import Notification
from claimdesk.notify.services import notifications_deliver
from claimdesk.workdays.clocks import SHANGHAI

User = get_user_model()

DEFAULT_SEED = 20260930
SWEEP_EVERY = timedelta(hours=3)
PROGRESS_EVERY = timedelta(days=10)  # one progress line per this much simulated time

Report = Callable[[str], None]


@contextmanager
def _quick_demo_setup() -> Iterator[None]:
    """Cheap password hashing, and background tasks run inline (after the commit)."""
    from claimdesk.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    trace_log = logging.getLogger("celery.app.trace")  # "Task … succeeded" for inline runs
    level = trace_log.level
    trace_log.setLevel(logging.WARNING)
    try:
        with override_settings(PASSWORD_HASHERS=["claimdesk.demo.people.DemoHasher"]):
            yield
    finally:
        app.conf.task_always_eager = eager
        trace_log.setLevel(level)


_T = TypeVar("_T")


class Progress:
    """Progress lines with elapsed times, and the time spent per kind of step."""

    def __init__(self, report: Report):
        self.report = report
        self.started = self.mark = time.monotonic()
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.counts: Counter[str] = Counter()

    def line(self, text: str) -> None:
        now = time.monotonic()
        self.report(f"[{now - self.started:6.1f} s] {text} ({now - self.mark:.1f} s)")
        self.mark = now

    def timed(self, label: str, run: Callable[[], _T]) -> _T:
        t = time.monotonic()
        result = run()
        self.seconds[label] += time.monotonic() - t
        self.counts[label] += 1
        return result

    def breakdown(self) -> str:
        parts = [
            f"{label} {self.seconds[label]:.1f} s/{self.counts[label]}"
            for label, _s in sorted(self.seconds.items(), key=lambda kv: kv[1], reverse=True)
        ]
        return "Time by step (seconds/count): " + ", ".join(parts)


def demo_create(
    *, now: datetime | None = None, seed: int = DEFAULT_SEED, report: Report | None = None
) -> DemoSummary:
    """Create the demo accounts and cases. The caller checks ``demo_users_present`` first."""
    progress = Progress(report or (lambda line: None))
    now = now or timezone.now()
    with _quick_demo_setup(), transaction.atomic():
        people = people_create()
        staff = len(people.by_name) - len(people.customers)
        progress.line(f"People: {staff} staff, {len(people.customers)} customers")
        policies = policies_create(people, now)
        progress.line(f"Policies: {sum(len(p) for p in policies.values())} on 5 products")
        stories = Planner(people, now=now, seed=seed, policies=policies).stories()
        steps = _steps_in_order(stories)
        kinds = Counter(s.kind for s in stories)
        progress.line(
            f"Planned {len(stories)} cases ({', '.join(f'{k} {n}' for k, n in kinds.items())}),"
            f" {len(steps)} steps over {HISTORY_DAYS} days"
        )
        # 直赔 before the history starts: customer1 has no claim under investigation yet, so
        # the hospital's bill goes straight through as the rules allow.
        # Inside the history window too, when the first story starts close to its edge.
        oldest = now - timedelta(days=HISTORY_DAYS)
        billed_at = max(steps[0].at - timedelta(hours=2), oldest + (steps[0].at - oldest) / 2)
        billed = partners_create(people, billed_at)
        progress.line(f"Direct settlement: {billed} hospital bill (hospital1, garage1)")
        sweeps = _simulate(steps, now=now, progress=progress, seed=seed)
        progress.line(f"Recoveries: {recoveries_create(people, now)} on paid claims")
        progress.line(f"Underwriting: {applications_create(people, now)} applications")
        progress.line(f"Renewal premiums: {lapses_create(people, now)} policies lapsed")
        progress.line(f"Loans and survival benefits: {payouts_create(people, now)} paid out")
        progress.line(
            f"Policy changes: {policy_changes_create(people, now)} requests (policyholder, "
            "sum insured)"
        )
        progress.line("Committing: OCR reads the handed-in scans, letters are rendered")
    progress.line("Committed")
    # The commit ran the delivery task inline; whatever it left (each run sends a batch) goes
    # now, so the outbox is empty as the worker would leave it.
    delivered = 0
    while batch := progress.timed("deliver", lambda: notifications_deliver(now=timezone.now())):
        delivered += batch
    progress.line(f"Outbox emptied ({delivered} notifications left after the commit's delivery)")
    progress.report(progress.breakdown())
    return _summary(people, time.monotonic() - progress.started, sweeps, timezone.now())


def _steps_in_order(stories: list[Story]) -> list[Step]:
    """All steps of all stories by time; a story's own steps keep their order on ties."""
    numbered = [(step.at, n, step) for n, story in enumerate(stories) for step in story.steps]
    numbered.sort(key=lambda s: (s[0], s[1]))
    return [step for _at, _n, step in numbered]


def _simulate(steps: list[Step], *, now: datetime, progress: Progress, seed: int) -> int:
    """Run the steps in time order with the beat's sweep every ``SWEEP_EVERY`` and its
    weekly QA sample each Monday in between, then sweep up to ``now`` and once at the real
    current time. Returns the sweeps run."""
    sweeps = 0
    next_sweep = steps[0].at + SWEEP_EVERY
    next_line = steps[0].at + PROGRESS_EVERY
    qa = _Weekly(steps[0].at, random.Random(seed))
    for done, step in enumerate(steps):
        while next_sweep <= step.at:
            sweeps += progress.timed("sweep", partial(_sweep, next_sweep))
            next_sweep += SWEEP_EVERY
        progress.timed("qa_sample", partial(qa.until, step.at))
        if step.at >= next_line:
            days = (step.at - steps[0].at).days
            progress.line(f"Simulated {days} days: {done}/{len(steps)} steps, {sweeps} sweeps")
            next_line += PROGRESS_EVERY
        progress.timed(step.label, partial(step.run, step.at))
    while next_sweep <= now:
        sweeps += progress.timed("sweep", partial(_sweep, next_sweep))
        next_sweep += SWEEP_EVERY
    progress.timed("qa_sample", partial(qa.until, now))
    progress.timed("sweep", lambda: services.deadline_sweep(now=timezone.now()))
    progress.line(f"Simulated all {len(steps)} steps, {sweeps + 1} sweeps")
    return sweeps + 1


class _Weekly:
    """The beat's Monday run of the QA sample (the week before), at 03:00 Shanghai time."""

    def __init__(self, start: datetime, rng: random.Random):
        local = timezone.localtime(start, SHANGHAI).replace(hour=3, minute=0, second=0)
        self.next = local + timedelta(days=(7 - local.weekday()) % 7 or 7)
        self.rng = rng
        self.sampled = 0

    def until(self, now: datetime) -> None:
        while self.next <= now:
            self.sampled += len(qa_sample_previous_week(now=self.next, rng=self.rng))
            self.next += timedelta(days=7)


def _sweep(now: datetime) -> int:
    """The beat's sweep at ``now``, skipped when no clock has anything due (most ticks)."""
    if not Deadline.objects.filter(next_action_at__lte=now).exists():
        return 0
    services.deadline_sweep(now=now)
    return 1


# --- the summary ---------------------------------------------------------------------------


@dataclass
class DemoSummary:
    seconds: float = 0.0
    users: Counter = field(default_factory=Counter)
    cases: Counter = field(default_factory=Counter)
    statuses: dict[str, Counter] = field(default_factory=dict)
    clocks: Counter = field(default_factory=Counter)
    alerts: Counter = field(default_factory=Counter)
    open_tasks: Counter = field(default_factory=Counter)
    notifications: int = 0
    claims: Counter = field(default_factory=Counter)
    sweeps: int = 0
    agent1_work: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def fmt(c: Counter) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(c.items()))

        out = [
            f"Demo loaded in {self.seconds:.1f} s ({self.sweeps} SLA sweeps over the simulated days).",
            f"Users: {fmt(self.users)}  (password {DEMO_PASSWORD})",
            f"Cases: {sum(self.cases.values())} — {fmt(self.cases)}",
        ]
        out += [f"  {kind}: {fmt(c)}" for kind, c in sorted(self.statuses.items())]
        out += [
            f"Claims with policy and checklist, by channel: {fmt(self.claims)}",
            f"SLA clocks: {fmt(self.clocks)}",
            f"Alerts: {fmt(self.alerts)}",
            f"Open tasks: {fmt(self.open_tasks)}",
            f"Notifications: {self.notifications}",
            "agent1's work, most urgent first:",
            *(f"  {line}" for line in self.agent1_work),
            "Log in at /login/ as agent1 / demo12345.",
        ]
        return out


def _summary(people: People, seconds: float, sweeps: int, now: datetime) -> DemoSummary:
    s = DemoSummary(seconds=seconds, sweeps=sweeps)
    s.users = Counter(dict(User.objects.values_list("groups__name").annotate(n=Count("id"))))
    for kind, status, n in Case.objects.values_list("kind", "status").annotate(n=Count("id")):
        s.cases[kind] += n
        s.statuses.setdefault(kind, Counter())[status] = n
    s.clocks = Counter(dict(Deadline.objects.values_list("state").annotate(n=Count("id"))))
    s.alerts = Counter(dict(DeadlineAlert.objects.values_list("kind").annotate(n=Count("id"))))
    s.open_tasks = Counter(
        dict(
            Task.objects.filter(status=TaskStatus.OPEN)
            .values_list("assignee__username")
            .annotate(n=Count("id"))
        )
    )
    s.notifications = Notification.objects.count()
    s.claims = Counter(dict(Claim.objects.values_list("channel").annotate(n=Count("pk"))))
    for item in selectors.my_work(people["agent1"], limit=6):
        left = item.seconds_left(now)
        when = "no clock" if left is None else f"{left / 3600:+.1f} h"
        s.agent1_work.append(f"{when:>10}  {item.number}  {item.what}  {item.title}")
    return s
