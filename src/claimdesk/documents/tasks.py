from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from claimdesk.documents import selectors, services

MAX_RETRIES = 3
STALE = timedelta(minutes=10)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def document_ocr(self, document_id: int) -> str:
    """OCR one document. A storage error is retried with back-off (on a worker), then
    recorded as failed; run eagerly there is no later, so it is recorded at once."""
    try:
        document = services.document_ocr_run(document_id=document_id, now=timezone.now())
    except OSError as exc:
        if self.request.is_eager or self.request.retries >= MAX_RETRIES:
            services.document_ocr_fail(
                document_id=document_id, error=f"file cannot be read: {exc}", now=timezone.now()
            )
            return "failed"
        # Shorter than the broker's visibility timeout: a waiting retry holds its message.
        countdown = min(30 * 2**self.request.retries, settings.CLAIMDESK_VISIBILITY_TIMEOUT // 2)
        raise self.retry(exc=exc, countdown=countdown) from exc
    return document.ocr_status if document else "missing"


@shared_task
def documents_ocr_sweep(limit: int = 500) -> int:
    """Queue again documents still pending OCR (e.g. the broker was down at upload)."""
    ids = selectors.documents_pending_ocr(before=timezone.now() - STALE, limit=limit)
    for document_id in ids:
        document_ocr.delay(document_id)
    return len(ids)
