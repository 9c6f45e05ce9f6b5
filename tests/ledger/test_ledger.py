"""The evidence ledger: every event and document chained per case in its own transaction;
verification recomputes the chains from the rows as they are now and names the first break."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from django.db import transaction

from claimdesk.cases.models import CaseEvent
from claimdesk.cases.timeline import timeline_event, timeline_record
from claimdesk.ledger import rules
from claimdesk.ledger.models import LedgerEntry, LedgerHead
from claimdesk.ledger.selectors import ledger_verify
from claimdesk.ledger.services import ledger_backfill
from tests.ledger.conftest import T0, entries, events, sql, worked_case


def test_every_event_is_chained_in_order_and_verifies(agent1, customer1):
    case = worked_case(agent1, customer1)
    evs, chain = events(case), entries(case)
    assert len(evs) >= 3
    assert [e.seq for e in chain] == list(range(1, len(evs) + 1))
    assert [(e.record_type, e.record_id) for e in chain] == [("event", ev.pk) for ev in evs]
    assert chain[0].prev_hash == rules.GENESIS
    for before, after in itertools.pairwise(chain):
        assert after.prev_hash == before.entry_hash
    head = LedgerHead.objects.get(case=case)
    assert (head.seq, head.last_hash) == (len(chain), chain[-1].entry_hash)

    result = ledger_verify(case)
    assert result.ok and result.first_broken is None
    assert (result.checked, result.cases) == (len(evs), 1)


def test_a_row_edited_behind_the_applications_back_is_named(agent1, customer1):
    case = worked_case(agent1, customer1)
    target = events(case)[1]
    seq = LedgerEntry.objects.get(record_type="event", record_id=target.pk).seq
    assert sql(
        "UPDATE cases_caseevent SET data = %s WHERE id = %s",
        json.dumps({"note": "改过"}),
        target.pk,
    )

    result = ledger_verify(case)
    assert not result.ok
    broken = result.broken
    assert (broken.seq, broken.record_type, broken.record_id) == (seq, "event", target.pk)
    assert broken.problem == "record changed after it was chained: data differ"
    assert result.first_broken == (
        f"case {case.number} seq {seq} timeline event #{target.pk}: "
        "record changed after it was chained: data differ"
    )
    # the whole-database check finds the same record
    assert ledger_verify().broken == broken


def test_an_edited_time_or_actor_is_named_field_by_field(agent1, agent2, customer1):
    case = worked_case(agent1, customer1)
    target = events(case)[0]
    sql(
        "UPDATE cases_caseevent SET at = %s, actor_id = %s WHERE id = %s",
        T0 - timedelta(days=3),
        agent2.pk,
        target.pk,
    )
    broken = ledger_verify(case).broken
    assert (broken.seq, broken.record_id) == (1, target.pk)
    assert broken.problem == "record changed after it was chained: actor, at differ"


def test_a_deleted_record_is_named(agent1, customer1):
    case = worked_case(agent1, customer1)
    target = events(case)[-1]
    sql("DELETE FROM cases_caseevent WHERE id = %s", target.pk)
    broken = ledger_verify(case).broken
    assert (broken.record_type, broken.record_id) == ("event", target.pk)
    assert "deleted" in broken.problem


def test_an_edited_entry_hash_is_named(agent1, customer1):
    case = worked_case(agent1, customer1)
    chain = entries(case)
    sql("UPDATE ledger_ledgerentry SET entry_hash = %s WHERE id = %s", "f" * 64, chain[1].pk)
    broken = ledger_verify(case).broken
    assert (broken.seq, broken.record_id) == (2, chain[1].record_id)
    assert broken.problem == "entry hash altered (the record itself is unchanged)"


def test_a_removed_entry_is_found(agent1, customer1):
    case = worked_case(agent1, customer1)
    chain = entries(case)
    sql("DELETE FROM ledger_ledgerentry WHERE id = %s", chain[1].pk)
    broken = ledger_verify(case).broken
    assert broken.seq == 2 and "missing" in broken.problem


def test_a_removed_last_entry_is_found(agent1, customer1):
    case = worked_case(agent1, customer1)
    chain = entries(case)
    sql("DELETE FROM ledger_ledgerentry WHERE id = %s", chain[-1].pk)
    assert "entries removed" in ledger_verify(case).first_broken
    # and moving the head back as well leaves the record unchained, which is found too
    sql(
        "UPDATE ledger_ledgerhead SET seq = %s, last_hash = %s WHERE case_id = %s",
        chain[-2].seq,
        chain[-2].entry_hash,
        case.pk,
    )
    broken = ledger_verify(case).broken
    assert (broken.record_type, broken.record_id) == ("event", chain[-1].record_id)
    assert "not in the ledger" in broken.problem


def test_reordered_entries_are_found(agent1, customer1):
    case = worked_case(agent1, customer1)
    a, b = entries(case)[1:3]
    sql("UPDATE ledger_ledgerentry SET seq = 1000 WHERE id = %s", a.pk)
    sql("UPDATE ledger_ledgerentry SET seq = %s WHERE id = %s", a.seq, b.pk)
    sql("UPDATE ledger_ledgerentry SET seq = %s WHERE id = %s", b.seq, a.pk)
    broken = ledger_verify(case).broken
    assert broken.seq == a.seq and "prev_hash differs" in broken.problem


def test_an_event_inserted_without_the_application_is_found(agent1, customer1):
    case = worked_case(agent1, customer1)
    sql(
        "INSERT INTO cases_caseevent (case_id, at, kind, action, from_status, to_status, data,"
        " customer_visible) VALUES (%s, %s, 'note', '', '', '', '{}', %s)",
        case.pk,
        T0 + timedelta(hours=2),
        False,
    )
    injected = events(case)[-1]
    broken = ledger_verify(case).broken
    assert (broken.record_type, broken.record_id) == ("event", injected.pk)
    assert "not in the ledger" in broken.problem


def test_cases_have_independent_chains(agent1, customer1, customer2):
    a = worked_case(agent1, customer1, title="A")
    b = worked_case(agent1, customer2, title="B")
    assert entries(a)[0].prev_hash == entries(b)[0].prev_hash == rules.GENESIS
    assert entries(a)[0].seq == entries(b)[0].seq == 1
    sql("UPDATE cases_caseevent SET kind = 'x' WHERE id = %s", events(a)[0].pk)
    assert ledger_verify(b).ok
    everything = ledger_verify()
    assert not everything.ok and everything.broken.case_number == a.number


def test_a_rolled_back_event_leaves_no_entry(agent1, customer1):
    case = worked_case(agent1, customer1)
    before = LedgerEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        timeline_record(case, now=T0, kind="note")
        assert LedgerEntry.objects.count() == before + 1  # same transaction
        raise RuntimeError
    assert LedgerEntry.objects.count() == before
    assert ledger_verify(case).ok


def test_appending_costs_three_queries(agent1, customer1, django_assert_num_queries):
    """The line's INSERT, then the chain: lock the head, insert the entry, move the head
    (on PostgreSQL all of it is one statement: the database draws the line's key and
    chains the entry with it)."""
    from django.db import connection

    case = worked_case(agent1, customer1)
    expected = 1 if connection.vendor == "postgresql" else 4
    with transaction.atomic(), django_assert_num_queries(expected):
        timeline_record(case, now=T0, kind="note", data={"n": 1})
    assert ledger_verify(case).ok


def test_values_come_back_the_same_from_the_database(agent1, customer1):
    """Decimals, datetimes, floats and Chinese text in the payload survive the round trip."""
    from decimal import Decimal

    case = worked_case(agent1, customer1)
    timeline_record(
        case,
        now=T0 + timedelta(microseconds=123456),
        kind="note",
        data={"amount": Decimal("1234.50"), "when": T0, "ratio": 0.7, "big": 1e20, "说明": "定损"},
    )
    assert ledger_verify(case).ok


def test_documents_are_chained_and_a_changed_fingerprint_is_named(claim, customer1):
    from claimdesk.documents.models import Document
    from claimdesk.ledger.services import ledger_append_document

    doc = Document.objects.create(
        claim=claim,
        original_name="发票.png",
        file="documents/ab/abc.png",
        content_type="image/png",
        size=1234,
        sha256="ab" * 32,
        uploaded_by=customer1,
        uploaded_at=T0 + timedelta(minutes=5),
    )
    ledger_append_document(doc)  # as the documents service does for every file it stores
    entry = LedgerEntry.objects.get(record_type="document", record_id=doc.pk)
    assert entry.case_id == claim.case_id
    # later work on the document (OCR, classification) is not part of the record
    # (no file was stored here: only the records are checked)
    Document.objects.filter(pk=doc.pk).update(ocr_text="金额合计", kind="invoice")
    assert ledger_verify(claim.case, files=False).ok

    sql("UPDATE documents_document SET sha256 = %s WHERE id = %s", "cd" * 32, doc.pk)
    broken = ledger_verify(claim.case, files=False).broken
    assert (broken.seq, broken.record_type, broken.record_id) == (entry.seq, "document", doc.pk)
    assert str(broken).endswith(
        f"document #{doc.pk}: record changed after it was chained: sha256 differ"
    )


def test_backfill_chains_rows_written_before_the_ledger(agent1, customer1, customer2):
    from claimdesk.documents.models import Document

    a = worked_case(agent1, customer1, title="A")
    b = worked_case(agent1, customer2, title="B")
    n = CaseEvent.objects.count()
    sql("DELETE FROM ledger_ledgerentry")
    sql("DELETE FROM ledger_ledgerhead")
    assert not ledger_verify().ok
    written = ledger_backfill(
        Event=CaseEvent, Document=Document, Entry=LedgerEntry, Head=LedgerHead
    )
    assert written == n
    assert ledger_verify().ok and ledger_verify().checked == n
    assert (
        ledger_backfill(Event=CaseEvent, Document=Document, Entry=LedgerEntry, Head=LedgerHead) == 0
    )
    assert entries(a)[0].seq == entries(b)[0].seq == 1


def test_bulk_created_events_are_chained_by_ledger_append_events(
    agent1, customer1, customer2, django_assert_max_num_queries
):
    """``bulk_create`` sends no post_save: its caller chains the batch in a few queries."""
    from claimdesk.ledger.services import ledger_append_events

    a = worked_case(agent1, customer1, title="A")
    b = worked_case(agent1, customer2, title="B")
    batch = [
        timeline_event(case, now=T0 + timedelta(hours=3, minutes=i), kind="note", data={"i": i})
        for i in range(20)
        for case in (a, b)
    ]
    with transaction.atomic():
        CaseEvent.objects.bulk_create(batch)
        assert not ledger_verify(a).ok  # not chained yet
        with django_assert_max_num_queries(4):
            assert ledger_append_events(batch) == 40
    for case in (a, b):
        assert ledger_verify(case).ok
        assert entries(case)[-1].seq == len(events(case))


def test_an_upload_chains_the_document_and_its_event(claim, customer1, settings, tmp_path):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from claimdesk.documents.services import document_upload

    settings.MEDIA_ROOT = tmp_path / "media"
    buf = io.BytesIO()
    Image.new("RGB", (20, 10), "white").save(buf, "PNG")
    doc = document_upload(
        claim=claim, file=ContentFile(buf.getvalue(), name="发票.png"), actor=customer1, now=T0
    ).document
    kinds = [e.record_type for e in entries(claim.case)]
    assert kinds.count("document") == 1 and kinds[-2:] == ["document", "event"]
    assert entries(claim.case)[-2].record_id == doc.pk
    assert ledger_verify(claim.case).ok


def test_a_new_case_chain_costs_three_queries_too(agent1, django_assert_num_queries):
    from django.db import connection

    from claimdesk.cases.models import Case

    case = Case.objects.create(
        number="CL1",
        kind="claim",
        status="reported",
        title="t",
        owner=agent1,
        opened_at=T0,
        updated_at=T0,
    )
    # The event's INSERT + 3 (on PostgreSQL one statement, which starts the head too).
    expected = 1 if connection.vendor == "postgresql" else 4
    with transaction.atomic(), django_assert_num_queries(expected):
        timeline_record(case, now=T0, kind="opened")
    assert LedgerHead.objects.get(case=case).seq == 1
    assert ledger_verify(case).ok
