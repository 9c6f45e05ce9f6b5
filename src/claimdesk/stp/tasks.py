from celery import shared_task
from django.utils import timezone

from claimdesk.stp import services


@shared_task(acks_late=True)
def stp_check(claim_id: int) -> str:
    """Check one claim for straight-through processing (after its document's OCR commit)."""
    check = services.stp_consider(claim_id=claim_id, now=timezone.now())
    return check.outcome if check is not None else "not ready"


@shared_task
def stp_sweep() -> int:
    """Check the new claims whose documents are all read but were never checked (a lost
    trigger); at most a few hundred a run."""
    return services.stp_sweep(now=timezone.now())
