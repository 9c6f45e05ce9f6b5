from celery import shared_task
from django.utils import timezone

from claimdesk.feedback import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def feedback_sweep() -> dict:
    return services.feedback_sweep(now=timezone.now())
