"""``claimdesk.db.bulk_insert``: many rows at once (COPY on PostgreSQL) read back exactly as
``bulk_create`` writes them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from claimdesk.cases.models import Case, CaseEvent, Deadline, DeadlineState, SlaRule
from claimdesk.db import COPY_FROM, bulk_insert, insert_values
from claimdesk.ledger.models import LedgerEntry
from claimdesk.notify.models import Channel, Notification, Status
from tests.conftest import at

T0 = at("2026-09-30 10:00")


def _cases(owner, customer, n: int, prefix: str) -> list[Case]:
    return bulk_insert(
        [
            Case(
                number=f"{prefix}{i:06d}",
                kind="claim",
                category="medical",
                status="reported",
                title=f"暴雨 {i}",
                owner=owner,
                customer=customer,
                opened_at=T0,
                updated_at=T0,
                next_due_at=T0 + timedelta(days=1),
            )
            for i in range(n)
        ]
    )


@pytest.mark.parametrize("n", [3, COPY_FROM + 10])
def test_rows_come_back_as_written_with_their_keys(n, agent1, customer1):
    """Below COPY_FROM rows it is bulk_create; from there on COPY (on PostgreSQL): the same
    rows either way, the objects carrying their new primary keys."""
    cases = _cases(agent1, customer1, n, f"T{n}")
    assert all(c.pk for c in cases) and len({c.pk for c in cases}) == n
    assert not cases[0]._state.adding
    rule = SlaRule.objects.get(code="contact")
    clocks = bulk_insert(
        [
            Deadline(
                case=c,
                rule=rule,
                unit=rule.unit,
                assignee=agent1,
                state=DeadlineState.RUNNING,
                started_at=T0,
                budget=timedelta(days=1, hours=2),
                segment_started_at=T0,
                due_at=T0 + timedelta(days=1),
                remind_at=T0 + timedelta(hours=20),
                escalate_at=T0 + timedelta(days=1, hours=4),
                next_action_at=T0 + timedelta(hours=20),
            )
            for c in cases
        ]
    )
    events = bulk_insert(
        [
            CaseEvent(
                case=c,
                at=T0,
                actor=agent1,
                kind="opened",
                to_status="reported",
                customer_visible=True,
                data={"owner": agent1.username, "due_at": T0, "amount": Decimal("12.30")},
            )
            for c in cases
        ]
    )
    assert bulk_insert([]) == []
    notes = bulk_insert(
        [
            Notification(
                recipient=customer1,
                case=c,
                kind="claim_registered",
                channel=Channel.SMS,
                phone="13800000000",
                subject="已受理",
                created_at=T0,
                status=Status.PENDING,
                next_attempt_at=T0,
            )
            for c in cases
        ]
    )
    stored = Case.objects.get(pk=cases[-1].pk)
    assert (stored.number, stored.title, stored.owner_id, stored.is_open) == (
        cases[-1].number,
        f"暴雨 {n - 1}",
        agent1.pk,
        True,
    )
    assert stored.opened_at == T0 and stored.next_due_at == T0 + timedelta(days=1)
    d = Deadline.objects.get(pk=clocks[0].pk)
    assert d.state == "running" and d.budget == timedelta(days=1, hours=2)
    assert d.consumed == timedelta(0)  # the field's default, as the object was built
    e = CaseEvent.objects.get(pk=events[0].pk)
    assert e.data == {
        "owner": agent1.username,
        "due_at": "2026-09-30T10:00:00+08:00",
        "amount": "12.30",
    }
    note = Notification.objects.get(pk=notes[1].pk)
    assert (note.channel, note.status, note.attempts, note.last_error) == ("sms", "pending", 0, "")


def test_the_database_refusing_a_row_is_an_integrity_error(agent1, customer1):
    """A duplicate key in a COPY surfaces as Django's IntegrityError, which bulk intake
    catches to retry claim by claim; nothing of the batch is left."""
    with pytest.raises(IntegrityError), transaction.atomic():
        _cases(agent1, customer1, COPY_FROM + 1, "SAME")  # numbers SAME000000 … unique
        _cases(agent1, customer1, COPY_FROM + 1, "SAME")
    assert not Case.objects.filter(number__startswith="SAME").exists()


@pytest.mark.parametrize("n", [2, COPY_FROM])
def test_plain_value_rows(n, agent1, customer1):
    """``insert_values``: rows as tuples for the named columns, JSON included."""
    cases = _cases(agent1, customer1, n, f"W{n}")
    insert_values(
        LedgerEntry,
        ("case_id", "seq", "record_type", "record_id", "prev_hash", "entry_hash", "digests", "at"),
        [(c.pk, 1, "event", c.pk, "0" * 64, "a" * 64, {"id": "0123abcd"}, T0) for c in cases],
    )
    stored = LedgerEntry.objects.filter(case__in=cases).order_by("case_id")
    assert stored.count() == n
    first = stored.first()
    assert (first.case_id, first.seq, first.digests, first.at) == (
        cases[0].pk,
        1,
        {"id": "0123abcd"},
        T0,
    )
