"""A real Celery worker on a real broker runs the deadline sweep (CI, PostgreSQL + Redis).

Skipped unless CLAIMDESK_WORKER_SMOKE=1: it needs a broker, and a database the worker
process can share with the test (so not SQLite's in-memory test database).
"""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from claimdesk.cases import services
from claimdesk.cases.models import AlertKind, DeadlineAlert

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        os.environ.get("CLAIMDESK_WORKER_SMOKE") != "1",
        reason="set CLAIMDESK_WORKER_SMOKE=1 with BROKER_URL and a PostgreSQL DATABASE_URL",
    ),
]


@pytest.fixture
def worker(transactional_db):
    if connection.vendor != "postgresql":
        pytest.fail("the worker smoke test needs PostgreSQL: the worker must see the test data")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CLAIMDESK_TASKS_EAGER": "0",
    }
    log = Path(settings.VAR_DIR) / "worker-smoke.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "claimdesk",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield proc
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(log.read_text()[-3000:])


def test_worker_runs_the_sweep_once(worker, agent1, customer1, settings):
    from claimdesk.cases.tasks import deadline_sweep
    from claimdesk.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    opened = timezone.now() - timedelta(days=10)
    case = services.case_open(
        kind="claim", title="车险 追尾 worker smoke", actor=agent1, customer=customer1, now=opened
    )

    first = deadline_sweep.apply_async().get(timeout=90)
    second = deadline_sweep.apply_async().get(timeout=90)

    contact = case.deadlines.get(rule__code="contact")
    kinds = set(DeadlineAlert.objects.filter(deadline=contact).values_list("kind", flat=True))
    assert kinds == {AlertKind.REMINDER, AlertKind.OVERDUE, AlertKind.ESCALATION}
    assert first["overdue"] >= 1 and first["escalations"] >= 1
    assert second == {"reminders": 0, "overdue": 0, "escalations": 0}
    escalation = DeadlineAlert.objects.get(deadline=contact, kind=AlertKind.ESCALATION)
    assert escalation.recipient.username == "manager1"
