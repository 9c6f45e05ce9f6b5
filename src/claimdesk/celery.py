"""Celery application: SLA sweeps, reminders and notifications run here."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimdesk.settings")

app = Celery("claimdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect
def _warm_up(**kwargs):
    """Each process that runs tasks (a prefork child, or the worker itself with the solo pool
    of ``claimdesk run``) loads the OCR engine before its first task, not in the middle of
    reading an upload."""
    from claimdesk.warmup import TASKS, warm_up

    warm_up(TASKS)
