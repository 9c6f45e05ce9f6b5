from celery import shared_task
from django.utils import timezone

from claimdesk.claims import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def claims_chase_missing_items() -> int:
    return services.claims_chase_missing_items(now=timezone.now())


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def claims_interim_payment_tasks() -> int:
    return services.claims_interim_payment_tasks(now=timezone.now())
