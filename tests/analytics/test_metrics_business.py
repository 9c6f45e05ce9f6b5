"""Business-value figures (payout, decisions, renewal, cross-sell) and the scorecard."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import DIMENSIONS, METRICS, cases_behind, scorecard
from claimdesk.policies.models import Clause
from tests.analytics.conftest import at

Q3 = Filters(start=date(2026, 7, 1), end=date(2026, 9, 30))
D = Decimal


@pytest.fixture(autouse=True)
def _after_q3():
    with time_machine.travel(at("2026-10-15 12:00"), tick=False):
        yield


@pytest.fixture
def book(world, products):
    """Claims decided and closed in Q3, with payments and the clauses rejections cite.

    | claim | product | cause       | claimed | decision | paid    | investigated |
    | P1    | auto    | 追尾         |  10,000 | approve  |   8,000 | yes |
    | P2    | auto    | 追尾         |   5,000 | reject   |       0 | yes | cites A-9
    | C1    | CI      | 恶性肿瘤      | 100,000 | approve  | 100,000 | no  |
    | C2    | CI      | 急性心肌梗塞  |  50,000 | partial  |  30,000 | yes | (cites B-1: not a rejection)
    | C3    | CI      | 恶性肿瘤      | 100,000 | reject   |       0 | no  | cites B-1, B-2
    | C4    | CI      | 脑中风后遗症  |  (none) | reject   |       0 | no  | cites B-1
    plus one auto claim decided and closed in June (outside).
    """
    adjuster = world.staff("adj_v", team="理赔一组", branch="上海")
    cust_a, cust_b = world.customer("cust_va"), world.customer("cust_vb")
    auto = world.policy(cust_a, "auto")
    ci = world.policy(cust_b, "critical_illness")
    for product, article in ((auto.product, "A-9"), (ci.product, "B-1"), (ci.product, "B-2")):
        Clause.objects.create(
            product=product, article=article, title=f"免责 {article}", kind="exclusion", text="…"
        )

    def decided(key, policy, cause, claimed, decision, paid, *, investigated, day=10, cites=()):
        start = at(f"2026-07-{day:02d} 09:00")
        stages = [("reported", start), ("reviewing", start + timedelta(hours=2))]
        if investigated:
            stages.append(("investigating", start + timedelta(days=1)))
        decided_at = start + timedelta(days=3)
        stages.append(("adjudicating", start + timedelta(days=2)))
        if decision == "reject":
            stages += [("rejected", decided_at), ("closed", start + timedelta(days=4))]
        else:
            stages += [("paying", decided_at), ("closed", start + timedelta(days=4))]
        claim = world.claim(
            owner=adjuster,
            policy=policy,
            loss_cause=cause,
            estimated=claimed,
            decision=decision,
            approved=paid if decision != "reject" else None,
            decided_at=decided_at,
            stages=stages,
        )
        if decision != "reject":
            world.payment(claim, paid, at_=start + timedelta(days=4))
        world.decision(claim, decision=decision, cites=list(cites), at_=decided_at)
        return claim

    claims = {
        "P1": decided("P1", auto, "追尾", "10000", "approve", "8000", investigated=True, day=1),
        "P2": decided(
            "P2", auto, "追尾", "5000", "reject", "0", investigated=True, day=2, cites=["A-9"]
        ),
        "C1": decided(
            "C1", ci, "恶性肿瘤", "100000", "approve", "100000", investigated=False, day=3
        ),
        "C2": decided(
            "C2",
            ci,
            "急性心肌梗塞",
            "50000",
            "partial",
            "30000",
            investigated=True,
            day=4,
            cites=["B-1"],
        ),
        "C3": decided(
            "C3",
            ci,
            "恶性肿瘤",
            "100000",
            "reject",
            "0",
            investigated=False,
            day=5,
            cites=["B-1", "B-2"],
        ),
        "C4": decided(
            "C4", ci, "脑中风后遗症", None, "reject", "0", investigated=False, day=6, cites=["B-1"]
        ),
    }
    june = world.claim(
        owner=adjuster,
        policy=auto,
        estimated="1000",
        decision="approve",
        approved="1000",
        decided_at=at("2026-06-03 09:00"),
        stages=[
            ("reported", at("2026-06-01 09:00")),
            ("reviewing", at("2026-06-01 10:00")),
            ("investigating", at("2026-06-02 10:00")),
            ("adjudicating", at("2026-06-02 12:00")),
            ("paying", at("2026-06-03 09:00")),
            ("closed", at("2026-06-04 09:00")),
        ],
    )
    world.payment(june, "1000", at_=at("2026-06-04 09:00"))
    return {"claims": claims, "products": products, "cust_a": cust_a, "cust_b": cust_b}


def test_payout_ratio_per_product_and_disease(book):
    m = METRICS["payout_ratio"](Q3)
    # Claimed 10,000 + 5,000 + 100,000 + 50,000 + 100,000 = 265,000 (C4 has no amount);
    # paid 8,000 + 100,000 + 30,000 = 138,000 → 52.075 % → 52.1 %.
    assert m.value == D("52.1")
    got = {
        (r["group"], r["key"]): (r["claims"], r["claimed"], r["paid"], r["ratio"]) for r in m.rows
    }
    auto, ci = book["products"]["auto"].code, book["products"]["critical_illness"].code
    assert got == {
        ("product", auto): (2, D("15000"), D("8000"), D("53.3")),  # 8,000 / 15,000
        ("product", ci): (3, D("250000"), D("130000"), D("52.0")),  # 130,000 / 250,000
        ("disease", "恶性肿瘤"): (2, D("200000"), D("100000"), D("50.0")),
        ("disease", "急性心肌梗塞"): (1, D("50000"), D("30000"), D("60.0")),
    }
    cancer = next(r for r in m.rows if r["key"] == "恶性肿瘤")
    c = book["claims"]
    assert set(cases_behind(cancer["drill"], Q3)) == {c["C1"].case, c["C3"].case}


def test_investigation_pass_rate(book):
    m = METRICS["investigation_pass_rate"](Q3)
    # Investigated and decided in Q3: P1 (approve), P2 (reject), C2 (partial) → 2 / 3 = 66.7 %.
    # June's investigated claim is outside the period.
    assert m.value == D("66.7")
    assert [(r["decided"], r["approved"], r["rate"]) for r in m.rows] == [
        (2, 1, D("50.0")),  # auto: P1 of P1, P2
        (1, 1, D("100.0")),  # critical illness: C2
    ] or [(r["decided"], r["approved"], r["rate"]) for r in m.rows] == [
        (1, 1, D("100.0")),
        (2, 1, D("50.0")),
    ]
    c = book["claims"]
    rejected = {**m.drill, "outcome": "rejected"}
    assert list(cases_behind(rejected, Q3)) == [c["P2"].case]


def test_rejection_rate_with_cited_clauses(book):
    m = METRICS["rejection_rate"](Q3)
    # Decided in Q3: 6, rejected P2, C3, C4 → 3 / 6 = 50 %.
    assert m.value == D("50.0")
    # Clauses cited by rejections: B-1 by C3 and C4 (2; C2's partial payment does not count),
    # A-9 by P2 (1), B-2 by C3 (1). Shares of the 3 rejections: 66.7, 33.3, 33.3.
    top = [(r["article"], r["rejections"], r["share"]) for r in m.rows]
    assert top[0] == ("B-1", 2, D("66.7"))
    assert sorted(top[1:]) == [("A-9", 1, D("33.3")), ("B-2", 1, D("33.3"))]
    assert m.rows[0]["title"] == "免责 B-1"
    c = book["claims"]
    assert set(cases_behind(m.rows[0]["drill"], Q3)) == {c["C3"].case, c["C4"].case}
    assert set(cases_behind(m.drill, Q3)) == {c["P2"].case, c["C3"].case, c["C4"].case}


def test_renewal_rate(world):
    # Policies ending in Q3: c1's auto (renewed by a later auto policy), c2's auto (later
    # policy only of another line: not renewed), c3's medical (nothing later). c4's ends in
    # October: outside. → 1 / 3 = 33.3 %; auto 1 / 2 = 50 %, medical 0 / 1.
    c1, c2, c3, c4 = (world.customer(f"cust_r{i}") for i in range(1, 5))
    world.policy(c1, "auto", start=date(2025, 9, 1), end=date(2026, 8, 31))
    world.policy(c1, "auto", start=date(2026, 9, 1))
    world.policy(c2, "auto", start=date(2025, 9, 16), end=date(2026, 9, 15))
    world.policy(c2, "medical", start=date(2026, 9, 16))
    world.policy(c3, "medical", start=date(2025, 7, 11), end=date(2026, 7, 10))
    world.policy(c4, "auto", start=date(2025, 10, 6), end=date(2026, 10, 5))
    m = METRICS["renewal_rate"](Q3)
    assert m.value == D("33.3")
    assert [(r["line"], r["customers"], r["renewed"], r["rate"]) for r in m.rows] == [
        ("auto", 2, 1, D("50.0")),
        ("medical", 1, 0, D("0.0")),
    ]


def test_cross_sell_rate(book, world):
    # Customers with a claim reported in Q3: cust_va (auto claims) and cust_vb (CI claims).
    # cust_va takes a medical policy on 20 Sep, after the claims → converted; cust_vb only
    # another CI policy (same line) → not. 1 / 2 = 50 %.
    world.policy(book["cust_a"], "medical", start=date(2026, 9, 20))
    world.policy(book["cust_b"], "critical_illness", start=date(2026, 9, 20))
    m = METRICS["cross_sell_rate"](Q3)
    assert m.value == D("50.0")
    assert [(r["line"], r["customers"], r["converted"]) for r in m.rows] == [
        ("auto", 1, 1),
        ("critical_illness", 1, 0),
    ]
    assert {c.customer for c in cases_behind(m.drill, Q3)} == {book["cust_a"]}


def test_scorecard_has_four_dimensions_with_definitions(book):
    dims = scorecard(Q3)
    assert [d.code for d in dims] == [
        "customer_experience",
        "operating_efficiency",
        "business_value",
        "process_improvement",
    ]
    assert [[m.code for m in d.metrics] for d in dims] == [list(c) for _, _, c in DIMENSIONS]
    for d in dims:
        for m in d.metrics:
            assert m.definition and m.label
    business = {m.code: m.value for m in dims[2].metrics}
    assert business["payout_ratio"] == D("52.1")
    assert business["investigation_pass_rate"] == D("66.7")
    efficiency = {m.code: m for m in dims[1].metrics}
    # Six claims closed in Q3, each 4 days from opening to closing.
    assert efficiency["cycle_time"].value == D("4.0")


def test_every_registered_metric_runs_on_an_empty_database(db):
    f = Filters(start=date(2026, 7, 1), end=date(2026, 9, 30), branch="无", team="无", product="无")
    for code, fn in METRICS.items():
        m = fn(f)
        assert m.code == code and m.definition
        assert m.drill["metric"] == code
        assert cases_behind(m.drill, f).count() == 0


@pytest.mark.parametrize("code", sorted(METRICS))
def test_every_row_links_to_cases_of_its_figure(book, code):
    """Each row's drill parameters (as the dashboard links them) list a subset of the cases
    behind the whole figure."""
    m = METRICS[code](Q3)
    everything = set(cases_behind(m.drill, Q3).values_list("pk", flat=True))
    for row in m.rows:
        if row.get("drill"):
            f = Filters.from_query(row["drill"], today=Q3.end)
            part = set(cases_behind({**m.drill, **row["drill"]}, f).values_list("pk", flat=True))
            assert part <= everything, (code, row)
