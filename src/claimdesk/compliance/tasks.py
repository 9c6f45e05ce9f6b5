from celery import shared_task
from django.utils import timezone

from claimdesk.compliance import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def qa_sample_week() -> int:
    """Weekly: queue last week's QA sample per agent (re-running adds nothing)."""
    return len(services.qa_sample_previous_week(now=timezone.now()))
