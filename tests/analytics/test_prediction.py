"""Expected payment date: median and 80 % dates computed by hand from similar paid claims."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from claimdesk.analytics.prediction import expected_payment
from tests.analytics.conftest import at

ENTERED = at("2026-10-01 09:00")  # our claim entered "reviewing" then


@pytest.fixture
def history(world):
    """22 paid auto claims (¥2,000–10,000 band) that took 1, 2, …, 22 days from entering
    "reviewing" to payment; plus claims that must not count."""
    owner = world.staff("adj_p", team="T1")
    customer = world.customer("cust_p")
    auto = world.policy(customer, "auto")
    medical = world.policy(customer, "medical")

    def paid(policy, days, *, amount="5000.00", start=None, **extra):
        start = start or at("2026-08-01 09:00")
        reviewing = start + timedelta(hours=2)
        adjudicating = reviewing + timedelta(days=days) - timedelta(hours=5)
        paying = reviewing + timedelta(days=days) - timedelta(hours=1)
        return world.claim(
            owner=owner,
            policy=policy,
            estimated=amount,
            stages=[
                ("reported", start),
                ("reviewing", reviewing),
                ("adjudicating", adjudicating),
                ("paying", paying),
                ("closed", reviewing + timedelta(days=days)),
            ],
            **extra,
        )

    for days in range(1, 23):
        paid(auto, days)
    paid(medical, 1)  # other product / loss type
    paid(auto, 1, amount="50000.00")  # other amount band
    paid(auto, 1, start=at("2025-06-01 09:00"))  # paid more than a year ago
    world.claim(  # rejected: never paid
        owner=owner,
        policy=auto,
        estimated="5000.00",
        stages=[
            ("reported", at("2026-08-01 09:00")),
            ("reviewing", at("2026-08-01 10:00")),
            ("adjudicating", at("2026-08-02 10:00")),
            ("rejected", at("2026-08-03 10:00")),
        ],
    )
    ours = world.claim(
        owner=owner,
        policy=auto,
        estimated="8000.00",
        stages=[("reported", at("2026-10-01 08:00")), ("reviewing", ENTERED)],
    )
    return ours


def test_median_and_80_percent_dates_from_similar_claims(history):
    with translation.override("en"):
        expected = expected_payment(history, now=ENTERED)
    # Durations 1 … 22 days, n = 22. Median rank 0.5·21 = 10.5: between 11 and 12 → 11.5 days;
    # 80 %: rank 0.8·21 = 16.8: 17 + 0.8·1 = 17.8 days. Added to the entry into "reviewing".
    assert expected.sample == 22
    assert expected.median == ENTERED + timedelta(days=11.5)
    assert expected.p80 == ENTERED + timedelta(days=17.8)
    assert "22 similar paid claims" in expected.basis
    assert "¥2,000–10,000" in expected.basis and "11.5 days" in expected.basis
    assert expected.as_dict() == {
        "median": expected.median,
        "p80": expected.p80,
        "basis": expected.basis,
        "sample": 22,
    }


def test_time_already_spent_leaves_out_claims_paid_sooner(history):
    # 2.5 days in "reviewing" already: claims paid within 2.5 days (1, 2) tell nothing about
    # what remains; 3 … 22 (n = 20) do. Median rank 9.5: 12 + 0.5·1 = 12.5 days; 80 %:
    # rank 15.2: 18 + 0.2·1 = 18.2 days — both counted from the entry into the stage.
    expected = expected_payment(history, now=ENTERED + timedelta(days=2.5))
    assert expected.sample == 20
    assert expected.median == ENTERED + timedelta(days=12.5)
    assert expected.p80 == ENTERED + timedelta(days=18.2)


def test_honest_fallback_when_too_few_similar_claims(history):
    # 5.5 days spent: only 6 … 22 remain → 17 similar claims, fewer than 20.
    with translation.override("en"):
        expected = expected_payment(history, now=ENTERED + timedelta(days=5.5))
    assert (expected.median, expected.p80, expected.sample) == (None, None, 17)
    assert expected.basis.startswith("Not enough history: 17 similar claims")
    assert "need at least 20" in expected.basis


def test_no_history_at_all(world):
    owner = world.staff("adj_q")
    policy = world.policy(world.customer("cust_q"), "property")
    claim = world.claim(owner=owner, policy=policy, stages=[("reported", ENTERED)])
    with translation.override("en"):
        expected = expected_payment(claim, now=ENTERED)
    assert (expected.median, expected.sample) == (None, 0)
    assert "Not enough history: 0 similar claims" in expected.basis


def test_paid_and_rejected_claims(world):
    owner = world.staff("adj_r")
    policy = world.policy(world.customer("cust_r"), "auto")
    paid = world.claim(
        owner=owner,
        policy=policy,
        stages=[
            ("reported", at("2026-09-01 09:00")),
            ("reviewing", at("2026-09-01 10:00")),
            ("adjudicating", at("2026-09-02 10:00")),
            ("paying", at("2026-09-03 10:00")),
            ("closed", at("2026-09-04 03:00")),  # 3 Sep 19:00 UTC: the local day counts
        ],
    )
    rejected = world.claim(
        owner=owner,
        policy=policy,
        estimated=Decimal("100.00"),
        stages=[
            ("reported", at("2026-09-01 09:00")),
            ("reviewing", at("2026-09-01 10:00")),
            ("adjudicating", at("2026-09-02 10:00")),
            ("rejected", at("2026-09-03 10:00")),
        ],
    )
    with translation.override("en"):
        done = expected_payment(paid, now=at("2026-10-01 09:00"))
        none = expected_payment(rejected, now=at("2026-10-01 09:00"))
    assert done.median == done.p80 == at("2026-09-04 03:00")
    assert done.basis == "Paid on 2026-09-04."
    assert (none.median, none.basis) == (None, "No payment is expected for this claim.")


def test_the_customer_reads_the_prediction_in_their_language(history, client):
    """The claim page words the prediction in zh-hans, with its basis."""
    import time_machine

    client.force_login(history.case.customer)
    with time_machine.travel(ENTERED, tick=False), translation.override("zh-hans"):
        page = client.get(
            f"/claims/{history.case.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert "预计赔付日期" in page and "的同类案件在" in page
    assert "Predicted payment" not in page and "similar claims by" not in page
