"""SLA clocks on cases: due times, pause/resume with the exact remainder, met/breached.

Expected instants are worked out by hand in the comments, on the 2026 official calendar:
1–7 Oct National Day (off), Sat 10 Oct a 调休 working day, Sun 11 Oct off. A working-day
clock counts every instant of a working day; a business-hour clock 09:00–18:00 of one.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimdesk.cases import services
from claimdesk.cases.models import CaseEvent, Deadline, DeadlinePause, SlaRule
from claimdesk.workdays.selectors import clock
from tests.cases.conftest import T0, open_claim, step
from tests.conftest import at

H = timedelta(hours=1)


def _ticket(agent, category: str, now):
    return services.case_open(kind="ticket", title="工单", category=category, actor=agent, now=now)


def _reload(d: Deadline) -> Deadline:
    return Deadline.objects.select_related("rule").get(pk=d.pk)


# --- starting ------------------------------------------------------------------------------


def test_contact_clock_of_a_report_before_national_day(agent1, customer1):
    case = open_claim(agent1, customer1)  # Wed 30 Sept 10:00
    contact = case.deadlines.get(rule__code="contact")
    # first working day after 30 Sept is Thu 8 Oct: due at its end
    assert contact.due_at == at("2026-10-09 00:00")
    assert contact.state == "running" and contact.assignee == agent1
    # counted: 14 h left of 30 Sept + 24 h of 8 Oct
    assert contact.budget == 38 * H
    # 75 % = 28.5 h: 14 h on 30 Sept, 14.5 h into 8 Oct
    assert contact.remind_at == at("2026-10-08 14:30")
    # 125 % = 47.5 h: 14 + 24 (8 Oct) + 9.5 h into 9 Oct
    assert contact.escalate_at == at("2026-10-09 09:30")
    assert contact.next_action_at == contact.remind_at
    statutory = case.deadlines.get(rule__code="decision_statutory")
    assert statutory.due_at == at("2026-10-31 00:00")  # 30 calendar days
    assert statutory.budget == timedelta(days=30, hours=14)
    # the case's next due time is its nearest running clock
    assert case.next_due_at == contact.due_at
    started = case.events.filter(kind="deadline_started")
    assert sorted(e.data["rule"] for e in started) == ["contact", "decision_statutory"]
    assert not any(e.customer_visible for e in started)


def test_a_live_clock_is_not_started_twice(agent1, customer1):
    case = open_claim(agent1, customer1)
    again = services.deadline_start(case=case, rule_code="contact", now=T0 + H)
    assert again == case.deadlines.get(rule__code="contact")
    assert case.deadlines.filter(rule__code="contact").count() == 1


def test_an_inactive_rule_starts_nothing(agent1, customer1):
    rule = SlaRule.objects.get(code="decision_statutory")
    rule.active = False
    rule.save()  # as the admin does
    case = open_claim(agent1, customer1)
    assert list(case.deadlines.values_list("rule__code", flat=True)) == ["contact"]


def test_an_unknown_rule_is_a_clear_error(agent1, customer1):
    case = open_claim(agent1, customer1)
    with pytest.raises(services.CaseError, match="no_such_rule"):
        services.deadline_start(case=case, rule_code="no_such_rule", now=T0)


def test_an_admin_tuned_reminder_and_escalation(agent1):
    rule = SlaRule.objects.get(code="complex_solution")
    rule.reminder_percent, rule.escalation_percent = 50, 100
    rule.save()  # as the admin does
    case = _ticket(agent1, "complex", T0)
    d = case.deadlines.get()
    assert d.due_at == T0 + 24 * H
    assert d.remind_at == T0 + 12 * H
    assert d.escalate_at == d.due_at


# --- pause and resume ------------------------------------------------------------------------


def test_working_day_clock_paused_before_the_holiday_keeps_its_remainder(agent1):
    """objection_reply (3 working days) opened Tue 29 Sept 10:00, paused Wed 30 Sept 16:00,
    resumed Fri 9 Oct 10:00 after National Day."""
    case = _ticket(agent1, "objection", at("2026-09-29 10:00"))
    d = case.deadlines.select_related("rule").get()
    # 3 working days after 29 Sept: 30 Sept, 8 Oct, 9 Oct → due at the end of 9 Oct
    assert d.due_at == at("2026-10-10 00:00")
    assert d.budget == 86 * H  # 14 h of 29 Sept + 3 × 24 h
    assert d.remind_at == at("2026-10-09 02:30")  # 64.5 h: 14 + 24 + 24 + 2.5
    assert d.escalate_at == at("2026-10-10 21:30")  # 107.5 h: 86 + 21.5 on Sat 10 Oct (调休)

    services.deadline_pause(deadline=d, now=at("2026-09-30 16:00"), actor=agent1, reason="待客户")
    d = _reload(d)
    assert d.state == "paused"
    assert d.consumed == 30 * H  # 14 h + 16 h
    assert d.next_action_at is None
    assert d.paused_at == at("2026-09-30 16:00")

    services.deadline_resume(deadline=d, now=at("2026-10-09 10:00"), actor=agent1)
    d = _reload(d)
    # 56 h left: 14 h of Fri 9 Oct, 24 h of Sat 10 Oct (调休), Sun off, 18 h of Mon 12 Oct
    assert d.due_at == at("2026-10-12 18:00")
    # reminder 64.5 − 30 = 34.5 h: 14 h + 20.5 h into Sat 10 Oct
    assert d.remind_at == at("2026-10-10 20:30")
    # escalation 107.5 − 30 = 77.5 h: 14 + 24 + 24 (Mon) + 15.5 h into Tue 13 Oct
    assert d.escalate_at == at("2026-10-13 15:30")
    assert d.state == "running" and d.paused_at is None
    assert d.segment_started_at == at("2026-10-09 10:00")
    assert d.next_action_at == d.remind_at
    # the remaining counted time is exactly what was left at the pause
    clk = clock(d.unit)
    assert clk.counted(at("2026-10-09 10:00"), d.due_at) == d.budget - d.consumed
    case.refresh_from_db()
    assert case.next_due_at == d.due_at


def test_working_day_clock_paused_on_a_friday_resumed_on_the_weekend(agent1):
    """objection_reply opened Thu 15 Oct 10:00; paused Fri 16 Oct 15:00, resumed Sat 17 Oct."""
    case = _ticket(agent1, "objection", at("2026-10-15 10:00"))
    d = case.deadlines.select_related("rule").get()
    assert d.due_at == at("2026-10-21 00:00")  # Fri 16, Mon 19, Tue 20
    case = step(case, "reply", agent1, at("2026-10-15 11:00"), message="已收到异议")
    case = step(case, "ask_customer", agent1, at("2026-10-16 15:00"), message="请补充")
    d = _reload(d)
    assert d.consumed == 29 * H  # 14 h + 15 h
    case = step(case, "customer_replied", agent1, at("2026-10-17 12:00"))
    d = _reload(d)
    # 86 − 29 = 57 h from Sat (not counted): Mon 24 h, Tue 24 h, 9 h of Wed 21 Oct
    assert d.due_at == at("2026-10-21 09:00")
    events = {e.kind: e for e in case.events.filter(kind__startswith="deadline_")}
    assert events["deadline_resumed"].data["due_before"] == "2026-10-21T00:00:00+08:00"
    assert events["deadline_resumed"].data["due_at"] == "2026-10-21T09:00:00+08:00"


def test_business_hours_clock_pause_and_resume(agent1):
    """inquiry_reply (2 business hours) opened Fri 16 Oct 16:30."""
    case = _ticket(agent1, "inquiry", at("2026-10-16 16:30"))
    d = case.deadlines.select_related("rule").get()
    assert d.budget == 2 * H
    assert d.due_at == at("2026-10-19 09:30")  # 1.5 h on Friday, 0.5 h on Monday
    assert d.remind_at == at("2026-10-16 18:00")  # 1.5 h: the end of Friday's window
    assert d.escalate_at == at("2026-10-19 10:00")  # 2.5 h
    services.deadline_pause(deadline=d, now=at("2026-10-16 17:00"))
    d = _reload(d)
    assert d.consumed == timedelta(minutes=30)
    services.deadline_resume(deadline=d, now=at("2026-10-17 11:00"))  # Saturday
    d = _reload(d)
    assert d.due_at == at("2026-10-19 10:30")  # 1.5 h from Mon 09:00
    assert d.remind_at == at("2026-10-19 10:00")  # 1 h
    assert d.escalate_at == at("2026-10-19 11:00")  # 2 h


def test_business_hours_paused_outside_the_window_counts_nothing(agent1):
    case = _ticket(agent1, "inquiry", at("2026-10-16 16:30"))
    d = case.deadlines.select_related("rule").get()
    services.deadline_pause(deadline=d, now=at("2026-10-16 20:00"))  # after closing
    d = _reload(d)
    assert d.consumed == timedelta(minutes=90)
    services.deadline_resume(deadline=d, now=at("2026-10-19 08:00"))  # before opening
    d = _reload(d)
    assert d.due_at == at("2026-10-19 09:30")  # the pause cost nothing


def test_wall_clock_and_calendar_clocks_move_by_the_pause(agent1, customer1):
    case = open_claim(agent1, customer1)
    stat = case.deadlines.select_related("rule").get(rule__code="decision_statutory")
    before = (stat.due_at, stat.remind_at, stat.escalate_at)
    services.deadline_pause(deadline=stat, now=T0 + 5 * H)
    services.deadline_resume(deadline=_reload(stat), now=T0 + 5 * H + timedelta(days=3, hours=2))
    stat = _reload(stat)
    shift = timedelta(days=3, hours=2)
    assert (stat.due_at, stat.remind_at, stat.escalate_at) == tuple(x + shift for x in before)


def test_a_milestone_passed_before_the_pause_stays_put(agent1):
    case = _ticket(agent1, "complex", T0)  # 24 h wall clock: remind at 18 h
    d = case.deadlines.select_related("rule").get()
    services.deadline_pause(deadline=d, now=T0 + 20 * H)
    services.deadline_resume(deadline=_reload(d), now=T0 + 30 * H)
    d = _reload(d)
    assert d.remind_at == T0 + 18 * H  # already due: the sweep raises it at once
    assert d.due_at == T0 + 34 * H
    assert d.escalate_at == T0 + 40 * H
    assert d.next_action_at == d.remind_at


def test_every_pause_is_recorded(agent1, customer1):
    case = step(open_claim(agent1, customer1), "contact", agent1, T0)
    stat = case.deadlines.get(rule__code="decision_statutory")
    due0 = stat.due_at
    t = T0
    for i in range(2):
        t += timedelta(days=1)
        case = step(case, "request_materials", agent1, t, items=f"第{i + 1}次补材料")
        t += timedelta(days=2)
        case = step(case, "materials_received", agent1, t)
    pauses = list(DeadlinePause.objects.filter(deadline=stat))
    assert [(p.paused_at, p.resumed_at, p.reason) for p in pauses] == [
        (T0 + timedelta(days=1), T0 + timedelta(days=3), "request_materials"),
        (T0 + timedelta(days=4), T0 + timedelta(days=6), "request_materials"),
    ]
    stat.refresh_from_db()
    assert stat.due_at == due0 + timedelta(days=4)
    paused = list(CaseEvent.objects.filter(case=case, kind="deadline_paused"))
    resumed = list(CaseEvent.objects.filter(case=case, kind="deadline_resumed"))
    assert len(paused) == len(resumed) == 2
    assert all(e.data["rule"] == "decision_statutory" for e in paused + resumed)
    assert paused[0].data["remaining"] == str(stat.budget - timedelta(days=1))
    assert "due_at" in paused[0].data
    first, second = resumed
    assert first.data["due_before"] == "2026-10-31T00:00:00+08:00"
    # the plain end moved to Sun 1 Nov, a rest day: the period ends with Mon 2 Nov (民法典 §203)
    assert first.data["due_at"] == "2026-11-03T00:00:00+08:00"
    assert second.data["due_before"] == first.data["due_at"]
    assert second.data["due_at"] == "2026-11-04T00:00:00+08:00"
    # while paused the case's next due time ignores the clock
    case = step(case, "request_materials", agent1, t + H, items="再补")
    case.refresh_from_db()
    assert case.next_due_at is None  # contact met, statutory paused


def test_pausing_twice_or_resuming_a_running_clock_changes_nothing(agent1):
    case = _ticket(agent1, "complex", T0)
    d = case.deadlines.select_related("rule").get()
    services.deadline_resume(deadline=d, now=T0 + H)
    assert _reload(d).due_at == d.due_at
    services.deadline_pause(deadline=d, now=T0 + H)
    services.deadline_pause(deadline=_reload(d), now=T0 + 2 * H)
    assert DeadlinePause.objects.filter(deadline=d).count() == 1
    assert _reload(d).consumed == H


# --- stopping --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stop_at", "outcome"),
    [
        (at("2026-10-08 17:00"), "met"),
        (at("2026-10-09 00:00"), "met"),  # the last instant of 8 Oct is still in time
        (at("2026-10-09 00:01"), "breached"),
    ],
)
def test_stopping_before_due_is_met_after_is_breached(agent1, customer1, stop_at, outcome):
    case = open_claim(agent1, customer1)
    case = step(case, "contact", agent1, stop_at)
    contact = case.deadlines.get(rule__code="contact")
    assert contact.state == outcome
    assert contact.stopped_at == stop_at
    assert contact.next_action_at is None
    event = case.events.get(kind="deadline_stopped", data__rule="contact")
    assert event.data["outcome"] == outcome


def test_stopping_a_paused_clock_judges_the_time_it_used(agent1):
    case = _ticket(agent1, "complex", T0)
    d = case.deadlines.select_related("rule").get()
    services.deadline_pause(deadline=d, now=T0 + 10 * H)
    # stopped long after the original due time, but it only ran 10 of its 24 hours
    services.deadline_stop(deadline=_reload(d), now=T0 + 100 * H)
    d = _reload(d)
    assert d.state == "met"
    assert DeadlinePause.objects.get(deadline=d).resumed_at == T0 + 100 * H
    late = _ticket(agent1, "complex", T0).deadlines.select_related("rule").get()
    services.deadline_pause(deadline=late, now=T0 + 30 * H)
    services.deadline_stop(deadline=_reload(late), now=T0 + 31 * H)
    assert _reload(late).state == "breached"


def test_cancelling_and_stopping_twice(agent1):
    case = _ticket(agent1, "complex", T0)
    d = case.deadlines.select_related("rule").get()
    services.deadline_stop(deadline=d, now=T0 + H, cancel=True)
    d = _reload(d)
    assert d.state == "cancelled"
    services.deadline_stop(deadline=d, now=T0 + 50 * H)
    assert _reload(d).state == "cancelled"
    assert case.events.filter(kind="deadline_stopped").count() == 1


# --- the invariant behind it all -------------------------------------------------------------


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.integers(0, 20 * 24 * 60),
    gaps=st.lists(st.tuples(st.integers(1, 5 * 24 * 60), st.integers(0, 9 * 24 * 60)), max_size=3),
    category=st.sampled_from(["objection", "inquiry", "complex"]),
)
def test_running_segments_add_up_to_the_budget(agent1, start, gaps, category):
    """However a clock is paused, the counted time of its running segments up to the
    final due time is exactly its budget."""
    opened = at("2026-09-20 00:00") + timedelta(minutes=start)
    d = _ticket(agent1, category, opened).deadlines.select_related("rule").get()
    clk = clock(d.unit)
    t, running_from = opened, opened
    used = timedelta(0)
    for run, pause in gaps:
        t += timedelta(minutes=run)
        services.deadline_pause(deadline=_reload(d), now=t)
        used += clk.counted(running_from, t)
        t += timedelta(minutes=pause)
        services.deadline_resume(deadline=_reload(d), now=t)
        running_from = t
    d = _reload(d)
    assert d.consumed == used
    if used < d.budget:
        assert used + clk.counted(running_from, d.due_at) == d.budget
