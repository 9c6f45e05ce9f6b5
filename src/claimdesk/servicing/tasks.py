"""Thin Celery wrapper around the renewal-premium sweep (reminders and lapses)."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from claimdesk.servicing import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def premium_sweep() -> dict[str, int]:
    return services.premium_sweep(now=timezone.now(), batch=settings.CLAIMDESK_SWEEP_BATCH)
