"""Reads for the compliance pages and API."""

from __future__ import annotations

from datetime import datetime, timedelta

from claimdesk.compliance.models import (
    ComplianceRule,
    NotificationHold,
    OverrideLog,
    QaReview,
    QaStatus,
)

# "Lately" on the landing page: what was scored and overridden in this many days.
RECENT_DAYS = 30


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


def landing_counts(*, now: datetime, since_days: int = RECENT_DAYS) -> dict[str, int]:
    """What waits for compliance staff and what happened lately, as counts for the landing
    page: held messages, QA samples to score, samples scored and overrides in the last
    ``since_days`` days, open rules."""
    since = now - timedelta(days=since_days)
    return {
        "held": held_messages().count(),
        "qa_queued": QaReview.objects.filter(status=QaStatus.QUEUED).count(),
        "qa_scored_recently": QaReview.objects.filter(
            status=QaStatus.SCORED, scored_at__gte=since
        ).count(),
        "overrides_recently": OverrideLog.objects.filter(created_at__gte=since).count(),
        "rules_active": ComplianceRule.objects.filter(active=True).count(),
    }
