"""Thin Celery wrappers around the renewal-premium sweep (reminders and lapses) and the
survival-benefit sweep (生存给付 due today paid through the payment flow)."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from claimdesk.servicing import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def premium_sweep() -> dict[str, int]:
    return services.premium_sweep(now=timezone.now(), batch=settings.CLAIMDESK_SWEEP_BATCH)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def survival_sweep() -> dict[str, int]:
    return services.survival_sweep(now=timezone.now(), batch=settings.CLAIMDESK_SWEEP_BATCH)
