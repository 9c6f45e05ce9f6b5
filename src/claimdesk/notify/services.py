"""Queue notifications inside a business transaction; deliver them once it has committed."""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.mail import send_mail
from django.db import transaction

from claimdesk.notify.models import Channel, Notification

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def notification_queue(
    *, recipient, subject: str, now: datetime, kind: str, case=None, body: str = ""
) -> list[Notification]:
    """Write the in-app notification (and an e-mail when the user has an address).

    Delivery is triggered on commit, so a rolled-back action never notifies anyone.
    """
    rows = [
        Notification(
            recipient=recipient,
            case=case,
            kind=kind,
            subject=str(subject)[:200],
            body=str(body),
            created_at=now,
            channel=Channel.INAPP,
        )
    ]
    if recipient.email:
        rows.append(
            Notification(
                recipient=recipient,
                case=case,
                kind=kind,
                subject=str(subject)[:200],
                body=str(body),
                created_at=now,
                channel=Channel.EMAIL,
            )
        )
    created = Notification.objects.bulk_create(rows)
    _on_commit_once(_schedule_delivery)
    return created


def _on_commit_once(func) -> None:
    """``on_commit(func)`` unless this transaction already will run it.

    A sweep raising a thousand alerts needs one delivery run after its commit, not a
    thousand. A callback registered in a savepoint that rolled back is gone from the list,
    so it is registered again when needed.
    """
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(f is func for _, f, _ in conn.run_on_commit):
        return
    transaction.on_commit(func)


def _schedule_delivery() -> None:
    from claimdesk.notify.tasks import notifications_deliver

    try:
        notifications_deliver.delay()
    except Exception:  # the broker being down must not fail the business action
        log.exception("could not schedule notification delivery; the next sweep will retry")


def notifications_deliver(*, now: datetime, limit: int = 500) -> int:
    """Deliver pending notifications; each is sent once, failures are retried later."""
    sent = 0
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .select_related("recipient")
            .order_by("created_at")[:limit]
        )
        for note in pending:
            note.attempts += 1
            try:
                if note.channel == Channel.EMAIL:
                    send_mail(note.subject, note.body or note.subject, None, [note.recipient.email])
                note.sent_at = now
                note.last_error = ""
                sent += 1
            except Exception as exc:
                note.last_error = str(exc)[:300]
            note.save(update_fields=["attempts", "sent_at", "last_error"])
    return sent


def notification_mark_read(*, user, ids: list[int], now: datetime) -> int:
    return Notification.objects.filter(recipient=user, pk__in=ids, read_at__isnull=True).update(
        read_at=now
    )
