"""The ledger under real concurrency (PostgreSQL row locks across connections) and the CLI
as an operator runs it, in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction

from claimdesk.cases.models import CaseEvent
from claimdesk.cases.timeline import timeline_record
from claimdesk.ledger.models import LedgerEntry
from claimdesk.ledger.selectors import ledger_verify
from tests.ledger.conftest import T0, events, sql, worked_case

pytestmark = pytest.mark.postgres

THREADS, EACH = 6, 5


def test_concurrent_appends_never_fork_a_chain(transactional_db, agent1, customer1, customer2):
    case = worked_case(agent1, customer1, title="A")
    other = worked_case(agent1, customer2, title="B")
    barrier = threading.Barrier(THREADS)
    errors: list[Exception] = []

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            for j in range(EACH):
                with transaction.atomic():
                    timeline_record(
                        case if (i + j) % 3 else other,
                        now=T0 + timedelta(hours=2, seconds=i * EACH + j),
                        kind="note",
                        data={"thread": i, "n": j},
                    )
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    for c in (case, other):
        seqs = list(
            LedgerEntry.objects.filter(case=c).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, len(events(c)) + 1))
    result = ledger_verify()
    assert result.ok, result.first_broken
    assert result.checked == CaseEvent.objects.count()


def _cli(*args: str) -> subprocess.CompletedProcess:
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "claimdesk.settings"}
    return subprocess.run(
        [sys.executable, "-m", "claimdesk.cli", "verify-ledger", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_command_in_its_own_process(transactional_db, agent1, customer1):
    case = worked_case(agent1, customer1)
    ok = _cli(case.number)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"OK: {len(events(case))} entries in 1 case(s)")

    target = events(case)[1]
    sql("UPDATE cases_caseevent SET data = '{\"x\": 1}' WHERE id = %s", target.pk)
    broken = _cli()
    assert broken.returncode == 1
    assert f"case {case.number} seq 2 timeline event #{target.pk}" in broken.stderr
