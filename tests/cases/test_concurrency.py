"""Two workers at once, on PostgreSQL (real row locks across connections).

Each thread has its own database connection and closes it at the end; the barrier makes
the threads start together so their transactions really overlap.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from claimdesk.cases import services
from claimdesk.cases.models import Case, CaseEvent, DeadlineAlert
from claimdesk.notify.models import Notification
from tests.cases.conftest import T0, open_claim
from tests.conftest import race

pytestmark = pytest.mark.postgres


def test_two_sweeps_at_once_raise_each_alert_exactly_once(
    transactional_db, agent1, agent2, customer1, manager1
):
    for i in range(12):
        open_claim(agent1 if i % 2 else agent2, customer1, now=T0 + timedelta(minutes=i))
    now = T0 + timedelta(days=12)  # every contact clock is past 125 %; statutory at ~37 %
    results = race(2, lambda i: services.deadline_sweep(now=now, batch=3))
    assert all(isinstance(r, services.SweepResult) for r in results), results
    total = sum(r.reminders + r.overdue + r.escalations for r in results)
    assert DeadlineAlert.objects.count() == total == 12 * 3
    for kind, counter in (
        ("reminder", "reminders"),
        ("overdue", "overdue"),
        ("escalation", "escalations"),
    ):
        assert DeadlineAlert.objects.filter(kind=kind).count() == 12
        assert sum(getattr(r, counter) for r in results) == 12
    assert CaseEvent.objects.filter(kind__in=["reminder", "overdue", "escalation"]).count() == 36
    assert Notification.objects.filter(kind="escalation", recipient=manager1).count() == 12
    # and a third sweep finds nothing left
    assert services.deadline_sweep(now=now).reminders == 0


def test_two_people_doing_the_same_step_at_once(transactional_db, agent1, manager1, customer1):
    case = open_claim(agent1, customer1)
    actors = [agent1, manager1]
    results = race(
        2,
        lambda i: services.case_transition(
            case=case, action="contact", actor=actors[i], now=T0 + timedelta(hours=1)
        ),
    )
    done = [r for r in results if isinstance(r, Case)]
    refused = [r for r in results if isinstance(r, services.IllegalTransition)]
    assert len(done) == 1 and len(refused) == 1, results
    assert refused[0].details["allowed"] == sorted(
        ["request_materials", "send_to_investigation", "send_to_adjudication", "withdraw"]
    )
    assert CaseEvent.objects.filter(case=case, kind="transition").count() == 1
    assert Case.objects.get(pk=case.pk).status == "reviewing"
    assert case.deadlines.get(rule__code="contact").state == "met"


def test_cases_opened_at_once_get_distinct_numbers(transactional_db, agent1, customer1):
    results = race(4, lambda i: open_claim(agent1, customer1))
    assert all(isinstance(r, Case) for r in results), results
    assert sorted(r.number for r in results) == [f"CL20260930{i:06d}" for i in range(1, 5)]


def test_a_transition_and_a_sweep_at_once(transactional_db, agent1, customer1, manager1):
    """The sweep skips a clock a transition holds; nothing is lost or raised twice."""
    cases = [open_claim(agent1, customer1) for _ in range(6)]
    now = at_remind = T0 + timedelta(days=8, hours=5)  # 8 Oct 15:00: contact reminders due

    def work(i: int):
        if i == 0:
            return services.deadline_sweep(now=now, batch=2)
        return [
            services.case_transition(case=c, action="contact", actor=agent1, now=at_remind)
            for c in cases
        ]

    results = race(2, work)
    sweep = results[0]
    assert isinstance(sweep, services.SweepResult), results
    assert not isinstance(results[1], Exception), results
    # a reminder was raised at most once per clock, and counted exactly as raised
    assert DeadlineAlert.objects.count() == sweep.reminders <= 6
    assert sweep.overdue == sweep.escalations == 0
    assert services.deadline_sweep(now=now).reminders == 0


def test_completing_a_task_while_the_case_is_withdrawn(
    transactional_db, agent1, surveyor1, customer1
):
    """One wins: the task is done (and stays done) or cancelled (and cannot be done)."""
    case = open_claim(agent1, customer1)
    task = services.task_assign(
        case=case,
        kind="survey",
        title="查勘",
        assignee=surveyor1,
        actor=agent1,
        now=T0,
        rule_code="survey_onsite",
    )
    later = T0 + timedelta(hours=2)

    def work(i: int):
        if i == 0:
            return services.task_complete(task=task, actor=surveyor1, now=later, result="ok")
        return services.case_transition(
            case=case, action="withdraw", actor=agent1, now=later, data={"reason": "撤案"}
        )

    done, withdrawn = race(2, work)
    assert isinstance(withdrawn, Case), withdrawn
    task.refresh_from_db()
    clock = task.deadlines.get()
    kinds = list(
        CaseEvent.objects.filter(case=case, kind__startswith="task_").values_list("kind", flat=True)
    )
    if isinstance(done, Exception):
        assert isinstance(done, services.IllegalTransition), done
        assert (task.status, clock.state) == ("cancelled", "cancelled")
        assert kinds == ["task_assigned", "task_cancelled"]
    else:
        assert (task.status, clock.state) == ("done", "met")
        assert kinds == ["task_assigned", "task_done"]
