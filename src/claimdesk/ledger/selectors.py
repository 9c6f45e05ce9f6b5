"""Reads of the evidence ledger: verify chains against the records as they are *now*."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.apps import apps

from claimdesk.cases.models import Case, CaseEvent
from claimdesk.ledger import rules
from claimdesk.ledger.models import LedgerEntry, LedgerHead
from claimdesk.ledger.services import document_record, event_record

BATCH = 500


@dataclass(frozen=True)
class VerifyResult:
    """``checked`` entries over ``cases`` cases; ``first_broken`` says where the chain fails
    (case number, seq, record type and id, and what differs), ``broken`` the same as data."""

    ok: bool
    checked: int
    cases: int
    broken: rules.Broken | None = None
    # When intact: sha256 over every checked chain's ``number:seq:last_hash`` line. Anyone
    # with database access can recompute a whole chain, so write this down outside the
    # database (a ticket, a mail, WORM storage) and compare it later: that anchors the past.
    root: str | None = None

    @property
    def first_broken(self) -> str | None:
        return None if self.broken is None else str(self.broken)


def _document_model():
    if not apps.is_installed("claimdesk.documents"):
        return None
    try:
        return apps.get_model("documents", "Document")
    except LookupError:
        return None


def _records(case_ids: list[int]) -> dict[int, dict[tuple[str, int], dict[str, Any]]]:
    """Every event and document of these cases as the database holds them now."""
    out: dict[int, list[tuple[Any, dict[str, Any]]]] = {cid: [] for cid in case_ids}
    for event in CaseEvent.objects.filter(case_id__in=case_ids).order_by("at", "id"):
        out[event.case_id].append((event.at, event_record(event)))
    Document = _document_model()
    if Document is not None:
        for doc in Document.objects.filter(claim_id__in=case_ids).order_by("uploaded_at", "pk"):
            out[doc.claim_id].append((doc.uploaded_at, document_record(doc)))
    return {
        cid: {(r["type"], r["id"]): r for _, r in sorted(rows, key=lambda t: (t[0], t[1]["id"]))}
        for cid, rows in out.items()
    }


def _case_batches(case: Case | None) -> Iterator[list[tuple[int, str]]]:
    if case is not None:
        yield [(case.pk, case.number)]
        return
    rows = Case.objects.order_by("pk").values_list("pk", "number").iterator(chunk_size=BATCH)
    while batch := list(islice(rows, BATCH)):
        yield batch


def ledger_verify(case: Case | None = None) -> VerifyResult:
    """Recompute every chain (or ``case``'s) from the current rows; stop at the first break.

    Detects a record edited or deleted behind the application's back, a record written
    without its link, an edited entry or hash, and entries removed or reordered. Three
    queries per batch of 500 cases.
    """
    checked = n_cases = 0
    root = hashlib.sha256()
    for batch in _case_batches(case):
        ids = [pk for pk, _ in batch]
        entries: dict[int, list[rules.Entry]] = {pk: [] for pk in ids}
        for e in LedgerEntry.objects.filter(case_id__in=ids).order_by("case_id", "seq"):
            entries[e.case_id].append(
                rules.Entry(e.seq, e.record_type, e.record_id, e.prev_hash, e.entry_hash, e.digests)
            )
        heads = {
            h.case_id: (h.seq, h.last_hash) for h in LedgerHead.objects.filter(case_id__in=ids)
        }
        records = _records(ids)
        for pk, number in batch:
            n, broken = rules.check_chain(number, entries[pk], records[pk], heads.get(pk))
            checked += n
            n_cases += 1
            if broken is not None:
                return VerifyResult(ok=False, checked=checked, cases=n_cases, broken=broken)
            if pk in heads:
                root.update(f"{number}:{heads[pk][0]}:{heads[pk][1]}\n".encode())
    return VerifyResult(ok=True, checked=checked, cases=n_cases, root=root.hexdigest())
