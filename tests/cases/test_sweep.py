"""The SLA sweep: reminders at 75 %, overdue warnings at due, escalations at 125 %, once each."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command

from claimdesk.cases import services, tasks
from claimdesk.cases.models import CaseEvent, Deadline, DeadlineAlert
from claimdesk.cases.services import SweepResult, deadline_sweep
from claimdesk.notify.models import Notification
from claimdesk.staff.roles import Role
from claimdesk.staff.services import user_create
from tests.cases.conftest import T0, open_claim, step
from tests.conftest import PASSWORD, at

# The contact clock of a claim reported at T0 (see test_clocks): remind 8 Oct 14:30,
# due 9 Oct 00:00, escalate 9 Oct 09:30.
REMIND, DUE, ESCALATE = at("2026-10-08 14:30"), at("2026-10-09 00:00"), at("2026-10-09 09:30")
SEC = timedelta(seconds=1)


def _counts(r: SweepResult) -> tuple[int, int, int]:
    return (r.reminders, r.overdue, r.escalations)


def test_each_milestone_is_raised_once_at_its_time(agent1, customer1, manager1):
    case = open_claim(agent1, customer1)
    contact = case.deadlines.get(rule__code="contact")
    Notification.objects.all().delete()

    assert _counts(deadline_sweep(now=REMIND - SEC)) == (0, 0, 0)

    assert _counts(deadline_sweep(now=REMIND)) == (1, 0, 0)
    assert _counts(deadline_sweep(now=REMIND)) == (0, 0, 0)
    contact.refresh_from_db()
    assert contact.reminded_at == REMIND
    assert contact.next_action_at == DUE
    alert = DeadlineAlert.objects.get(kind="reminder")
    assert (alert.deadline, alert.recipient, alert.raised_at) == (contact, agent1, REMIND)
    note = Notification.objects.get(kind="reminder")
    assert note.recipient == agent1 and note.case == case
    assert case.number in note.subject and "2026-10-09 00:00" in note.subject

    assert _counts(deadline_sweep(now=DUE - SEC)) == (0, 0, 0)
    assert _counts(deadline_sweep(now=DUE)) == (0, 1, 0)
    assert _counts(deadline_sweep(now=DUE + SEC)) == (0, 0, 0)
    assert Notification.objects.get(kind="overdue").recipient == agent1

    assert _counts(deadline_sweep(now=ESCALATE)) == (0, 0, 1)
    assert _counts(deadline_sweep(now=ESCALATE + timedelta(days=1))) == (0, 0, 0)
    escalation = DeadlineAlert.objects.get(kind="escalation")
    assert escalation.recipient == manager1  # agent1's StaffProfile.manager
    note = Notification.objects.get(kind="escalation")
    assert note.recipient == manager1 and "agent1" in note.subject

    contact.refresh_from_db()
    assert (contact.reminded_at, contact.warned_at, contact.escalated_at) == (REMIND, DUE, ESCALATE)
    assert contact.next_action_at is None
    assert contact.state == "running"  # the sweep warns; only the work stops a clock
    events = CaseEvent.objects.filter(case=case, kind__in=["reminder", "overdue", "escalation"])
    assert [(e.kind, e.data["to"], e.actor) for e in events] == [
        ("reminder", "agent1", None),
        ("overdue", "agent1", None),
        ("escalation", "manager1", None),
    ]
    assert not any(e.customer_visible for e in events)


def test_a_late_sweep_raises_everything_that_came_due(agent1, customer1, manager1):
    open_claim(agent1, customer1)
    r = deadline_sweep(now=ESCALATE + timedelta(hours=1))
    assert _counts(r) == (1, 1, 1)
    assert str(r) == "reminders=1 overdue=1 escalations=1"
    assert _counts(deadline_sweep(now=ESCALATE + timedelta(hours=2))) == (0, 0, 0)
    assert DeadlineAlert.objects.count() == 3


def test_a_paused_clock_raises_nothing(agent1, customer1, manager1):
    case = step(open_claim(agent1, customer1), "contact", agent1, T0 + timedelta(hours=1))
    case = step(case, "request_materials", agent1, T0 + timedelta(hours=2), items="发票")
    far = at("2027-03-01 00:00")  # long past every milestone of the statutory clock
    assert _counts(deadline_sweep(now=far)) == (0, 0, 0)
    assert not DeadlineAlert.objects.exists()
    # resumed: its milestones are counted from the resume, the sweep follows them
    case = step(case, "materials_received", agent1, far)
    stat = case.deadlines.get(rule__code="decision_statutory")
    assert stat.remind_at > far
    assert _counts(deadline_sweep(now=stat.remind_at - SEC)) == (0, 0, 0)
    assert _counts(deadline_sweep(now=stat.remind_at)) == (1, 0, 0)


def test_a_stopped_clock_raises_nothing(agent1, customer1, manager1):
    step(open_claim(agent1, customer1), "contact", agent1, T0 + timedelta(hours=1))
    # only the statutory clock (due 31 Oct) is left running
    assert _counts(deadline_sweep(now=ESCALATE)) == (0, 0, 0)


def test_counts_over_many_clocks_and_small_batches(agent1, agent2, customer1, manager1):
    open_claim(agent1, customer1)  # contact: remind 8 Oct 14:30
    open_claim(agent2, customer1, now=at("2026-09-29 10:00"))  # contact due 30 Sept 24:00
    services.case_open(
        kind="ticket", title="复杂", category="complex", actor=agent1, now=at("2026-10-08 00:00")
    )  # 24 h: remind 18:00, due 9 Oct 00:00, escalate 06:00
    # at 9 Oct 00:00: claim 1 reminded + overdue, claim 2 all three, ticket reminded + overdue
    r = deadline_sweep(now=DUE, batch=1)
    assert _counts(r) == (3, 3, 1)
    assert DeadlineAlert.objects.count() == sum(_counts(r))
    assert Notification.objects.filter(kind__in=["reminder", "overdue", "escalation"]).count() == 7
    assert not Deadline.objects.filter(next_action_at__lte=DUE).exists()


def test_escalation_goes_to_any_manager_when_none_is_on_file(loner, manager1, customer1):
    open_claim(loner, customer1)
    deadline_sweep(now=ESCALATE)
    assert DeadlineAlert.objects.get(kind="escalation").recipient == manager1


def test_escalation_with_no_manager_at_all_stays_with_the_owner(loner, customer1):
    open_claim(loner, customer1)
    deadline_sweep(now=ESCALATE)
    assert DeadlineAlert.objects.get(kind="escalation").recipient == loner


def test_task_clocks_alert_their_holder_and_escalate_to_their_manager(agent1, customer1, manager1):
    boss = user_create(
        username="boss", password=PASSWORD, role=Role.MANAGER, email="boss@example.com"
    )
    surveyor = user_create(username="sv", password=PASSWORD, role=Role.SURVEYOR, manager=boss)
    case = step(open_claim(agent1, customer1), "contact", agent1, T0)
    services.task_assign(
        case=case,
        kind="survey",
        title="现场查勘",
        assignee=surveyor,
        actor=agent1,
        now=T0,
        rule_code="survey_onsite",
    )
    Notification.objects.all().delete()
    r = deadline_sweep(now=T0 + timedelta(hours=60))  # 48 h: remind 36 h, escalate 60 h
    assert _counts(r) == (1, 1, 1)
    alerts = dict(DeadlineAlert.objects.values_list("kind", "recipient__username"))
    assert alerts == {"reminder": "sv", "overdue": "sv", "escalation": "boss"}
    # the boss has an e-mail address: in-app and e-mail; the surveyor in-app only
    rows = sorted(Notification.objects.values_list("recipient__username", "kind", "channel"))
    assert rows == [
        ("boss", "escalation", "email"),
        ("boss", "escalation", "inapp"),
        ("sv", "overdue", "inapp"),
        ("sv", "reminder", "inapp"),
    ]


def test_an_alert_raised_before_is_never_raised_again(agent1, customer1, manager1):
    """Even if a clock's mark were lost, the unique alert keeps the sweep from failing."""
    case = open_claim(agent1, customer1)
    deadline_sweep(now=REMIND)
    Deadline.objects.filter(case=case, rule__code="contact").update(
        reminded_at=None, next_action_at=REMIND
    )
    assert _counts(deadline_sweep(now=REMIND)) == (0, 0, 0)
    assert DeadlineAlert.objects.filter(kind="reminder").count() == 1


def test_an_idle_sweep_reads_only_the_due_index(agent1, customer1, django_assert_max_num_queries):
    for _ in range(5):
        open_claim(agent1, customer1)
    with django_assert_max_num_queries(3):
        assert _counts(deadline_sweep(now=T0 + timedelta(hours=1))) == (0, 0, 0)


def test_the_sweep_command_and_task(agent1, customer1, manager1, capsys):
    open_claim(agent1, customer1)
    with time_machine.travel(REMIND, tick=False):
        call_command("sweep")
        assert capsys.readouterr().out.strip() == "reminders=1 overdue=0 escalations=0"
    with time_machine.travel(ESCALATE, tick=False):
        assert tasks.deadline_sweep.delay().get() == {
            "reminders": 0,
            "overdue": 1,
            "escalations": 1,
        }


@pytest.mark.parametrize("kind", ["reminder", "overdue", "escalation"])
def test_alert_subjects_say_what_and_when(kind, agent1, customer1, manager1):
    case = open_claim(agent1, customer1)
    deadline_sweep(now=ESCALATE)
    subject = Notification.objects.get(kind=kind).subject
    assert case.number in subject
    assert "2026-10-09 00:00" in subject


def test_escalation_skips_a_manager_who_has_left(agent1, customer1, manager1):
    from django.contrib.auth import get_user_model

    successor = user_create(username="manager2", password=PASSWORD, role=Role.MANAGER)
    get_user_model().objects.filter(pk=manager1.pk).update(is_active=False)
    open_claim(agent1, customer1)
    deadline_sweep(now=ESCALATE)
    assert DeadlineAlert.objects.get(kind="escalation").recipient == successor
