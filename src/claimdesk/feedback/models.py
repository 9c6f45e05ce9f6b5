"""Surveys after closure, proactive-service rules and partner shops.

A survey belongs to one closed case (one per case, so it is sent once), is answered by the
case's customer through an unguessable link, and rates the case owner: staff are never
asked to rate their own work.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

User = settings.AUTH_USER_MODEL


class Survey(models.Model):
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="survey", verbose_name=_("case")
    )
    customer = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("customer")
    )
    staff = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="rated_surveys",
        verbose_name=_("rated staff member"),
    )
    token = models.CharField(max_length=64, unique=True)
    closed_at = models.DateTimeField(_("case closed"))
    sent_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("expires"))
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    csat = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    nps = models.PositiveSmallIntegerField(
        _("likelihood to recommend (0–10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        indexes = [
            models.Index(fields=["staff", "answered_at"], name="survey_staff_answered"),
            models.Index(
                fields=["sent_at"],
                condition=Q(answered_at__isnull=True, reminded_at__isnull=True),
                name="survey_unreminded",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(csat__isnull=True) | Q(csat__gte=1, csat__lte=5), name="survey_csat"
            ),
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | Q(nps__gte=0, nps__lte=10), name="survey_nps"
            ),
            models.CheckConstraint(
                condition=~Q(customer=models.F("staff")), name="survey_not_self_rated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.customer_id}"


class EventKind(models.TextChoices):
    CLAIM_REPORTED = "claim_reported", _("a claim is reported")
    CLAIM_FREE = "claim_free", _("claim-free years on a policy in force")
    BEFORE_ANNIVERSARY = "before_anniversary", _("days before the policy anniversary")


class ProactiveRule(models.Model):
    """An admin-editable trigger: what event or profile fact sends which message.

    ``parameters`` per event kind: claim_reported — ``loss_type`` (e.g. "auto"),
    ``lookback_days``; claim_free — ``years``; before_anniversary — ``days_before``,
    ``complaint_topic``, ``lookback_days``. Templates take ``{name}`` placeholders.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    event = models.CharField(_("event"), max_length=30, choices=EventKind.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    subject_zh = models.CharField(_("subject (Chinese)"), max_length=200)
    body_zh = models.TextField(_("body (Chinese)"))
    subject_en = models.CharField(_("subject (English)"), max_length=200)
    body_en = models.TextField(_("body (English)"))
    active = models.BooleanField(_("active"), default=True)
    # Event-driven rules scan the events after this instant (minus an overlap); the firing
    # table's unique key makes re-reading an event harmless.
    scanned_until = models.DateTimeField(_("scanned until"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("proactive-service rule")
        verbose_name_plural = _("proactive-service rules")

    def __str__(self) -> str:
        return self.code

    def param(self, key: str, default):
        value = (self.parameters or {}).get(key, default)
        return type(default)(value) if default is not None else value

    def clean(self) -> None:
        """Parameters are checked when the admin saves them, not when the sweep runs."""
        if not isinstance(self.parameters, dict):
            raise ValidationError({"parameters": _("Parameters must be a JSON object.")})
        bad = []
        for key in ("lookback_days", "years", "days_before"):
            if key in self.parameters:
                value = self.parameters[key]
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    bad.append(key)
        if bad:
            raise ValidationError(
                {
                    "parameters": _("Whole numbers of at least 1 are needed for: %(keys)s.")
                    % {"keys": ", ".join(bad)}
                }
            )


class ProactiveFiring(models.Model):
    """One message sent by a rule for one occasion; the unique key makes it once only."""

    rule = models.ForeignKey(ProactiveRule, on_delete=models.PROTECT, related_name="firings")
    customer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    occasion_key = models.CharField(_("occasion"), max_length=80)
    fired_at = models.DateTimeField(_("fired"))
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=200)

    class Meta:
        ordering = ["-fired_at"]
        verbose_name = _("proactive-service firing")
        verbose_name_plural = _("proactive-service firings")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "customer", "occasion_key"], name="one_firing_per_occasion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.customer_id} {self.occasion_key}"


class PartnerShop(models.Model):
    """A partner repair shop recommended after an auto claim in its city."""

    name = models.CharField(_("name"), max_length=100)
    city = models.CharField(_("city"), max_length=40, help_text=_("e.g. 上海, without 市"))
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=30)
    courtesy_car = models.BooleanField(_("courtesy car"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["city", "name"]
        verbose_name = _("partner repair shop")
        verbose_name_plural = _("partner repair shops")

    def __str__(self) -> str:
        return f"{self.city} {self.name}"
