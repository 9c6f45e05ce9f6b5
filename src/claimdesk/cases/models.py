"""The case kernel: cases, their append-only timeline, SLA clocks and tasks."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from claimdesk.cases.workflow import Workflow, kind_choices, sla_label, workflow
from claimdesk.workdays.clocks import Unit

User = settings.AUTH_USER_MODEL

UNIT_LABELS = {
    Unit.WORKING_DAYS: _("working days"),
    Unit.BUSINESS_HOURS: _("business hours"),
    Unit.HOURS: _("hours (wall clock)"),
    Unit.CALENDAR_DAYS: _("calendar days"),
}


class Case(models.Model):
    """One claim, ticket, policy-service request or underwriting application."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    # The kinds are whatever the domain apps register (``cases.workflow``).
    kind = models.CharField(_("kind"), max_length=20, choices=kind_choices)
    category = models.CharField(_("category"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="owned_cases", verbose_name=_("owner")
    )
    customer = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        db_index=False,  # case_customer_opened leads with it
        null=True,
        blank=True,
        related_name="customer_cases",
        verbose_name=_("customer"),
    )
    opened_at = models.DateTimeField(_("opened"))
    updated_at = models.DateTimeField(_("updated"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    is_open = models.BooleanField(_("open"), default=True)
    # Nearest due time of the running clocks: kept by the deadline services so the work
    # queue is one index range scan.
    next_due_at = models.DateTimeField(_("next due"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(
                fields=["owner", "next_due_at"],
                condition=Q(is_open=True),
                name="case_open_owner_due",
            ),
            models.Index(fields=["customer", "-opened_at"], name="case_customer_opened"),
            models.Index(fields=["kind", "status"], name="case_kind_status"),
        ]
        permissions = [
            ("act_as_customer", "Report and follow own cases"),
            ("view_all_cases", "See every case"),
            ("reassign_case", "Hand a case to another owner"),
            ("assign_task", "Assign tasks on a case"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def workflow(self) -> Workflow:
        return workflow(self.kind)

    def status_label(self) -> str:
        return self.workflow.state_label(self.status)

    def kind_label(self) -> str:
        return str(self.workflow.label)

    def clean(self) -> None:
        """A case's status is one of its kind's states (the admin edits cases too)."""
        super().clean()
        try:
            wf = self.workflow
        except LookupError:
            raise ValidationError({"kind": _("Unknown kind of case.")}) from None
        if self.status not in wf.states.values:
            raise ValidationError({"status": _("Not a state of this kind of case.")})


class CaseNumberSequence(models.Model):
    """Per prefix and day counter behind readable case numbers (CL20261123000042)."""

    prefix = models.CharField(max_length=8)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="case_seq_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}{self.day:%Y%m%d} #{self.last}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("timeline events are append-only")

    def delete(self):
        raise TypeError("timeline events are append-only")


class CaseEvent(models.Model):
    """One line of a case's timeline. Never changed, never deleted.

    Its one changing column, ``dispatched``, is not part of the line: it says whether the
    after-commit readers (``cases.committed``) have had it; the lines are their outbox.
    """

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="events", db_index=False
    )  # event_case_at leads with it
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("who")
    )
    kind = models.CharField(_("event"), max_length=30)
    action = models.CharField(_("action"), max_length=40, blank=True)
    from_status = models.CharField(max_length=40, blank=True)
    to_status = models.CharField(max_length=40, blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    customer_visible = models.BooleanField(default=False)
    dispatched = models.BooleanField(default=False, db_default=False, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="event_case_at"),
            models.Index(
                fields=["id"], condition=models.Q(dispatched=False), name="event_undispatched"
            ),
        ]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("timeline events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("timeline events are append-only")


class SlaRule(models.Model):
    """An SLA commitment: how long, counted how, and when to remind and escalate."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20, choices=list(UNIT_LABELS.items()))
    amount = models.DecimalField(
        _("amount"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0)]
    )
    reminder_percent = models.PositiveSmallIntegerField(
        _("reminder point (percent of the allowed time)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    escalation_percent = models.PositiveSmallIntegerField(
        _("escalation point (percent of the allowed time)"),
        default=125,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_(
            "A statutory period escalates before its due time (default 90); other rules at "
            "100 escalate at the due time, at 125 when a quarter of the time is overrun."
        ),
    )
    statutory = models.BooleanField(
        _("statutory period"),
        default=False,
        help_text=_(
            "A period the law sets. It escalates before its due time; counted in calendar "
            "days, it ends at the end of the next working day when its last day is a rest "
            "day or a holiday (民法典 §203)."
        ),
    )
    basis = models.CharField(_("basis"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("SLA rule")
        verbose_name_plural = _("SLA rules")

    def __str__(self) -> str:
        return f"{self.code} ({self.amount} {UNIT_LABELS[Unit(self.unit)]})"

    @property
    def label(self) -> str:
        """The rule's name as a page shows it, in the reader's language."""
        return sla_label(self.code, self.name)

    @property
    def period_end_rule(self) -> bool:
        """民法典 §203 moves this rule's due time off a rest day or holiday: a statutory
        period counted in calendar days. Working-day and hour-based rules never move."""
        return self.statutory and self.unit == Unit.CALENDAR_DAYS

    def clean(self) -> None:
        day_based = self.unit in (Unit.WORKING_DAYS, Unit.CALENDAR_DAYS)
        if day_based and self.amount is not None and self.amount % 1:
            raise ValidationError({"amount": _("Day-based rules need a whole number of days.")})
        escalation = self.escalation_percent
        if self.statutory and escalation is not None and escalation >= 100:
            raise ValidationError(
                {
                    "escalation_percent": _(
                        "A statutory period escalates before its due time: under 100."
                    )
                }
            )
        if (
            self.reminder_percent is not None
            and self.escalation_percent is not None
            and self.escalation_percent <= self.reminder_percent
        ):
            raise ValidationError(
                {"escalation_percent": _("The escalation comes after the reminder.")}
            )


class DeadlineState(models.TextChoices):
    RUNNING = "running", _("running")
    PAUSED = "paused", _("paused")
    MET = "met", _("met")
    BREACHED = "breached", _("breached")
    CANCELLED = "cancelled", _("cancelled")


LIVE_STATES = (DeadlineState.RUNNING, DeadlineState.PAUSED)


class Deadline(models.Model):
    """One SLA clock on a case (or on a task of the case).

    ``budget`` is the counted time the rule allows (see ``workdays.clocks``); ``consumed``
    is what earlier running segments used, so a resumed clock keeps its exact remainder.
    ``next_action_at`` is the earliest pending reminder/warning/escalation: the sweep's
    partial index reads only clocks that have something due.
    """

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="deadlines", db_index=False
    )  # deadline_case_state leads with it
    task = models.ForeignKey(
        "Task", on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines"
    )
    rule = models.ForeignKey(SlaRule, on_delete=models.PROTECT, related_name="deadlines")
    unit = models.CharField(max_length=20, choices=list(UNIT_LABELS.items()))
    assignee = models.ForeignKey(User, on_delete=models.PROTECT, related_name="deadlines")
    state = models.CharField(max_length=10, choices=DeadlineState.choices)
    started_at = models.DateTimeField()
    budget = models.DurationField()
    consumed = models.DurationField(default=timedelta(0))
    segment_started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    remind_at = models.DateTimeField()
    escalate_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    next_action_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        indexes = [
            models.Index(
                fields=["next_action_at"],
                condition=Q(next_action_at__isnull=False),
                name="deadline_next_action",
            ),
            models.Index(fields=["case", "state"], name="deadline_case_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "rule"],
                condition=Q(state__in=["running", "paused"], task__isnull=True),
                name="one_live_case_clock_per_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.rule_id} {self.state} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES


class DeadlinePause(models.Model):
    """Each stop-the-clock period, for the record and the analytics."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="pauses")
    paused_at = models.DateTimeField()
    resumed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["paused_at"]

    def __str__(self) -> str:
        return f"{self.deadline_id} paused {self.paused_at:%Y-%m-%d %H:%M}"


class AlertKind(models.TextChoices):
    REMINDER = "reminder", _("reminder")
    OVERDUE = "overdue", _("overdue warning")
    ESCALATION = "escalation", _("escalation")


class DeadlineAlert(models.Model):
    """A reminder, overdue warning or escalation raised once for a clock."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=12, choices=AlertKind.choices)
    raised_at = models.DateTimeField()
    recipient = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["deadline", "kind"], name="one_alert_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.deadline_id} → {self.recipient_id}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class Task(models.Model):
    """Work handed to someone on a case; when done it comes back to ``returns_to``."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    assignee = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("assignee")
    )
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    returns_to = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at", "created_at"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(
                fields=["assignee", "due_at"],
                condition=Q(status="open"),
                name="task_open_assignee_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.assignee}"
