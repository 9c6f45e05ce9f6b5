"""Three delivery workers at once on PostgreSQL: every message leaves exactly once."""

from __future__ import annotations

from collections import Counter

import pytest

from claimdesk.notify import services as notify
from claimdesk.notify.models import Channel, Notification, Status
from tests.cases.conftest import T0
from tests.conftest import race

pytestmark = pytest.mark.postgres


def test_three_workers_send_each_sms_once(
    transactional_db, customer2, receiver, settings, monkeypatch
):
    settings.CLAIMDESK_SMS_URL = f"{receiver.url}/sms"
    settings.CLAIMDESK_NOTIFY_TIMEOUT, settings.CLAIMDESK_NOTIFY_LEASE_SECONDS = 2, 20
    receiver.delay = 0.01  # claims of 5 rows, 50 ms each: the workers interleave
    monkeypatch.setattr(notify, "_schedule_delivery", lambda: None)  # the race delivers
    for i in range(60):
        notify.notification_queue(
            recipient=customer2, subject=f"#{i}", now=T0, kind="x", phone=f"1390000{i:04d}"
        )
    results = race(3, lambda i: notify.notifications_deliver(now=T0, limit=500))
    assert all(isinstance(r, int) for r in results), results
    sms = Notification.objects.filter(channel=Channel.SMS)
    assert Counter(r.json["id"] for r in receiver.requests) == Counter(
        {pk: 1 for pk in sms.values_list("pk", flat=True)}
    )
    assert set(sms.values_list("status", "attempts")) == {(Status.SENT, 1)}
    assert sum(results) == 60 + 60  # the in-app rows and the SMS, each counted once
    assert sum(1 for r in results if r) >= 2, results  # the work really was shared
