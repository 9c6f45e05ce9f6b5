"""Strict settings from the environment: a bad value fails loudly at start-up."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def envstr(name: str, default: str) -> str:
    return os.environ.get(name, default)


SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_CHARACTERS = 5


def secret_key_weakness(key: str) -> str:
    """Why ``key`` is too weak to sign production sessions and tokens ("" when it is not).

    The rule of Django's own deployment check (security.W009): at least 50 characters, at
    least 5 different ones, not Django's generated insecure key.
    """
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"{len(key)} characters, at least {SECRET_KEY_MIN_LENGTH} are needed"
    if len(set(key)) < SECRET_KEY_MIN_CHARACTERS:
        return f"only {len(set(key))} different characters, at least {SECRET_KEY_MIN_CHARACTERS}"
    if key.startswith("django-insecure-") or "insecure" in key.lower():
        return "it is marked insecure"
    return ""


# Brokers that hand an unacknowledged message to another worker after a visibility timeout.
_VISIBILITY_BROKERS = ("redis", "rediss", "sqs")


def broker_transport_options(broker_url: str, visibility_timeout: int) -> dict[str, int]:
    """Transport options for ``broker_url``: the visibility timeout only where the broker
    has one (Redis, SQS). The embedded broker (``sqla+sqlite``) passes its options on to
    SQLAlchemy's ``create_engine``, which refuses keywords it does not know; RabbitMQ
    redelivers when the connection drops and ignores it."""
    scheme = broker_url.split("://", 1)[0].lower()
    if scheme in _VISIBILITY_BROKERS:
        return {"visibility_timeout": visibility_timeout}
    return {}
