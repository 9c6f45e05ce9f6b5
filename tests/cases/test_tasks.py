"""Tasks: work handed out on a case, with its own clock, that comes back to the owner."""

from __future__ import annotations

from datetime import timedelta

import pytest

from claimdesk.cases import services
from claimdesk.cases.models import CaseEvent, Deadline, Task
from claimdesk.cases.services import CaseError, GuardFailed, IllegalTransition, NotAllowed
from claimdesk.notify.models import Notification
from tests.cases.conftest import T0, open_claim, snapshot, step

H = timedelta(hours=1)


def _survey(case, agent, surveyor, now=T0, rule_code="survey_onsite"):
    return services.task_assign(
        case=case,
        kind="survey",
        title="现场查勘",
        assignee=surveyor,
        actor=agent,
        now=now,
        rule_code=rule_code,
    )


@pytest.fixture
def investigating(agent1, customer1):
    case = step(open_claim(agent1, customer1), "contact", agent1, T0)
    return step(case, "send_to_investigation", agent1, T0)


def test_assign_with_a_rule_sets_the_due_time(investigating, agent1, surveyor1):
    task = _survey(investigating, agent1, surveyor1)
    assert task.due_at == T0 + 48 * H  # wall-clock hours
    assert (task.status, task.assignee, task.returns_to, task.assigned_by) == (
        "open",
        surveyor1,
        agent1,
        agent1,
    )
    clock = Deadline.objects.get(task=task)
    assert (clock.rule.code, clock.assignee, clock.state) == ("survey_onsite", surveyor1, "running")
    assert clock.due_at == task.due_at
    assert clock.remind_at == T0 + 36 * H and clock.escalate_at == T0 + 60 * H
    event = investigating.events.get(kind="task_assigned")
    assert event.data["assignee"] == "surveyor1" and event.data["kind"] == "survey"
    assert event.data["due_at"] == "2026-10-02T10:00:00+08:00"
    note = Notification.objects.get(kind="task_assigned")
    assert note.recipient == surveyor1 and investigating.number in note.subject
    # a task clock does not move the case's own next due time
    investigating.refresh_from_db()
    assert investigating.next_due_at == investigating.deadlines.get(rule__code="payment").due_at


def test_a_task_without_a_rule_has_no_due_time(investigating, agent1, surveyor1):
    task = _survey(investigating, agent1, surveyor1, rule_code=None)
    assert task.due_at is None
    assert not Deadline.objects.filter(task=task).exists()


def test_the_assignee_acts_on_the_case_and_completes(investigating, agent1, surveyor1):
    task = _survey(investigating, agent1, surveyor1)
    case = step(investigating, "assessment_done", surveyor1, T0 + 20 * H, loss="¥3,200")
    assert case.status == "adjudicating"
    Notification.objects.all().delete()
    done = services.task_complete(task=task, actor=surveyor1, now=T0 + 24 * H, result="定损3200元")
    assert done.status == "done"
    assert done.completed_at == T0 + 24 * H
    assert done.result == "定损3200元"
    clock = Deadline.objects.get(task=task)
    assert (clock.state, clock.stopped_at) == ("met", T0 + 24 * H)
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.body) == (agent1, "task_returned", "定损3200元")
    assert case.number in note.subject
    kinds = list(CaseEvent.objects.filter(case=case, at=T0 + 24 * H).values_list("kind", flat=True))
    assert kinds == ["deadline_stopped", "task_done"]
    returned = case.events.get(kind="task_done")
    assert returned.data == {
        "task": task.pk,
        "kind": "survey",
        "result": "定损3200元",
        "returns_to": "agent1",
    }
    case.refresh_from_db()
    assert case.updated_at == T0 + 24 * H


def test_a_late_task_is_breached(investigating, agent1, surveyor1):
    task = _survey(investigating, agent1, surveyor1)
    services.task_complete(task=task, actor=surveyor1, now=T0 + 49 * H)
    assert Deadline.objects.get(task=task).state == "breached"


def test_only_the_assignee_completes(investigating, agent1, agent2, surveyor1, customer1):
    task = _survey(investigating, agent1, surveyor1)
    for other in (agent1, agent2, customer1):
        with pytest.raises(NotAllowed):
            services.task_complete(task=task, actor=other, now=T0 + H)
    task.refresh_from_db()
    assert task.status == "open"
    assert Deadline.objects.get(task=task).state == "running"


def test_a_manager_may_complete_for_someone(investigating, agent1, surveyor1, manager1):
    task = _survey(investigating, agent1, surveyor1)
    services.task_complete(task=task, actor=manager1, now=T0 + H, result="代为完成")
    assert Notification.objects.filter(kind="task_returned", recipient=agent1).exists()


def test_the_owner_completing_their_own_task_is_not_told(investigating, agent1):
    task = services.task_assign(
        case=investigating, kind="callback", title="回电", assignee=agent1, actor=agent1, now=T0
    )
    assert not Notification.objects.filter(kind="task_assigned").exists()
    services.task_complete(task=task, actor=agent1, now=T0 + H)
    assert not Notification.objects.filter(kind="task_returned").exists()


def test_a_task_is_completed_once(investigating, agent1, surveyor1):
    task = _survey(investigating, agent1, surveyor1)
    services.task_complete(task=task, actor=surveyor1, now=T0 + H)
    with pytest.raises(IllegalTransition):
        services.task_complete(task=task, actor=surveyor1, now=T0 + 2 * H)
    assert CaseEvent.objects.filter(kind="task_done").count() == 1


def test_who_may_assign_and_to_whom(investigating, agent1, agent2, surveyor1, customer1, manager1):
    before = snapshot(investigating)
    with pytest.raises(NotAllowed):  # not their case
        _survey(investigating, agent2, surveyor1)
    with pytest.raises(NotAllowed):  # a customer
        _survey(investigating, customer1, surveyor1)
    with pytest.raises(NotAllowed):  # surveyors hand out no work
        _survey(investigating, surveyor1, agent1)
    with pytest.raises(GuardFailed):  # work goes to staff
        _survey(investigating, agent1, customer1)
    assert snapshot(investigating) == before
    task = _survey(investigating, manager1, surveyor1)  # oversight may
    assert task.returns_to == agent1 and task.assigned_by == manager1


def test_an_unknown_rule_leaves_no_task(investigating, agent1, surveyor1):
    with pytest.raises(CaseError, match="nope"):
        _survey(investigating, agent1, surveyor1, rule_code="nope")
    assert not Task.objects.exists()


def test_no_tasks_on_a_closed_case(agent1, customer1, surveyor1):
    case = open_claim(agent1, customer1)
    step(case, "withdraw", agent1, T0 + H, reason="撤案")
    with pytest.raises(IllegalTransition):
        _survey(case, agent1, surveyor1)  # even with the caller's stale copy of the case
    assert not Task.objects.exists()


def test_withdrawing_cancels_open_tasks_and_their_clocks(investigating, agent1, surveyor1):
    done = _survey(investigating, agent1, surveyor1)
    services.task_complete(task=done, actor=surveyor1, now=T0 + H)
    open_task = _survey(investigating, agent1, surveyor1, now=T0 + 2 * H)
    case = step(investigating, "withdraw", agent1, T0 + 3 * H, reason="客户撤案")
    open_task.refresh_from_db()
    assert (open_task.status, open_task.completed_at) == ("cancelled", T0 + 3 * H)
    assert Deadline.objects.get(task=open_task).state == "cancelled"
    done.refresh_from_db()
    assert done.status == "done"
    assert Deadline.objects.get(task=done).state == "met"
    assert not case.deadlines.filter(state__in=["running", "paused"]).exists()
    assert case.events.filter(kind="task_cancelled").count() == 1
    # the surveyor cannot complete a cancelled task
    with pytest.raises(IllegalTransition):
        services.task_complete(task=open_task, actor=surveyor1, now=T0 + 4 * H)
