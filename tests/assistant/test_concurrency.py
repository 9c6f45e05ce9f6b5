"""Two hand-overs of one conversation at the same moment open one ticket (PostgreSQL)."""

import pytest

from claimdesk.assistant.models import Conversation
from claimdesk.assistant.services import assistant_ask, assistant_hand_over
from claimdesk.service.models import Ticket
from tests.conftest import at, race

NOW = at("2026-09-30 10:00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_hand_overs_open_one_ticket(customer1, agent1):
    first = assistant_ask(question="赔款多久到账", user=customer1, now=NOW)
    pk = first.conversation.pk

    def hand_over(_i):
        conversation = Conversation.objects.get(pk=pk)
        return assistant_hand_over(conversation=conversation, user=customer1, now=NOW).ticket_no

    numbers = race(4, hand_over)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert len(set(numbers)) == 1
    assert Ticket.objects.count() == 1
