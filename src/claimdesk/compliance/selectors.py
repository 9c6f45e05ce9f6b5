"""Reads for the compliance pages and API."""

from __future__ import annotations

from claimdesk.compliance.models import NotificationHold, OverrideLog, QaReview, QaStatus


def overrides():
    return OverrideLog.objects.select_related("actor", "manager").order_by("-created_at", "-id")


def qa_reviews(*, status: str | None = None, agent_id: int | None = None):
    rows = QaReview.objects.select_related("agent", "case", "transcript", "scored_by")
    if status in QaStatus.values:
        rows = rows.filter(status=status)
    if agent_id is not None:
        rows = rows.filter(agent_id=agent_id)
    return rows.order_by("status", "-week_start", "agent__username", "id")


def held_messages():
    """Held messages waiting for a manager, one row per message (its in-app row stands for
    the other channels of the same message)."""
    return (
        NotificationHold.objects.filter(
            released_at__isnull=True, notification__status="held", notification__channel="inapp"
        )
        .select_related("notification__recipient", "notification__case")
        .order_by("held_at", "id")
    )
