"""Celery application: SLA sweeps, reminders and notifications run here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimdesk.settings")

app = Celery("claimdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
