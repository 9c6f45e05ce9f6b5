"""Customer-experience and process-improvement figures on a hand-made Q3 2026 data set."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import METRICS, cases_behind
from tests.analytics.conftest import at

Q3 = Filters(start=date(2026, 7, 1), end=date(2026, 9, 30))
D = Decimal


@pytest.fixture(autouse=True)
def _after_q3():
    with time_machine.travel(at("2026-10-15 12:00"), tick=False):
        yield


@pytest.fixture
def desk(world):
    """Claims by channel, service tickets with their timelines, an assistant's talks."""
    adjuster = world.staff("adj_c", team="理赔一组", branch="上海")
    agent = world.staff("agent_c", team="客服一组", branch="上海")
    customer = world.customer("cust_c")
    policy = world.policy(customer, "auto")
    claims = {}
    # Claims reported in Q3: portal ×3, API ×1, hotline ×2, bulk ×1; one in June.
    for i, channel in enumerate(["portal"] * 3 + ["api", "hotline", "hotline", "bulk"]):
        claims[f"{channel}{i}"] = world.claim(
            owner=adjuster,
            policy=policy,
            channel=channel,
            stages=[("reported", at(f"2026-07-{i + 1:02d} 09:00"))],
        )
    world.claim(
        owner=adjuster,
        policy=policy,
        channel="hotline",
        stages=[("reported", at("2026-06-20 09:00"))],
    )

    def ticket(channel, category, stages, **extra):
        return world.ticket(
            owner=agent,
            customer=customer,
            channel=channel,
            category=category,
            stages=[(s, at(t)) for s, t in stages],
            **extra,
        )

    tickets = {
        # Resolved at once: first contact.
        "T1": ticket(
            "portal", "inquiry", [("new", "2026-07-02 09:00"), ("resolved", "2026-07-02 10:00")]
        ),
        # Went back to the customer: not first contact.
        "T2": ticket(
            "hotline",
            "inquiry",
            [
                ("new", "2026-07-03 09:00"),
                ("in_progress", "2026-07-03 10:00"),
                ("waiting_customer", "2026-07-03 11:00"),
                ("in_progress", "2026-07-04 11:00"),
                ("resolved", "2026-07-04 12:00"),
            ],
        ),
        # A complaint resolved, reopened, resolved again and closed: not first contact.
        "T3": ticket(
            "hotline",
            "complaint",
            [
                ("new", "2026-07-05 09:00"),
                ("in_progress", "2026-07-05 10:00"),
                ("resolved", "2026-07-06 10:00"),
                ("in_progress", "2026-07-07 10:00"),
                ("resolved", "2026-07-08 10:00"),
                ("closed", "2026-07-09 10:00"),
            ],
            topic="timeliness",
            claim=claims["hotline4"],
        ),
        # A complaint by e-mail, answered and resolved without going back: first contact.
        "T4": ticket(
            "email",
            "complaint",
            [
                ("new", "2026-07-15 09:00"),
                ("in_progress", "2026-07-15 10:00"),
                ("resolved", "2026-07-20 10:00"),
                ("closed", "2026-07-21 10:00"),
            ],
            topic="amount",
        ),
        # Opened from the assistant, still in progress: not resolved.
        "T5": ticket(
            "assistant",
            "inquiry",
            [("new", "2026-08-01 09:00"), ("in_progress", "2026-08-01 10:00")],
        ),
    }
    from claimdesk.assistant.models import Conversation, Turn

    def talk(started, *handed_over):
        conversation = Conversation.objects.create(started_at=at(started))
        for flag in handed_over:
            Turn.objects.create(
                conversation=conversation,
                question="怎么报案？",
                answer="…",
                handed_over=flag,
                asked_at=at(started),
            )
        return conversation

    talk("2026-08-02 09:00", False, False)  # answered by the assistant alone
    talk("2026-08-03 09:00", False, True)  # handed over (became ticket T5)
    talk("2026-08-04 09:00")  # opened, nothing asked
    talk("2026-06-04 09:00", False)  # June
    return {"claims": claims, "tickets": tickets, "adjuster": adjuster, "agent": agent}


def test_self_service_rate(desk):
    m = METRICS["self_service_rate"](Q3)
    # Self-service: claims portal 3 + API 1, tickets portal 1 + assistant 1, assistant
    # answers 1 = 7. Assisted: hotline claims 2, hotline tickets 2, e-mail 1 = 5.
    # Bulk imports and June are left out. 7 / 12 = 58.33 → 58.3 %.
    assert m.value == D("58.3")
    got = {(r["source"], r["channel"]): r["contacts"] for r in m.rows}
    assert got == {
        ("claim", "api"): 1,
        ("claim", "hotline"): 2,
        ("claim", "portal"): 3,
        ("ticket", "assistant"): 1,
        ("ticket", "email"): 1,
        ("ticket", "hotline"): 2,
        ("ticket", "portal"): 1,
        ("assistant", "assistant"): 1,
    }
    hotline_claims = next(r for r in m.rows if r["source"] == "claim" and r["channel"] == "hotline")
    assert cases_behind(hotline_claims["drill"], Q3).count() == 2
    # With a team filter the assistant (nobody's team) is left out: the agents' team has
    # tickets portal 1 + assistant 1 self-service vs hotline 2 + e-mail 1 → 2 / 5 = 40 %.
    assert METRICS["self_service_rate"](Filters(Q3.start, Q3.end, team="客服一组")).value == D(
        "40.0"
    )


def test_complaint_rate(desk):
    m = METRICS["complaint_rate"](Q3)
    # 2 complaints (T3, T4) per 7 claims reported in Q3 (bulk included): 2 / 7 × 10,000 =
    # 2857.14 → 2857.1; per topic 1 / 7 × 10,000 = 1428.57 → 1428.6.
    assert m.value == D("2857.1")
    assert [(r["topic"], r["complaints"], r["per_10000"]) for r in m.rows] == [
        ("amount", 1, D("1428.6")),
        ("timeliness", 1, D("1428.6")),
    ]
    assert set(cases_behind(m.drill, Q3)) == {
        desk["tickets"]["T3"].case,
        desk["tickets"]["T4"].case,
    }


def test_first_contact_resolution(desk):
    m = METRICS["first_contact_resolution"](Q3)
    # Resolved in Q3: T1, T2, T3, T4 (T5 is not). First contact: T1, T4 → 2 / 4 = 50 %.
    assert m.value == D("50.0")
    assert [(r["channel"], r["resolved"], r["first_contact"], r["rate"]) for r in m.rows] == [
        ("email", 1, 1, D("100.0")),
        ("hotline", 2, 0, D("0.0")),
        ("portal", 1, 1, D("100.0")),
    ]
    t = desk["tickets"]
    assert set(cases_behind(m.drill, Q3)) == {t["T1"].case, t["T4"].case}


def test_csat_and_nps(world, desk):
    claims = list(desk["claims"].values())
    # Answers in Q3 about claims: CSAT 5, 4, 3, 5 and NPS 10, 9, 6, 8.
    for claim, csat, nps in zip(claims, (5, 4, 3, 5), (10, 9, 6, 8), strict=False):
        world.survey(claim.case, csat=csat, nps=nps, answered_at=at("2026-08-10 10:00"))
    world.survey(claims[4].case, csat=1, nps=0, answered_at=at("2026-06-10 10:00"))  # June
    world.survey(claims[5].case, csat=None, nps=None, answered_at=at("2026-08-10 10:00"))
    world.survey(desk["tickets"]["T1"].case, csat=1, nps=0, answered_at=at("2026-08-10 10:00"))

    csat = METRICS["csat"](Q3)
    # (5 + 4 + 3 + 5) / 4 = 4.25; 3 of 4 answered 4–5 = 75 %. The ticket's answer is not a
    # claim's (kind=claim); it counts with kind=ticket.
    assert csat.value == D("4.25")
    assert "75.0%" in csat.definition
    assert [(r["score"], r["answers"], r["share"]) for r in csat.rows] == [
        (5, 2, D("50.0")),
        (4, 1, D("25.0")),
        (3, 1, D("25.0")),
        (2, 0, D("0.0")),
        (1, 0, D("0.0")),
    ]
    assert cases_behind(csat.rows[0]["drill"], Q3).count() == 2
    assert METRICS["csat"](Filters(Q3.start, Q3.end, kind="ticket")).value == D("1.00")

    nps = METRICS["nps"](Q3)
    # Promoters 10, 9 (2); passive 8 (1); detractor 6 (1): (2 − 1) / 4 × 100 = 25 points.
    assert nps.value == D("25.0")
    assert [(r["group"], r["answers"]) for r in nps.rows] == [
        ("promoters", 2),
        ("passives", 1),
        ("detractors", 1),
    ]
    detractors = cases_behind(nps.rows[2]["drill"], Q3)
    assert list(detractors) == [claims[2].case]


def test_root_causes_and_corrective_actions(desk):
    from claimdesk.service.models import CorrectiveAction, RootCauseReport

    t3 = desk["tickets"]["T3"]
    agent = desk["agent"]
    report = RootCauseReport.objects.create(
        ticket=t3,
        category="process",
        department="理赔部",
        root_cause="审核排队过长",
        cause_key="审核排队过长",
        corrective_action="增加审核岗",
        owner=agent,
        due_date=date(2026, 9, 30),
        verification="抽查",
        author=agent,
        created_at=at("2026-07-08 09:00"),
        updated_at=at("2026-07-08 09:00"),
    )

    def action(due, done_at=None):
        CorrectiveAction.objects.create(
            report=report, description="…", owner=agent, due_date=due, done_at=done_at
        )

    action(date(2026, 8, 15), at("2026-08-10 10:00"))  # due in Q3, done
    action(date(2026, 9, 10))  # due in Q3, not done
    action(date(2026, 10, 20))  # due after Q3: not counted

    roots = METRICS["root_causes"](Q3)
    # Complaints resolved in Q3: T3 (with an RCA) and T4 (without): 1 / 2 = 50 %.
    assert roots.value == D("50.0")
    assert [(r["category"], r["department"], r["complaints"]) for r in roots.rows] == [
        ("process", "理赔部", 1)
    ]
    assert list(cases_behind(roots.drill, Q3)) == [t3.case]

    actions = METRICS["corrective_actions_done"](Q3)
    # Due in Q3: 2, done: 1 → 50 %.
    assert actions.value == D("50.0")
    assert [(r["department"], r["due"], r["done"]) for r in actions.rows] == [("理赔部", 2, 1)]
    assert list(cases_behind(actions.drill, Q3)) == [t3.case]


def test_staff_kpis(world):
    adjuster = world.staff("adj_k", team="理赔二组", branch="北京")
    policy = world.policy(world.customer("cust_k"), "auto")
    claim = world.claim(
        owner=adjuster,
        policy=policy,
        stages=[
            ("reported", at("2026-08-01 09:00")),
            ("reviewing", at("2026-08-01 10:00")),
            ("adjudicating", at("2026-08-02 10:00")),
            ("paying", at("2026-08-03 10:00")),
            ("closed", at("2026-08-03 21:00")),
        ],
    )
    world.survey(claim.case, csat=4, nps=9, answered_at=at("2026-08-05 10:00"))
    m = METRICS["staff_kpis"](Q3)
    # One person active: 1 case closed after 2 days 12 h = 60 h, CSAT 4, NPS 100.
    assert m.value == 1
    row = m.rows[0]
    assert (row["name"], row["closed_cases"], row["median_cycle_h"]) == ("adj_k", 1, D("60.0"))
    assert (row["csat"], row["nps"]) == (D("4.00"), D("100.0"))
    assert list(cases_behind(row["drill"], Q3)) == [claim.case]
    assert METRICS["staff_kpis"](Filters(Q3.start, Q3.end, branch="上海")).value == 0


def test_ticket_cycle_time_and_bottleneck(desk):
    tickets = Filters(Q3.start, Q3.end, kind="ticket")
    m = METRICS["cycle_time"](tickets)
    # Tickets closed in Q3: T3 (5 Jul 09:00 → 9 Jul 10:00 = 97 h) and T4 (15 Jul 09:00 →
    # 21 Jul 10:00 = 145 h): median 121 h = 5.04 days → 5.0.
    assert m.value == D("5.0")
    # In progress: T3 24 h + 24 h (after the reopening), T4 120 h → median 24, p90 rank 1.8:
    # 24 + 0.8·96 = 100.8. Time spent resolved (waiting to be closed) does not count.
    row = next(r for r in m.rows if r["type"] == "" and r["stage"] == "in_progress")
    assert (row["cases"], row["median_h"], row["p90_h"]) == (3, D("24.0"), D("100.8"))
    assert not [r for r in m.rows if r["stage"] == "resolved"]
    complaint = next(r for r in m.rows if r["type"] == "complaint" and r["stage"] == "total")
    assert complaint["median_h"] == D("121.0")
    bottleneck = METRICS["bottleneck_stage"](tickets)
    assert (bottleneck.value, bottleneck.rows[0]["stage"]) == (D("24.0"), "in_progress")


@pytest.mark.parametrize("code", sorted(METRICS))
def test_every_metric_runs_for_tickets_and_filters(desk, code):
    for f in (
        Filters(Q3.start, Q3.end, kind="ticket"),
        Filters(Q3.start, Q3.end, kind="ticket", team="客服一组", branch="上海", product="x"),
    ):
        m = METRICS[code](f)
        assert m.code == code
        cases_behind(m.drill, f).count()
        for row in m.rows:
            if row.get("drill"):
                cases_behind(row["drill"], Filters.from_query(row["drill"], today=Q3.end)).count()
