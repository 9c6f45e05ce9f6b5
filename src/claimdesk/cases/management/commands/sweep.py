from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from claimdesk.cases.services import deadline_sweep


class Command(BaseCommand):
    help = "Run one SLA sweep now; print the reminders, overdue warnings and escalations raised."

    def add_arguments(self, parser):
        parser.add_argument(
            "--via-worker",
            action="store_true",
            help="send the sweep to a Celery worker and wait for its answer",
        )
        parser.add_argument("--timeout", type=float, default=60.0)

    def handle(self, *args, via_worker: bool = False, timeout: float = 60.0, **opts):
        if via_worker:
            from claimdesk.cases.tasks import deadline_sweep as task

            counts = task.apply_async(ignore_result=False).get(timeout=timeout)
        else:
            r = deadline_sweep(now=timezone.now(), batch=settings.CLAIMDESK_SWEEP_BATCH)
            counts = {"reminders": r.reminders, "overdue": r.overdue, "escalations": r.escalations}
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
