"""Every outgoing notification is checked: a forbidden promise holds it until released."""

from datetime import timedelta

import pytest
from django.core import mail

from claimdesk.cases.services import NotAllowed
from claimdesk.compliance.models import NotificationHold, OverrideLog
from claimdesk.compliance.services import notification_release
from claimdesk.notify.models import Channel, Notification, Status
from claimdesk.notify.services import notification_queue, notifications_deliver

pytestmark = pytest.mark.django_db


def test_a_clean_notification_is_delivered(customer1, now):
    notification_queue(recipient=customer1, subject="材料已收到", body="谢谢", now=now, kind="t")
    assert notifications_deliver(now=now) == 2
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENT}
    assert NotificationHold.objects.count() == 0


def test_a_forbidden_promise_is_held_and_not_delivered_until_released(
    customer1, manager1, agent1, now
):
    rows = notification_queue(
        recipient=customer1,
        subject="理赔进度",
        body="请放心，百 分 百赔付，最快到账",
        now=now,
        kind="progress",
        phone="13800000000",
    )
    assert {r.channel for r in rows} == {Channel.INAPP, Channel.EMAIL, Channel.SMS}
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.HELD}
    holds = NotificationHold.objects.order_by("pk")
    assert holds.count() == 3
    assert [v["rule"] for v in holds[0].violations] == ["pay_100_percent", "fastest_payout"]

    later = now + timedelta(days=1)
    assert notifications_deliver(now=later) == 0
    assert mail.outbox == []
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.HELD}

    with pytest.raises(NotAllowed):
        notification_release(rows[0], agent1, later)
    assert OverrideLog.objects.count() == 0

    assert notification_release(rows[0], manager1, later) == 3
    log = OverrideLog.objects.get()
    assert log.manager == manager1 and log.created_at == later
    assert log.context.startswith("notification:progress:")
    assert [v["rule"] for v in log.violations] == ["pay_100_percent", "fastest_payout"]
    assert all(h.released_by == manager1 and h.override == log for h in holds.all())
    # released rows are due at once; the in-app and e-mail rows go (SMS has no gateway here)
    Notification.objects.filter(channel=Channel.SMS).delete()
    assert notifications_deliver(now=later) == 2
    assert len(mail.outbox) == 1 and "百 分 百赔付" in mail.outbox[0].body
    # releasing again finds nothing held and logs nothing
    assert notification_release(rows[0], manager1, later) == 0
    assert OverrideLog.objects.count() == 1


def test_forbidden_subject_is_held_too(customer1, now):
    notification_queue(recipient=customer1, subject="保證到账", now=now, kind="x")
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.HELD}
    assert set(Notification.objects.values_list("next_attempt_at", flat=True)) == {None}


def test_a_warning_does_not_hold(customer1, now):
    notification_queue(recipient=customer1, subject="审核后全额赔付", now=now, kind="x")
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.PENDING}


def test_the_held_messages_page(customer1, manager1, agent1, now):
    from django.test import Client

    from tests.conftest import PASSWORD

    notification_queue(recipient=customer1, subject="进度", body="保证今天到账", now=now, kind="x")
    agent = Client()
    agent.login(username="agent1", password=PASSWORD)
    assert agent.get("/compliance/held/").status_code == 403
    manager = Client()
    manager.login(username="manager1", password=PASSWORD)
    r = manager.get("/compliance/held/")
    assert r.status_code == 200
    assert r.content.decode().count('data-testid="held-row"') == 1  # one per message
    hold = NotificationHold.objects.get(notification__channel=Channel.INAPP)
    assert agent.post(f"/compliance/held/{hold.pk}/release/").status_code == 403
    r = manager.post(f"/compliance/held/{hold.pk}/release/")
    assert r.status_code == 302
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.PENDING}
    assert OverrideLog.objects.get().manager == manager1
    r = manager.get("/compliance/held/")
    assert 'data-testid="held-row"' not in r.content.decode()
    assert "保证今天到账" in r.content.decode()  # in the override list now
    assert manager.post(f"/compliance/held/{hold.pk}/release/").status_code == 404
