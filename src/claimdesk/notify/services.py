"""Queue notifications inside a business transaction; deliver them once it has committed.

Delivery is at-least-once with a lease, which in practice means once:

* a row is *claimed* in a short transaction of its own (``pending → sending``, ``claimed_at``,
  one more attempt) before anything leaves the building, so two workers never send it both;
* the transport runs outside any transaction; the outcome is written only if the claim is still
  ours (same ``claimed_at``), so a worker that overran its lease cannot overwrite a newer one;
* just before the transport, the worker checks the claim is still its own: a row sent (or
  taken over) meanwhile is never handed to the transport again, however often the task runs;
* a worker that dies after sending but before writing the outcome leaves the row ``sending``:
  it is taken again only when ``CLAIMDESK_NOTIFY_LEASE_SECONDS`` have passed, and the receiver
  gets the same id (and ``Idempotency-Key``) again to drop the duplicate (see ``channels``);
* a failure puts the row back to ``pending`` with ``next_attempt_at`` pushed out exponentially;
  after ``MAX_ATTEMPTS`` it stays as ``failed`` with ``last_error`` until an admin re-queues it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F

from claimdesk.cache import ReferenceCache
from claimdesk.db import COPY_FROM, bulk_insert, insert_part, insert_values, on_commit_once
from claimdesk.notify import channels
from claimdesk.notify.models import Channel, Notification, Status, WebhookEndpoint
from claimdesk.types import Actor

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BACKOFF_CAP = timedelta(hours=6)

# Partner endpoints are admin reference data, wanted by every customer notification.
_active_endpoints = ReferenceCache(
    lambda: tuple(WebhookEndpoint.objects.filter(active=True)), WebhookEndpoint
)


class MessageScreen:
    """What stops an outgoing message: ``check`` names its blocking problems ([] lets it go)
    and ``hold`` records why rows written ``held`` were stopped. The compliance app installs
    its screen at start-up; the outbox itself knows no rules."""

    def check(self, subject: str, body: str) -> list[Any]:
        return []

    def hold(self, notifications: list[Notification], problems: list[Any], now: datetime) -> None:
        return None


_SCREEN: MessageScreen = MessageScreen()


def install_message_screen(screen: MessageScreen) -> None:
    global _SCREEN
    _SCREEN = screen


def notification_queue(
    *,
    recipient,
    subject: str,
    now: datetime,
    kind: str,
    case=None,
    body: str = "",
    phone: str | None = None,
) -> list[Notification]:
    """Write the outbox rows for one message to one person.

    Always an in-app row; an e-mail when the user has an address; an SMS when ``phone`` is
    given; and, for a customer's notification about their own case, one delivery per active
    partner webhook that wants this kind. Delivery is triggered on commit, so a rolled-back
    action never notifies anyone. A message with a forbidden promise is written ``held``
    (never delivered) until a manager releases it (the installed ``MessageScreen``).
    """
    return notification_queue_many(
        [
            {
                "recipient": recipient,
                "subject": subject,
                "now": now,
                "kind": kind,
                "case": case,
                "body": body,
                "phone": phone,
            }
        ]
    )


# The messages of the business action under way, written together when it ends (see
# ``notifications_batched``); None outside one.
_batched: ContextVar[list[Mapping[str, Any]] | None] = ContextVar(
    "notifications_batched", default=None
)


@contextmanager
def notifications_batched() -> Iterator[list[Mapping[str, Any]]]:
    """Messages queued inside wait in the yielded list instead of being written one
    ``INSERT`` each; the caller writes them with ``notification_queue_many`` in its
    transaction. The kernel wraps every business action in it: one ``INSERT`` however many
    people the action tells (the customer, the next assignee, the owner a task returns to).
    Inside, ``notification_queue`` returns no rows."""
    pending: list[Mapping[str, Any]] = []
    token = _batched.set(pending)
    try:
        yield pending
    finally:
        _batched.reset(token)


def notification_queue_many(
    messages: Iterable[Mapping[str, Any]], *, returning: bool = True
) -> list[Notification]:
    """``notification_queue`` for many messages (its keyword arguments, one mapping each)
    in one INSERT: what a bulk import of a thousand claims needs. ``returning=False``: the
    caller wants no row objects back (bulk intake), so rows that are not held are written
    as plain values and ``[]`` comes back. Inside ``notifications_batched`` the messages
    wait for the batch's one write."""
    if (pending := _batched.get()) is not None:
        pending.extend(messages)
        return []
    rows: list[dict[str, Any]] = []
    held: list[tuple[slice, list, datetime]] = []
    for message in messages:
        first = len(rows)
        violations = _message_rows(rows, **message)
        if violations:
            held.append((slice(first, len(rows)), violations, message["now"]))
    if not rows:
        return []
    if returning or held:
        created = bulk_insert([Notification(**row) for row in rows])
        for part, violations, now in held:
            _SCREEN.hold(created[part], violations, now)
    else:
        insert_values(Notification, _COLUMNS, [[row[c] for c in _COLUMNS] for row in rows])
        created = []
    if any(row["status"] == Status.PENDING for row in rows):
        on_commit_once(_schedule_delivery)
    return created


def notifications_statement_part(
    messages: Iterable[Mapping[str, Any]],
) -> tuple[str, list[Any]] | None:
    """The outbox rows of ``messages`` as one part of the action's one statement
    (``cases.timeline``, PostgreSQL), delivery scheduled after commit; None when they
    cannot be: a message the screen holds (its rows need the screen's record), too many."""
    rows: list[dict[str, Any]] = []
    for message in messages:
        if _message_rows(rows, **message):
            return None
    if not rows or len(rows) >= COPY_FROM:
        return None
    on_commit_once(_schedule_delivery)
    return insert_part("notify_outbox", Notification, _COLUMNS, rows)


# Every column of an outbox row but its key, with the model's defaults for a new row.
_COLUMNS = tuple(f.attname for f in Notification._meta.concrete_fields if not f.primary_key)
_NEW_ROW = {
    f.attname: f.get_default() for f in Notification._meta.concrete_fields if not f.primary_key
}


def _message_rows(
    rows: list[dict[str, Any]],
    *,
    recipient,
    subject: str,
    now: datetime,
    kind: str,
    case=None,
    body: str = "",
    phone: str | None = None,
) -> list:
    """Append one message's outbox rows (column values) to ``rows``; its blocking
    violations."""
    violations = _SCREEN.check(str(subject), str(body))
    common = {
        **_NEW_ROW,
        "recipient_id": recipient.pk,
        "case_id": case.pk if case is not None else None,
        "kind": kind,
        "subject": str(subject)[:200],
        "body": str(body),
        "created_at": now,
        "next_attempt_at": None if violations else now,
        "status": Status.HELD if violations else Status.PENDING,
    }
    rows.append({**common, "channel": Channel.INAPP})
    if recipient.email:
        rows.append({**common, "channel": Channel.EMAIL})
    phone = (phone or "").strip()
    if phone:
        rows.append({**common, "channel": Channel.SMS, "phone": phone[:32]})
    if case is not None and case.customer_id is not None and case.customer_id == recipient.pk:
        rows += [
            {**common, "channel": Channel.WEBHOOK, "endpoint_id": endpoint.pk}
            for endpoint in _active_endpoints.get()
            if endpoint.wants(kind)
        ]
    return violations


def deliver_after_commit() -> None:
    """Deliver the pending outbox once this transaction commits (once, however often asked)."""
    on_commit_once(_schedule_delivery)


def _schedule_delivery() -> None:
    from claimdesk.notify.tasks import notifications_deliver

    try:
        notifications_deliver.delay()
    except Exception:  # the broker being down must not fail the business action
        log.exception("could not schedule notification delivery; the next sweep will retry")


# --- delivery ------------------------------------------------------------------------------


def notifications_deliver(*, now: datetime, limit: int = 500) -> int:
    """Deliver up to ``limit`` due notifications; return how many were sent."""
    sent = _inapp_deliver(now=now, limit=limit)
    done = sent
    while done < limit:
        claimed = _claim(now=now, limit=min(_claim_size(), limit - done))
        if not claimed:
            break
        done += len(claimed)
        sent += sum(_send(note, now=now) for note in claimed)
    return sent


def _due(now: datetime):
    return Notification.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)


def _inapp_deliver(*, now: datetime, limit: int) -> int:
    """In-app notes are delivered by being stored: mark the due ones sent in one go."""
    with transaction.atomic():
        ids = list(
            _due(now)
            .filter(channel=Channel.INAPP)
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        return Notification.objects.filter(pk__in=ids).update(
            status=Status.SENT,
            sent_at=now,
            attempts=F("attempts") + 1,
            next_attempt_at=None,
            last_error="",
        )


def _claim_size() -> int:
    """Claim no more than can be sent, at the worst timeout each, well within one lease."""
    lease = settings.CLAIMDESK_NOTIFY_LEASE_SECONDS
    return max(1, min(50, lease // (2 * settings.CLAIMDESK_NOTIFY_TIMEOUT)))


def _claim(*, now: datetime, limit: int) -> list[Notification]:
    """Take due rows (and rows whose worker's lease ran out) for this worker, and commit."""
    stale_before = now - timedelta(seconds=settings.CLAIMDESK_NOTIFY_LEASE_SECONDS)
    with transaction.atomic():
        stale = list(
            Notification.objects.filter(status=Status.SENDING, claimed_at__lte=stale_before)
            .select_for_update(skip_locked=True)
            .order_by("claimed_at")
            .values_list("pk", "attempts")[:limit]
        )
        spent = [pk for pk, attempts in stale if attempts >= MAX_ATTEMPTS]
        if spent:
            Notification.objects.filter(pk__in=spent).update(
                status=Status.FAILED,
                claimed_at=None,
                next_attempt_at=None,
                last_error="worker lost during the last attempt; outcome unknown",
            )
        ids = [pk for pk, attempts in stale if attempts < MAX_ATTEMPTS]
        ids += list(
            _due(now)
            .exclude(channel=Channel.INAPP)
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[: limit - len(ids)]
        )
        if not ids:
            return []
        Notification.objects.filter(pk__in=ids).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return list(
        Notification.objects.filter(pk__in=ids)
        .select_related("recipient", "case", "endpoint")
        .order_by("pk")
    )


def _transport(note: Notification, *, now: datetime) -> None:
    if note.channel == Channel.EMAIL:
        send_mail(note.subject, note.body or note.subject, None, [note.recipient.email])
    elif note.channel == Channel.SMS:
        channels.sms_send(note, now=now)
    elif note.channel == Channel.WEBHOOK:
        channels.webhook_send(note, now=now)
    else:
        raise channels.DeliveryError(f"unknown channel {note.channel!r}")


def _still_mine(note: Notification) -> bool:
    return Notification.objects.filter(
        pk=note.pk, status=Status.SENDING, claimed_at=note.claimed_at
    ).exists()


def _send(note: Notification, *, now: datetime) -> int:
    """Send one claimed row and record the outcome if the claim is still ours; 1 if sent.

    A row whose lease another worker took over meanwhile (this one overran it) or that is
    already sent is not handed to the transport again."""
    if not _still_mine(note):
        log.warning("notification %s: lease lost before sending; not sent again", note.pk)
        return 0
    try:
        _transport(note, now=now)
    except Exception as exc:
        error = (str(exc) or type(exc).__name__)[:300]
        log.warning("notification %s via %s failed: %s", note.pk, note.channel, error)
        _record(note, _failure(note, now=now, error=error))
        return 0
    _record(
        note,
        {"status": Status.SENT, "sent_at": now, "next_attempt_at": None, "last_error": ""},
    )
    return 1


def _failure(note: Notification, *, now: datetime, error: str) -> dict:
    if note.attempts >= MAX_ATTEMPTS:
        return {"status": Status.FAILED, "next_attempt_at": None, "last_error": error}
    return {
        "status": Status.PENDING,
        "next_attempt_at": now + retry_delay(note.attempts),
        "last_error": error,
    }


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … times ``CLAIMDESK_NOTIFY_RETRY_SECONDS`` after the n-th failed attempt."""
    base = timedelta(seconds=settings.CLAIMDESK_NOTIFY_RETRY_SECONDS)
    return min(base * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def _record(note: Notification, changes: dict) -> None:
    mine = Notification.objects.filter(
        pk=note.pk, status=Status.SENDING, claimed_at=note.claimed_at
    )
    if not mine.update(claimed_at=None, **changes):
        log.warning("notification %s: lease lost before the outcome was recorded", note.pk)


def notification_requeue(*, ids, now: datetime) -> int:
    """Give failed notifications a fresh set of attempts, due at once."""
    count = Notification.objects.filter(pk__in=list(ids), status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, next_attempt_at=now, claimed_at=None
    )
    if count:
        on_commit_once(_schedule_delivery)
    return count


def notification_mark_read(*, user: Actor, ids: list[int], now: datetime) -> int:
    return Notification.objects.filter(recipient=user, pk__in=ids, read_at__isnull=True).update(
        read_at=now
    )
