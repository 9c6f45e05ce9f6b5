"""The append-only timeline, and notifications that leave only after commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction

from claimdesk.cases import selectors, services
from claimdesk.cases.models import CaseEvent
from claimdesk.notify import services as notify
from claimdesk.notify.models import Notification
from tests.cases.conftest import T0, open_claim, step

H = timedelta(hours=1)

# --- append-only ---------------------------------------------------------------------------


@pytest.fixture
def event(agent1, customer1):
    return open_claim(agent1, customer1).events.first()


def test_an_event_cannot_be_changed(event):
    event.kind = "forged"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    assert CaseEvent.objects.get(pk=event.pk).kind == "opened"


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(TypeError):
        event.delete()
    assert CaseEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "write",
    [
        lambda qs: qs.update(kind="forged"),
        lambda qs: qs.delete(),
        lambda qs: qs.filter(kind="opened").update(data={}),
        lambda qs: qs.all().delete(),
        lambda qs: CaseEvent.objects.bulk_update(list(qs), ["kind"]),
    ],
)
def test_querysets_cannot_change_or_delete_events(event, write):
    n = CaseEvent.objects.count()
    with pytest.raises(TypeError), transaction.atomic():
        write(CaseEvent.objects.all())
    assert CaseEvent.objects.count() == n
    assert not CaseEvent.objects.filter(kind="forged").exists()


def test_a_case_with_a_timeline_cannot_be_deleted(event):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        event.case.delete()


def test_a_transition_event_records_who_what_when(agent1, customer1):
    case = open_claim(agent1, customer1)
    case = step(case, "contact", agent1, T0 + H, note="已电话联系")
    e = case.events.get(kind="transition")
    assert (e.at, e.actor, e.action, e.from_status, e.to_status) == (
        T0 + H,
        agent1,
        "contact",
        "reported",
        "reviewing",
    )
    assert e.data == {"note": "已电话联系"}
    assert e.customer_visible


def test_the_customer_view_shows_only_public_events(agent1, customer1, surveyor1):
    case = step(open_claim(agent1, customer1), "contact", agent1, T0)
    case = step(case, "send_to_investigation", agent1, T0 + H)
    services.task_assign(
        case=case, kind="survey", title="查勘", assignee=surveyor1, actor=agent1, now=T0 + H
    )
    full = list(selectors.case_timeline(case))
    public = list(selectors.case_timeline(case, customer_view=True))
    assert {e.kind for e in full} >= {"opened", "transition", "deadline_started", "task_assigned"}
    assert [e.kind for e in public] == ["opened", "transition", "transition"]
    assert all(e.customer_visible for e in public)
    # in time order
    assert [e.at for e in full] == sorted(e.at for e in full)


# --- notifications and transactions ----------------------------------------------------------


def test_a_committed_action_schedules_one_delivery(
    agent1, customer1, django_capture_on_commit_callbacks
):
    case = open_claim(agent1, customer1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        step(case, "contact", agent1, T0 + H)
    # customer1 has an e-mail address: an in-app row and an e-mail row, one delivery run
    rows = Notification.objects.filter(kind="status_changed")
    assert sorted(rows.values_list("channel", flat=True)) == ["email", "inapp"]
    assert len(callbacks) == 1
    assert all(n.sent_at is not None and n.attempts == 1 for n in rows)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["customer1@example.com"]
    assert case.number in mail.outbox[0].subject


def test_many_notifications_in_one_transaction_schedule_one_delivery(
    agent1, customer1, django_capture_on_commit_callbacks
):
    case = open_claim(agent1, customer1)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for i in range(5):
            notify.notification_queue(
                recipient=customer1, subject=f"#{i}", now=T0, kind="test", case=case
            )
    assert len(callbacks) == 1
    assert Notification.objects.filter(kind="test").count() == 10


def test_a_rolled_back_action_notifies_nobody(
    agent1, customer1, django_capture_on_commit_callbacks
):
    case = open_claim(agent1, customer1)
    n = Notification.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        step(case, "contact", agent1, T0 + H)
        assert Notification.objects.count() == n + 2  # queued inside …
        raise RuntimeError("the surrounding work failed")
    assert Notification.objects.count() == n  # … and gone with the rollback
    assert callbacks == []
    assert mail.outbox == []
    assert CaseEvent.objects.filter(case=case, kind="transition").count() == 0


def test_a_rolled_back_savepoint_keeps_the_outer_delivery(
    agent1, customer1, django_capture_on_commit_callbacks
):
    case = open_claim(agent1, customer1)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                notify.notification_queue(recipient=customer1, subject="a", now=T0, kind="x")
                raise RuntimeError
        except RuntimeError:
            pass
        notify.notification_queue(recipient=customer1, subject="b", now=T0, kind="x", case=case)
    assert len(callbacks) == 1  # registered again after the savepoint dropped the first
    assert list(Notification.objects.filter(kind="x").values_list("subject", flat=True)) == [
        "b",
        "b",
    ]


def test_delivery_retries_a_failing_channel(customer1, monkeypatch):
    notify.notification_queue(recipient=customer1, subject="s", now=T0, kind="x")

    def broken(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(notify, "send_mail", broken)
    assert notify.notifications_deliver(now=T0) == 1  # the in-app row
    email = Notification.objects.get(channel="email")
    assert (email.sent_at, email.attempts, email.last_error) == (None, 1, "smtp down")
    monkeypatch.undo()
    assert notify.notifications_deliver(now=T0 + H) == 1
    email.refresh_from_db()
    assert (email.sent_at, email.attempts, email.last_error) == (T0 + H, 2, "")
    assert notify.notifications_deliver(now=T0 + H) == 0  # sent once


def test_delivery_gives_up_after_max_attempts(customer1, monkeypatch):
    notify.notification_queue(recipient=customer1, subject="s", now=T0, kind="x")
    monkeypatch.setattr(notify, "send_mail", lambda *a, **k: 1 / 0)
    for i in range(notify.MAX_ATTEMPTS + 2):
        notify.notifications_deliver(now=T0 + i * timedelta(days=1))  # past each backoff
    email = Notification.objects.get(channel="email")
    assert email.attempts == notify.MAX_ATTEMPTS and email.sent_at is None
    assert email.status == "failed"


def test_a_broker_outage_does_not_fail_the_action(agent1, customer1, monkeypatch, caplog):
    from claimdesk.notify import tasks

    def down():
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.notifications_deliver, "delay", down)
    notify._schedule_delivery()
    assert "could not schedule notification delivery" in caplog.text


def test_marking_read_touches_only_my_unread_notes(customer1, customer2):
    mine = notify.notification_queue(recipient=customer1, subject="s", now=T0, kind="x")
    theirs = notify.notification_queue(recipient=customer2, subject="s", now=T0, kind="x")
    ids = [n.pk for n in mine + theirs]
    assert notify.notification_mark_read(user=customer1, ids=ids, now=T0) == 2
    assert notify.notification_mark_read(user=customer1, ids=ids, now=T0 + H) == 0
    assert not Notification.objects.filter(recipient=customer2, read_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_after_a_real_commit_the_worker_delivers(agent1, customer1):
    """No test transaction around it: on_commit really fires and the eager task sends."""
    case = open_claim(agent1, customer1)
    step(case, "contact", agent1, T0 + H)
    rows = Notification.objects.filter(kind="status_changed")
    assert rows.count() == 2
    assert all(n.sent_at is not None for n in rows)
    assert [m.to for m in mail.outbox] == [["customer1@example.com"]]
    with pytest.raises(services.IllegalTransition):
        step(case, "contact", agent1, T0 + 2 * H)
    assert Notification.objects.filter(kind="status_changed").count() == 2
