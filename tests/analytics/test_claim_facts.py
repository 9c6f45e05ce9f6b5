"""The per-case claim columns, the daily SLA counts and the stored stage figures are kept in
step with what they summarise: a step, a decision, a payment, a clock stopping, an owner or a
team changing updates them; the backfill fills them; and the figures read from them equal the
figures computed from the raw rows of the same small data set."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Count, Q, Sum

from claimdesk.analytics import sla, stored, summaries
from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import METRICS, _clock_population, computed_once
from claimdesk.analytics.models import (
    CaseSummary,
    RejectionClause,
    SlaDay,
    StoredFigure,
    SurveyDay,
)
from claimdesk.cases.models import Case, CaseEvent, Deadline
from claimdesk.claims.models import Claim
from claimdesk.payments.models import Payment
from claimdesk.staff.models import StaffProfile
from tests.analytics.conftest import at
from tests.conftest import worker_ran
from tests.payments import conftest as payments_conftest

pytestmark = pytest.mark.django_db

# A claim brought to payment through the real services (the payments tests' fixtures).
auto_policy = payments_conftest.auto_policy
account = payments_conftest.account
paying = payments_conftest.paying

Q3 = Filters(start=date(2026, 7, 1), end=date(2026, 9, 30))
D = Decimal


@pytest.fixture(autouse=True)
def _after_q3():
    with time_machine.travel(at("2026-10-15 12:00"), tick=False):
        yield


def _row(case) -> CaseSummary:
    return CaseSummary.objects.get(case_id=case.pk)


def _days() -> set[tuple]:
    return {
        (d.day, d.kind, d.rule.code, d.team, d.branch, d.met, d.breached)
        for d in SlaDay.objects.select_related("rule")
        if d.met or d.breached
    }


def _answers() -> set[tuple]:
    return {
        (d.day, d.kind, d.team, d.branch, d.csat, d.nps, d.answers)
        for d in SurveyDay.objects.all()
        if d.answers
    }


def _closed_claim(world, owner, policy, *, day: int = 10, **extra) -> Claim:
    start = at(f"2026-07-{day:02d} 09:00")
    return world.claim(
        owner=owner,
        policy=policy,
        stages=[
            ("reported", start),
            ("reviewing", start + timedelta(hours=2)),
            ("investigating", start + timedelta(days=1)),
            ("adjudicating", start + timedelta(days=2)),
            ("paying", start + timedelta(days=3)),
            ("closed", start + timedelta(days=4)),
        ],
        **extra,
    )


# --- the per-case claim columns -------------------------------------------------------------


def test_claim_columns_follow_the_claim_and_its_payments(paying, finance1):
    """After each committed action the worker re-derives the claim's row: the decision of
    the four-eyes service, then the payment once finance has confirmed it."""
    from claimdesk.payments.services import payment_confirm, payment_instruct, payment_send

    worker_ran()
    row = _row(paying.case)
    paid_at = paying.decided_at
    assert (row.customer_id, row.channel, row.product_id) == (
        paying.policy.holder_id,
        paying.channel,
        paying.policy.product_id,
    )
    assert (row.decision, row.decided_at, row.estimated_amount) == (
        "approve",
        paying.decided_at,
        D("3200.00"),
    )
    assert row.paid_amount == 0

    payment = payment_instruct(claim=paying, actor=finance1, now=paid_at + timedelta(hours=1))
    payment = payment_send(payment=payment, actor=finance1, now=paid_at + timedelta(hours=2))
    worker_ran()
    assert _row(paying.case).paid_amount == 0  # sent, not yet confirmed
    payment_confirm(payment=payment, actor=finance1, now=paid_at + timedelta(hours=3))
    assert _row(paying.case).paid_amount == 0  # the worker has not run yet
    worker_ran()
    assert _row(paying.case).paid_amount == D("3000.00")


def test_a_ticket_opened_by_the_kernel_has_its_row_from_the_start(agent1, customer1, products):
    from claimdesk.service.services import ticket_open

    ticket = ticket_open(
        actor=agent1,
        customer=customer1,
        channel="hotline",
        category="inquiry",
        subject="咨询",
        body="保单何时到期",
        now=at("2026-07-02 09:00"),
    )
    worker_ran()
    row = _row(ticket.case)
    assert (row.kind, row.customer_id, row.closed_at, row.channel) == (
        "ticket",
        customer1.pk,
        None,
        "hotline",
    )


def test_backfill_fills_the_claim_columns_and_the_sla_days(world):
    adj = world.staff("adj_f2", team="T1", branch="上海")
    policy = world.policy(world.customer("cust_f2"), "auto")
    claim = _closed_claim(world, adj, policy, decision="approve", decided_at=at("2026-07-13 09:00"))
    world.payment(claim, "6000.00", at_=at("2026-07-13 10:00"))
    world.deadline(
        claim.case,
        "contact",
        state="met",
        started_at=at("2026-07-10 09:00"),
        due_at=at("2026-07-11 09:00"),
        stopped_at=at("2026-07-10 12:00"),
    )
    kept = {
        r["case_id"]: r
        for r in CaseSummary.objects.values()  # what the hooks wrote
    }
    world.survey(claim.case, csat=4, nps=9, answered_at=at("2026-07-20 09:00"))
    days, answers = _days(), _answers()
    assert days and answers  # the clock that stopped, the answer: counted when written
    CaseSummary.objects.all().delete()
    SlaDay.objects.all().delete()
    SurveyDay.objects.all().delete()

    from importlib import import_module

    import_module("claimdesk.analytics.migrations.0004_backfill_summaries_daily_counts").backfill(
        None, None
    )
    assert {r["case_id"]: r for r in CaseSummary.objects.values()} == kept
    assert _days() == days
    assert _answers() == answers
    row = _row(claim.case)
    assert (row.paid_amount, row.decision, row.estimated_amount) == (
        D("6000.00"),
        "approve",
        D("10000.00"),
    )


# --- the daily SLA counts -------------------------------------------------------------------


def test_sla_days_follow_stops_owners_and_teams(world, manager1):
    from claimdesk.cases.services import case_reassign, deadline_stop
    from claimdesk.staff.services import profile_move

    a = world.staff("adj_s1", team="T1", branch="上海")
    b = world.staff("adj_s2", team="T2", branch="北京")
    policy = world.policy(world.customer("cust_s1"), "auto")
    claim = world.claim(owner=a, policy=policy, stages=[("reported", at("2026-07-10 09:00"))])
    clock = world.deadline(
        claim.case,
        "contact",
        state="running",
        started_at=at("2026-07-10 09:00"),
        due_at=at("2026-07-11 09:00"),
    )
    assert _days() == set()  # running clocks are not counted

    # Counted once the worker has read the committed stop.
    deadline_stop(deadline=clock, now=at("2026-07-11 23:30"), actor=a)
    assert _days() == set()
    worker_ran()
    day = (at("2026-07-11 23:30")).astimezone(sla.SHANGHAI).date()
    assert _days() == {(day, "claim", "contact", "T1", "上海", 0, 1)}
    worker_ran()  # handed over twice: counted once
    assert _days() == {(day, "claim", "contact", "T1", "上海", 0, 1)}

    # The owner changes: the ended clock moves to the new owner's team and branch.
    case_reassign(
        case=claim.case, new_owner=b, actor=manager1, now=at("2026-07-12 09:00"), reason="调岗"
    )
    worker_ran()
    assert _days() == {(day, "claim", "contact", "T2", "北京", 0, 1)}

    # The owner moves to another team: every ended clock of the cases they own moves too,
    # in the same transaction.
    profile_move(profile=StaffProfile.objects.get(user=b), team="T3", branch="北京")
    assert _days() == {(day, "claim", "contact", "T3", "北京", 0, 1)}

    # Kept counts equal a rebuild from the clocks.
    before = _days()
    sla.rebuild()
    assert _days() == before


def test_a_clock_stopped_in_the_small_hours_counts_on_its_local_day(world):
    """Before 08:00 in Shanghai it is still yesterday in UTC: each stop is counted on its
    local day, once, whatever the database stores times as."""
    from claimdesk.cases.services import deadline_stop

    owner = world.staff("adj_n1", team="T1", branch="上海")
    policy = world.policy(world.customer("cust_n1"), "auto")
    stops = ("2026-07-10 23:30", "2026-07-11 02:00")
    for n, stop in enumerate(stops):
        claim = world.claim(
            owner=owner, policy=policy, stages=[("reported", at(f"2026-07-{9 + n:02d} 09:00"))]
        )
        clock = world.deadline(
            claim.case,
            "contact",
            state="running",
            started_at=at(f"2026-07-{9 + n:02d} 09:00"),
            due_at=at("2026-07-12 09:00"),
        )
        deadline_stop(deadline=clock, now=at(stop), actor=owner)
        worker_ran()
    assert _days() == {
        (date(2026, 7, 10), "claim", "contact", "T1", "上海", 1, 0),
        (date(2026, 7, 11), "claim", "contact", "T1", "上海", 1, 0),
    }
    before = _days()
    sla.rebuild()
    assert _days() == before


def test_the_kernel_stop_counts_the_clock(agent1, customer1, products):
    """A real step: opening a claim starts clocks, the next step stops the contact clock."""
    from claimdesk.cases.services import case_open, case_transition

    t0 = at("2026-07-10 09:00")
    case = case_open(
        kind="claim", title="追尾", actor=agent1, now=t0, customer=customer1, owner=agent1
    )
    ended = Deadline.objects.filter(case=case, state__in=("met", "breached"))
    assert not ended.exists()
    case_transition(
        case=case,
        action="withdraw",
        actor=agent1,
        now=t0 + timedelta(hours=1),
        data={"reason": "客户撤案"},
    )
    counted = SlaDay.objects.aggregate(met=Sum("met"), breached=Sum("breached"))
    raw = ended.aggregate(
        met=Count("pk", filter=Q(state="met")), breached=Count("pk", filter=Q(state="breached"))
    )
    assert (counted["met"] or 0, counted["breached"] or 0) == (raw["met"], raw["breached"])
    before = _days()
    sla.rebuild()
    assert _days() == before


def test_survey_days_follow_answers_owners_and_teams(world, manager1):
    from claimdesk.cases.services import case_reassign
    from claimdesk.feedback.services import survey_answer
    from claimdesk.staff.services import profile_move

    a = world.staff("adj_v1", team="T1", branch="上海")
    b = world.staff("adj_v2", team="T2", branch="北京")
    policy = world.policy(world.customer("cust_v1"), "auto")
    claim = world.claim(owner=a, policy=policy, stages=[("reported", at("2026-07-10 09:00"))])
    survey = world.survey(claim.case, csat=None, nps=None, answered_at=at("2026-07-20 09:00"))
    assert _answers() == set()  # sent, not answered
    moment = at("2026-07-20 20:00")
    survey_answer(token=survey.token, csat=5, nps=9, now=moment)
    worker_ran()
    day = moment.astimezone(sla.SHANGHAI).date()
    assert _answers() == {(day, "claim", "T1", "上海", 5, 9, 1)}
    case_reassign(case=claim.case, new_owner=b, actor=manager1, now=moment, reason="调岗")
    worker_ran()
    assert _answers() == {(day, "claim", "T2", "北京", 5, 9, 1)}
    profile_move(profile=StaffProfile.objects.get(user=b), team="T2", branch="广州")
    assert _answers() == {(day, "claim", "T2", "广州", 5, 9, 1)}
    before = _answers()
    sla.rebuild()
    assert _answers() == before


def test_csat_and_nps_from_the_days_equal_the_surveys(small_book, world):
    from claimdesk.feedback.models import Survey

    scores = [(5, 10), (4, 9), (2, 3)]
    for claim, (csat, nps) in zip(small_book, scores, strict=True):
        world.survey(claim.case, csat=csat, nps=nps, answered_at=at("2026-08-01 09:00"))
    from claimdesk.analytics import rules

    raw = Survey.objects.filter(answered_at__isnull=False, case__kind="claim")
    csat = METRICS["csat"](Q3)
    assert csat.value == rules.mean(sum(s.csat for s in raw), raw.count()) == rules.mean(11, 3)
    assert {r["score"]: r["answers"] for r in csat.rows if r["answers"]} == {5: 1, 4: 1, 2: 1}
    nps = METRICS["nps"](Q3)
    assert {r["group"]: r["answers"] for r in nps.rows} == {
        "promoters": 2,
        "passives": 0,
        "detractors": 1,
    }
    # Filtered by team (the days carry it) and by product (read from the surveys): the same.
    t2 = Filters(start=Q3.start, end=Q3.end, team="T2")
    assert {r["score"]: r["answers"] for r in METRICS["csat"](t2).rows if r["answers"]} == {
        4: 1,
        2: 1,
    }
    product = small_book[1].policy.product.code
    by_product = Filters(start=Q3.start, end=Q3.end, product=product)
    assert {r["score"]: r["answers"] for r in METRICS["csat"](by_product).rows if r["answers"]} == {
        4: 1,
        2: 1,
    }


# --- figures from the summaries equal figures from the raw rows --------------------------------


@pytest.fixture
def small_book(world):
    """Three claims closed and decided in Q3 with clocks, one of them rejected, on two teams;
    one claim with a product filter applied."""
    a = world.staff("adj_b1", team="T1", branch="上海")
    b = world.staff("adj_b2", team="T2", branch="北京")
    auto = world.policy(world.customer("cust_b1"), "auto")
    ci = world.policy(world.customer("cust_b2"), "critical_illness")
    claims = [
        _closed_claim(world, a, auto, day=5, decision="approve", decided_at=at("2026-07-08 09:00")),
        _closed_claim(
            world,
            b,
            ci,
            day=6,
            loss_cause="恶性肿瘤",
            estimated="90000.00",
            decision="partial",
            decided_at=at("2026-07-09 09:00"),
        ),
        _closed_claim(
            world,
            b,
            ci,
            day=7,
            loss_cause="恶性肿瘤",
            estimated="40000.00",
            decision="reject",
            decided_at=at("2026-07-10 09:00"),
        ),
    ]
    world.payment(claims[0], "7000.00", at_=at("2026-07-08 10:00"))
    world.payment(claims[1], "60000.00", at_=at("2026-07-09 10:00"))
    for i, claim in enumerate(claims):
        for rule, met in (("contact", True), ("decision_statutory", i != 1)):
            start = at(f"2026-07-{5 + i:02d} 09:00")
            world.deadline(
                claim.case,
                rule,
                state="met" if met else "breached",
                started_at=start,
                due_at=start + timedelta(days=1),
                stopped_at=start + timedelta(hours=5 if met else 30),
            )
    return claims


@pytest.mark.parametrize("filters", [Q3, Filters(start=Q3.start, end=Q3.end, team="T2")])
def test_sla_from_the_days_equals_the_clocks(small_book, filters):
    m = METRICS["sla_compliance"](filters)
    clocks, met, breached = _clock_population(filters)
    team = "case__owner__staff_profile__team"
    raw = clocks.values("rule__code", team).annotate(
        met=Count("pk", filter=met), breached=Count("pk", filter=breached)
    )
    per_rule: dict = {}
    for r in raw:
        acc = per_rule.setdefault(r["rule__code"], [0, 0])
        acc[0] += r["met"]
        acc[1] += r["breached"]
    assert {r["key"]: [r["met"], r["breached"]] for r in m.rows if r["group"] == "rule"} == per_rule
    assert sum(v[0] for v in per_rule.values()) > 0


def test_business_figures_from_the_summary_equal_the_raw_rows(small_book):
    # Payout: confirmed payments ÷ claimed of the claims closed in Q3, from the raw tables.
    closed = CaseEvent.objects.filter(
        kind="transition", to_status="closed", at__gte=Q3.bounds()[0], at__lt=Q3.bounds()[1]
    ).values("case_id")
    claims = Claim.objects.filter(case__in=closed, estimated_amount__isnull=False)
    claimed = claims.aggregate(s=Sum("estimated_amount"))["s"]
    paid = Payment.objects.filter(claim__in=claims, state="confirmed").aggregate(s=Sum("amount"))[
        "s"
    ]
    payout = METRICS["payout_ratio"](Q3)
    product_rows = [r for r in payout.rows if r["group"] == "product"]
    assert sum(r["claimed"] for r in product_rows) == claimed == D("140000.00")
    assert sum(r["paid"] for r in product_rows) == paid == D("67000.00")

    # Decisions: decided in Q3 (raw: the claim's decided_at), rejected, investigated.
    lo, hi = Q3.bounds()
    raw = Claim.objects.filter(decided_at__gte=lo, decided_at__lt=hi).exclude(decision="")
    rejection = METRICS["rejection_rate"](Q3)
    assert raw.filter(decision="reject").count() == 1 and raw.count() == 3
    assert rejection.value == D("33.3")
    investigation = METRICS["investigation_pass_rate"](Q3)
    assert sum(r["decided"] for r in investigation.rows) == raw.count() == 3
    assert sum(r["approved"] for r in investigation.rows) == 2


def _clauses() -> set[tuple]:
    return set(
        RejectionClause.objects.values_list("case_id", "product_id", "article", "decided_at")
    )


def test_cited_clauses_follow_decisions_and_equal_the_calculations(small_book, world):
    from claimdesk.analytics.metrics import top_cited_clauses
    from claimdesk.policies.models import Clause

    rejected = small_book[2]
    product = rejected.policy.product
    Clause.objects.create(product=product, article="B-7", title="免责 B-7", kind="exclusion")
    assert _clauses() == set()  # no decision record cites anything yet
    world.decision(rejected, decision="reject", cites=["B-7"], at_=at("2026-07-10 09:00"))
    decided = rejected.decided_at
    assert _clauses() == {(rejected.pk, product.pk, "B-7", decided)}
    # An approval cites nothing for the figure.
    world.decision(small_book[1], decision="partial", cites=["B-7"], at_=at("2026-07-09 09:00"))
    assert _clauses() == {(rejected.pk, product.pk, "B-7", decided)}
    # The figure's table equals the one read from the decisions' calculations.
    m = METRICS["rejection_rate"](Q3)
    lo, hi = Q3.bounds()
    raw = top_cited_clauses(
        Case.objects.filter(
            claim__decision="reject", claim__decided_at__gte=lo, claim__decided_at__lt=hi
        )
    )
    assert (
        [(r["product_code"], r["article"], r["title"], r["rejections"]) for r in m.rows]
        == [(r["product_code"], r["article"], r["title"], r["rejections"]) for r in raw]
        == [(product.code, "B-7", "免责 B-7", 1)]
    )
    # The backfill builds the same rows.
    kept = _clauses()
    summaries.rebuild_clauses(None)
    assert _clauses() == kept


def test_opened_in_period_figures_read_the_raw_tables_when_a_row_is_missing(small_book, world):
    """A bulk-written claim has no per-case row until its first step: the figures about
    claims reported in the period count it anyway (from the raw tables)."""
    with computed_once():
        before = METRICS["self_service_rate"](Q3)
    claim = world.claim(
        owner=small_book[0].case.owner,
        policy=small_book[0].policy,
        stages=[("reported", at("2026-08-01 09:00"))],
        channel="hotline",
    )
    CaseSummary.objects.filter(case_id=claim.pk).delete()  # as bulk_create leaves it
    m = METRICS["self_service_rate"](Q3)
    hotline = {r["channel"]: r["contacts"] for r in m.rows if r["source"] == "claim"}
    was = {r["channel"]: r["contacts"] for r in before.rows if r["source"] == "claim"}
    assert hotline.get("hotline", 0) == was.get("hotline", 0) + 1
    cross = METRICS["cross_sell_rate"](Q3)
    assert sum(r["customers"] for r in cross.rows) >= 2


# --- stored stage figures -------------------------------------------------------------------


def test_stage_figures_of_an_ended_period_are_stored_and_forgotten_on_change(
    small_book, world, manager1
):
    from claimdesk.cases.services import case_reassign
    from claimdesk.staff.services import profile_move

    first = METRICS["cycle_time"](Q3)
    assert first.computed_at is not None  # Q3 is over: computed now and stored
    assert StoredFigure.objects.filter(kind="claim", start=Q3.start, end=Q3.end).count() == 2
    with time_machine.travel(at("2026-10-16 12:00"), tick=False):
        again = METRICS["cycle_time"](Q3)
        bottleneck = METRICS["bottleneck_stage"](Q3)
        with stored.live():
            live = METRICS["cycle_time"](Q3)
    assert again.rows == first.rows and again.computed_at == first.computed_at
    assert bottleneck.computed_at == first.computed_at
    assert live.rows == first.rows and live.computed_at is None

    # Another claim closed in Q3 (its summaries re-derived): Q3's stored figures are forgotten
    # and the next read counts it.
    _closed_claim(world, small_book[0].case.owner, small_book[0].policy, day=20)
    assert not StoredFigure.objects.filter(kind="claim").exists()
    total = next(
        r for r in METRICS["cycle_time"](Q3).rows if r["stage"] == "total" and not r["type"]
    )
    assert total["cases"] == 4

    # An owner change forgets the periods the case closed in (team / branch filters).
    METRICS["cycle_time"](Q3)
    case_reassign(
        case=small_book[0].case,
        new_owner=small_book[1].case.owner,
        actor=manager1,
        now=at("2026-10-15 12:00"),
        reason="调岗",
    )
    worker_ran()
    assert not StoredFigure.objects.filter(kind="claim").exists()

    # A team change forgets the filtered ones only.
    t1 = Filters(start=Q3.start, end=Q3.end, team="T1")
    METRICS["cycle_time"](Q3)
    METRICS["cycle_time"](t1)
    profile = StaffProfile.objects.get(user=small_book[0].case.owner)
    profile_move(profile=profile, team="T9", branch=profile.branch)
    assert set(StoredFigure.objects.values_list("team", flat=True)) == {""}


def test_a_running_period_is_never_stored(small_book):
    with time_machine.travel(at("2026-09-15 12:00"), tick=False):
        m = METRICS["cycle_time"](Q3)
    assert m.computed_at is None and not StoredFigure.objects.exists()


def test_the_page_says_when_a_stored_figure_was_computed(small_book, manager1):
    from django.test import Client

    client = Client()
    client.force_login(manager1)
    html = client.get("/analytics/", {"period": "2026Q3"}).content.decode()
    assert 'data-testid="computed-cycle_time"' in html
    assert "2026-10-15" in html


def test_summaries_rebuild_is_consistent_with_the_hooks(small_book):
    kept = list(CaseSummary.objects.order_by("case_id").values())
    summaries.rebuild_summaries(None)
    assert list(CaseSummary.objects.order_by("case_id").values()) == kept
