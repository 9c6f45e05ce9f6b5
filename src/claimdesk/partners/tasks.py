from celery import shared_task
from django.utils import timezone

from claimdesk.partners import services


@shared_task
def partners_sweep() -> int:
    """Expire pre-authorisations past their time (their room goes back to the policy year)
    after asking the owners of repairs past their agreed date to offer a courtesy car."""
    now = timezone.now()
    return services.repairs_overdue(now=now) + services.preauthorisations_expire(now=now)
