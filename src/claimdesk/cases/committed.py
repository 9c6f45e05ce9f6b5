"""After-commit readers of the timeline: work that need not hold the case lock.

Analytics summaries, rendering a letter's PDF, anything slow that follows from what an action
did, reads the action's timeline lines *after* the action committed, in a worker, instead of
inside the action's transaction. A reader subscribes with ``subscribe_committed`` (from its
app's ``ready``) and is handed batches of committed lines, in the order they were written.

The lines are the outbox: they commit with the action, and a line is marked ``dispatched``
in the same transaction as its readers' writes. So a reader sees every committed line; if
the worker dies before that commit it sees it again (readers are idempotent: they re-derive
from the rows, or check before they write); and a line whose hand-over was never scheduled
(broker down, process killed right after commit) is picked up by the periodic sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from itertools import groupby

from django.db import connection, models, transaction

from claimdesk.cases.models import CaseEvent
from claimdesk.db import on_commit_once

log = logging.getLogger(__name__)

CommittedReader = Callable[[list[CaseEvent]], None]
_READERS: list[CommittedReader] = []
BATCH = 500


def subscribe_committed(reader: CommittedReader) -> None:
    """Hand ``reader`` every committed timeline line, in batches, after its action's commit.

    The reader runs in the dispatch transaction: what it writes commits with the lines'
    ``dispatched`` mark. It must be idempotent (a batch can be handed over twice when a
    worker dies between the reader and the commit) and pick the lines it cares about.
    """
    if reader not in _READERS:
        _READERS.append(reader)


def dispatch_after_commit() -> None:
    """Schedule one dispatch run for when the current transaction commits."""
    on_commit_once(_schedule_dispatch)


def _schedule_dispatch() -> None:
    from claimdesk.cases.tasks import timeline_dispatch

    try:
        timeline_dispatch.delay()
    except Exception:  # the broker being down must not fail the business action
        log.exception("could not schedule the timeline dispatch; the next sweep will run it")


def dispatch_committed(*, batch: int = BATCH) -> int:
    """Hand every committed, undispatched line to the readers; how many lines were handed.

    A batch whose readers fail is retried case by case, so one bad case does not hold up
    the others; its lines stay undispatched for the next run (and are logged).
    """
    handed = 0
    while True:
        with transaction.atomic():
            lines = _claim(batch)
            if not lines:
                return handed
            try:
                with transaction.atomic():
                    _hand_over(lines)
            except Exception:
                log.exception("timeline dispatch: a batch failed; retrying case by case")
                lines = _hand_over_by_case(lines)
        handed += len(lines)
        if len(lines) < batch:
            return handed


def _claim(batch: int) -> list[CaseEvent]:
    lines = CaseEvent.objects.filter(dispatched=False).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        # Two workers share the backlog instead of handing the same lines over twice.
        lines = lines.select_for_update(skip_locked=True)
    return list(lines[:batch])


def _hand_over(lines: list[CaseEvent]) -> None:
    for reader in _READERS:
        reader(lines)
    # The one update of a timeline line: its dispatch mark (not part of what the ledger seals).
    models.QuerySet(CaseEvent).filter(pk__in=[line.pk for line in lines]).update(dispatched=True)


def _hand_over_by_case(lines: list[CaseEvent]) -> list[CaseEvent]:
    handed: list[CaseEvent] = []
    for case_id, group in groupby(
        sorted(lines, key=lambda x: (x.case_id, x.pk)), lambda x: x.case_id
    ):
        mine = list(group)
        try:
            with transaction.atomic():
                _hand_over(mine)
        except Exception:
            log.exception("timeline dispatch: case %s failed; left for the next run", case_id)
        else:
            handed += mine
    return handed
