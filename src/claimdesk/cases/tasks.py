"""Thin Celery wrappers around case services."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from claimdesk.cases import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def deadline_sweep() -> dict[str, int]:
    result = services.deadline_sweep(now=timezone.now(), batch=settings.CLAIMDESK_SWEEP_BATCH)
    return {
        "reminders": result.reminders,
        "overdue": result.overdue,
        "escalations": result.escalations,
    }


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def timeline_dispatch() -> int:
    """After an action's commit: its timeline lines to the after-commit readers."""
    from claimdesk.cases.committed import dispatch_committed

    return dispatch_committed()
