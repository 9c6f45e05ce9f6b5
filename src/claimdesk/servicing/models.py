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

    class Meta:
        verbose_name = _("policy-service request")
        verbose_name_plural = _("policy-service requests")
        indexes = [models.Index(fields=["policy", "item"], name="service_request_policy")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.item}"

    @property
    def item_label(self) -> str:
        return item_label(self.item)
