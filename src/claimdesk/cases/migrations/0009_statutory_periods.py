"""Statutory periods: a flag on the SLA rule, escalation before the due time, 民法典 §203.

The seeded statutory rules are flagged (and the statutory decision's name says what its
30 days count from) and escalate at 90 % instead of 125 % (after the
deadline had passed); a rule an admin tuned to escalate before its due time keeps its
value. Running clocks of those rules get the escalation point and, for periods in calendar
days, the period-end rule (a last day on a rest day or holiday moves to the end of the next
working day). The rules added since (decision_ordinary, payment_agreed, complaint_extended)
are seeded.
"""

from datetime import timedelta

import django.core.validators
from django.db import migrations, models

# Frozen here: the codes the law names at the time of this migration.
STATUTORY = (
    "decision_statutory",
    "payment_agreed",
    "rejection_notice",
    "interim_payment",
    "complaint",
    "complaint_complex",
    "complaint_extended",
)
ESCALATION = 90
OLD_DECISION_BASIS = "保险法第二十三条：30日内作出核定"
NEW_DECISION_BASIS = "保险法第二十三条：自收到理赔申请之日起30日内作出核定"
# The customer reads the clock's name: it now says what the 30 days count from.
OLD_DECISION_NAME = "法定核定时限"
NEW_DECISION_NAME = "法定核定时限（自收到理赔申请起30日）"


def _calendar(apps, using):
    from claimdesk.workdays.calendar import Override, WorkCalendar

    HolidayOverride = apps.get_model("workdays", "HolidayOverride")
    OfficialScheduleYear = apps.get_model("workdays", "OfficialScheduleYear")
    return WorkCalendar(
        overrides={
            o.day: Override(o.working, o.name) for o in HolidayOverride.objects.using(using)
        },
        official_years=frozenset(
            OfficialScheduleYear.objects.using(using).values_list("year", flat=True)
        ),
    )


def flag_statutory_rules(apps, schema_editor):
    from claimdesk.cases.apps import seed_sla_rules
    from claimdesk.workdays.clocks import Clock, Unit

    using = schema_editor.connection.alias
    SlaRule = apps.get_model("cases", "SlaRule")
    Deadline = apps.get_model("cases", "Deadline")
    Case = apps.get_model("cases", "Case")
    Task = apps.get_model("cases", "Task")
    seed_sla_rules(SlaRule, using)
    for rule in SlaRule.objects.using(using).filter(code__in=STATUTORY):
        rule.statutory = True
        if rule.escalation_percent >= 100:
            rule.escalation_percent = ESCALATION
        if rule.reminder_percent >= rule.escalation_percent:
            rule.reminder_percent = min(75, rule.escalation_percent - 1)
        if rule.code == "decision_statutory" and rule.basis == OLD_DECISION_BASIS:
            rule.basis = NEW_DECISION_BASIS
        if rule.code == "decision_statutory" and rule.name == OLD_DECISION_NAME:
            rule.name = NEW_DECISION_NAME
        rule.save()

    clock = Clock(Unit.CALENDAR_DAYS, _calendar(apps, using))
    touched = set()
    running = Deadline.objects.using(using).filter(
        rule__code__in=STATUTORY, unit=Unit.CALENDAR_DAYS, state="running"
    )
    for d in running.select_related("rule"):
        period_end = d.segment_started_at + (d.budget - d.consumed)
        d.due_at = clock.period_end(period_end)
        left = d.budget * d.rule.escalation_percent / 100 - d.consumed
        if d.escalated_at is None:
            d.escalate_at = d.segment_started_at + max(left, timedelta(0))
        pending = [
            at
            for at, done in (
                (d.remind_at, d.reminded_at),
                (d.due_at, d.warned_at),
                (d.escalate_at, d.escalated_at),
            )
            if done is None
        ]
        d.next_action_at = min(pending) if pending else None
        d.save(update_fields=["due_at", "escalate_at", "next_action_at"])
        if d.task_id:
            Task.objects.using(using).filter(pk=d.task_id).update(due_at=d.due_at)
        else:
            touched.add(d.case_id)
    for case in Case.objects.using(using).filter(pk__in=touched, is_open=True):
        case.next_due_at = (
            Deadline.objects.using(using)
            .filter(case=case, state="running", task__isnull=True)
            .aggregate(m=models.Min("due_at"))["m"]
        )
        case.save(update_fields=["next_due_at"])


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0008_caseevent_dispatched'),
        ('workdays', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='slarule',
            name='statutory',
            field=models.BooleanField(default=False, help_text='A period the law sets. It escalates before its due time; counted in calendar days, it ends at the end of the next working day when its last day is a rest day or a holiday (民法典 §203).', verbose_name='statutory period'),
        ),
        migrations.AlterField(
            model_name='slarule',
            name='escalation_percent',
            field=models.PositiveSmallIntegerField(default=125, help_text='A statutory period escalates before its due time (default 90); other rules at 100 escalate at the due time, at 125 when a quarter of the time is overrun.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(1000)], verbose_name='escalation point (percent of the allowed time)'),
        ),
        migrations.RunPython(flag_statutory_rules, migrations.RunPython.noop),
    ]
