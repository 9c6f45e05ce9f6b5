from celery import shared_task
from django.utils import timezone

from claimdesk.partners import services


@shared_task
def partners_sweep() -> int:
    """Expire pre-authorisations past their time (their room goes back to the policy year)."""
    return services.preauthorisations_expire(now=timezone.now())
