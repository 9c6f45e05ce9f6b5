"""The stage-stay summary follows the timeline: the kernel step that ends a stay writes it (in
its transaction), closing stamps every stay of the case, and the backfill reproduces exactly
what ``LEAD()`` over the status events says."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import METRICS, cases_behind, computed_once
from claimdesk.analytics.models import CaseSummary, StageStay
from claimdesk.analytics.sql import stage_intervals
from claimdesk.analytics.summaries import rebuild_stays
from claimdesk.cases.models import Case
from claimdesk.cases.services import GuardFailed, case_open, case_transition
from tests.analytics.conftest import at
from tests.conftest import worker_ran

pytestmark = pytest.mark.django_db

T0 = at("2026-07-01 09:00")


def _stays(case) -> list[tuple]:
    """The case's stays as the worker leaves them after the committed steps."""
    worker_ran()
    return list(
        StageStay.objects.filter(case=case)
        .order_by("entered_at", "id")
        .values_list("stage", "seconds", "closed_at", "kind", "case_type")
    )


def test_ticket_steps_write_their_stays_and_closing_stamps_them(agent1, customer1):
    ticket = case_open(
        kind="ticket",
        title="查询理赔进度",
        actor=agent1,
        now=T0,
        customer=customer1,
        owner=agent1,
        category="inquiry",
    )
    assert _stays(ticket) == []  # the opening status is still running
    case_transition(
        case=ticket,
        action="reply",
        actor=agent1,
        now=T0 + timedelta(hours=2),
        data={"message": "已受理"},
    )
    # new: 09:00 → 11:00 = 7,200 s; not closed yet.
    assert _stays(ticket) == [("new", 7200.0, None, "ticket", "inquiry")]
    case_transition(
        case=ticket,
        action="resolve",
        actor=agent1,
        now=T0 + timedelta(hours=5),
        data={"resolution": "已答复"},
    )
    closed = T0 + timedelta(hours=6)
    case_transition(case=ticket, action="close", actor=agent1, now=closed)
    # in_progress 11:00 → 14:00 = 10,800 s; resolved 14:00 → 15:00 = 3,600 s; all three
    # stays now carry the closing time (the figures select cases closed in the period by it).
    assert _stays(ticket) == [
        ("new", 7200.0, closed, "ticket", "inquiry"),
        ("in_progress", 10800.0, closed, "ticket", "inquiry"),
        ("resolved", 3600.0, closed, "ticket", "inquiry"),
    ]


def test_a_refused_step_writes_no_stay(agent1, customer1):
    ticket = case_open(
        kind="ticket", title="咨询", actor=agent1, now=T0, customer=customer1, owner=agent1
    )
    with pytest.raises(GuardFailed):  # resolving needs a resolution
        case_transition(case=ticket, action="resolve", actor=agent1, now=T0 + timedelta(hours=1))
    assert _stays(ticket) == []


def test_a_withdrawal_ends_the_running_stay(agent1, customer1):
    claim = case_open(
        kind="claim", title="追尾", actor=agent1, now=T0, customer=customer1, owner=agent1
    )
    case_transition(
        case=claim,
        action="withdraw",
        actor=agent1,
        now=T0 + timedelta(days=1, hours=3),
        data={"reason": "客户撤案"},
    )
    # reported: 1 day 3 h = 97,200 s; withdrawn is not "closed": no closing time. No claim row
    # behind this bare case, so no loss type.
    assert _stays(claim) == [("reported", 97200.0, None, "claim", None)]
    assert Case.objects.get(pk=claim.pk).status == "withdrawn"


def test_backfill_reproduces_the_timeline(world, products):
    adj = world.staff("adj_sum", team="理赔一组", branch="上海")
    holder = world.customer("cust_sum")
    policy = world.policy(holder, "auto")
    world.claim(
        owner=adj,
        policy=policy,
        stages=[
            ("reported", at("2026-07-01 09:00")),
            ("reviewing", at("2026-07-01 12:00")),
            ("awaiting_materials", at("2026-07-02 12:00")),
            ("reviewing", at("2026-07-04 12:00")),
            ("adjudicating", at("2026-07-05 12:00")),
            ("paying", at("2026-07-06 12:00")),
            ("closed", at("2026-07-07 12:00")),
            ("followed_up", at("2026-07-08 12:00")),
        ],
    )
    world.claim(
        owner=adj,
        policy=policy,
        stages=[("reported", at("2026-08-01 09:00")), ("reviewing", at("2026-08-01 10:30"))],
    )
    StageStay.objects.all().delete()
    rebuild_stays()
    cases = Case.objects.filter(kind="claim")
    expected = sorted(
        (e.case_id, e.to_status, e.at, e.left_at)
        for e in stage_intervals(cases)
        if e.left_at is not None
    )
    got = sorted(StageStay.objects.values_list("case_id", "stage", "entered_at", "left_at"))
    assert got == expected
    # 7 stays of the closed claim (the last status, followed_up, is still running) + 1.
    assert len(got) == 8
    closed = at("2026-07-07 12:00")
    first = StageStay.objects.filter(closed_at__isnull=False)
    assert first.count() == 7 and set(first.values_list("closed_at", flat=True)) == {closed}
    # reviewing twice: 1 day (07-01 12:00 → 07-02 12:00) and 1 day (07-04 → 07-05).
    assert sorted(first.filter(stage="reviewing").values_list("seconds", flat=True)) == [
        86400.0,
        86400.0,
    ]
    assert set(StageStay.objects.values_list("case_type", flat=True)) == {"auto"}


def test_case_summary_of_a_reopened_ticket(agent1, customer1):
    ticket = case_open(
        kind="ticket", title="投诉", actor=agent1, now=T0, customer=customer1, owner=agent1
    )
    steps = [
        ("reply", 1, {"message": "已受理"}),
        ("resolve", 2, {"resolution": "已处理"}),
        ("reopen", 3, {}),
        ("resolve", 4, {"resolution": "再次处理"}),
        ("close", 5, {}),
    ]
    for action, hours, data in steps:
        case_transition(
            case=ticket, action=action, actor=agent1, now=T0 + timedelta(hours=hours), data=data
        )
    worker_ran()
    row = CaseSummary.objects.get(case=ticket)
    # Done now since the second "resolve" (13:00; "closed" is done too, so the run goes on);
    # it left "resolved" once (the reopen at 12:00); closed at 14:00.
    assert (row.kind, row.case_type, row.opened_at) == ("ticket", "", T0)
    assert row.done_at == T0 + timedelta(hours=4)
    assert row.reopened is True
    assert row.closed_at == T0 + timedelta(hours=5)


def test_backlog_at_a_past_moment_with_reopened_tickets(world):
    owner = world.staff("agent_bl", team="T1")
    who = world.customer("cust_bl")

    def ticket(*stages):
        return world.ticket(owner=owner, customer=who, stages=[(s, at(t)) for s, t in stages])

    # End of Q3 = 1 Oct 00:00; "now" is 15 Oct.
    ticket(  # resolved on 20 Sep, reopened only on 3 Oct: done at the end of Q3 → not backlog
        ("new", "2026-09-01 09:00"),
        ("in_progress", "2026-09-02 09:00"),
        ("resolved", "2026-09-20 09:00"),
        ("in_progress", "2026-10-03 09:00"),
        ("resolved", "2026-10-05 09:00"),
        ("closed", "2026-10-06 09:00"),
    )
    reopened = ticket(  # resolved 5 Sep, reopened 25 Sep, still being worked: backlog,
        # 29 days 15 h old on 1 Oct → 29 → 16–30
        ("new", "2026-09-01 09:00"),
        ("resolved", "2026-09-05 09:00"),
        ("in_progress", "2026-09-25 09:00"),
    )
    ticket(  # reopened and closed again within September: not backlog
        ("new", "2026-09-10 09:00"),
        ("resolved", "2026-09-12 09:00"),
        ("in_progress", "2026-09-14 09:00"),
        ("resolved", "2026-09-16 09:00"),
        ("closed", "2026-09-17 09:00"),
    )
    fresh = ticket(("new", "2026-09-28 09:00"))  # 2 days 15 h → 2 → 0–3
    # A case the kernel opened and nobody moved has no summary row yet: still counted.
    CaseSummary.objects.filter(case=fresh.case).delete()
    q3 = Filters(start=date(2026, 7, 1), end=date(2026, 9, 30), kind="ticket")
    with time_machine.travel(at("2026-10-15 12:00"), tick=False):
        m = METRICS["backlog_aging"](q3)
        drilled = set(cases_behind(m.drill, q3))
    assert m.value == 2
    assert {r["bucket"]: r["cases"] for r in m.rows} == {
        "0-3": 1,
        "4-7": 0,
        "8-15": 0,
        "16-30": 1,
        "31+": 0,
    }
    assert drilled == {reopened.case, fresh.case}


def test_figures_are_computed_once_inside_a_block(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    q3 = Filters(start=date(2026, 7, 1), end=date(2026, 9, 30))
    with computed_once():
        first = METRICS["cycle_time"](q3)
        with CaptureQueriesContext(connection) as seen:
            again = METRICS["cycle_time"](q3)
            METRICS["bottleneck_stage"](q3)  # the stays cycle time read are shared
        assert again is first
        assert len(seen) == 0
        # Other filters are other figures.
        with CaptureQueriesContext(connection) as seen:
            METRICS["cycle_time"](Filters(start=date(2026, 7, 1), end=date(2026, 9, 30), team="x"))
        assert len(seen) > 0
    # Outside the block nothing is kept.
    with CaptureQueriesContext(connection) as seen:
        METRICS["cycle_time"](q3)
    assert len(seen) > 0
