"""The plan: every case's story drawn from one seeded random stream (same seed, same data
relative to the anchor time), then moved back in time so that the history fills the last
``HISTORY_DAYS`` days and each case's last step lies as long ago as its plan says."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from claimdesk.demo.claims import KIND as CLAIM
from claimdesk.demo.claims import ClaimScenario
from claimdesk.demo.content import CLAIM_PLAN, SERVICE_PLAN, TICKET_PLAN
from claimdesk.demo.people import People
from claimdesk.demo.policies import policies_by_line
from claimdesk.demo.service import service_story, ticket_story
from claimdesk.demo.story import Story, kind_workflow
from claimdesk.policies.models import Policy
from claimdesk.workdays.clocks import SHANGHAI

HISTORY_DAYS = 90


def check_plans() -> None:
    """Every plan names states of its workflow, and the claim plan all of them (the demo
    shows every state): a state added or renamed in a workflow fails here, not later."""
    claim_states = set(kind_workflow(CLAIM).state_codes())
    if set(CLAIM_PLAN) != claim_states:
        raise ValueError(f"the claim plan's states {sorted(CLAIM_PLAN)} != {sorted(claim_states)}")
    plans = [("ticket", TICKET_PLAN[c]) for c in TICKET_PLAN]
    plans += [("policy_service", SERVICE_PLAN[1])]
    for kind, targets in plans:
        unknown = set(targets) - set(kind_workflow(kind).state_codes())
        if unknown:
            raise ValueError(f"{kind}: the plan names unknown states {sorted(unknown)}")


class Planner:
    """Draws every case's story from one seeded random stream."""

    def __init__(
        self,
        people: People,
        *,
        now: datetime,
        seed: int,
        policies: dict[str, list[Policy]] | None = None,
    ):
        self.p = people
        self.now = now
        self.rng = random.Random(seed)
        self.policies = policies_by_line() if policies is None else policies
        self.agents = [people["agent1"], people["agent2"], people["agent3"]]
        self.customers = people.customers
        self.service_requests = 0  # 保全 stories planned so far (numbers their own policies)

    # -- small draws --

    def hours(self, lo: float, hi: float) -> float:
        return self.rng.uniform(lo, hi)

    def pick(self, weights: dict[str, int]) -> str:
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def agent(self):
        """agent1 takes the largest share of the hotline, so "my work" has depth."""
        return self.rng.choices(self.agents, weights=[50, 30, 20])[0]

    def customer(self):
        # customer1 and customer2 get a handful of cases each; the rest is spread.
        roll = self.rng.random()
        if roll < 0.03:
            return self.customers[0]
        if roll < 0.05:
            return self.customers[1]
        return self.rng.choice(self.customers[2:])

    def start(self) -> datetime:
        """A provisional start: some working-hours moment on the anchor's day."""
        local = timezone.localtime(self.now, SHANGHAI)
        minutes = self.rng.randint(8 * 60, 20 * 60)
        return local.replace(hour=minutes // 60, minute=minutes % 60, second=0, microsecond=0)

    def place(self, story: Story, idle_days: tuple[float, float]) -> None:
        """Move a planned story back in time, by whole days so its hours stay believable,
        until its last step lies ``idle`` before now, and inside the history window."""
        idle = timedelta(days=self.rng.uniform(*idle_days))
        last = story.steps[-1].at
        days = max(0, -((self.now - idle - last) // timedelta(days=1)))
        shift = timedelta(days=days)
        first = story.steps[0].at - shift
        oldest = self.now - timedelta(days=HISTORY_DAYS)
        while first < oldest and last - shift + timedelta(days=1) < self.now - timedelta(hours=1):
            shift -= timedelta(days=1)
            first += timedelta(days=1)
        for step in story.steps:
            step.at -= shift

    # -- all of it --

    def claims(self) -> list[Story]:
        return [
            ClaimScenario(self, target, (lo, hi)).draw()
            for target, (count, lo, hi) in CLAIM_PLAN.items()
            for _ in range(count)
        ]

    def tickets(self) -> list[Story]:
        return [
            ticket_story(self, category, target)
            for category, targets in TICKET_PLAN.items()
            for target, count in targets.items()
            for _ in range(count)
        ]

    def requests(self) -> list[Story]:
        titles, targets = SERVICE_PLAN
        return [
            service_story(self, titles, target)
            for target, count in targets.items()
            for _ in range(count)
        ]

    def stories(self) -> list[Story]:
        check_plans()
        return self.claims() + self.tickets() + self.requests()
