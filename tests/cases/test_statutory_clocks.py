"""Every clock the law names, on the kernel's claim table: the ordinary 5-working-day decision,
the 10 days to pay once the amount is agreed (保险法 §23), statutory periods that escalate
before they fall due and end on a working day (民法典 §203).

Worked by hand on the 2026 official calendar: 1–7 Oct National Day (off), Sat 10 Oct a 调休
working day, Sun 11 Oct off.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from claimdesk.cases import services
from claimdesk.cases.models import DeadlineAlert, SlaRule
from claimdesk.cases.workflow import sla_defaults
from tests.cases.conftest import T0, claim_in_adjudication, open_claim, step
from tests.conftest import at

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)
STATUTORY = {
    "decision_statutory",
    "payment_agreed",
    "rejection_notice",
    "interim_payment",
    "complaint",
    "complaint_complex",
    "complaint_extended",
}


def _clock(case, code):
    return case.deadlines.select_related("rule").get(rule__code=code, task__isnull=True)


def test_the_seeded_rules_name_every_clock_the_law_names():
    rules = {r.code: r for r in SlaRule.objects.all()}
    assert {"decision_ordinary", "payment_agreed", "complaint_extended"} <= set(rules)
    assert {code for code, r in rules.items() if r.statutory} >= STATUTORY
    for code in STATUTORY:
        assert rules[code].escalation_percent == 90, code  # before the due time
        assert rules[code].period_end_rule, code
    assert rules["decision_ordinary"].unit == "working_days"
    assert not rules["decision_ordinary"].period_end_rule
    assert rules["contact"].escalation_percent == 125  # not statutory: unchanged
    assert {r.code for r in sla_defaults() if r.statutory} == STATUTORY


def test_a_statutory_clock_escalates_before_it_falls_due(agent1, customer1, manager1):
    case = open_claim(agent1, customer1)  # Wed 30 Sept 10:00
    stat = _clock(case, "decision_statutory")
    assert stat.due_at == at("2026-10-31 00:00")  # Fri 30 Oct is a working day
    assert stat.budget == timedelta(days=30, hours=14)
    # 90 % of 734 h = 660.6 h = 27 d 12 h 36 min after the report
    assert stat.escalate_at == at("2026-10-27 22:36")
    assert stat.remind_at < stat.escalate_at < stat.due_at

    services.deadline_sweep(now=stat.escalate_at)
    alerts = dict(DeadlineAlert.objects.filter(deadline=stat).values_list("kind", "recipient"))
    assert alerts == {"reminder": agent1.pk, "escalation": manager1.pk}  # not yet overdue


def test_a_statutory_period_ending_in_the_holiday_runs_to_the_next_working_day(agent1, customer1):
    case = open_claim(agent1, customer1, now=at("2026-09-01 10:00"))
    stat = _clock(case, "decision_statutory")
    # the 30th day is Thu 1 Oct, inside the holiday: the period ends with Thu 8 Oct
    assert stat.due_at == at("2026-10-09 00:00")
    # the budget is the 30 days themselves: the reminder and escalation stay inside them
    assert stat.budget == timedelta(days=30, hours=14)
    assert stat.escalate_at == at("2026-09-01 10:00") + stat.budget * 9 / 10
    assert case.next_due_at == _clock(case, "contact").due_at
    # met on the last day the rule allows, breached after it
    case = step(case, "contact", agent1, at("2026-09-01 11:00"))
    services.deadline_stop(deadline=stat, now=at("2026-10-08 23:59"))
    assert _clock(case, "decision_statutory").state == "met"


def test_decision_ordinary_runs_five_working_days_from_complete_materials(
    agent1, customer1, adjuster1
):
    case, _ = claim_in_adjudication(agent1, customer1, adjuster1)  # complete Wed 30 Sept 11:00
    ordinary = _clock(case, "decision_ordinary")
    # working days after 30 Sept: 8, 9, 10 (调休), 12, 13 Oct
    assert ordinary.due_at == at("2026-10-14 00:00")
    assert ordinary.state == "running"
    # asking for more materials stops it with the statutory clock; their return resumes it
    case = step(case, "request_materials", adjuster1, at("2026-10-08 09:00"), items="病理报告")
    assert _clock(case, "decision_ordinary").state == "paused"
    case = step(case, "materials_received", agent1, at("2026-10-12 09:00"))
    resumed = _clock(case, "decision_ordinary")
    assert resumed.state == "running"
    # the three working days it waited (15 h of 8 Oct, 9 and 10 Oct, 9 h of 12 Oct) are
    # added to the 14 Oct due time: 14, 15, 16 Oct
    assert resumed.due_at == at("2026-10-17 00:00")
    case = step(case, "send_to_adjudication", agent1, at("2026-10-12 10:00"))
    case = step(case, "approve", adjuster1, at("2026-10-13 10:00"))
    assert _clock(case, "decision_ordinary").state == "met"


def test_a_rejection_stops_the_decision_clocks(agent1, customer1, adjuster1):
    case, _ = claim_in_adjudication(agent1, customer1, adjuster1)
    case = step(case, "reject", adjuster1, at("2026-10-20 10:00"), reason="免责条款第5条")
    assert _clock(case, "decision_ordinary").state == "breached"  # due 14 Oct
    assert _clock(case, "decision_statutory").state == "met"
    assert not case.deadlines.filter(rule__code="payment_agreed").exists()


def _pay_task(case, agent, finance):
    services.task_assign(
        case=case, kind="pay", title="支付", assignee=finance, actor=agent, now=T0 + H
    )


def test_payment_runs_ten_days_from_the_agreed_amount(agent1, customer1, adjuster1, finance1):
    case, _ = claim_in_adjudication(agent1, customer1, adjuster1)
    _pay_task(case, agent1, finance1)
    case = step(case, "approve", adjuster1, at("2026-10-01 10:00"))
    agreed = _clock(case, "payment_agreed")
    # 10 days after 1 Oct end on Sun 11 Oct, a rest day: the period ends with Mon 12 Oct
    assert agreed.due_at == at("2026-10-13 00:00")
    assert agreed.escalate_at < agreed.due_at
    case = step(case, "confirm_payment", finance1, at("2026-10-12 18:00"))
    assert _clock(case, "payment_agreed").state == "met"


def test_paid_late_the_agreed_payment_clock_is_breached(agent1, customer1, adjuster1, finance1):
    case, _ = claim_in_adjudication(agent1, customer1, adjuster1)
    _pay_task(case, agent1, finance1)
    case = step(case, "approve", adjuster1, at("2026-10-01 10:00"))
    case = step(case, "confirm_payment", finance1, at("2026-10-13 00:01"))
    assert _clock(case, "payment_agreed").state == "breached"


def test_a_statutory_rule_may_not_escalate_after_its_due_time():
    rule = SlaRule.objects.get(code="decision_statutory")
    rule.escalation_percent = 125
    with pytest.raises(ValidationError, match="法定期限须在到期前升级"):
        rule.full_clean()
    rule.escalation_percent = 70  # before the 75 % reminder
    with pytest.raises(ValidationError, match="升级时点须晚于提醒时点"):
        rule.full_clean()
    rule.escalation_percent = 95
    rule.full_clean()
    contact = SlaRule.objects.get(code="contact")
    contact.escalation_percent = 150  # not statutory: an overrun may escalate
    contact.full_clean()


def test_the_migration_flags_seeded_rules_and_moves_running_clocks(agent1, customer1):
    """A database from before: the statutory rule escalated at 125 % and its running clock
    fell due inside the holiday. The data migration fixes both."""
    from importlib import import_module

    migration = import_module("claimdesk.cases.migrations.0009_statutory_periods")
    rule = SlaRule.objects.get(code="decision_statutory")
    rule.statutory, rule.escalation_percent, rule.name = False, 125, "法定核定时限"
    rule.save()
    start = at("2026-09-01 10:00")
    case = open_claim(agent1, customer1, now=start)
    old = _clock(case, "decision_statutory")
    assert old.due_at == at("2026-10-02 00:00")  # as it was: inside the holiday
    assert old.escalate_at > old.due_at

    class Editor:
        connection = connection

    migration.flag_statutory_rules(django_apps, Editor())
    rule.refresh_from_db()
    assert rule.statutory and rule.escalation_percent == 90
    with translation.override("en"):  # the name says what the 30 days count from
        assert rule.label == "Statutory decision (30 days from the claim)"
    moved = _clock(case, "decision_statutory")
    assert moved.due_at == at("2026-10-09 00:00")
    assert moved.escalate_at == start + moved.budget * 9 / 10
    assert moved.next_action_at == moved.remind_at
    # an admin's rule that already escalated before its due time keeps its value
    rule.escalation_percent = 80
    rule.save()
    migration.flag_statutory_rules(django_apps, Editor())
    rule.refresh_from_db()
    assert rule.escalation_percent == 80
