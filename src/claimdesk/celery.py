"""Celery application: SLA sweeps, reminders and notifications run here."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimdesk.settings")

app = Celery("claimdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect
def _warm_pool_process(**kwargs):
    """A prefork child loads the OCR engine once, before its first task, instead of in the
    middle of reading an upload."""
    from claimdesk.warmup import TASKS, warm_up

    warm_up(TASKS)


@signals.worker_ready.connect
def _warm_in_process_pool(sender=None, **kwargs):
    """The solo and thread pools run tasks in the worker itself (``claimdesk run``): warm it
    there. A prefork worker's children warm themselves (above)."""
    pool = getattr(sender, "pool", None)
    if pool is not None and type(pool).__module__.rsplit(".", 1)[-1] in ("solo", "thread"):
        from claimdesk.warmup import TASKS, warm_up

        warm_up(TASKS)
