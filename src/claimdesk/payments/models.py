"""Payments: a claim's payments (the full amount, or an interim payment and the balance),
the transfers tried for each, each with the bank's answer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from claimdesk.money import money_field
from claimdesk.payments.rules import PURPOSE_LABELS, STATE_LABELS, PaymentPurpose, PaymentState
from claimdesk.policies.rules import mask_account

User = settings.AUTH_USER_MODEL


class Payment(models.Model):
    """One payment of a case: an approved claim (to the policy holder's account, or a death
    benefit to each beneficiary of the policy at the loss date, ``sequence`` per payee) or a
    policy-service request (a surrender value, a policy loan, a survival benefit) to the
    account on the version of the policy in effect that day. ``claim`` is empty for the
    latter; ``case`` is the case the payment belongs to (a claim's own case for a claim).

    ``purpose``: the claim's whole approved amount (``full``), the interim payment of the
    part fixed before day 60 (``interim``, 先予支付) or what the final decision adds to it
    (``balance``). The amount is derived from the approved decisions when finance instructs
    it; the unique constraint on (claim, purpose, sequence), with the case row lock in the
    services, makes each payment impossible to make twice. ``by_coverage`` splits the
    amount over the coverages, so a failed transfer gives exactly that back to the
    policy-year accumulators.
    """

    reference = models.CharField(_("reference"), max_length=32, unique=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="payments", verbose_name=_("case")
    )
    claim = models.ForeignKey(
        "claims.Claim",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("claim"),
    )
    purpose = models.CharField(
        _("purpose"),
        max_length=10,
        choices=list(PURPOSE_LABELS.items()),
        default=PaymentPurpose.FULL,
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"), default=1)
    amount = money_field(_("amount"))
    by_coverage = models.JSONField(_("amount by coverage"), default=dict, blank=True)
    account = models.ForeignKey(
        "policies.BankAccount",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("payee account"),
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=list(STATE_LABELS.items()),
        default=PaymentState.INSTRUCTED,
    )
    attempts = models.PositiveSmallIntegerField(_("transfers sent"), default=0)
    instructed_at = models.DateTimeField(_("instructed"))
    instructed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("instructed by")
    )
    sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    failed_at = models.DateTimeField(_("last failed"), null=True, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalated to"),
    )
    bank_ref = models.CharField(_("bank reference"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["-instructed_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "purpose", "sequence"], name="one_payment_per_case_purpose"
            ),
        ]
        indexes = [models.Index(fields=["state", "instructed_at"], name="payment_state")]

    def __str__(self) -> str:
        return f"{self.reference} ¥{self.amount} {self.state}"

    @property
    def masked_account(self) -> str:
        return mask_account(self.account.account_number)

    def state_label(self) -> str:
        return str(STATE_LABELS[PaymentState(self.state)])

    def purpose_label(self) -> str:
        return str(PURPOSE_LABELS[PaymentPurpose(self.purpose)])


class AttemptOutcome(models.TextChoices):
    PENDING = "pending", _("awaiting the bank")
    CONFIRMED = "confirmed", _("confirmed")
    FAILED = "failed", _("failed")


class PaymentAttempt(models.Model):
    """One transfer sent to the bank for a payment, and what the bank said about it."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="transfers")
    number = models.PositiveSmallIntegerField(_("attempt"))
    account = models.ForeignKey(
        "policies.BankAccount",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payee account"),
    )
    amount = money_field(_("amount"))
    sent_at = models.DateTimeField(_("sent"))
    sent_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=AttemptOutcome.choices, default=AttemptOutcome.PENDING
    )
    outcome_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)
    outcome_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    bank_ref = models.CharField(_("bank reference"), max_length=64, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    via_reconciliation = models.BooleanField(_("from a reconciliation file"), default=False)

    class Meta:
        ordering = ["payment", "number"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.UniqueConstraint(fields=["payment", "number"], name="one_attempt_number"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} #{self.number} {self.outcome}"

    @property
    def masked_account(self) -> str:
        return mask_account(self.account.account_number)
