"""``claimdesk verify-ledger [CLAIM_NO]``: 0 intact, 1 broken (naming the record), 2 unknown."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from claimdesk.cases.timeline import timeline_record
from tests.ledger.conftest import T0, events, sql, worked_case


def run(*args) -> str:
    out = io.StringIO()
    call_command("verify-ledger", *args, stdout=out)
    return out.getvalue()


def test_the_command_is_named_verify_ledger():
    assert get_commands()["verify-ledger"] == "claimdesk.ledger"


def test_intact_ledger_prints_ok_with_counts(agent1, customer1, customer2):
    a = worked_case(agent1, customer1)
    worked_case(agent1, customer2)
    n = len(events(a))
    first, root = run(a.number).splitlines()[:2]
    assert first == f"OK: {n} entries in 1 case(s) verified, chains intact"
    assert root.startswith("root ") and len(root) == 5 + 64
    everything = run().splitlines()
    assert everything[0].startswith(f"OK: {2 * n} entries in 2 case(s)")
    assert run().splitlines()[1] == everything[1]  # the root is stable while nothing is added
    timeline_record(a, now=T0, kind="note")
    assert run().splitlines()[1] != everything[1]


def test_a_broken_ledger_exits_1_naming_the_record(agent1, customer1):
    case = worked_case(agent1, customer1)
    target = events(case)[1]
    sql("UPDATE cases_caseevent SET data = '{\"x\": 1}' WHERE id = %s", target.pk)
    for args in ((case.number,), ()):
        with pytest.raises(CommandError) as raised:
            run(*args)
        assert raised.value.returncode == 1
        assert f"case {case.number} seq 2 timeline event #{target.pk}" in str(raised.value)
        assert "data differ" in str(raised.value)


def test_an_unknown_claim_number_exits_2(db):
    with pytest.raises(CommandError) as raised:
        run("CL20990101000001")
    assert raised.value.returncode == 2
    assert "CL20990101000001" in str(raised.value)
