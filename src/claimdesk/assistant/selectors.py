"""FAQ assistant reads: a conversation only for the one who had it."""

from __future__ import annotations

import uuid

from claimdesk.assistant.models import Conversation, Turn
from claimdesk.types import Viewer


def conversation_for(
    user: Viewer | None, conversation_id, *, session_key: str = ""
) -> Conversation | None:
    """The conversation if it is ``user``'s own (or, for an anonymous visitor, this browser
    session's); None for anyone else's, so callers answer 404 and reveal nothing."""
    try:
        pk = uuid.UUID(str(conversation_id))
    except (TypeError, ValueError):
        return None
    qs = Conversation.objects.filter(pk=pk)
    if user is not None and user.is_authenticated:
        return qs.filter(user=user).first()
    if not session_key:
        return None
    return qs.filter(user__isnull=True, session_key=session_key).first()


def conversation_turns(conversation: Conversation) -> list[Turn]:
    return list(conversation.turns.select_related("entry").order_by("asked_at", "id"))
