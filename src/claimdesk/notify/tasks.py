from celery import shared_task
from django.utils import timezone

from claimdesk.notify import services

BATCH = 500
MAX_BATCHES = 40  # one run drains up to 20,000 messages; the periodic pass does the rest


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notifications_deliver() -> int:
    sent = 0
    for _ in range(MAX_BATCHES):
        delivered = services.notifications_deliver(now=timezone.now(), limit=BATCH)
        sent += delivered
        if delivered < BATCH:
            break
    return sent
