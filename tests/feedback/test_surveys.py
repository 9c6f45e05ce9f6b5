"""Surveys after closure: sent once within 3 working days, one reminder, answered by token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from claimdesk.cases import services as kernel
from claimdesk.cases.models import CaseEvent, Deadline, DeadlineState
from claimdesk.feedback import services
from claimdesk.feedback.models import Survey
from claimdesk.feedback.tasks import feedback_sweep
from claimdesk.notify.models import Channel, Notification
from claimdesk.workdays.clocks import local_midnight
from tests.claims.conftest import ClaimsApi
from tests.conftest import at
from tests.feedback.conftest import closed_ticket

CLOSED_AT = at("2026-09-30 11:00")  # Wed, the day before the National Day holiday


def survey_messages(user):
    return Notification.objects.filter(recipient=user, kind="survey", channel=Channel.INAPP)


def test_closed_claim_gets_one_survey_and_the_followup_clock_is_met(closed_claim, customer1):
    case = closed_claim.case
    followup = Deadline.objects.get(case=case, rule__code="followup")
    # 3 working days after Wed 30 Sept: Thu 8, Fri 9, Sat 10 Oct (调休) → end of 10 Oct.
    assert followup.due_at == local_midnight(at("2026-10-11 00:00").date())
    now = CLOSED_AT + timedelta(hours=1)
    assert services.feedback_sweep(now=now)["surveys_sent"] == 1
    assert services.feedback_sweep(now=now + timedelta(hours=1))["surveys_sent"] == 0
    survey = Survey.objects.get()
    assert survey.case == case and survey.customer == customer1
    assert survey.staff == case.owner and survey.closed_at == CLOSED_AT
    assert survey.sent_at <= followup.due_at
    assert len(survey.token) >= 40
    case.refresh_from_db()
    followup.refresh_from_db()
    assert case.status == "followed_up" and followup.state == DeadlineState.MET
    event = case.events.get(kind="transition", action="follow_up")
    assert event.actor == case.owner and event.data == {"via": "survey"}
    message = survey_messages(customer1).get()
    assert f"/feedback/s/{survey.token}/" in message.body
    assert Notification.objects.filter(kind="survey", channel=Channel.EMAIL).count() == 1


def test_the_celery_task_runs_the_sweep(closed_claim, frozen):
    frozen.move_to(CLOSED_AT + timedelta(hours=2))
    result = feedback_sweep.delay().get()
    assert result["surveys_sent"] == 1 and Survey.objects.count() == 1


def test_owner_without_followup_permission_leaves_it_to_staff(closed_claim, adjuster1, manager1):
    case = closed_claim.case
    kernel.case_reassign(
        case=case, new_owner=adjuster1, actor=manager1, now=CLOSED_AT, reason="leaver"
    )
    services.feedback_sweep(now=CLOSED_AT + timedelta(hours=1))
    case.refresh_from_db()
    assert Survey.objects.get().staff == adjuster1
    assert case.status == "closed"
    assert case.events.filter(kind="followup_left_to_staff").exists()
    assert Deadline.objects.get(case=case, rule__code="followup").state == DeadlineState.RUNNING


def test_one_reminder_after_two_working_days_never_more(closed_claim, customer1):
    services.feedback_sweep(now=CLOSED_AT + timedelta(hours=1))  # sent Wed 30 Sept
    # 1–7 Oct are holidays: the second working day after 30 Sept is Fri 9 Oct.
    assert services.feedback_sweep(now=at("2026-10-08 10:00"))["reminders_sent"] == 0
    assert services.feedback_sweep(now=at("2026-10-09 09:00"))["reminders_sent"] == 1
    assert services.feedback_sweep(now=at("2026-10-09 10:00"))["reminders_sent"] == 0
    assert services.feedback_sweep(now=at("2026-10-14 10:00"))["reminders_sent"] == 0
    assert survey_messages(customer1).count() == 2
    assert Survey.objects.get().reminded_at == at("2026-10-09 09:00")


def test_answered_survey_gets_no_reminder(closed_claim):
    services.feedback_sweep(now=CLOSED_AT + timedelta(hours=1))
    survey = Survey.objects.get()
    services.survey_answer(token=survey.token, csat=5, nps=10, now=at("2026-10-08 10:00"))
    assert services.feedback_sweep(now=at("2026-10-12 10:00"))["reminders_sent"] == 0


def test_page_works_without_login_and_refuses_a_second_answer(closed_claim, frozen, agent1):
    frozen.move_to(CLOSED_AT + timedelta(hours=1))
    services.feedback_sweep(now=CLOSED_AT + timedelta(hours=1))
    survey = Survey.objects.get()
    client = Client()
    url = f"/feedback/s/{survey.token}/"
    page = client.get(url)
    assert page.status_code == 200 and b'name="csat"' in page.content
    bad = client.post(url, {"csat": "9", "nps": "3"})
    assert bad.status_code == 422 and Survey.objects.get().answered_at is None
    done = client.post(url, {"csat": "4", "nps": "9", "comment": "理赔很快"})
    assert done.status_code == 200 and b'data-state="thanks"' in done.content
    again = client.post(url, {"csat": "1", "nps": "0"})
    assert again.status_code == 409 and b'data-state="answered"' in again.content
    survey.refresh_from_db()
    assert (survey.csat, survey.nps, survey.comment) == (4, 9, "理赔很快")
    event = CaseEvent.objects.get(kind="survey_answered")
    assert event.customer_visible and event.case == survey.case
    assert event.data["staff"] == agent1.username
    assert client.get("/feedback/s/not-a-token/").status_code == 404


def test_expired_link_shows_a_clear_page(closed_claim, frozen):
    services.feedback_sweep(now=CLOSED_AT + timedelta(hours=1))
    survey = Survey.objects.get()
    frozen.move_to(survey.expires_at + timedelta(minutes=1))
    page = Client().get(f"/feedback/s/{survey.token}/")
    assert page.status_code == 410 and b'data-state="expired"' in page.content
    with pytest.raises(services.SurveyExpired):
        services.survey_answer(
            token=survey.token, csat=3, nps=5, now=survey.expires_at + timedelta(minutes=1)
        )


def test_api_answers_without_auth_validates_and_refuses_twice(closed_claim, frozen):
    frozen.move_to(CLOSED_AT + timedelta(hours=1))
    services.feedback_sweep(now=CLOSED_AT + timedelta(hours=1))
    token = Survey.objects.get().token
    api = ClaimsApi()
    got = api.get(f"/feedback/surveys/{token}")
    assert got.status_code == 200 and got.json()["state"] == "open"
    bad = api.post(f"/feedback/surveys/{token}", {"csat": 6, "nps": 11})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"csat", "nps"}
    ok = api.post(f"/feedback/surveys/{token}", {"csat": 5, "nps": 10, "comment": "好"})
    assert ok.status_code == 200 and ok.json()["state"] == "answered"
    assert api.post(f"/feedback/surveys/{token}", {"csat": 1, "nps": 0}).status_code == 409
    assert api.get("/feedback/surveys/unknown-token").status_code == 404
    assert Survey.objects.get().csat == 5


def test_no_survey_to_staff_or_without_customer(db, agent1, agent2, customer1):
    closed_ticket(
        customer=agent2, agent=agent1, opened=at("2026-10-12 10:00"), closed=at("2026-10-12 12:00")
    )
    closed_ticket(
        customer=None, agent=agent1, opened=at("2026-10-12 10:00"), closed=at("2026-10-12 12:00")
    )
    mine = closed_ticket(
        customer=customer1,
        agent=agent1,
        opened=at("2026-10-12 10:00"),
        closed=at("2026-10-12 12:00"),
    )
    assert services.feedback_sweep(now=at("2026-10-12 13:00"))["surveys_sent"] == 1
    survey = Survey.objects.get()
    assert survey.case == mine and survey.customer == customer1 and survey.staff == agent1
    assert not Notification.objects.filter(recipient=agent2, kind="survey").exists()


def test_open_and_withdrawn_cases_get_no_survey(closed_claim, auto_policy, customer1, agent1):
    from claimdesk.claims.services import claim_report
    from tests.feedback.conftest import report

    other = claim_report(
        reporter=customer1,
        report=report(loss_place="北京市朝阳区"),
        channel="portal",
        now=CLOSED_AT,
    ).claim
    kernel.case_transition(
        case=other.case, action="withdraw", actor=agent1, now=CLOSED_AT, data={"reason": "客户撤案"}
    )
    services.feedback_sweep(now=CLOSED_AT + timedelta(hours=1))
    assert list(Survey.objects.values_list("case", flat=True)) == [closed_claim.case.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_sweeps_send_one_survey(closed_claim, customer1):
    from tests.conftest import race

    now = CLOSED_AT + timedelta(hours=1)
    results = race(4, lambda i: services.surveys_send_due(now=now))
    assert sum(r for r in results if isinstance(r, int)) == 1, results
    assert Survey.objects.count() == 1
    assert survey_messages(customer1).count() == 1
