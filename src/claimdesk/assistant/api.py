"""FAQ assistant endpoints: ask, hand over to a person, read one's own conversation.

Signed-in callers only (bearer token or session), like the rest of the API: every question
is recorded with its user, and a hand-over opens a ticket in the caller's name. Anonymous
visitors use the portal page, which ties their conversation to the browser session.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from claimdesk.assistant import selectors, services
from claimdesk.assistant.models import Conversation, Turn
from claimdesk.cases.api import CaseProblem
from claimdesk.types import AuthedRequest

router = Router(tags=["assistant"])


class AssistantAskIn(Schema):
    question: str = Field(
        ...,
        max_length=10000,
        description=f"The customer's question, at most {services.MAX_QUESTION} characters "
        "after trimming (longer: 400).",
    )
    conversation_id: uuid.UUID | None = Field(
        None, description="Continue this conversation (one of the caller's own)."
    )
    language: Literal["zh-hans", "en"] | None = Field(
        None, description="Answer language; by default the question's (Chinese or English)."
    )


class AssistantSourceOut(Schema):
    id: int
    question: str


class AssistantAnswerOut(Schema):
    answer: str
    source: AssistantSourceOut | None = Field(
        None, description="The knowledge-base entry answering."
    )
    score: float = Field(..., description="Ranking score of the source, 0..1.")
    confidence: float = Field(..., description="0..1; below the threshold it hands over.")
    handed_over: bool
    ticket_no: str | None = Field(None, description="The inquiry ticket opened on hand-over.")
    conversation_id: uuid.UUID


class AssistantTurnOut(Schema):
    question: str
    answer: str
    source: AssistantSourceOut | None = None
    score: float
    confidence: float
    handed_over: bool
    ticket_no: str | None = None
    asked_at: datetime


class AssistantConversationOut(Schema):
    id: uuid.UUID
    language: str
    started_at: datetime
    ticket_no: str | None = None
    turns: list[AssistantTurnOut]


def _source(entry_id: int | None, question: str) -> dict | None:
    return {"id": entry_id, "question": question} if entry_id else None


def _reply_out(reply: services.Reply) -> dict:
    lang = reply.language
    return {
        "answer": reply.answer,
        "source": _source(reply.entry.id, reply.entry.question(lang)) if reply.entry else None,
        "score": reply.score,
        "confidence": reply.confidence,
        "handed_over": reply.handed_over,
        "ticket_no": reply.ticket_no,
        "conversation_id": reply.conversation.pk,
    }


def _turn_out(turn: Turn) -> dict:
    return {
        "question": turn.question,
        "answer": turn.answer,
        "source": _source(turn.entry_id, turn.source_question()) if turn.entry else None,
        "score": turn.score,
        "confidence": turn.confidence,
        "handed_over": turn.handed_over,
        "ticket_no": turn.ticket_no or None,
        "asked_at": turn.asked_at,
    }


def _own(request: HttpRequest, conversation_id) -> Conversation:
    conversation = selectors.conversation_for(request.user, conversation_id)
    if conversation is None:
        raise services.ConversationNotFound(_("No such conversation."))
    return conversation


@router.post(
    "/assistant/ask",
    response={200: AssistantAnswerOut, 400: CaseProblem, 403: CaseProblem, 404: CaseProblem},
)
def assistant_ask(request: AuthedRequest, payload: AssistantAskIn):
    """Answer a question from the knowledge base, with its source entry and confidence.

    Below the confidence threshold, or when the question asks for a person ("转人工",
    "human"), the conversation is handed over: an inquiry ticket is opened with the
    conversation attached and its number returned.
    """
    conversation = _own(request, payload.conversation_id) if payload.conversation_id else None
    reply = services.assistant_ask(
        question=payload.question,
        user=request.user,
        now=timezone.now(),
        conversation=conversation,
        language=payload.language,
    )
    return Status(200, _reply_out(reply))


@router.post(
    "/assistant/conversations/{conversation_id}/handover",
    response={200: AssistantAnswerOut, 400: CaseProblem, 403: CaseProblem, 404: CaseProblem},
)
def assistant_hand_over(request: AuthedRequest, conversation_id: uuid.UUID):
    """Hand one's conversation to a person: an inquiry ticket with the conversation."""
    conversation = _own(request, conversation_id)
    reply = services.assistant_hand_over(
        conversation=conversation, user=request.user, now=timezone.now()
    )
    return Status(200, _reply_out(reply))


@router.get(
    "/assistant/conversations/{conversation_id}",
    response={200: AssistantConversationOut, 404: CaseProblem},
)
def assistant_conversation(request: AuthedRequest, conversation_id: uuid.UUID):
    """One's own conversation, turn by turn (anyone else's: 404)."""
    conversation = _own(request, conversation_id)
    return Status(
        200,
        {
            "id": conversation.pk,
            "language": conversation.language,
            "started_at": conversation.started_at,
            "ticket_no": conversation.ticket_no or None,
            "turns": [_turn_out(t) for t in selectors.conversation_turns(conversation)],
        },
    )
