"""A recovery (代位求偿 from the third party at fault, or salvage of a written-off vehicle or
damaged property): its own case, linked to the claim it recovers for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from claimdesk.money import money_field


class RecoveryKind(models.TextChoices):
    SUBROGATION = "subrogation", _("subrogation against the third party at fault")
    SALVAGE = "salvage", _("salvage")
    # A decision revised below what was already paid: the customer is asked to repay.
    OVERPAYMENT = "overpayment", _("overpayment the customer repays")


class Recovery(models.Model):
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, primary_key=True, related_name="recovery"
    )
    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="recoveries")
    kind = models.CharField(_("kind"), max_length=12, choices=RecoveryKind.choices)
    counterparty = models.CharField(_("counterparty"), max_length=120)
    counterparty_contact = models.CharField(
        _("counterparty's address or contact"), max_length=200, blank=True
    )
    basis = models.CharField(
        _("Why they owe it"),
        max_length=300,
        help_text=_("Why the counterparty owes it (liability finding, salvage sale)."),
    )
    expected_amount = money_field(_("expected amount"))
    opened_at = models.DateTimeField(_("opened"))

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")
        permissions = [("handle_recovery", "Pursue recoveries and salvage")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expected_amount__gt=0), name="recovery_expected_positive"
            )
        ]

    def __str__(self) -> str:
        return str(self.case)


class RecoveryReceipt(models.Model):
    """An amount received from the counterparty (or the salvage buyer). A reference is
    recorded once per recovery: the same bank reference twice is one receipt."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="receipts")
    amount = money_field(_("amount received"))
    reference = models.CharField(_("bank reference"), max_length=64)
    received_on = models.DateField(_("received on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recovery", "recorded_at"]
        verbose_name = _("amount received")
        verbose_name_plural = _("amounts received")
        constraints = [
            models.UniqueConstraint(fields=["recovery", "reference"], name="receipt_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="receipt_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.recovery_id} {self.amount} {self.reference}"


class LetterKind(models.TextChoices):
    DEMAND = "demand", _("demand letter")
    REMINDER = "reminder", _("reminder letter")


class RecoveryLetter(models.Model):
    """A letter to the counterparty, as it passed the compliance gate."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(_("kind"), max_length=10, choices=LetterKind.choices)
    text = models.TextField(_("letter text"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    overridden = models.BooleanField(default=False)

    class Meta:
        ordering = ["recovery", "issued_at"]
        verbose_name = _("recovery letter")
        verbose_name_plural = _("recovery letters")

    def __str__(self) -> str:
        return f"{self.recovery_id} {self.kind} {self.issued_at:%Y-%m-%d}"
