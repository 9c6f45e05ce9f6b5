"""Operating-efficiency figures on a hand-made Q3 2026 data set; arithmetic in the comments."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import METRICS, cases_behind
from claimdesk.analytics.sql import percentiles, stage_intervals
from claimdesk.cases.models import Case
from claimdesk.claims.models import Claim
from tests.analytics.conftest import at

Q3 = Filters(start=date(2026, 7, 1), end=date(2026, 9, 30))
D = Decimal


@pytest.fixture
def frozen_after_q3():
    with time_machine.travel(at("2026-10-15 12:00"), tick=False):
        yield


@pytest.fixture
def closed_claims(world, frozen_after_q3):
    """Four claims closed in Q3 (A, B, C auto; D medical), one closed in Q2, one still open.

    Stage stays in hours (entering a status → next status event):
      A: reported 2, reviewing 24, adjudicating 24, paying 4            total  54 h
      B: reported 4, reviewing 48, adjudicating 12, paying 8            total  72 h
      C: reported 1, reviewing 6, awaiting_materials 120, reviewing 24,
         adjudicating 96, paying 2 (then closed → followed_up: not counted) total 249 h
      D (medical): reported 10, reviewing 24, adjudicating 12, rejected 20 total 66 h
    """
    t1 = world.staff("adj_t1", team="T1", branch="上海")
    t2 = world.staff("adj_t2", team="T2", branch="北京")
    customer = world.customer("cust_a")
    auto = world.policy(customer, "auto")
    medical = world.policy(customer, "medical")
    claims = {}
    claims["A"] = world.claim(
        owner=t1,
        policy=auto,
        stages=[
            ("reported", at("2026-07-01 09:00")),
            ("reviewing", at("2026-07-01 11:00")),
            ("adjudicating", at("2026-07-02 11:00")),
            ("paying", at("2026-07-03 11:00")),
            ("closed", at("2026-07-03 15:00")),
        ],
    )
    claims["B"] = world.claim(
        owner=t1,
        policy=auto,
        stages=[
            ("reported", at("2026-07-05 09:00")),
            ("reviewing", at("2026-07-05 13:00")),
            ("adjudicating", at("2026-07-07 13:00")),
            ("paying", at("2026-07-08 01:00")),
            ("closed", at("2026-07-08 09:00")),
        ],
    )
    claims["C"] = world.claim(
        owner=t2,
        policy=auto,
        stages=[
            ("reported", at("2026-07-10 09:00")),
            ("reviewing", at("2026-07-10 10:00")),
            ("awaiting_materials", at("2026-07-10 16:00")),
            ("reviewing", at("2026-07-15 16:00")),
            ("adjudicating", at("2026-07-16 16:00")),
            ("paying", at("2026-07-20 16:00")),
            ("closed", at("2026-07-20 18:00")),
            ("followed_up", at("2026-07-22 10:00")),
        ],
    )
    claims["D"] = world.claim(
        owner=t2,
        policy=medical,
        stages=[
            ("reported", at("2026-08-01 09:00")),
            ("reviewing", at("2026-08-01 19:00")),
            ("adjudicating", at("2026-08-02 19:00")),
            ("rejected", at("2026-08-03 07:00")),
            ("closed", at("2026-08-04 03:00")),
        ],
    )
    # Closed in June: outside Q3, its stays must not count.
    world.claim(
        owner=t1,
        policy=auto,
        stages=[
            ("reported", at("2026-06-01 09:00")),
            ("reviewing", at("2026-06-01 10:00")),
            ("adjudicating", at("2026-06-10 10:00")),
            ("paying", at("2026-06-11 10:00")),
            ("closed", at("2026-06-12 10:00")),
        ],
    )
    # Still open: not closed in the period.
    world.claim(
        owner=t1,
        policy=auto,
        stages=[("reported", at("2026-09-01 09:00")), ("reviewing", at("2026-09-01 10:00"))],
    )
    return claims


def _row(metric, **keys):
    return next(r for r in metric.rows if all(r[k] == v for k, v in keys.items()))


def test_percentiles_helper_matches_percentile_cont(closed_claims):
    # estimated amounts 100, 200, 400, 1000 → median rank 1.5: 200 + 0.5·200 = 300;
    # p90 rank 2.7: 400 + 0.7·600 = 820.
    for amount, claim in zip(("100", "200", "400", "1000"), closed_claims.values(), strict=True):
        Claim.objects.filter(pk=claim.pk).update(estimated_amount=D(amount))
    rows = percentiles(
        Claim.objects.filter(pk__in=[c.pk for c in closed_claims.values()]),
        value="estimated_amount",
    )
    assert rows == [{"n": 4, "p50": pytest.approx(300.0), "p90": pytest.approx(820.0)}]


def test_stage_intervals_lead_to_the_next_status_event(closed_claims):
    stays = percentiles(
        stage_intervals(Case.objects.filter(pk=closed_claims["C"].pk)),
        by={"stage": "to_status"},
        between=("at", "left_at"),
        ps=(0.5,),
    )
    # C: reviewing twice (6 h and 24 h → median 15 h); the last stay (followed_up) has no end.
    hours = {r["stage"]: (r["n"], round(r["p50"] / 3600, 3)) for r in stays}
    assert hours == {
        "reported": (1, 1.0),
        "reviewing": (2, 15.0),
        "awaiting_materials": (1, 120.0),
        "adjudicating": (1, 96.0),
        "paying": (1, 2.0),
        "closed": (1, 40.0),
    }


def test_cycle_time(closed_claims):
    m = METRICS["cycle_time"](Q3)
    # Totals 54, 66, 72, 249 h → median rank 1.5: 66 + 0.5·6 = 69 h = 2.875 days → 2.9;
    # p90 rank 2.7: 72 + 0.7·177 = 195.9 h.
    assert m.value == D("2.9") and m.unit == "days"
    total = _row(m, type="", stage="total")
    assert (total["cases"], total["median_h"], total["p90_h"]) == (4, D("69.0"), D("195.9"))
    # All types, reviewing stays 24, 48, 6, 24, 24 → sorted 6, 24, 24, 24, 48:
    # median 24; p90 rank 3.6: 24 + 0.6·24 = 38.4.
    reviewing = _row(m, type="", stage="reviewing")
    assert (reviewing["cases"], reviewing["median_h"], reviewing["p90_h"]) == (
        5,
        D("24.0"),
        D("38.4"),
    )
    # Adjudicating 24, 12, 96, 12 → 12, 12, 24, 96: median 18; p90 rank 2.7: 24 + 0.7·72 = 74.4.
    adjudicating = _row(m, type="", stage="adjudicating")
    assert (adjudicating["median_h"], adjudicating["p90_h"]) == (D("18.0"), D("74.4"))
    # Auto only: reviewing 6, 24, 24, 48 → median 24, p90 rank 2.7: 24 + 0.7·24 = 40.8;
    # totals 54, 72, 249 → median 72, p90 rank 1.8: 72 + 0.8·177 = 213.6.
    auto_reviewing = _row(m, type="auto", stage="reviewing")
    assert (auto_reviewing["median_h"], auto_reviewing["p90_h"]) == (D("24.0"), D("40.8"))
    auto_total = _row(m, type="auto", stage="total")
    assert (auto_total["cases"], auto_total["median_h"], auto_total["p90_h"]) == (
        3,
        D("72.0"),
        D("213.6"),
    )
    # Medical (D alone): rejected 20 h; the time after closing never counts.
    assert _row(m, type="medical", stage="rejected")["median_h"] == D("20.0")
    assert not [r for r in m.rows if r["stage"] in ("closed", "followed_up")]
    assert m.drill == {"metric": "cycle_time", "start": "2026-07-01", "end": "2026-09-30"}
    behind = cases_behind(auto_reviewing["drill"], Q3)
    assert {c.pk for c in behind} == {closed_claims[k].pk for k in "ABC"}


def test_cycle_time_filters_by_team_and_product(closed_claims, products):
    t1 = Filters(start=Q3.start, end=Q3.end, team="T1")
    # Team T1 owns A (54 h) and B (72 h): median 63 h = 2.625 days → 2.6.
    assert METRICS["cycle_time"](t1).value == D("2.6")
    medical = Filters(start=Q3.start, end=Q3.end, product=products["medical"].code)
    # Product medical: D alone, 66 h = 2.75 days → 2.8 (half up).
    assert METRICS["cycle_time"](medical).value == D("2.8")


def test_bottleneck_stage(closed_claims):
    with translation.override("en"):
        m = METRICS["bottleneck_stage"](Q3)
    # Medians: reported 1, 2, 4, 10 → 3; reviewing 24; awaiting_materials 120 (customer time,
    # not a candidate); adjudicating 18; paying 2, 4, 8 → 4; rejected 20. Longest of ours:
    # reviewing, 24 h.
    assert m.value == D("24.0") and m.unit == "h"
    assert m.detail == "Reviewing materials"
    assert m.rows[0]["stage"] == "awaiting_materials" and m.rows[0]["customer_time"]
    assert [(r["stage"], r["median_h"]) for r in m.rows[1:]] == [
        ("reviewing", D("24.0")),
        ("rejected", D("20.0")),
        ("adjudicating", D("18.0")),
        ("paying", D("4.0")),
        ("reported", D("3.0")),
    ]
    assert m.drill["stage"] == "reviewing"


def test_sla_compliance_per_rule_and_team(world, closed_claims):
    a, b, c, d = (closed_claims[k].case for k in "ABCD")
    start = at("2026-07-01 09:00")
    # Met: A contact, A decision, D decision. Breached: B contact (stopped late),
    # C decision (still running, due 20 Sep: past due at the end of the period).
    world.deadline(
        a,
        "contact",
        state="met",
        started_at=start,
        due_at=at("2026-07-02 09:00"),
        stopped_at=at("2026-07-01 11:00"),
    )
    world.deadline(
        a,
        "decision_statutory",
        state="met",
        started_at=start,
        due_at=at("2026-08-01 09:00"),
        stopped_at=at("2026-07-03 11:00"),
    )
    world.deadline(
        d,
        "decision_statutory",
        state="met",
        started_at=start,
        due_at=at("2026-09-01 09:00"),
        stopped_at=at("2026-08-03 07:00"),
    )
    world.deadline(
        b,
        "contact",
        state="breached",
        started_at=start,
        due_at=at("2026-07-06 09:00"),
        stopped_at=at("2026-07-06 13:00"),
    )
    world.deadline(
        c, "decision_statutory", state="running", started_at=start, due_at=at("2026-09-20 09:00")
    )
    # Not counted: cancelled; stopped in June; running but due only in October.
    world.deadline(
        d,
        "payment",
        state="cancelled",
        started_at=start,
        due_at=at("2026-08-10 09:00"),
        stopped_at=at("2026-08-03 07:00"),
    )
    world.deadline(
        b,
        "followup",
        state="met",
        started_at=at("2026-06-01 09:00"),
        due_at=at("2026-06-05 09:00"),
        stopped_at=at("2026-06-02 09:00"),
    )
    world.deadline(c, "followup", state="running", started_at=start, due_at=at("2026-10-05 09:00"))

    m = METRICS["sla_compliance"](Q3)
    # 3 met of 5 → 60.0 %.
    assert m.value == D("60.0")
    by = {(r["group"], r["key"]): (r["met"], r["breached"], r["compliance"]) for r in m.rows}
    assert by == {
        ("rule", "contact"): (1, 1, D("50.0")),  # A met, B breached
        ("rule", "decision_statutory"): (2, 1, D("66.7")),  # A, D met; C overdue: 2/3
        ("team", "T1"): (2, 1, D("66.7")),  # A ×2 met, B breached
        ("team", "T2"): (1, 1, D("50.0")),  # D met, C breached
    }
    breached = {**m.drill, "outcome": "breached"}
    assert set(cases_behind(breached, Q3)) == {b, c}
    t2 = next(r for r in m.rows if r["key"] == "T2")
    assert set(cases_behind(t2["drill"], Q3)) == {c, d}


def test_backlog_aging_at_the_end_of_the_period(world, frozen_after_q3):
    owner = world.staff("adj_b", team="T1")
    policy = world.policy(world.customer("cust_b"), "auto")

    def opened(when, *later):
        return world.claim(owner=owner, policy=policy, stages=[("reported", at(when)), *later])

    # Ages at 1 Oct 00:00 (end of Q3), in whole days since opening:
    opened("2026-09-29 10:00")  # 1 day 14 h → 1 → 0–3
    opened("2026-09-27 00:00")  # exactly 4 days → 4–7
    late = opened(  # 11 days; closed only on 5 Oct, so still open at the end of Q3 → 8–15
        "2026-09-20 00:00",
        ("reviewing", at("2026-09-21 00:00")),
        ("closed", at("2026-10-05 00:00")),
    )
    opened("2026-09-10 09:00")  # 20 days → 16–30
    opened("2026-08-01 09:00")  # 60 days → over 30
    opened(  # closed in September: not backlog
        "2026-09-01 09:00",
        ("reviewing", at("2026-09-01 10:00")),
        ("closed", at("2026-09-05 10:00")),
    )
    opened("2026-10-02 09:00")  # opened after the period
    m = METRICS["backlog_aging"](Q3)
    assert m.value == 5
    assert [(r["bucket"], r["cases"], r["share"]) for r in m.rows] == [
        ("0-3", 1, D("20.0")),
        ("4-7", 1, D("20.0")),
        ("8-15", 1, D("20.0")),
        ("16-30", 1, D("20.0")),
        ("31+", 1, D("20.0")),
    ]
    assert list(cases_behind(m.rows[2]["drill"], Q3)) == [late.case]


def test_overdue_now(world):
    owner = world.staff("adj_o", team="T9")
    policy = world.policy(world.customer("cust_o"), "auto")
    case = world.claim(
        owner=owner, policy=policy, stages=[("reported", at("2026-10-01 09:00"))]
    ).case
    start = at("2026-10-01 09:00")
    world.deadline(
        case, "contact", state="running", started_at=start, due_at=at("2026-10-02 09:00")
    )
    world.deadline(
        case, "decision_statutory", state="paused", started_at=start, due_at=at("2026-10-03 08:00")
    )
    world.deadline(
        case, "payment", state="running", started_at=start, due_at=at("2026-10-09 09:00")
    )
    with time_machine.travel(at("2026-10-02 10:00"), tick=False):
        m = METRICS["overdue_now"](Filters(start=date(2026, 10, 1), end=date(2026, 10, 31)))
    # contact 1 h overdue; decision due in 22 h (near due); payment in 7 days (neither).
    assert m.value == 1
    assert [(r["team"], r["overdue"], r["near_due"]) for r in m.rows] == [("T9", 1, 1)]


def test_backlog_now_reads_the_current_status(world):
    owner = world.staff("adj_n", team="T1")
    customer = world.customer("cust_n")
    policy = world.policy(customer, "auto")
    world.claim(owner=owner, policy=policy, stages=[("reported", at("2026-10-10 09:00"))])
    world.claim(  # paid and closed (still is_open until the follow-up): done
        owner=owner,
        policy=policy,
        stages=[
            ("reported", at("2026-10-01 09:00")),
            ("reviewing", at("2026-10-01 10:00")),
            ("closed", at("2026-10-05 10:00")),
        ],
    )
    agent = world.staff("agent_n", team="T2")
    reopened = world.ticket(  # resolved, then reopened: open again
        owner=agent,
        customer=customer,
        stages=[
            ("new", at("2026-10-02 09:00")),
            ("resolved", at("2026-10-02 10:00")),
            ("in_progress", at("2026-10-03 10:00")),
        ],
    )
    october = Filters(start=date(2026, 10, 1), end=date(2026, 12, 31))
    with time_machine.travel(at("2026-10-12 12:00"), tick=False):
        claims = METRICS["backlog_aging"](october)
        tickets = METRICS["backlog_aging"](Filters(october.start, october.end, kind="ticket"))
    # Claims: the one reported on 10 Oct, 2 days old → 0–3. Tickets: the reopened one,
    # 9 days old → 8–15.
    assert claims.value == 1 and claims.rows[0]["cases"] == 1
    assert tickets.value == 1 and tickets.rows[2]["cases"] == 1
    # The same answers from the timeline, for a period that ended on 12 Oct.
    with time_machine.travel(at("2026-10-20 12:00"), tick=False):
        past = Filters(start=date(2026, 10, 1), end=date(2026, 10, 11))
        assert METRICS["backlog_aging"](past).value == 1
        past_tickets = Filters(past.start, past.end, kind="ticket")
        tickets_then = METRICS["backlog_aging"](past_tickets)
        assert tickets_then.rows[2]["cases"] == 1
        drill = tickets_then.rows[2]["drill"]
        assert Filters.from_query(drill, today=date(2026, 10, 20)) == past_tickets
        assert list(cases_behind(drill, past_tickets)) == [reopened.case]
