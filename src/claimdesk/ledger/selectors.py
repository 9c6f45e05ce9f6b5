"""Reads of the evidence ledger: verify chains against the records as they are *now*."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.apps import apps
from django.db.models import Q

from claimdesk.cases.models import Case, CaseEvent
from claimdesk.ledger import rules
from claimdesk.ledger.chained import at_of, case_of, chained, record_of, stored_files
from claimdesk.ledger.checkpoints import CheckpointFile, checkpoint_read
from claimdesk.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead
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
    files: int = 0  # stored files re-hashed
    checkpoint: CheckpointFile | None = None  # the checkpoint file compared against
    against_checkpoint: int = 0  # chains whose checkpointed head was found in place

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


def _records(
    case_ids: list[int], entries: dict[int, list[rules.Entry]]
) -> dict[int, dict[tuple[str, int], dict[str, Any]]]:
    """Every chained record of these cases as the database holds them now: events,
    documents and the apps' chained rows (found by their case, and by the entries naming
    them, so a row moved to another case is still read where it was chained)."""
    out: dict[int, list[tuple[Any, dict[str, Any]]]] = {cid: [] for cid in case_ids}
    for event in CaseEvent.objects.filter(case_id__in=case_ids).order_by("at", "id"):
        out[event.case_id].append((event.at, event_record(event)))
    Document = _document_model()
    if Document is not None:
        for doc in Document.objects.filter(claim_id__in=case_ids).order_by("uploaded_at", "pk"):
            out[doc.claim_id].append((doc.uploaded_at, document_record(doc)))
    for spec in chained():
        where = {
            e.record_id: cid
            for cid, es in entries.items()
            for e in es
            if e.record_type == spec.record_type
        }
        hops = spec.case_path.split("__")[:-1]
        rows = spec.model.objects.filter(
            Q(**{f"{spec.case_path}__in": case_ids}) | Q(pk__in=list(where))
        )
        if hops:
            rows = rows.select_related("__".join(hops))
        for row in rows:
            cid = where.get(row.pk) or case_of(spec, row)
            if cid in out:
                out[cid].append((at_of(spec, row), record_of(spec, row, cid)))
    return {
        cid: {(r["type"], r["id"]): r for _, r in sorted(rows, key=lambda t: (t[0], t[1]["id"]))}
        for cid, rows in out.items()
    }


def _file_problem(case_number: str, stored) -> rules.Broken | None:
    """Read a stored file again and compare it with the SHA-256 recorded when it was stored."""
    digest = hashlib.sha256()
    try:
        with stored.open() as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        problem = f"stored file {stored.name} cannot be read ({exc.__class__.__name__})"
        return rules.Broken(case_number, None, stored.record_type, stored.record_id, problem)
    if digest.hexdigest() != stored.sha256:
        problem = (
            f"stored file {stored.name} changed on disk: its SHA-256 is now "
            f"{digest.hexdigest()[:16]}…, {stored.sha256[:16]}… when stored"
        )
        return rules.Broken(case_number, None, stored.record_type, stored.record_id, problem)
    return None


def _checkpoint_problem(case_number: str, chain: list[rules.Entry], known) -> rules.Broken | None:
    """The chain must still hold the entry the last checkpoint recorded as its head."""
    if known.seq > len(chain):
        problem = (
            f"cut from the chain's tail: the checkpoint of {known.at} recorded seq "
            f"{known.seq}, the chain now ends at seq {len(chain)}"
        )
    elif chain[known.seq - 1].entry_hash != known.entry_hash:
        problem = (
            f"the chain was rewritten: its entry at seq {known.seq} is not the one the "
            f"checkpoint of {known.at} recorded"
        )
    else:
        return None
    record_type = known.record_type or None
    return rules.Broken(
        case_number, known.seq, record_type, known.record_id if record_type else None, problem
    )


def _case_batches(case: Case | None) -> Iterator[list[tuple[int, str]]]:
    if case is not None:
        yield [(case.pk, case.number)]
        return
    rows = Case.objects.order_by("pk").values_list("pk", "number").iterator(chunk_size=BATCH)
    while batch := list(islice(rows, BATCH)):
        yield batch


def ledger_verify(case: Case | None = None, *, files: bool = True) -> VerifyResult:
    """Recompute every chain (or ``case``'s) from the current rows; stop at the first break.

    Detects a record edited or deleted behind the application's back, a record written
    without its link, an edited entry or hash, entries removed or reordered, a stored file
    changed on disk (``files``), and a chain cut back behind the head the checkpoint file
    recorded (or the checkpoint file itself altered). A handful of queries per batch of
    500 cases.
    """
    checked = n_cases = n_files = against = 0
    root = hashlib.sha256()
    cp = checkpoint_read()

    def broken(b: rules.Broken) -> VerifyResult:
        return VerifyResult(
            ok=False, checked=checked, cases=n_cases, broken=b, files=n_files, checkpoint=cp
        )

    if cp.problem:
        return broken(rules.Broken("-", None, None, None, f"checkpoint file: {cp.problem}"))
    for pk, at, line_hash in LedgerCheckpoint.objects.order_by("pk").values_list(
        "pk", "at", "line_hash"
    ):
        if line_hash not in cp.hashes:
            problem = f"checkpoint #{pk} of {at.isoformat()} is not in {cp.path}"
            return broken(rules.Broken("-", None, None, None, problem))
    seen: set[int] = set()
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
        records = _records(ids, entries)
        numbers = dict(batch)
        for pk, number in batch:
            seen.add(pk)
            n, bad = rules.check_chain(number, entries[pk], records[pk], heads.get(pk))
            checked += n
            n_cases += 1
            if bad is None and pk in cp.heads:
                bad = _checkpoint_problem(number, entries[pk], cp.heads[pk])
                against += bad is None
            if bad is not None:
                return broken(bad)
            if pk in heads:
                root.update(f"{number}:{heads[pk][0]}:{heads[pk][1]}\n".encode())
        if files:
            for stored in stored_files(ids):
                n_files += 1
                if bad := _file_problem(numbers[stored.case_id], stored):
                    return broken(bad)
    if case is None:
        gone = sorted(set(cp.heads) - seen)
        if gone:
            k = cp.heads[gone[0]]
            return broken(
                rules.Broken(
                    k.number,
                    k.seq,
                    None,
                    None,
                    f"the case is gone, but the checkpoint of {k.at} recorded its chain",
                )
            )
    return VerifyResult(
        ok=True,
        checked=checked,
        cases=n_cases,
        root=root.hexdigest(),
        files=n_files,
        checkpoint=cp,
        against_checkpoint=against,
    )
