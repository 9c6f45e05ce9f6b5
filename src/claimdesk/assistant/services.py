"""FAQ assistant writes: answer a question (recording the turn), hand a conversation over to
a person (an inquiry ticket with the conversation attached), and seed the knowledge base.

Every function takes ``now`` from its caller. The search index is cached per process and
rebuilt when an entry or the settings change (``claimdesk.cache.ReferenceCache``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import override

from claimdesk.assistant import rules, search
from claimdesk.assistant.models import AssistantSettings, Conversation, FaqEntry, Turn
from claimdesk.cache import ReferenceCache
from claimdesk.cases.services import CaseError, GuardFailed
from claimdesk.staff.services import is_staff_member
from claimdesk.types import Actor, Viewer, signed_in

MAX_QUESTION = 500
DEFAULT_THRESHOLD = rules.DEFAULT_THRESHOLD
DEFAULT_BLEND = rules.DEFAULT_BLEND
MAX_TURNS_IN_TICKET = 30


class AssistantError(CaseError):
    status = 400


class ConversationNotFound(CaseError):
    status = 404


@dataclass(frozen=True)
class Reply:
    """What the assistant said to one question."""

    conversation: Conversation
    turn: Turn
    language: str
    answer: str
    entry: search.EntryText | None
    score: float
    confidence: float
    handed_over: bool
    ticket_no: str | None


# --- the cached index -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Loaded:
    index: search.FaqIndex
    threshold: float
    fingerprint: tuple


def _fingerprint() -> tuple:
    """One cheap aggregate that changes whenever the active entries do, whatever wrote them
    (a flush and re-seed, a bulk update, another process)."""
    return tuple(
        FaqEntry.objects.filter(active=True)
        .aggregate(n=Count("pk"), top=Max("pk"), at=Max("updated_at"))
        .values()
    )


def _load() -> _Loaded:
    config = assistant_settings()
    entries = [
        search.EntryText(
            id=e.pk,
            slug=e.slug,
            question_zh=e.question_zh,
            question_en=e.question_en,
            answer_zh=e.answer_zh,
            answer_en=e.answer_en,
            alternates=tuple(e.alternate_list()),
            keywords=e.keywords,
            version=e.updated_at.isoformat() if e.updated_at else "",
        )
        for e in FaqEntry.objects.filter(active=True).order_by("pk")
    ]
    model = search.embedder() if config.use_embeddings else None
    index = search.FaqIndex(entries, model=model, blend=DEFAULT_BLEND)
    return _Loaded(index, config.threshold, _fingerprint())


_index_cache = ReferenceCache(_load, FaqEntry, AssistantSettings, ttl=300.0)


def _loaded() -> _Loaded:
    """The cached index, checked against the table: an answer never cites a gone entry."""
    loaded = _index_cache.get()
    if loaded.fingerprint != _fingerprint():
        _index_cache.clear()
        loaded = _index_cache.get()
    return loaded


def faq_index() -> search.FaqIndex:
    return _loaded().index


def assistant_settings() -> AssistantSettings:
    """The one settings row (made with the defaults when missing)."""
    config = AssistantSettings.objects.filter(pk=1).first()
    return config or AssistantSettings(pk=1, threshold=DEFAULT_THRESHOLD)


# --- asking -----------------------------------------------------------------------------------


def clean_question(question: str) -> str:
    """The question stripped; an empty or over-long one is a clear 400."""
    text = " ".join((question or "").split())
    if not text:
        raise AssistantError(_("Please type a question."))
    if len(text) > MAX_QUESTION:
        raise AssistantError(
            _("A question may be at most %(max)d characters long.") % {"max": MAX_QUESTION}
        )
    return text


def conversation_start(
    *, user: Viewer | None, now: datetime, language: str, session_key: str = ""
) -> Conversation:
    return Conversation.objects.create(
        user=user if signed_in(user) else None,
        session_key="" if signed_in(user) else session_key,
        language=language,
        started_at=now,
    )


def assistant_ask(
    *,
    question: str,
    user: Viewer | None,
    now: datetime,
    conversation: Conversation | None = None,
    language: str | None = None,
    session_key: str = "",
) -> Reply:
    """Answer ``question`` from the knowledge base and record the turn.

    When the customer asks for a person, or the best answer's confidence is below the
    admin's threshold, the conversation is handed over: a signed-in customer gets an
    inquiry ticket with the conversation in it; anyone else is told how to reach a person.
    ``conversation`` must be the caller's own (see ``selectors.conversation_for``).
    """
    text = clean_question(question)
    lang = _language(language, text)
    loaded = _loaded()
    match = loaded.index.best(text)
    asked_person = rules.wants_person(text)
    unsure = match.entry is None or rules.should_hand_over(match.confidence, loaded.threshold)
    entry = None if asked_person else match.entry
    with transaction.atomic():
        if conversation is None:
            conversation = conversation_start(
                user=user, now=now, language=lang, session_key=session_key
            )
        turn = Turn(
            conversation=conversation,
            question=text,
            entry_id=entry.id if entry and not unsure else None,
            score=0.0 if asked_person else match.score,
            confidence=0.0 if asked_person else match.confidence,
            language=lang,
            asked_at=now,
        )
        if entry is not None and not unsure:  # (no entry when the customer asked for a person)
            turn.answer = entry.answer(lang)
            turn.save()
            return _reply(conversation, turn, entry, lang)
        turn.answer = ""
        turn.save()
        return _hand_over(conversation, turn, user=user, now=now, lang=lang, asked=asked_person)


def assistant_hand_over(*, conversation: Conversation, user: Viewer | None, now: datetime) -> Reply:
    """The customer pressed "talk to a person": hand the conversation over as it is."""
    lang = conversation.language or "zh-hans"
    with transaction.atomic():
        with override(lang):
            text = _("Talk to a person")
        turn = Turn.objects.create(
            conversation=conversation, question=text, answer="", language=lang, asked_at=now
        )
        return _hand_over(conversation, turn, user=user, now=now, lang=lang, asked=True)


def _hand_over(conversation, turn, *, user: Viewer | None, now, lang: str, asked: bool) -> Reply:
    """Open (or reuse) the conversation's inquiry ticket and say so in the turn's answer."""
    with override(lang):
        if not signed_in(user):
            turn.answer = _(
                "I am not sure I can answer that. Please log in to talk to a person, or call "
                "our hotline 95500 (24 hours)."
            )
            if asked:
                turn.answer = _(
                    "To talk to a person, please log in first, or call our hotline 95500 "
                    "(24 hours)."
                )
            turn.save(update_fields=["answer"])
            return _reply(conversation, turn, None, lang)
        if is_staff_member(user):
            turn.answer = _("Staff questions are not handed over as customer tickets.")
            turn.save(update_fields=["answer"])
            return _reply(conversation, turn, None, lang)
        # Locked: two hand-overs of one conversation at once (a double click, two tabs)
        # open one ticket, not two.
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        number = (
            _add_to_ticket(locked, turn, user=user, now=now) if locked.ticket_no else None
        ) or _open_ticket(conversation, user=user, now=now)
        if locked.ticket_no != number:
            locked.ticket_no = number
            locked.save(update_fields=["ticket_no"])
        conversation.ticket_no = number
        intro = (
            _("You asked for a person.")
            if asked
            else _("I am not sure I have the right answer to that.")
        )
        turn.answer = ("" if lang == "zh-hans" else " ").join(
            (
                intro,
                _(
                    "Ticket %(number)s has been opened with our conversation attached; an "
                    "agent will reply to you, usually within 2 business hours."
                )
                % {"number": number},
            )
        )
        turn.handed_over = True
        turn.ticket_no = number
        turn.save(update_fields=["answer", "handed_over", "ticket_no"])
        return _reply(conversation, turn, None, lang)


def _add_to_ticket(
    conversation: Conversation, turn: Turn, *, user: Actor, now: datetime
) -> str | None:
    """A later hand-over of the same conversation: what was said since the last one goes to
    the open ticket as the customer's message. None when that ticket is no longer open (a
    new one is opened then)."""
    from claimdesk.service.models import Ticket
    from claimdesk.service.services import ticket_customer_message

    ticket = (
        Ticket.objects.select_related("case")
        .filter(case__number=conversation.ticket_no, case__is_open=True)
        .first()
    )
    if ticket is None:
        return None
    turns = list(conversation.turns.select_related("entry").order_by("asked_at", "id"))
    last = max((i for i, t in enumerate(turns) if t.handed_over and t.pk != turn.pk), default=-1)
    with override(conversation.language or "zh-hans"):
        body = conversation_transcript(turns[last + 1 :])
    ticket_customer_message(ticket=ticket, customer=user, now=now, body=body)
    return ticket.case.number


def _open_ticket(conversation: Conversation, *, user: Actor, now: datetime) -> str:
    from claimdesk.service.services import ticket_open

    turns = list(conversation.turns.select_related("entry").order_by("asked_at", "id"))
    first = next((t.question for t in turns if t.question), "")
    with override(conversation.language or "zh-hans"):
        subject = _("Assistant hand-over: %(question)s") % {"question": first[:80]}
        body = conversation_transcript(turns)
    try:
        ticket = ticket_open(
            customer=user,
            actor=user,
            category="inquiry",
            subject=subject[:200],
            body=body,
            channel="assistant",
            now=now,
        )
    except GuardFailed as exc:
        raise AssistantError(exc.message) from exc
    return ticket.case.number


def conversation_transcript(turns) -> str:
    """The conversation as the agent reads it in the ticket: each question, what the
    assistant answered (with its source entry and confidence), newest last."""
    lines = [_("Conversation with the FAQ assistant:")]
    customer, assistant, handed = _("Customer"), _("Assistant"), _("(handed over)")
    shown = list(turns)[-MAX_TURNS_IN_TICKET:]
    for n, turn in enumerate(shown, 1):
        lines.append(f"{n}. {customer}: {turn.question}")
        if turn.entry_id:
            source = _("source: [%(slug)s] %(question)s; confidence %(confidence).2f") % {
                "slug": turn.entry.slug,
                "question": turn.entry.question_zh,
                "confidence": turn.confidence,
            }
            lines.append(f"   {assistant} ({source}): {turn.answer}")
        else:
            lines.append(f"   {assistant}: {turn.answer or handed}")
    return "\n".join(lines)


def _language(language: str | None, text: str) -> str:
    if language:
        return "en" if language.lower().startswith("en") else "zh-hans"
    return rules.question_language(text)


def _reply(conversation, turn, entry, language: str) -> Reply:
    return Reply(
        conversation=conversation,
        turn=turn,
        language=language,
        answer=turn.answer,
        entry=entry,
        score=turn.score,
        confidence=turn.confidence,
        handed_over=turn.handed_over,
        ticket_no=turn.ticket_no or None,
    )


# --- the knowledge base ------------------------------------------------------------------------


def seed_faq(Entry=FaqEntry, Settings=AssistantSettings, using: str = "default") -> int:
    """Add the seed entries that are missing (by slug); an admin's edits stay as they are."""
    from claimdesk.assistant.seed import FAQS

    made = 0
    for faq in FAQS:
        _obj, created = Entry.objects.using(using).get_or_create(
            slug=faq.slug,
            defaults={
                "category": faq.category,
                "question_zh": faq.question_zh,
                "question_en": faq.question_en,
                "answer_zh": faq.answer_zh,
                "answer_en": faq.answer_en,
                "alternates": "\n".join(faq.alternates),
                "keywords": faq.keywords,
            },
        )
        made += created
    Settings.objects.using(using).get_or_create(pk=1, defaults={"threshold": DEFAULT_THRESHOLD})
    return made
