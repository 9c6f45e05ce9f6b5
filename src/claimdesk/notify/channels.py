"""Transports behind the outbox: SMS (gateway or outbox log) and signed partner webhooks.

Each function sends one row and raises ``DeliveryError`` (or any ``OSError``) on failure;
the outbox turns that into a retry. The row id travels with every message (``id`` in the SMS
payload, ``X-ClaimDesk-Delivery`` on webhooks) so a receiver can drop the rare duplicate that a
worker lost mid-send produces once its lease has run out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

from django.conf import settings

from claimdesk.notify.models import Notification

SMS_MAX_CHARS = 500
SIGNATURE_HEADER = "X-ClaimDesk-Signature"
DELIVERY_HEADER = "X-ClaimDesk-Delivery"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def idempotency_key(note: Notification) -> str:
    """The same for every attempt at one notification: a gateway that honours it sends the
    message once even when an attempt's outcome was lost with its worker."""
    return f"claimdesk-notification-{note.pk}"


class DeliveryError(Exception):
    """The transport answered, but not with success."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a misconfigured endpoint, not a success: never re-send the POST."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def http_post_json(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST ``body`` as JSON; return the status, raise ``DeliveryError`` unless it is 2xx."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
    )
    try:
        opener = urllib.request.build_opener(_NoRedirect)  # reads proxy settings per call
        with opener.open(request, timeout=settings.CLAIMDESK_NOTIFY_TIMEOUT) as response:
            status = response.status
            response.read(1024)
    except urllib.error.HTTPError as exc:
        detail = exc.read(200).decode("utf-8", "replace").strip()
        raise DeliveryError(f"HTTP {exc.code} from {url}: {detail}".strip()) from exc
    except urllib.error.URLError as exc:
        raise DeliveryError(f"{url}: {exc.reason}") from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status} from {url}")
    return status


# --- SMS -----------------------------------------------------------------------------------


def sms_text(note: Notification) -> str:
    text = f"{note.subject}\n{note.body}".strip() if note.body else note.subject
    return text[:SMS_MAX_CHARS]


def sms_send(note: Notification, *, now: datetime) -> None:
    """Through the HTTP gateway when ``CLAIMDESK_SMS_URL`` is set, else into the outbox log."""
    message = {"to": note.phone, "text": sms_text(note), "id": note.pk}
    url = settings.CLAIMDESK_SMS_URL
    if not url:
        sms_log_write(message, now=now)
        return
    headers = {IDEMPOTENCY_HEADER: idempotency_key(note)}
    if settings.CLAIMDESK_SMS_KEY:
        headers["Authorization"] = f"Bearer {settings.CLAIMDESK_SMS_KEY}"
    http_post_json(url, json.dumps(message, ensure_ascii=False).encode(), headers)


def sms_log_write(message: dict, *, now: datetime) -> None:
    """One JSON line per message, written with one append so lines from processes never mix."""
    path = Path(settings.CLAIMDESK_SMS_LOG)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({**message, "at": now.isoformat()}, ensure_ascii=False) + "\n"
    with path.open("a", encoding="utf-8") as log:
        log.write(line)


# --- webhooks ------------------------------------------------------------------------------


def webhook_payload(note: Notification) -> bytes:
    return json.dumps(
        {
            "event": note.kind,
            "case_number": note.case.number if note.case is not None else None,
            "subject": note.subject,
            "body": note.body,
            "created_at": note.created_at.isoformat(),
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()


def webhook_signature(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of the exact body bytes>``, as in the header."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_send(note: Notification, *, now: datetime) -> None:
    endpoint = note.endpoint
    if endpoint is None:
        raise DeliveryError("the webhook endpoint was deleted")
    if not endpoint.active:
        raise DeliveryError(f"webhook endpoint {endpoint.name} is inactive")
    body = webhook_payload(note)
    headers = {
        SIGNATURE_HEADER: webhook_signature(endpoint.secret, body),
        DELIVERY_HEADER: str(note.pk),
        IDEMPOTENCY_HEADER: idempotency_key(note),
    }
    http_post_json(endpoint.url, body, headers)
