from celery import shared_task
from django.utils import timezone

from claimdesk.notify import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notifications_deliver() -> int:
    return services.notifications_deliver(now=timezone.now())
