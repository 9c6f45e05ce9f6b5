"""The percentile helper agrees with percentile_cont on either database."""

import random
from decimal import Decimal

import pytest
from django.db import connection

from claimdesk.analytics import rules
from claimdesk.analytics.sql import percentile_sets, percentiles
from claimdesk.claims.models import Claim
from tests.analytics.conftest import at

PS = (0.1, 0.25, 0.5, 0.8, 0.9, 1.0)


def _amounts(world, n_auto: int, n_medical: int) -> dict[str, list[float]]:
    owner = world.staff("adj_s")
    customer = world.customer("cust_s")
    policies = {
        "auto": world.policy(customer, "auto"),
        "medical": world.policy(customer, "medical"),
    }
    rng = random.Random(7)
    values: dict[str, list[float]] = {"auto": [], "medical": []}
    for line, n in (("auto", n_auto), ("medical", n_medical)):
        for _ in range(n):
            amount = Decimal(rng.randrange(100, 100000)) / 100
            values[line].append(float(amount))
            world.claim(
                owner=owner,
                policy=policies[line],
                estimated=amount,
                stages=[("reported", at("2026-07-01 09:00"))],
            )
    return values


def _check(world):
    values = _amounts(world, 13, 1)
    rows = percentiles(
        Claim.objects.all(), by={"line": "loss_type"}, value="estimated_amount", ps=PS
    )
    assert [r["line"] for r in rows] == ["auto", "medical"]
    for row in rows:
        expected = sorted(values[row["line"]])
        assert row["n"] == len(expected)
        for p in PS:
            key = f"p{round(p * 100)}"
            assert row[key] == pytest.approx(rules.percentile_cont(expected, p)), (row, p)
    # Without groups: one row over everything; an empty population gives no row.
    everything = sorted(values["auto"] + values["medical"])
    (whole,) = percentiles(Claim.objects.all(), value="estimated_amount", ps=(0.5,))
    assert whole["p50"] == pytest.approx(rules.percentile_cont(everything, 0.5))
    assert percentiles(Claim.objects.filter(pk=-1), value="estimated_amount") == []
    # Several groupings at once give the same answers as one query each.
    sets = percentile_sets(
        Claim.objects.all(),
        by={"line": "loss_type", "channel": "channel"},
        sets=[("line", "channel"), ("line",), ()],
        value="estimated_amount",
        ps=PS,
    )
    for names in (("line", "channel"), ("line",), ()):
        alone = percentiles(
            Claim.objects.all(),
            by={n: {"line": "loss_type", "channel": "channel"}[n] for n in names},
            value="estimated_amount",
            ps=PS,
        )
        assert sets[names] == [pytest.approx(r) for r in alone]
    assert sets[()][0]["n"] == 14
    empty = percentile_sets(
        Claim.objects.filter(pk=-1),
        by={"line": "loss_type"},
        sets=[("line",), ()],
        value="estimated_amount",
    )
    assert empty == {("line",): [], (): []}


def test_percentiles_match_percentile_cont(world):
    _check(world)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_percentiles_on_postgresql_use_percentile_cont(world):
    assert connection.vendor == "postgresql"
    _check(world)


def test_percentile_cont_by_hand():
    # 1, 2, 4, 10: median rank 1.5 → 2 + 0.5·2 = 3; p90 rank 2.7 → 4 + 0.7·6 = 8.2.
    assert rules.percentile_cont([1, 2, 4, 10], 0.5) == 3
    assert rules.percentile_cont([1, 2, 4, 10], 0.9) == pytest.approx(8.2)
    assert rules.percentile_cont([5], 0.8) == 5
    assert rules.percentile_cont([], 0.5) is None
