"""Checkpoints of the chains' heads, kept outside the database.

A chain proves that nothing *inside* it changed; it cannot prove that nothing was cut off its
end: whoever deletes the last records, their entries and rewinds the head leaves a shorter
chain that verifies. So the heads are written, every few minutes (beat) and after every
whole verification, as one line of an append-only JSON-lines file
(``CLAIMDESK_LEDGER_CHECKPOINT_FILE``), each line chained to the one before it
(``hash = sha256(prev + canonical line)``), plus a ``LedgerCheckpoint`` row. A line holds only
the heads that moved since the last checkpoint: ``[case_id, case_number, seq, entry_hash,
record_type, record_id]``. ``verify-ledger`` replays the file and requires every chain to
still hold the last entry a checkpoint recorded for it.

What the file does not give: protection of what was appended after the last checkpoint, or
against someone who can rewrite the file as well as the database. Keep it where the
database's users cannot write (another host, an append-only mount).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from claimdesk.ledger import rules
from claimdesk.ledger.models import CheckpointedHead, LedgerCheckpoint, LedgerEntry, LedgerHead

log = logging.getLogger(__name__)
BATCH = 500
LINE_HEADS = 5000


def checkpoint_path() -> Path:
    return Path(settings.CLAIMDESK_LEDGER_CHECKPOINT_FILE)


@dataclass(frozen=True)
class Known:
    """A chain's head as a checkpoint recorded it."""

    number: str
    seq: int
    entry_hash: str
    record_type: str
    record_id: int
    at: str


@dataclass
class CheckpointFile:
    """The file replayed: the latest recorded head per case id, and what is wrong with the
    file itself (a line altered, removed or out of order), if anything."""

    path: Path
    lines: int = 0
    last_at: str | None = None
    last_hash: str = rules.GENESIS
    hashes: set[str] = field(default_factory=set)
    heads: dict[int, Known] = field(default_factory=dict)
    problem: str | None = None


def _line_hash(prev: str, body: dict) -> str:
    return rules.chain_hash(prev, rules.canonical_json(body))


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as fh:
        yield from fh


def checkpoint_read(path: Path | None = None) -> CheckpointFile:
    """Replay the checkpoint file (missing: no checkpoint yet)."""
    path = path or checkpoint_path()
    out = CheckpointFile(path=path)
    if not path.exists():
        return out
    for n, raw in enumerate(_lines(path), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
            body = {k: v for k, v in line.items() if k != "hash"}
            ok = line["prev"] == out.last_hash and _line_hash(line["prev"], body) == line["hash"]
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            out.problem = f"line {n} of {path} was altered, removed or reordered"
            return out
        out.lines += 1
        out.last_hash, out.last_at = line["hash"], line["at"]
        out.hashes.add(line["hash"])
        for case_id, number, seq, entry_hash, record_type, record_id in line["heads"]:
            out.heads[case_id] = Known(number, seq, entry_hash, record_type, record_id, line["at"])
    return out


@dataclass(frozen=True)
class Written:
    checkpoint: LedgerCheckpoint | None
    heads: int
    refused: list[str]


def checkpoint_write(*, now: datetime, source: str) -> Written:
    """Append the heads that moved since the last checkpoint to the file and the table.

    A head that no longer holds the entry the last checkpoint recorded for it (cut back or
    rewritten) is not recorded again: it is logged and left for ``verify-ledger`` to name."""
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        moved = list(
            LedgerHead.objects.select_related("case")
            .annotate(cp_seq=F("case__ledger_checkpointed__seq"))
            .annotate(cp_hash=F("case__ledger_checkpointed__last_hash"))
            .filter(Q(cp_seq__isnull=True) | ~Q(cp_seq=F("seq")) | ~Q(cp_hash=F("last_hash")))
            .order_by("case_id")
        )
        refused = _went_back(moved)
        moved = [h for h in moved if h.case_id not in refused]
        tips = _tips(moved)
        heads = [
            [h.case_id, h.case.number, h.seq, h.last_hash, *tips.get(h.case_id, ("", 0))]
            for h in moved
        ]
        for number in refused.values():
            log.error("ledger: chain of %s no longer holds its checkpointed head", number)
        lines: list[tuple[str, int]] = []
        with path.open("a+b") as fh:  # appends only, whatever the position
            fcntl.flock(fh, fcntl.LOCK_EX)  # one writer at a time: lines chain to each other
            prev = _last_hash(fh)
            # The first checkpoint of a big book holds every head: a line per LINE_HEADS.
            for i in range(0, max(len(heads), 1), LINE_HEADS):
                part = heads[i : i + LINE_HEADS]
                body = {"at": now.isoformat(), "source": source, "prev": prev, "heads": part}
                prev = _line_hash(prev, body)
                fh.write((json.dumps({**body, "hash": prev}, ensure_ascii=False) + "\n").encode())
                lines.append((prev, len(part)))
            fh.flush()
            os.fsync(fh.fileno())
        checkpoint = None
        for line_hash, n in lines:
            checkpoint = LedgerCheckpoint.objects.create(
                at=now, source=source, heads=n, line_hash=line_hash, path=str(path)
            )
        CheckpointedHead.objects.bulk_create(
            [CheckpointedHead(case_id=h.case_id, seq=h.seq, last_hash=h.last_hash) for h in moved],
            update_conflicts=True,
            unique_fields=["case"],
            update_fields=["seq", "last_hash"],
            batch_size=BATCH,
        )
    return Written(checkpoint, len(heads), sorted(refused.values()))


def _went_back(moved: list) -> dict[int, str]:
    """Of heads checkpointed before, those whose chain no longer holds that entry."""
    before = {h.case_id: h for h in moved if h.cp_seq is not None}
    held: dict[int, str] = {}
    ids = list(before)
    for i in range(0, len(ids), BATCH):
        held.update(
            LedgerEntry.objects.filter(
                case_id__in=ids[i : i + BATCH], seq=F("case__ledger_checkpointed__seq")
            ).values_list("case_id", "entry_hash")
        )
    return {
        case_id: h.case.number for case_id, h in before.items() if held.get(case_id) != h.cp_hash
    }


def _tips(moved: list) -> dict[int, tuple[str, int]]:
    """The record at each moved head (so a cut can be reported by the record it removed)."""
    tips: dict[int, tuple[str, int]] = {}
    ids = [h.case_id for h in moved]
    for i in range(0, len(ids), BATCH):
        for case_id, record_type, record_id in LedgerEntry.objects.filter(
            case_id__in=ids[i : i + BATCH], seq=F("case__ledger_head__seq")
        ).values_list("case_id", "record_type", "record_id"):
            tips[case_id] = (record_type, record_id)
    return tips


def _last_hash(fh) -> str:
    """The hash of the file's last line (GENESIS for an empty file), reading from the end."""
    fh.seek(0, os.SEEK_END)
    end = fh.tell()
    if end == 0:
        return rules.GENESIS
    block, pos = 65536, end
    while pos > 0:
        pos = max(0, pos - block)
        fh.seek(pos)
        data = fh.read(end - pos)
        stripped = data.rstrip(b"\n")
        if b"\n" in stripped or pos == 0:
            last = stripped.rsplit(b"\n", 1)[-1]
            return json.loads(last.decode("utf-8"))["hash"]
    return rules.GENESIS
