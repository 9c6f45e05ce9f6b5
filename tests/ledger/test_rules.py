"""The canonical form: deterministic bytes whatever the key order, time zone or database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimdesk.ledger import rules

SH = ZoneInfo("Asia/Shanghai")


def test_canonical_json_is_sorted_compact_utc_and_decimal_as_text():
    local = datetime(2026, 9, 30, 10, 0, 0, 5, tzinfo=SH)
    value = {"b": Decimal("1.50"), "a": local, "c": [1.0, "定损"]}
    assert rules.canonical_json(value) == (
        '{"a":"2026-09-30T02:00:00.000005+00:00","b":"1.50","c":[1,"定损"]}'
    )
    assert rules.canonical_json(value) == rules.canonical_json(dict(reversed(value.items())))
    assert rules.canonical_json({"t": local.astimezone(UTC)}) == rules.canonical_json({"t": local})


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        rules.canonical_json({"at": datetime(2026, 9, 30, 10, 0)})


def test_chain_hash_is_sha256_of_prev_and_record():
    import hashlib

    assert rules.chain_hash(rules.GENESIS, "{}") == hashlib.sha256(b"0" * 64 + b"{}").hexdigest()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(json_values)
def test_what_a_json_field_gives_back_has_the_same_canonical_form(value):
    once = rules.stored_json(value)
    assert rules.canonical_json(rules.stored_json(once)) == rules.canonical_json(once)


def test_a_clean_chain_and_each_kind_of_break():
    records = {
        ("event", i): rules.event_record(
            id=i,
            case_id=7,
            at=datetime(2026, 9, 30, i, tzinfo=SH),
            actor_id=1,
            kind="note",
            action="",
            from_status="",
            to_status="",
            data={"i": i},
            customer_visible=False,
        )
        for i in (1, 2, 3)
    }
    chain, prev = [], rules.GENESIS
    for seq, (key, record) in enumerate(records.items(), start=1):
        h = rules.chain_hash(prev, rules.canonical_json(record))
        chain.append(rules.Entry(seq, key[0], key[1], prev, h, rules.field_digests(record)))
        prev = h
    head = (3, prev)
    assert rules.check_chain("CL1", chain, records, head) == (3, None)

    changed = dict(records)
    changed[("event", 2)] = {**records[("event", 2)], "kind": "edited"}
    _, broken = rules.check_chain("CL1", chain, changed, head)
    assert (
        str(broken)
        == "case CL1 seq 2 timeline event #2: record changed after it was chained: kind differ"
    )

    _, broken = rules.check_chain("CL1", [chain[0], chain[2]], records, head)
    assert (broken.seq, broken.record_type) == (2, None)

    extra = {**records, ("document", 9): {"type": "document", "id": 9}}
    _, broken = rules.check_chain("CL1", chain, extra, head)
    assert (broken.record_type, broken.record_id) == ("document", 9)


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.text(), json_values, max_size=6), st.text(min_size=64, max_size=64))
def test_seal_is_the_chain_hash_and_digests_of_the_canonical_record(record, prev):
    """What the services write (``seal``, each field encoded once) is what the verifier
    recomputes (``canonical_json``, ``field_digests``), for any JSON record."""
    record = {**record, "at": datetime(2026, 9, 30, 10, 0, tzinfo=SH), "amount": Decimal("9.90")}
    entry_hash, digests = rules.seal(prev, record)
    assert entry_hash == rules.chain_hash(prev, rules.canonical_json(record))
    assert digests == rules.field_digests(record)
