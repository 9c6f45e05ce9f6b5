"""Writes of the evidence ledger: append a record to its case's chain.

Called for every action's batch of timeline lines (the timeline's subscriber, see
``apps.py``) and by the documents service for every stored document, inside the transaction
that writes the record, so the record and its link commit or roll back together. Cost per record: one ``SELECT … FOR UPDATE`` on the case's head, one
``INSERT`` of the entry, one ``UPDATE`` of the head (for the first record of a case, an
``INSERT`` of the head instead).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, connections, router, transaction
from django.utils import timezone

from claimdesk.db import COPY_FROM, insert_values
from claimdesk.ledger import rules
from claimdesk.ledger.models import LedgerEntry, LedgerHead

log = logging.getLogger(__name__)
BATCH = 500


def _aware(value: datetime) -> datetime:
    """Django saves a naive datetime as local time (with a warning); read it the same way."""
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def event_record(event) -> dict[str, Any]:
    """The canonical business fields of a ``cases.CaseEvent`` (also a historical one)."""
    return rules.event_record(
        id=event.pk,
        case_id=event.case_id,
        at=_aware(event.at),
        actor_id=event.actor_id,
        kind=event.kind,
        action=event.action,
        from_status=event.from_status,
        to_status=event.to_status,
        data=event.data,
        customer_visible=event.customer_visible,
    )


def document_record(document) -> dict[str, Any]:
    """The canonical business fields of a ``documents.Document``; its claim's pk is the case
    id. The stored bytes are pinned by their SHA-256; OCR results and the staff's
    classification change later by design and are not part of the record."""
    return rules.document_record(
        id=document.pk,
        case_id=document.claim_id,
        sha256=document.sha256,
        name=document.original_name,
        size=document.size,
        content_type=document.content_type,
        uploaded_at=_aware(document.uploaded_at),
        uploaded_by_id=document.uploaded_by_id,
    )


def ledger_append(*, case_id: int, record: dict[str, Any], at: datetime) -> LedgerEntry:
    """Chain ``record`` at the end of its case's ledger; the caller's transaction holds."""
    if not connection.in_atomic_block:
        # An autocommit save has already committed the record; chain it anyway, but say so.
        log.warning("ledger: %s %s chained outside its transaction", record["type"], record["id"])
    with transaction.atomic(savepoint=False):  # no savepoint inside the caller's transaction
        head = LedgerHead.objects.select_for_update().filter(case_id=case_id).first()
        if head is None:
            # A case's first record, almost always in the transaction that creates the case,
            # so nobody else can be chaining it. Should two transactions still start the
            # same chain, the second fails on the head's primary key and rolls back whole.
            entry_hash, digests = rules.seal(rules.GENESIS, record)
            LedgerHead.objects.create(case_id=case_id, seq=1, last_hash=entry_hash)
            return _entry(case_id, 1, rules.GENESIS, entry_hash, digests, record, at)
        prev_hash, seq = head.last_hash, head.seq + 1
        entry_hash, digests = rules.seal(prev_hash, record)
        entry = _entry(case_id, seq, prev_hash, entry_hash, digests, record, at)
        LedgerHead.objects.filter(case_id=case_id).update(seq=seq, last_hash=entry_hash)
        return entry


def _entry(case_id, seq, prev_hash, entry_hash, digests, record, at) -> LedgerEntry:
    return LedgerEntry.objects.create(
        case_id=case_id,
        seq=seq,
        record_type=record["type"],
        record_id=record["id"],
        prev_hash=prev_hash,
        entry_hash=entry_hash,
        digests=digests,
        at=at,
    )


_ENTRY_COLUMNS = (
    "case_id",
    "seq",
    "record_type",
    "record_id",
    "prev_hash",
    "entry_hash",
    "digests",
    "at",
)


def _append_many(
    rows: Iterable[tuple[int, dict[str, Any], datetime]],
    *,
    Entry=LedgerEntry,
    Head=LedgerHead,
    new_cases: bool = False,
) -> int:
    """Chain ``(case_id, record, at)`` rows, in the order given per case, with a handful of
    queries per batch: lock the existing heads, insert the entries, insert or update heads.
    ``new_cases``: the cases were created in this transaction, so they have no head yet
    (nobody else can chain them) and the lookup is skipped; a wrong claim fails on the
    head's primary key and rolls the transaction back."""
    per_case: dict[int, list[tuple[dict[str, Any], datetime]]] = {}
    for case_id, record, at in rows:
        per_case.setdefault(case_id, []).append((record, at))
    if _in_one_statement(sum(map(len, per_case.values())), Entry, Head):
        return _append_in_one_statement(per_case)
    written = 0
    ids = list(per_case)
    for i in range(0, len(ids), BATCH):
        batch = ids[i : i + BATCH]
        heads = (
            {}
            if new_cases
            else {
                h.case_id: h
                # In key order: two batches over the same cases lock them in the same order.
                for h in Head.objects.select_for_update()
                .filter(case_id__in=batch)
                .order_by("case_id")
            }
        )
        entries, new_heads = [], []
        for case_id in batch:
            head = heads.get(case_id)
            seq, prev = (head.seq, head.last_hash) if head else (0, rules.GENESIS)
            for record, at in per_case[case_id]:
                seq += 1
                entry_hash, digests = rules.seal(prev, record)
                entries.append(
                    (case_id, seq, record["type"], record["id"], prev, entry_hash, digests, at)
                )
                prev = entry_hash
            if head is None:
                new_heads.append((case_id, seq, prev))
            else:
                head.seq, head.last_hash = seq, prev
        insert_values(Head, ("case_id", "seq", "last_hash"), new_heads)
        _write_entries(Entry, Head, entries, list(heads.values()))
        written += len(entries)
    return written


def _in_one_statement(records: int, Entry=LedgerEntry, Head=LedgerHead) -> bool:
    """An action's few records on PostgreSQL go in one statement (the database chains them);
    the backfill's historical models, SQLite and large batches take the general path."""
    if Entry is not LedgerEntry or Head is not LedgerHead or not records:
        return False
    conn = connections[router.db_for_write(LedgerEntry)]
    return conn.vendor == "postgresql" and records < COPY_FROM


# Lock the heads, chain the records from each head (the database computes the same
# ``rules.chain_hash``: SHA-256 of the previous hash followed by the canonical record, as
# UTF-8), insert the entries and move (or start) the heads: one round trip per action.
# A case without a head starts from the genesis hash; two transactions starting the same
# chain at once meet on the entries' unique (case, seq) and the second rolls back.
# A timeline line written in the same statement has no key yet when its record is made: its
# canonical text comes in two halves around the key (``rules.canonical_around``), which the
# database joins with the key it draws (``timeline_ids``, see ``cases.timeline``).
_CHAIN_CTES = """
  ledger_v(case_id, k, record_type, record_id, canonical, digests, at) AS (
    SELECT r.case_id, r.k, r.record_type, {record_id}, {canonical}, {digests}, r.at
    FROM (VALUES {values}) AS r(case_id, k, record_type, record_id, head, tail, digests, at,
                                line)
    {join}),
  ledger_h AS (SELECT case_id, seq, last_hash FROM {heads}
        WHERE case_id IN (SELECT case_id FROM ledger_v) ORDER BY case_id FOR UPDATE),
  ledger_chain(case_id, k, seq, prev, hash) AS (
    SELECT v.case_id, v.k, COALESCE(h.seq, 0) + 1, COALESCE(h.last_hash, %s),
           encode(sha256(convert_to(COALESCE(h.last_hash, %s) || v.canonical, 'UTF8')), 'hex')
    FROM ledger_v v LEFT JOIN ledger_h h ON h.case_id = v.case_id WHERE v.k = 1
    UNION ALL
    SELECT v.case_id, v.k, c.seq + 1, c.hash,
           encode(sha256(convert_to(c.hash || v.canonical, 'UTF8')), 'hex')
    FROM ledger_chain c JOIN ledger_v v ON v.case_id = c.case_id AND v.k = c.k + 1),
  ledger_ins AS (
    INSERT INTO {entries} (case_id, seq, record_type, record_id, prev_hash, entry_hash,
                           digests, at)
    SELECT c.case_id, c.seq, v.record_type, v.record_id, c.prev, c.hash, v.digests, v.at
    FROM ledger_chain c JOIN ledger_v v ON v.case_id = c.case_id AND v.k = c.k
    RETURNING case_id, seq, entry_hash),
  ledger_moved AS (
    INSERT INTO {heads} (case_id, seq, last_hash)
    SELECT DISTINCT ON (case_id) case_id, seq, entry_hash FROM ledger_ins
    ORDER BY case_id, seq DESC
    ON CONFLICT (case_id) DO UPDATE SET seq = EXCLUDED.seq, last_hash = EXCLUDED.last_hash
    RETURNING 1)"""
# With lines of the same statement: their key, their canonical text and the key's digest.
_WITH_LINES = {
    "record_id": "COALESCE(r.record_id, i.id)",
    "canonical": "CASE WHEN r.line IS NULL THEN r.head ELSE r.head || i.id::text || r.tail END",
    "digests": "CASE WHEN r.line IS NULL THEN r.digests ELSE r.digests || jsonb_build_object("
    "%s::text, left(encode(sha256(convert_to(i.id::text, 'UTF8')), 'hex'), 16)) END",
    "join": "LEFT JOIN timeline_ids i ON i.k = r.line",
}
_WITHOUT_LINES = {
    "record_id": "r.record_id",
    "canonical": "r.head",
    "digests": "r.digests",
    "join": "",
}
_ROW = (
    "(%s::bigint, %s::integer, %s::text, %s::bigint, %s::text, %s::text, %s::jsonb, "
    "%s::timestamptz, %s::integer)"
)
# One row of ``ledger_v``: the case, the record, its time, and the timeline line (1-based)
# whose key completes it, or None for a record that has its key.
_Chained = tuple[int, dict[str, Any], datetime, int | None]


def _chain_part(rows: list[_Chained]) -> tuple[str, list[Any]]:
    """The common table expressions that chain ``rows`` (in order per case) and their
    parameters."""
    conn = connections[router.db_for_write(LedgerEntry)]
    at_field = LedgerEntry._meta.get_field("at")
    per_case: dict[int, list[_Chained]] = {}
    for row in rows:
        per_case.setdefault(row[0], []).append(row)
    params: list[Any] = []
    for case_id in sorted(per_case):
        for k, (_case, record, at, line) in enumerate(per_case[case_id], start=1):
            if line is None:
                head, digests = rules.canonical_and_digests(record)
                tail = None
            else:
                head, tail, digests = rules.canonical_around(record, rules.KEY)
            params += [
                case_id,
                k,
                record["type"],
                record["id"],
                head,
                tail,
                json.dumps(digests),
                at_field.get_db_prep_save(at, conn),
                line,
            ]
    with_lines = any(row[3] is not None for row in rows)
    q = conn.ops.quote_name
    sql = _CHAIN_CTES.format(
        values=", ".join([_ROW] * len(rows)),
        heads=q(LedgerHead._meta.db_table),
        entries=q(LedgerEntry._meta.db_table),
        **(_WITH_LINES if with_lines else _WITHOUT_LINES),
    )
    # The digest's key comes before the rows in the text, the genesis hashes after them.
    head_params = [rules.KEY] if with_lines else []
    return sql, [*head_params, *params, rules.GENESIS, rules.GENESIS]


def _append_in_one_statement(per_case: dict[int, list[tuple[dict[str, Any], datetime]]]) -> int:
    rows: list[_Chained] = [
        (case_id, record, at, None)
        for case_id, records in per_case.items()
        for record, at in records
    ]
    ctes, params = _chain_part(rows)
    conn = connections[router.db_for_write(LedgerEntry)]
    with conn.cursor() as cursor:
        cursor.execute(f"WITH RECURSIVE {ctes}\nSELECT count(*) FROM ledger_moved", params)
    return len(rows)


def ledger_statement_part(events: list, deferred: list) -> tuple[str, list[Any]] | None:
    """Chain an action's lines (not yet written: ``cases.timeline`` writes them in the same
    statement) after its chained rows, as part of that one statement; None when the general
    path must take them."""
    pending = [item for item in deferred if isinstance(item, PendingRecord)]
    rows: list[_Chained] = [(p.case_id, p.record, p.at, None) for p in pending]
    rows += [
        (e.case_id, event_record(e), _aware(e.at), line) for line, e in enumerate(events, start=1)
    ]
    return _chain_part(rows) if _in_one_statement(len(rows)) else None


def _write_entries(Entry, Head, entries: list[tuple], moved: list) -> None:
    """Insert the entries (``INSERT``, or ``COPY`` for many) and move the heads they follow
    (a bulk ``UPDATE``). An action's few entries on PostgreSQL never come here: they are
    chained in one statement (``_append_in_one_statement``)."""
    insert_values(Entry, _ENTRY_COLUMNS, entries)
    if moved:
        Head.objects.bulk_update(moved, ["seq", "last_hash"], batch_size=BATCH)


@dataclass(frozen=True)
class PendingRecord:
    """A chained row written during a business action, appended with the action's timeline
    lines when the action ends (one head lock and one write for the whole action)."""

    case_id: int
    record: dict[str, Any]
    at: datetime

    @property
    def key(self) -> tuple[str, int]:
        return (self.record["type"], self.record["id"])


def ledger_append_events(
    events: Iterable, *, new_cases: bool = False, before: Iterable[PendingRecord] = ()
) -> int:
    """Chain events written with ``bulk_create`` (which sends no ``post_save``): call it in
    the same transaction, right after the ``bulk_create``, with the created objects (their
    pks set, as PostgreSQL and SQLite return them). Events are chained in the order given,
    after the action's chained rows (``before``), which were written before its lines.
    ``new_cases``: every event belongs to a case opened in this transaction."""
    pending = list(before)
    rows = [(p.case_id, p.record, p.at) for p in pending]
    rows += [(e.case_id, event_record(e), _aware(e.at)) for e in events]
    with transaction.atomic(savepoint=False):
        # A chained row of a case that has its head already is no new case's first record.
        return _append_many(rows, new_cases=new_cases and not pending)


def ledger_backfill(*, Event, Document, Entry, Head) -> int:
    """Chain every event and document not yet in the ledger (rows written before the ledger
    existed), per case in time order. Takes the model classes so the data migration can pass
    its historical ones. Returns how many entries it wrote."""
    chained = set(Entry.objects.values_list("record_type", "record_id"))
    pending: list[tuple[datetime, int, int, dict[str, Any]]] = []
    for event in Event.objects.iterator():
        if (rules.EVENT, event.pk) not in chained:
            pending.append((event.at, event.pk, event.case_id, event_record(event)))
    if Document is not None:
        for doc in Document.objects.iterator():
            if (rules.DOCUMENT, doc.pk) not in chained:
                pending.append((doc.uploaded_at, doc.pk, doc.claim_id, document_record(doc)))
    pending.sort(key=lambda r: (r[0], r[1]))
    with transaction.atomic(savepoint=False):
        return _append_many(
            ((case_id, record, at) for at, _pk, case_id, record in pending), Entry=Entry, Head=Head
        )


def ledger_has(record_type: str, record_id: int) -> bool:
    """Whether the record is chained, or waiting to be at the end of the current action."""
    from claimdesk.cases.timeline import action_deferred

    key = (record_type, record_id)
    if any(isinstance(p, PendingRecord) and p.key == key for p in action_deferred()):
        return True
    return LedgerEntry.objects.filter(record_type=record_type, record_id=record_id).exists()


def ledger_backfill_chained(*, get_model, Entry, Head) -> int:
    """Chain the rows of every chained record type (``chained.chain_model``) not yet in the
    ledger, per case in time order after what each chain holds. ``get_model(label)`` gives
    the (historical) model, so the data migration can pass its own."""
    from claimdesk.ledger.chained import at_of, case_of, chained, record_of

    pending: list[tuple[datetime, int, int, dict[str, Any]]] = []
    for spec in chained():
        done = set(
            Entry.objects.filter(record_type=spec.record_type).values_list("record_id", flat=True)
        )
        rows = get_model(spec.model_label).objects.all()
        hops = spec.case_path.split("__")[:-1]
        if hops:
            rows = rows.select_related("__".join(hops))
        orphans = []
        for row in rows.iterator(chunk_size=BATCH):
            if row.pk in done:
                continue
            case_id = case_of(spec, row)
            if case_id is None:
                orphans.append(row)  # chained with the row that gives it a case
                continue
            pending.append((at_of(spec, row), row.pk, case_id, record_of(spec, row, case_id)))
        if orphans and spec.earlier is not None:
            pending += _orphans_placed(spec, orphans, get_model)
    pending.sort(key=lambda r: (r[0], r[1]))
    with transaction.atomic(savepoint=False):
        return _append_many(
            ((case_id, record, at) for at, _pk, case_id, record in pending), Entry=Entry, Head=Head
        )


def _orphans_placed(spec, orphans, get_model) -> list:
    """Rows without a case of their own (a policy's version as issued) go into the chain of
    the first row of the same kind that names them as ``earlier``."""
    from claimdesk.ledger.chained import at_of, case_of, record_of

    out = []
    model = get_model(spec.model_label)
    placed: set[int] = set()
    waiting = {o.pk for o in orphans}
    for row in model.objects.exclude(**{f"{spec.case_path}__isnull": True}).order_by("pk"):
        case_id = case_of(spec, row)
        if case_id is None:
            continue
        for earlier in spec.earlier(row, model=model):
            if earlier.pk in placed or earlier.pk not in waiting:
                continue
            placed.add(earlier.pk)
            out.append(
                (at_of(spec, earlier), earlier.pk, case_id, record_of(spec, earlier, case_id))
            )
    return out


def ledger_append_document(document) -> LedgerEntry:
    return ledger_append(
        case_id=document.claim_id,
        record=document_record(document),
        at=_aware(document.uploaded_at),
    )
