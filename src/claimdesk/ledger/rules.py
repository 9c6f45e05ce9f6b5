"""The evidence ledger's arithmetic: canonical records, chained hashes and the chain check.

Pure Python (no ORM, no I/O) so that the services, the verifier and the data migration
compute exactly the same bytes. ``entry_hash = sha256(prev_hash + canonical_record)``, where
the canonical record is JSON with sorted keys, no whitespace, aware datetimes in UTC and
decimals as strings; the first entry of a case chains from ``GENESIS``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

GENESIS = "0" * 64
EVENT = "event"
DOCUMENT = "document"
RECORD_LABELS = {EVENT: "timeline event", DOCUMENT: "document", "notice": "notice"}


def _norm(value: Any) -> Any:
    """One spelling per value, whichever database the value came back from."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("the ledger takes aware datetimes only")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)  # PostgreSQL's jsonb gives 1e20 back as an integer
    if isinstance(value, Mapping):
        return {str(k): _norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    return value


_STORED = DjangoJSONEncoder()
# Built once: json.dumps with options builds a new encoder per call, thousands per bulk import.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def stored_json(value: Any) -> Any:
    """What a JSONField gives back after saving ``value`` (Django's encoder, then parsed)."""
    return json.loads(_STORED.encode(value))


def canonical_json(value: Any) -> str:
    return _dumps(_norm(value))


_SCALARS = {None: "null", True: "true", False: "false"}


def _dumps(normalised: Any) -> str:
    if normalised is None or normalised is True or normalised is False:
        return _SCALARS[normalised]  # what the encoder writes, without building one
    if type(normalised) is int:
        return str(normalised)
    return _CANONICAL.encode(normalised)


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def field_digests(record: Mapping[str, Any]) -> dict[str, str]:
    """A short fingerprint per field, so a check can say which field changed without the
    ledger keeping a second copy of personal data."""
    return _digests(_norm(record))


def _digests(normalised: Mapping[str, Any]) -> dict[str, str]:
    return {k: hashlib.sha256(_dumps(v).encode()).hexdigest()[:16] for k, v in normalised.items()}


def canonical_and_digests(record: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """The canonical JSON of ``record`` (its sorted fields' JSON joined, each field encoded
    once) and its field digests: what an entry's hash is computed over, wherever it is
    computed (here, or by the database in the same statement as the append)."""
    parts = {str(k): _dumps(v) for k, v in _norm(record).items()}
    canonical = "{" + ",".join(f"{_dumps(k)}:{parts[k]}" for k in sorted(parts)) + "}"
    digests = {k: hashlib.sha256(p.encode()).hexdigest()[:16] for k, p in parts.items()}
    return canonical, digests


# The field of a record that holds its key: the one a database may fill in last.
KEY = "id"


def canonical_around(record: Mapping[str, Any], hole: str) -> tuple[str, str, dict[str, str]]:
    """``canonical_and_digests`` of ``record`` before the value of field ``hole`` is known
    (a key the database draws in the statement that chains the record): the canonical text
    in two halves, ``head + value + tail``, and the digests of the other fields."""
    parts = {str(k): _dumps(v) for k, v in _norm(record).items() if str(k) != hole}
    keys = sorted([*parts, hole])
    at = keys.index(hole)
    before = "".join(f"{_dumps(k)}:{parts[k]}," for k in keys[:at])
    after = "".join(f",{_dumps(k)}:{parts[k]}" for k in keys[at + 1 :])
    digests = {k: hashlib.sha256(p.encode()).hexdigest()[:16] for k, p in parts.items()}
    return "{" + before + _dumps(hole) + ":", after + "}", digests


def seal(prev_hash: str, record: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """The entry hash of ``record`` chained after ``prev_hash`` and its field digests:
    ``chain_hash(prev_hash, canonical_json(record))`` and ``field_digests(record)``."""
    canonical, digests = canonical_and_digests(record)
    return chain_hash(prev_hash, canonical), digests


def event_record(
    *,
    id: int,
    case_id: int,
    at: datetime,
    actor_id: int | None,
    kind: str,
    action: str,
    from_status: str,
    to_status: str,
    data: Any,
    customer_visible: bool,
) -> dict[str, Any]:
    return {
        "type": EVENT,
        "id": id,
        "case": case_id,
        "at": at,
        "actor": actor_id,
        "kind": kind,
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "data": stored_json(data),
        "customer_visible": bool(customer_visible),
    }


def document_record(
    *,
    id: int,
    case_id: int,
    sha256: str,
    name: str,
    size: int,
    content_type: str,
    uploaded_at: datetime,
    uploaded_by_id: int | None,
) -> dict[str, Any]:
    return {
        "type": DOCUMENT,
        "id": id,
        "case": case_id,
        "sha256": sha256,
        "name": name,
        "size": size,
        "content_type": content_type,
        "uploaded_at": uploaded_at,
        "uploaded_by": uploaded_by_id,
    }


@dataclass(frozen=True)
class Entry:
    """A ledger entry as stored (the verifier's view of a ``LedgerEntry`` row)."""

    seq: int
    record_type: str
    record_id: int
    prev_hash: str
    entry_hash: str
    digests: Mapping[str, str]


@dataclass(frozen=True)
class Broken:
    """The first place a case's chain does not hold, in words an auditor can act on."""

    case_number: str
    seq: int | None
    record_type: str | None
    record_id: int | None
    problem: str

    def __str__(self) -> str:
        where = "ledger" if self.case_number == "-" else f"case {self.case_number}"
        if self.seq is not None:
            where += f" seq {self.seq}"
        if self.record_type is not None:
            where += f" {RECORD_LABELS.get(self.record_type, self.record_type)} #{self.record_id}"
        return f"{where}: {self.problem}"


def check_chain(
    case_number: str,
    entries: Iterable[Entry],
    records: Mapping[tuple[str, int], Mapping[str, Any]],
    head: tuple[int, str] | None,
) -> tuple[int, Broken | None]:
    """Recompute one case's chain from its *current* records.

    ``entries`` in seq order; ``records`` every event and document of the case now in the
    database, keyed ``(record_type, id)``, in time order; ``head`` the case's ``(seq,
    last_hash)``. Returns how many entries were checked and the first break, if any.
    """
    unchained = dict(records)
    prev, seq, checked = GENESIS, 0, 0
    for e in entries:
        checked += 1
        seq += 1
        problem = _entry_problem(e, seq, prev, unchained)
        if problem is not None:
            if e.seq != seq:  # the entry that should be here is not: name the gap
                return checked, Broken(case_number, seq, None, None, problem)
            return checked, Broken(case_number, e.seq, e.record_type, e.record_id, problem)
        prev = e.entry_hash
    if head is not None and head != (seq, prev):
        problem = (
            f"chain ends at seq {seq} but its head records seq {head[0]}: entries removed"
            if head[0] != seq
            else "the head's hash differs from the last entry's"
        )
        return checked, Broken(case_number, head[0], None, None, problem)
    if head is None and seq:
        return checked, Broken(case_number, None, None, None, "chain head missing")
    if unchained:
        record_type, record_id = next(iter(unchained))
        return checked, Broken(
            case_number,
            None,
            record_type,
            record_id,
            "not in the ledger (written behind the application's back)",
        )
    return checked, None


def _entry_problem(
    e: Entry, seq: int, prev: str, unchained: dict[tuple[str, int], Mapping[str, Any]]
) -> str | None:
    """What is wrong with entry ``e`` expected at ``seq`` after ``prev``; pops its record."""
    if e.seq != seq:
        return f"entry missing or reordered (the next entry found is seq {e.seq})"
    if e.prev_hash != prev:
        return "does not link to the entry before it (prev_hash differs)"
    record = unchained.pop((e.record_type, e.record_id), None)
    if record is None:
        return "the record is no longer in the database (deleted)"
    if chain_hash(e.prev_hash, canonical_json(record)) == e.entry_hash:
        return None
    now = field_digests(record)
    changed = sorted(k for k in now.keys() | e.digests.keys() if now.get(k) != e.digests.get(k))
    if changed:
        return f"record changed after it was chained: {', '.join(changed)} differ"
    return "entry hash altered (the record itself is unchanged)"
