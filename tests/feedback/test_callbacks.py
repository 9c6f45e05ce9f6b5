"""A dissatisfied survey answer opens a call-back for the case owner on a 1-working-day clock;
the owner records the outcome, which stops the clock and shows on the case timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from claimdesk.cases import services as kernel
from claimdesk.cases.models import CaseEvent, Deadline, DeadlineState, Task, TaskStatus
from claimdesk.feedback import rules, services
from claimdesk.feedback.models import Survey
from claimdesk.workdays.clocks import local_midnight
from tests.conftest import PASSWORD, at

CLOSED_AT = at("2026-09-30 11:00")
ANSWERED_AT = at("2026-10-09 10:00")  # Fri; Sat 10 Oct is a 调休 working day


def _answer(csat: int, nps: int, comment: str = "") -> Survey:
    services.feedback_sweep(now=CLOSED_AT + timedelta(hours=1))
    survey = Survey.objects.get()
    return services.survey_answer(
        token=survey.token, csat=csat, nps=nps, comment=comment, now=ANSWERED_AT
    )


def test_dissatisfied_means_csat_two_or_less_or_a_detractor():
    assert rules.dissatisfied(2, 9) and rules.dissatisfied(5, 6) and rules.dissatisfied(1, None)
    assert not rules.dissatisfied(3, 7) and not rules.dissatisfied(None, None)


@pytest.mark.parametrize(("csat", "nps"), [(2, 9), (4, 6)])
def test_a_dissatisfied_answer_opens_a_callback_for_the_owner_due_in_one_working_day(
    closed_claim, agent1, csat, nps
):
    _answer(csat, nps, "等太久了")
    task = Task.objects.get(kind="survey_callback")
    assert task.assignee == agent1 and task.status == TaskStatus.OPEN
    # One working day after Fri 9 Oct is Sat 10 Oct (调休): due at its end.
    assert task.due_at == local_midnight(at("2026-10-11 00:00").date())
    clock = Deadline.objects.get(task=task)
    assert clock.rule.code == "survey_callback" and clock.state == DeadlineState.RUNNING
    assert clock.assignee == agent1 and clock.due_at == task.due_at
    opened = CaseEvent.objects.get(kind="callback_opened")
    assert opened.case == closed_claim.case and opened.data["assignee"] == agent1.username


def test_a_satisfied_answer_opens_no_callback(closed_claim):
    _answer(3, 7)
    assert not Task.objects.filter(kind="survey_callback").exists()


def test_the_owner_records_the_outcome_the_clock_stops_met_and_the_timeline_shows_it(
    closed_claim, agent1
):
    _answer(1, 2)
    task = Task.objects.get(kind="survey_callback")
    services.callback_record(
        task=task,
        actor=agent1,
        reached=True,
        agreed="补发赔款明细并致歉",
        note="客户接受",
        now=ANSWERED_AT + timedelta(hours=3),
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and "补发赔款明细并致歉" in task.result
    assert Deadline.objects.get(task=task).state == DeadlineState.MET
    outcome = CaseEvent.objects.get(kind="callback_outcome")
    assert outcome.actor == agent1 and outcome.data["reached"] is True
    assert outcome.data["agreed"] == "补发赔款明细并致歉" and outcome.data["note"] == "客户接受"


def test_a_callback_recorded_after_its_due_time_is_breached(closed_claim, agent1):
    _answer(2, 3)
    task = Task.objects.get(kind="survey_callback")
    services.callback_record(
        task=task,
        actor=agent1,
        reached=False,
        agreed="",
        note="两次未接通",
        now=at("2026-10-12 15:00"),
    )
    assert Deadline.objects.get(task=task).state == DeadlineState.BREACHED


def test_an_incomplete_record_or_someone_else_is_refused_and_nothing_is_written(
    closed_claim, agent1, agent2
):
    _answer(2, 3)
    task = Task.objects.get(kind="survey_callback")
    now = ANSWERED_AT + timedelta(hours=1)
    with pytest.raises(services.CallbackInvalid) as missing:
        services.callback_record(
            task=task, actor=agent1, reached=True, agreed=" ", note="", now=now
        )
    assert "agreed" in missing.value.details["errors"]
    with pytest.raises(services.CallbackInvalid) as why:
        services.callback_record(
            task=task, actor=agent1, reached=False, agreed="", note="", now=now
        )
    assert "note" in why.value.details["errors"]
    with pytest.raises(kernel.NotAllowed):
        services.callback_record(
            task=task, actor=agent2, reached=True, agreed="x", note="", now=now
        )
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert not CaseEvent.objects.filter(kind="callback_outcome").exists()


def test_the_owner_records_it_on_the_page_others_may_not_open_it(
    closed_claim, agent1, agent2, frozen
):
    frozen.move_to(ANSWERED_AT)
    _answer(1, 0, "态度很差")
    task = Task.objects.get(kind="survey_callback")
    owner = Client()
    owner.login(username=agent1.username, password=PASSWORD)
    listing = owner.get("/feedback/callbacks/")
    assert listing.status_code == 200 and closed_claim.case.number in listing.content.decode()
    url = f"/feedback/callbacks/{task.pk}/"
    page = owner.get(url)
    assert page.status_code == 200 and "态度很差" in page.content.decode()
    bad = owner.post(url, {"reached": "yes", "agreed": ""})
    assert bad.status_code == 422 and Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    done = owner.post(url, {"reached": "yes", "agreed": "上门致歉", "note": ""})
    assert done.status_code == 302
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE
    other = Client()
    other.login(username=agent2.username, password=PASSWORD)
    assert other.get(url).status_code == 403
