"""Compliance actions: the gate every outgoing message passes, held notifications, QA sampling.

``message_gate`` never raises for content: it answers whether the text may go out, and the
caller refuses with the violations (which name the words and why). A manager's override lets
a blocked text go and is always logged.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext as _

from claimdesk.cache import ReferenceCache
from claimdesk.cases.services import NotAllowed
from claimdesk.compliance import rules
from claimdesk.compliance.models import (
    CallTranscript,
    ComplianceRule,
    NotificationHold,
    OverrideLog,
    QaItem,
    QaReview,
    QaSettings,
    QaStatus,
)
from claimdesk.compliance.rules import Violation
from claimdesk.notify.models import Notification, Status
from claimdesk.notify.services import MessageScreen, deliver_after_commit
from claimdesk.types import Actor, Viewer
from claimdesk.workdays.clocks import to_local

OVERRIDE_PERMISSION = "compliance.override_compliance"
SCORE_PERMISSION = "compliance.score_quality"
SCORE_CRITERIA = ("compliance", "accuracy", "attitude", "timeliness")
SCORE_RANGE = range(1, 6)

_active_rules = ReferenceCache(
    lambda: tuple(r.as_rule() for r in ComplianceRule.objects.filter(active=True)),
    ComplianceRule,
)


@dataclass(frozen=True)
class GateResult:
    ok: bool
    violations: list[Violation] = field(default_factory=list)
    overridden: bool = False


def compliance_check(text: str) -> list[Violation]:
    """Every hit of the active rules (blocking and warnings) in ``text``."""
    return rules.check(text or "", _active_rules.get())


def can_override(user: Viewer | None) -> bool:
    return bool(user is not None and user.is_active and user.has_perm(OVERRIDE_PERMISSION))


def message_gate(
    *,
    text: str,
    actor: Actor | None,
    now: datetime,
    context: str,
    override_by: Actor | None = None,
) -> GateResult:
    """May ``text`` (written by ``actor``) go out? ``context`` says where, e.g.
    ``"ticket:TK2026…:reply"``; it is kept in the override log.

    ok when there is no blocking violation (warnings are returned, not blocking). With
    blocking violations it is ok only if ``override_by`` holds ``compliance.override_compliance``;
    then an ``OverrideLog`` row is written (in the caller's transaction, if any) and
    ``overridden`` is true. Someone without that permission changes nothing: not ok.
    """
    violations = compliance_check(text)
    blocked = rules.blocking(violations)
    if not blocked:
        return GateResult(ok=True, violations=violations)
    if override_by is None or not can_override(override_by):
        return GateResult(ok=False, violations=violations)
    override_log(
        text=text, violations=blocked, actor=actor, manager=override_by, now=now, context=context
    )
    return GateResult(ok=True, violations=violations, overridden=True)


def override_log(
    *,
    text: str,
    violations: Sequence[Violation],
    actor: Actor | None,
    manager: Actor,
    now: datetime,
    context: str,
) -> OverrideLog:
    return OverrideLog.objects.create(
        created_at=now,
        context=str(context)[:100],
        text=text,
        violations=[v.as_dict() | {"severity": v.severity} for v in violations],
        actor=actor if getattr(actor, "pk", None) else None,
        manager=manager,
    )


# --- notifications ------------------------------------------------------------------------


def notification_screen(*, subject: str, body: str) -> list[Violation]:
    """The blocking violations of an outgoing notification (subject and body); [] lets it go."""
    return rules.blocking(compliance_check(f"{subject}\n{body}"))


class ComplianceScreen(MessageScreen):
    """The outbox's screen: forbidden promises hold a message until a manager releases it."""

    def check(self, subject: str, body: str) -> list[Violation]:
        return notification_screen(subject=subject, body=body)

    def hold(self, notifications, problems, now: datetime) -> None:
        notifications_hold(notifications=notifications, violations=problems, now=now)


def notifications_hold(*, notifications, violations, now: datetime) -> list[NotificationHold]:
    """Record why these (already ``held``) outbox rows were stopped."""
    found = [v.as_dict() | {"severity": v.severity} for v in violations]
    return NotificationHold.objects.bulk_create(
        [NotificationHold(notification=n, held_at=now, violations=found) for n in notifications]
    )


def notification_release(notification, manager: Actor, now: datetime) -> int:
    """A manager lets a held message go: the row and the other channels' rows of the same
    message go back to ``pending`` (due now), with one ``OverrideLog`` entry. Returns how
    many rows were released (0 when nothing was held any more)."""
    if not can_override(manager):
        raise NotAllowed(_("Only a manager may release a held message."))
    with transaction.atomic():
        siblings = list(
            Notification.objects.select_for_update()
            .filter(
                status=Status.HELD,
                recipient_id=notification.recipient_id,
                case_id=notification.case_id,
                kind=notification.kind,
                subject=notification.subject,
                body=notification.body,
                created_at=notification.created_at,
            )
            .order_by("pk")
        )
        if not siblings:
            return 0
        holds = list(NotificationHold.objects.filter(notification__in=siblings))
        found = [
            Violation(**{k: v[k] for k in ("term", "rule", "start", "end", "reason")})
            for v in (holds[0].violations if holds else [])
        ]
        log = override_log(
            text=f"{notification.subject}\n{notification.body}",
            violations=found,
            actor=None,
            manager=manager,
            now=now,
            context=f"notification:{notification.kind}:{','.join(str(n.pk) for n in siblings)}",
        )
        Notification.objects.filter(pk__in=[n.pk for n in siblings]).update(
            status=Status.PENDING, next_attempt_at=now
        )
        NotificationHold.objects.filter(pk__in=[h.pk for h in holds]).update(
            released_at=now, released_by=manager, override=log
        )
        deliver_after_commit()
    return len(siblings)


# --- call transcripts and QA sampling ------------------------------------------------------


def transcript_upload(
    *, agent, text: str, uploaded_by, now: datetime, case=None, title: str = "", called_at=None
) -> CallTranscript:
    """Store a call transcript for QA sampling (staff who work tickets, or a manager)."""
    if not (
        uploaded_by.has_perm("service.handle_ticket") or uploaded_by.has_perm(SCORE_PERMISSION)
    ):
        raise NotAllowed(_("You may not upload call transcripts."))
    if not agent.is_active or not agent.has_perm("service.handle_ticket"):
        raise NotAllowed(_("Transcripts belong to an agent who works tickets."))
    return CallTranscript.objects.create(
        agent=agent,
        case=case,
        title=title[:200],
        text=text,
        called_at=called_at,
        uploaded_at=now,
        uploaded_by=uploaded_by,
    )


def qa_settings() -> QaSettings:
    """The single settings row (created with the defaults when missing)."""
    settings, _created = QaSettings.objects.get_or_create(pk=1)
    return settings


def week_bounds(day) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00, Asia/Shanghai, of the week holding ``day``."""
    from claimdesk.workdays.clocks import SHANGHAI

    monday = day - timedelta(days=day.weekday())
    start = datetime(monday.year, monday.month, monday.day, tzinfo=SHANGHAI)
    return start, start + timedelta(days=7)


def ticket_texts(case) -> list[tuple[str, str]]:
    """What the staff told the customer on a ticket: (source, text) from its
    customer-visible timeline and, when the service app is there, its replies (not internal
    notes, not the customer's own messages). The same text twice is kept once."""
    texts: list[tuple[str, str]] = []
    events = case.events.filter(customer_visible=True).order_by("at", "id")
    if case.customer_id:
        events = events.exclude(actor_id=case.customer_id)
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        for key in ("message", "resolution", "reply", "text", "body"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                texts.append((f"event:{event.pk}", value))
    texts += _service_messages(case)
    seen: set[str] = set()
    unique = []
    for source, text in texts:
        if text not in seen:
            seen.add(text)
            unique.append((source, text))
    return unique


def _service_messages(case) -> list[tuple[str, str]]:
    """The service app's replies on the ticket, read only if that app and model exist."""
    if not apps.is_installed("claimdesk.service"):
        return []
    try:
        TicketMessage = apps.get_model("service", "TicketMessage")
    except LookupError:
        return []
    names = {f.name for f in TicketMessage._meta.get_fields()}
    if not {"ticket", "body"} <= names:
        return []
    related = TicketMessage._meta.get_field("ticket").related_model
    if related is not None and related._meta.label_lower == "cases.case":
        messages = TicketMessage.objects.filter(ticket=case)
    else:
        messages = TicketMessage.objects.filter(ticket__pk=case.pk)
    if "internal" in names:
        messages = messages.filter(internal=False)
    if "from_customer" in names:
        messages = messages.filter(from_customer=False)
    return [(f"message:{m.pk}", m.body) for m in messages.order_by("pk")]


def _hits(sources: list[tuple[str, str]]) -> list[dict]:
    hits = []
    for source, text in sources:
        for v in compliance_check(text):
            hits.append(
                v.as_dict()
                | {
                    "severity": v.severity,
                    "source": source,
                    "excerpt": text[max(0, v.start - 20) : v.end + 20],
                }
            )
    return hits


def qa_sample(*, week_start, now: datetime, rng: random.Random | None = None) -> list[QaReview]:
    """Queue the QA sample of the week holding ``week_start``: per agent up to
    ``sample_size`` tickets closed that week and as many call transcripts uploaded that
    week, picked at random. An item is reviewed once ever and an agent's sample is only
    topped up, so running it again for the same week adds nothing."""
    from claimdesk.cases.models import Case

    rng = rng or random.Random()
    start, end = week_bounds(week_start)
    monday = to_local(start).date()
    queued: list[QaReview] = []
    with transaction.atomic():
        qa_settings()
        # one sampler at a time: the settings row is the lock
        size = QaSettings.objects.select_for_update().get(pk=1).sample_size
        if size <= 0:
            return queued
        tickets = Case.objects.filter(
            kind="ticket", status="closed", closed_at__gte=start, closed_at__lt=end
        ).exclude(pk__in=QaReview.objects.filter(case__isnull=False).values("case_id"))
        transcripts = CallTranscript.objects.filter(
            uploaded_at__gte=start, uploaded_at__lt=end
        ).exclude(pk__in=QaReview.objects.filter(transcript__isnull=False).values("transcript_id"))
        candidates: dict[tuple[int, str], list] = {}
        for case in tickets.order_by("pk"):
            candidates.setdefault((case.owner_id, QaItem.TICKET), []).append(case)
        for transcript in transcripts.order_by("pk"):
            candidates.setdefault((transcript.agent_id, QaItem.TRANSCRIPT), []).append(transcript)
        for (agent_id, item), pool in sorted(candidates.items()):
            have = QaReview.objects.filter(agent_id=agent_id, week_start=monday, item=item)
            wanted = min(size - have.count(), len(pool))
            for obj in rng.sample(pool, max(wanted, 0)):
                if item == QaItem.TICKET:
                    review = QaReview(case=obj, hits=_hits(ticket_texts(obj)))
                else:
                    review = QaReview(
                        transcript=obj, hits=_hits([(f"transcript:{obj.pk}", obj.text)])
                    )
                review.item, review.agent_id = item, agent_id
                review.week_start, review.queued_at = monday, now
                review.save()
                queued.append(review)
    return queued


def qa_sample_previous_week(*, now: datetime, rng: random.Random | None = None):
    """The weekly run: sample the week before the one ``now`` is in."""
    return qa_sample(week_start=to_local(now).date() - timedelta(days=7), now=now, rng=rng)


def qa_review_score(
    *, review: QaReview, scorer: Actor, now: datetime, scores: dict, comment: str = ""
):
    """Fill (or correct) the score card: 1–5 for each of 合规, 准确, 态度, 时效."""
    if not scorer.has_perm(SCORE_PERMISSION):
        raise NotAllowed(_("Only a QA manager may score."))
    if scorer.pk == review.agent_id:
        raise NotAllowed(_("Nobody scores their own work."))
    values = {}
    for name in SCORE_CRITERIA:
        value = scores.get(name)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value not in SCORE_RANGE:
            from claimdesk.cases.services import GuardFailed

            raise GuardFailed(_("Give every criterion a score from 1 to 5."))
        values[f"score_{name}"] = value
    with transaction.atomic():
        review = QaReview.objects.select_for_update().get(pk=review.pk)
        for key, value in values.items():
            setattr(review, key, value)
        review.comment = comment
        review.status = QaStatus.SCORED
        review.scored_by = scorer
        review.scored_at = now
        review.save()
    return review
