"""Two managers releasing the same held message, two samplers at once (PostgreSQL)."""

from __future__ import annotations

import random

import pytest

from claimdesk.compliance import services
from claimdesk.compliance.models import OverrideLog, QaReview
from claimdesk.notify.models import Notification, Status
from claimdesk.notify.services import notification_queue
from claimdesk.staff.roles import Role
from claimdesk.staff.services import user_create
from tests.compliance.test_qa import MONDAY, NEXT_MONDAY, closed_ticket
from tests.conftest import at, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_held_message_is_released_once(customer1, manager1, monkeypatch):
    import claimdesk.notify.services as notify

    monkeypatch.setattr(notify, "_schedule_delivery", lambda: None)
    manager2 = user_create(username="manager2", password="x" * 10, role=Role.MANAGER)
    (row, *_rest) = notification_queue(
        recipient=customer1, subject="保证赔付", now=at("2026-09-30 10:00"), kind="x"
    )
    managers = [manager1, manager2]
    results = race(2, lambda i: services.notification_release(row, managers[i], NEXT_MONDAY))
    assert sorted(results) == [0, 2], results
    assert OverrideLog.objects.count() == 1
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.PENDING}


def test_two_samplers_queue_one_sample(agent1, customer1):
    for day in (28, 29, 30):
        closed_ticket(agent1, customer1, at(f"2026-09-{day} 11:00"))
    closed_ticket(agent1, customer1, at("2026-10-01 11:00"))
    results = race(
        2, lambda i: services.qa_sample(week_start=MONDAY, now=NEXT_MONDAY, rng=random.Random(i))
    )
    assert all(isinstance(r, list) for r in results), results
    assert sorted(len(r) for r in results) == [0, 3]
    assert QaReview.objects.count() == 3
