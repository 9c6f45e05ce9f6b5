"""An action's timeline lines: written together at its end, chained in one ledger append,
and handed to the after-commit readers once, after the commit, never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claimdesk.cases import committed
from claimdesk.cases.committed import dispatch_committed
from claimdesk.cases.models import Case, CaseEvent
from claimdesk.cases.timeline import action_save, case_action, timeline_record
from claimdesk.ledger.models import LedgerEntry
from claimdesk.ledger.selectors import ledger_verify
from tests.cases.conftest import T0, open_claim, step

H = timedelta(hours=1)


@pytest.fixture
def case(agent1, customer1):
    return open_claim(agent1, customer1)


@pytest.fixture
def reader(monkeypatch):
    """An after-commit reader that remembers the lines it was handed."""
    seen: list[CaseEvent] = []
    monkeypatch.setattr(committed, "_READERS", [*committed._READERS, seen.extend])
    return seen


def test_an_actions_lines_are_written_together_and_chained_once(case, agent1):
    with CaptureQueriesContext(connection) as queries, case_action():
        for n in range(3):
            timeline_record(case, now=T0 + n * H, actor=agent1, kind="note")
        # Nothing is written before the action ends.
        assert CaseEvent.objects.filter(case=case, kind="note").count() == 0
    lines = list(CaseEvent.objects.filter(case=case, kind="note").order_by("id"))
    assert [line.at for line in lines] == [T0, T0 + H, T0 + 2 * H]
    inserts = [q["sql"] for q in queries if 'INSERT INTO "cases_caseevent"' in q["sql"]]
    ledger = [q["sql"] for q in queries if '"ledger_ledgerentry"' in q["sql"]]
    assert len(inserts) == 1 and len(ledger) == 1  # one INSERT, one ledger append
    if connection.vendor == "postgresql":  # both in one statement
        assert inserts == ledger
    assert LedgerEntry.objects.filter(case_id=case.pk, record_type="event").count() == len(
        CaseEvent.objects.filter(case=case)
    )
    assert ledger_verify(case).ok


def test_an_actions_save_goes_with_its_lines(case, agent1):
    """A row the action saves with ``action_save`` is written when the action ends, with
    its lines: on PostgreSQL in the one statement that ends the action."""
    with CaptureQueriesContext(connection) as queries, case_action():
        case.title = "改过的标题"
        action_save(case, ("title",))
        timeline_record(case, now=T0, actor=agent1, kind="note")
        assert Case.objects.get(pk=case.pk).title != "改过的标题"  # not yet
    assert Case.objects.get(pk=case.pk).title == "改过的标题"
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "cases_case"')]
    assert len(updates) == (0 if connection.vendor == "postgresql" else 1)
    assert ledger_verify(case).ok


def test_a_nested_steps_save_is_made_at_once(case, agent1):
    """A step nested in a larger action saves at once: the action may read the row next."""
    with case_action():
        with case_action():
            case.title = "嵌套"
            action_save(case, ("title",))
        assert Case.objects.get(pk=case.pk).title == "嵌套"
        timeline_record(case, now=T0, actor=agent1, kind="note")


def test_a_failed_nested_steps_save_is_dropped(case, agent1):
    title = case.title
    with case_action():
        timeline_record(case, now=T0, actor=agent1, kind="note")
        with pytest.raises(RuntimeError), case_action(savepoint=True):
            other = Case.objects.get(pk=case.pk)
            other.title = "不该留下"
            action_save(other, ("title",))
            raise RuntimeError("refused")
    assert Case.objects.get(pk=case.pk).title == title


def test_a_nested_step_that_fails_leaves_no_line(case, agent1):
    with case_action():
        timeline_record(case, now=T0, actor=agent1, kind="note", data={"n": 1})
        with pytest.raises(RuntimeError), case_action(savepoint=True):
            timeline_record(case, now=T0, actor=agent1, kind="note", data={"n": 2})
            raise RuntimeError("refused")
    assert [e.data for e in CaseEvent.objects.filter(case=case, kind="note")] == [{"n": 1}]
    assert ledger_verify(case).ok


def test_lines_reach_the_readers_after_commit_once(case, agent1, reader):
    step(case, "contact", agent1, T0 + H)
    assert reader == []  # the action's transaction is the test's: not committed yet
    handed = dispatch_committed()
    assert handed == CaseEvent.objects.filter(case=case).count()
    assert {line.kind for line in reader} >= {"opened", "transition"}
    assert dispatch_committed() == 0  # marked: never handed twice
    assert not CaseEvent.objects.filter(dispatched=False).exists()


def test_a_failing_reader_holds_back_only_its_case(agent1, customer1, monkeypatch):
    good = open_claim(agent1, customer1, title="车险 刮擦")
    bad = open_claim(agent1, customer1, title="车险 追尾")
    seen: list[int] = []

    def picky(lines):
        if any(line.case_id == bad.pk for line in lines):
            raise RuntimeError("cannot read this case yet")
        seen.extend(line.case_id for line in lines)

    monkeypatch.setattr(committed, "_READERS", [picky])
    dispatch_committed()
    assert set(seen) == {good.pk}
    assert CaseEvent.objects.filter(case=bad, dispatched=False).exists()
    assert not CaseEvent.objects.filter(case=good, dispatched=False).exists()
    # Once the reader can, the next run hands the rest over: nothing is lost.
    monkeypatch.setattr(
        committed, "_READERS", [lambda lines: seen.extend(x.case_id for x in lines)]
    )
    dispatch_committed()
    assert bad.pk in seen and not CaseEvent.objects.filter(dispatched=False).exists()


def test_the_worker_is_scheduled_on_commit_and_swept_every_minute(settings, case, agent1):
    from django.db import transaction

    from claimdesk.cases.committed import _schedule_dispatch

    with transaction.atomic():
        step(case, "contact", agent1, T0 + H)
        scheduled = [f for _sids, f, _robust in connection.run_on_commit]
    assert scheduled.count(_schedule_dispatch) == 1  # once per transaction, however many lines
    sweep = settings.CELERY_BEAT_SCHEDULE["timeline-dispatch"]
    assert sweep["task"] == "claimdesk.cases.tasks.timeline_dispatch"
    assert sweep["schedule"] <= 60
