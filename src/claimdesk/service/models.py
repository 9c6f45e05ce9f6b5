"""Service desk: tickets on the case kernel, their messages, reply templates (话术) and the
complaint closed loop (root-cause reports and corrective actions)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from claimdesk.service.rules import SCENARIO_LABELS

User = settings.AUTH_USER_MODEL


class Channel(models.TextChoices):
    PORTAL = "portal", _("customer portal")
    HOTLINE = "hotline", _("hotline")
    EMAIL = "email", _("e-mail")
    API = "api", _("API")
    ASSISTANT = "assistant", _("FAQ assistant")


class Category(models.TextChoices):
    """``Case.category`` of a ticket: it picks the SLA clock (service.workflow)."""

    INQUIRY = "inquiry", _("inquiry")
    COMPLEX = "complex", _("complex matter")
    COMPLAINT = "complaint", _("complaint")
    OBJECTION = "objection", _("objection")
    APPEAL = "appeal", _("appeal")
    GREEN = "green", _("green channel")
    # "转人工" from a portal page: the customer asks to be called; on the inquiry clock.
    CALLBACK = "callback", _("call-back")


class Topic(models.TextChoices):
    TIMELINESS = "timeliness", _("timeliness")
    AMOUNT = "amount", _("amount")
    SERVICE_ATTITUDE = "service_attitude", _("service attitude")
    MATERIALS = "materials", _("materials")
    OTHER = "other", _("other")


class GreenReason(models.TextChoices):
    CRITICAL_ILLNESS = "critical_illness", _("critical illness")
    ACCIDENT = "accident", _("accident")


class Ticket(models.Model):
    """The service-desk detail of a ticket case (``ticket.case``)."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, primary_key=True, related_name="ticket"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    claim = models.ForeignKey(
        "claims.Claim",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("claim"),
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, default="other")
    subject = models.CharField(_("subject"), max_length=200)
    green_reason = models.CharField(
        _("green-channel reason"), max_length=20, choices=GreenReason.choices, blank=True
    )
    complex = models.BooleanField(_("complex"), default=False)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        permissions = [
            ("handle_ticket", "Work service tickets"),
            ("extend_complaint", "Approve the 30-day extension of an especially complex complaint"),
        ]
        indexes = [models.Index(fields=["topic"], name="ticket_topic")]

    def __str__(self) -> str:
        return str(self.case)

    @property
    def number(self) -> str:
        return self.case.number

    @property
    def category(self) -> str:
        return self.case.category


class TicketMessage(models.Model):
    """A reply to the customer, a customer's message, or an internal note (never shown to
    the customer)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    internal = models.BooleanField(_("internal note"), default=False)
    from_customer = models.BooleanField(_("from the customer"), default=False)
    # Who let a blocked message go out (a manager's logged compliance override).
    override_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.body[:40]}"


class ReplyTemplate(models.Model):
    """A 话术 template: one scenario, Chinese and English wording with ``{variables}``."""

    scenario = models.CharField(_("scenario"), max_length=20, choices=list(SCENARIO_LABELS.items()))
    title = models.CharField(_("title"), max_length=100)
    body_zh = models.TextField(_("wording (Chinese)"))
    body_en = models.TextField(_("wording (English)"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["scenario", "title"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")

    def __str__(self) -> str:
        return f"{self.get_scenario_display()}: {self.title}"


class RootCauseReport(models.Model):
    """问题根因分析报告 of a complaint: without a complete one it cannot be resolved."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="rca", verbose_name=_("ticket")
    )
    category = models.CharField(_("root-cause category"), max_length=40)
    department = models.CharField(_("responsible department"), max_length=100)
    root_cause = models.TextField(_("root cause"))
    # The normalised root cause (rules.root_cause_key): equal keys in one category are the
    # same root cause coming back.
    cause_key = models.CharField(max_length=200, db_index=True)
    corrective_action = models.TextField(_("corrective action"))
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("action owner")
    )
    due_date = models.DateField(_("due date"))
    verification = models.TextField(_("verification"))
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("root-cause report")
        verbose_name_plural = _("root-cause reports")
        indexes = [models.Index(fields=["category", "cause_key"], name="rca_recurrence")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.category}: {self.root_cause[:40]}"


class CorrectiveAction(models.Model):
    """One corrective action of a root-cause report, tracked until it is done."""

    report = models.ForeignKey(RootCauseReport, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(_("action"))
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class CustomerPreference(models.Model):
    """How a customer wants the portal: elderly-friendly mode (适老化: large type, high
    contrast, the three main tasks first, short sentences). One row per customer who chose."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="portal_preference"
    )
    elderly_mode = models.BooleanField(_("elderly-friendly mode"), default=False)
    changed_at = models.DateTimeField(_("changed"))

    class Meta:
        verbose_name = _("customer preference")
        verbose_name_plural = _("customer preferences")

    def __str__(self) -> str:
        return f"{self.user_id} elderly={self.elderly_mode}"


class CallBack(models.Model):
    """What a customer was looking at when they pressed "转人工": the page and, when it
    was one of their cases, that case (whose owner calls back). The ticket carries the
    clock; the mode says whether the agent should speak slowly and plainly."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="callback"
    )
    page = models.CharField(_("page"), max_length=300)
    about = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case looked at"),
    )
    elderly_mode = models.BooleanField(_("in elderly-friendly mode"), default=False)

    class Meta:
        verbose_name = _("call-back request")
        verbose_name_plural = _("call-back requests")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.page}"
