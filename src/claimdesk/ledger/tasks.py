"""The periodic checkpoint of the ledger's chain heads (beat)."""

from celery import shared_task
from django.utils import timezone

from claimdesk.ledger.checkpoints import checkpoint_write


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def ledger_checkpoint() -> int:
    """Append the heads that moved to the checkpoint file; running it twice only writes an
    empty line the second time."""
    return checkpoint_write(now=timezone.now(), source="beat").heads
