"""A policy-service request (保全): the kernel case, the policy and item it is about, what the
customer asked for, the materials received, the approval and the endorsement it issued."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from claimdesk.money import money_field
from claimdesk.servicing.rules import ITEM_LABELS, item_label


class ServiceRequest(models.Model):
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="service_request"
    )
    policy = models.ForeignKey(
        "policies.Policy",
        on_delete=models.PROTECT,
        related_name="service_requests",
        verbose_name=_("policy"),
    )
    item = models.CharField(_("item"), max_length=20, choices=list(ITEM_LABELS.items()))
    effective_on = models.DateField(_("effective on"))
    details = models.JSONField(_("what was asked"), default=dict)
    # Surrender: the value at the effective date, as quoted (SurrenderQuote.as_dict).
    quote = models.JSONField(_("quote"), default=dict, blank=True)
    amount = money_field(_("amount payable"), null=True, blank=True)
    received = models.JSONField(_("materials received"), default=list, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalated to"),
    )
    endorsement = models.OneToOneField(
        "policies.Endorsement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_request",
        verbose_name=_("endorsement"),
    )
    payee_account = models.ForeignKey(
        "policies.BankAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payee account"),
    )
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    bank_ref = models.CharField(_("bank reference"), max_length=64, blank=True)
    # Reinstatement: a health declaration with a "yes" needs an underwriter's acceptance
    # before the request may be approved.
    underwriting_required = models.BooleanField(_("needs underwriting"), default=False)
    underwritten_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by underwriter"),
    )
    underwritten_at = models.DateTimeField(_("underwriting accepted"), null=True, blank=True)
    underwriting_note = models.TextField(_("underwriter's note"), blank=True)

    class Meta:
        verbose_name = _("policy-service request")
        verbose_name_plural = _("policy-service requests")
        indexes = [models.Index(fields=["policy", "item"], name="service_request_policy")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.item}"

    @property
    def item_label(self) -> str:
        return item_label(self.item)


class PremiumDue(models.Model):
    """One premium of a policy's schedule (续期收费): due on a date, with its grace period's
    last day; paid (by finance, the API or a reinstatement) or, unpaid at the end of grace,
    the cause of the policy's lapse. Instalment 1 is the premium paid at issue."""

    policy = models.ForeignKey(
        "policies.Policy",
        on_delete=models.PROTECT,
        related_name="premiums",
        verbose_name=_("policy"),
    )
    number = models.PositiveIntegerField(_("instalment"))
    due_on = models.DateField(_("due on"))
    amount = money_field(_("premium"))
    grace_ends_on = models.DateField(_("grace period ends"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    paid_amount = money_field(_("amount paid"), null=True, blank=True)
    reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    settled_by = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("settled by reinstatement"),
    )
    reminded_before_at = models.DateTimeField(_("reminded before due"), null=True, blank=True)
    reminded_grace_at = models.DateTimeField(_("reminded during grace"), null=True, blank=True)
    lapse = models.ForeignKey(
        "policies.Endorsement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lapse"),
    )

    class Meta:
        ordering = ["policy", "number"]
        verbose_name = _("premium due")
        verbose_name_plural = _("premiums due")
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="one_premium_per_number")
        ]
        indexes = [
            models.Index(
                fields=["due_on"], condition=models.Q(paid_at__isnull=True), name="premium_unpaid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} #{self.number} {self.due_on}"

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None


class SurvivalBenefit(models.Model):
    """One survival benefit (生存给付) of a policy's product schedule: due on a date, paid
    through a request the sweep opens on that day (to the account on the version in effect
    then), or not payable because the policy was not in force that day."""

    policy = models.ForeignKey(
        "policies.Policy",
        on_delete=models.PROTECT,
        related_name="survival_benefits",
        verbose_name=_("policy"),
    )
    number = models.PositiveIntegerField(_("benefit number"))
    due_on = models.DateField(_("due on"))
    amount = money_field(_("benefit"))
    request = models.OneToOneField(
        ServiceRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survival_benefit",
        verbose_name=_("paid by request"),
    )
    not_payable = models.CharField(_("why not payable"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["policy", "number"]
        verbose_name = _("survival benefit")
        verbose_name_plural = _("survival benefits")
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="one_survival_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} #{self.number} {self.due_on}"
