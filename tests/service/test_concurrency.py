"""Two replies at the same moment on a new ticket: both are kept, one reply transition."""

from __future__ import annotations

import pytest

from claimdesk.service.models import Ticket
from claimdesk.service.services import ticket_open, ticket_reply
from tests.conftest import race
from tests.service.conftest import T0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_replies_are_serialised(agent1, manager1, customer1):
    ticket = ticket_open(
        customer=customer1,
        actor=agent1,
        category="inquiry",
        subject="进度",
        body="到哪一步了",
        channel="hotline",
        now=T0,
    )
    repliers = [agent1, manager1]

    def work(i: int):
        return ticket_reply(
            ticket=Ticket.objects.get(pk=ticket.pk),
            actor=repliers[i],
            now=T0,
            body=f"您好，已收到（{i}）",
        )

    results = race(2, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert ticket.messages.filter(from_customer=False).count() == 2
    assert ticket.case.events.filter(kind="transition", action="reply").count() == 1
