"""Asking, recording the conversation, and handing over to a person with a ticket."""

import pytest

from claimdesk.assistant.models import AssistantSettings, Conversation, Turn
from claimdesk.assistant.services import AssistantError, assistant_ask, assistant_hand_over
from claimdesk.service.models import Ticket
from tests.conftest import at

pytestmark = pytest.mark.django_db
NOW = at("2026-09-30 10:00")


def _ticket(number: str) -> Ticket:
    return Ticket.objects.select_related("case").get(case__number=number)


def test_an_answer_comes_with_its_source_and_is_recorded(customer1):
    reply = assistant_ask(question="赔款多久到账", user=customer1, now=NOW)
    assert not reply.handed_over and reply.ticket_no is None
    assert reply.entry.slug == "payment_time"
    assert "5个工作日" in reply.answer
    turn = Turn.objects.get()
    assert turn.conversation.user == customer1
    assert turn.entry.slug == "payment_time" and turn.confidence == reply.confidence


def test_an_english_question_gets_the_english_answer(customer1):
    reply = assistant_ask(question="How do I make a complaint?", user=customer1, now=NOW)
    assert reply.entry.slug == "complaint" and "95500" in reply.answer
    assert reply.answer.startswith("Call the 95500 hotline")


def test_the_conversation_goes_on(customer1):
    first = assistant_ask(question="怎么报案", user=customer1, now=NOW)
    second = assistant_ask(
        question="报案后多久联系我", user=customer1, now=NOW, conversation=first.conversation
    )
    assert second.conversation == first.conversation
    assert Conversation.objects.count() == 1 and Turn.objects.count() == 2


def test_an_unrelated_question_hands_over_with_an_inquiry_ticket(customer1, agent1):
    assistant_ask(question="理赔需要什么材料", user=customer1, now=NOW)
    reply = assistant_ask(
        question="今天天气怎么样",
        user=customer1,
        now=NOW,
        conversation=Conversation.objects.get(),
    )
    assert reply.handed_over and reply.entry is None and reply.ticket_no
    ticket = _ticket(reply.ticket_no)
    assert ticket.case.category == "inquiry" and ticket.channel == "assistant"
    assert ticket.case.customer == customer1
    body = ticket.messages.get().body
    assert "理赔需要什么材料" in body and "今天天气怎么样" in body
    assert "materials_general" in body  # the source entry of the answered turn
    assert reply.ticket_no in reply.answer and "已为您创建工单" in reply.answer


def test_asking_for_a_person_hands_over_and_the_ticket_holds_the_conversation(customer1, agent1):
    first = assistant_ask(question="对定损结果不满意怎么办", user=customer1, now=NOW)
    reply = assistant_ask(
        question="转人工", user=customer1, now=NOW, conversation=first.conversation
    )
    assert reply.handed_over and reply.ticket_no
    body = _ticket(reply.ticket_no).messages.get().body
    assert "对定损结果不满意怎么办" in body and "转人工" in body
    assert first.answer[:20] in body
    assert Conversation.objects.get().ticket_no == reply.ticket_no


def test_a_second_hand_over_adds_what_was_said_since_to_the_open_ticket(customer1, agent1):
    first = assistant_ask(question="转人工", user=customer1, now=NOW)
    assistant_ask(
        question="免赔额是什么意思", user=customer1, now=NOW, conversation=first.conversation
    )
    again = assistant_hand_over(conversation=first.conversation, user=customer1, now=NOW)
    assert again.ticket_no == first.ticket_no
    assert Ticket.objects.count() == 1
    first_message, later = _ticket(first.ticket_no).messages.order_by("id")
    assert "免赔额是什么意思" not in first_message.body
    assert "免赔额是什么意思" in later.body and later.from_customer
    assert "1. " in later.body and "转人工" not in later.body.split("\n", 2)[1]


def test_a_hand_over_after_the_ticket_closed_opens_a_new_one(customer1, agent1):
    first = assistant_ask(question="转人工", user=customer1, now=NOW)
    Ticket.objects.get().case.__class__.objects.update(is_open=False)
    again = assistant_hand_over(conversation=first.conversation, user=customer1, now=NOW)
    assert again.ticket_no != first.ticket_no and Ticket.objects.count() == 2


def test_an_anonymous_visitor_may_ask_but_not_hand_over(db):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    reply = assistant_ask(question="怎么查理赔进度", user=anonymous, now=NOW, session_key="s1")
    assert reply.entry.slug == "progress"
    assert reply.conversation.user is None and reply.conversation.session_key == "s1"
    person = assistant_ask(
        question="转人工", user=anonymous, now=NOW, conversation=reply.conversation
    )
    assert not person.handed_over and person.ticket_no is None
    assert "95500" in person.answer
    assert Ticket.objects.count() == 0


def test_an_english_hand_over_is_said_in_english(customer1, agent1):
    reply = assistant_ask(question="I want to talk to a human", user=customer1, now=NOW)
    assert reply.handed_over
    assert reply.answer.startswith("You asked for a person. Ticket " + reply.ticket_no)


def test_staff_are_not_handed_over_as_customers(agent1):
    reply = assistant_ask(question="转人工", user=agent1, now=NOW)
    assert not reply.handed_over and Ticket.objects.count() == 0


def test_the_admin_threshold_decides_when_to_hand_over(customer1, agent1):
    AssistantSettings.objects.update_or_create(pk=1, defaults={"threshold": 0.99})
    reply = assistant_ask(question="赔款多久到账", user=customer1, now=NOW)
    assert reply.handed_over and reply.ticket_no


@pytest.mark.parametrize("question", ["", "   ", "问" * 501])
def test_empty_or_too_long_questions_are_refused(customer1, question):
    with pytest.raises(AssistantError):
        assistant_ask(question=question, user=customer1, now=NOW)
    assert Turn.objects.count() == 0
