"""Straight-through small claims (闪赔): the admin's switch and thresholds per product and
line, the result of each claim's rule check, and the after-the-fact review of a sample of
the automatic decisions."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from claimdesk.money import money_field
from claimdesk.policies.models import LOSS_TYPE_LABELS


class StpLine(models.Model):
    """Whether claims of a line (the claim's loss type) are decided straight through, for
    every product (``product_code`` empty) or one product (its row wins), and on what terms."""

    product_code = models.SlugField(
        _("product"), max_length=40, blank=True, help_text=_("Empty: every product of the line.")
    )
    loss_type = models.CharField(_("line"), max_length=20, choices=list(LOSS_TYPE_LABELS.items()))
    enabled = models.BooleanField(_("decide straight through"), default=True)
    small_claim_limit = money_field(
        _("small-claim limit (yuan)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Claims up to this amount are small; empty: the line's row for all products."),
    )
    coverage_code = models.SlugField(
        _("coverage paid"),
        max_length=40,
        blank=True,
        help_text=_("The coverage the invoices are paid under; empty: the product's only one."),
    )
    materials = models.CharField(
        _("materials a small claim needs"),
        max_length=200,
        blank=True,
        help_text=_(
            "Checklist item codes, comma-separated (小额案件简化材料); the other core items "
            "are waived when the claim is decided straight through. Empty: every core item."
        ),
    )

    class Meta:
        ordering = ["loss_type", "product_code"]
        verbose_name = _("straight-through line")
        verbose_name_plural = _("straight-through lines")
        constraints = [
            models.UniqueConstraint(fields=["product_code", "loss_type"], name="one_stp_line")
        ]

    def __str__(self) -> str:
        return f"{self.product_code or '*'}/{self.loss_type}"

    def material_codes(self) -> tuple[str, ...]:
        return tuple(c.strip() for c in self.materials.split(",") if c.strip())


class StpSettings(models.Model):
    """The rule thresholds and the review sample (one row; ``StpSettings.current()``)."""

    min_ocr_confidence = models.DecimalField(
        _("lowest OCR confidence"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.90"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("Every invoice field must be read at least this sure (0–1)."),
    )
    invoice_days = models.PositiveSmallIntegerField(
        _("invoice dated within (days after the loss)"), default=7
    )
    sample_percent = models.PositiveSmallIntegerField(
        _("share of automatic decisions reviewed (percent)"),
        default=10,
        validators=[MaxValueValidator(100)],
    )
    review_all_above = money_field(
        _("review every automatic decision above (yuan)"), default=Decimal("2000")
    )
    minutes_saved = models.PositiveSmallIntegerField(
        _("minutes a person spends on a small claim"),
        default=25,
        help_text=_("For the time-saved figure of the dashboard."),
    )

    class Meta:
        verbose_name = _("straight-through settings")
        verbose_name_plural = _("straight-through settings")

    def __str__(self) -> str:
        return str(_("Straight-through settings"))

    @classmethod
    def current(cls) -> StpSettings:
        return cls.objects.order_by("pk").first() or cls()


class Outcome(models.TextChoices):
    AUTOMATIC = "automatic", _("decided automatically")
    PERSON = "person", _("waiting for a person")


class StpCheck(models.Model):
    """The last straight-through check of a claim: every rule with its result and reason."""

    claim = models.OneToOneField(
        "claims.Claim", on_delete=models.CASCADE, primary_key=True, related_name="stp_check"
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    results = models.JSONField(_("rules"), default=list, encoder=DjangoJSONEncoder)
    checked_at = models.DateTimeField(_("checked"))
    last_upload_at = models.DateTimeField(_("last material uploaded"), null=True, blank=True)
    runs = models.PositiveIntegerField(default=1)
    decision = models.OneToOneField(
        "claims.ClaimDecision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stp_check",
    )

    class Meta:
        verbose_name = _("straight-through check")
        verbose_name_plural = _("straight-through checks")
        indexes = [models.Index(fields=["outcome", "checked_at"], name="stp_check_outcome")]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.outcome}"

    def failed(self) -> list[dict]:
        return [r for r in self.results if not r.get("passed")]


class ReviewStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("review status", "to review")
    CONFIRMED = "confirmed", pgettext_lazy("review status", "confirmed")
    REOPENED = "reopened", pgettext_lazy("review status", "reopened")


class SampleReason(models.TextChoices):
    SHARE = "share", _("random share")
    ABOVE = "above", _("above the review threshold")


class StpReview(models.Model):
    """An automatic decision sampled for a person's review (事后质检) within 2 working days."""

    decision = models.OneToOneField(
        "claims.ClaimDecision", on_delete=models.PROTECT, related_name="stp_review"
    )
    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="+")
    why = models.CharField(_("sampled"), max_length=10, choices=SampleReason.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.QUEUED
    )
    queued_at = models.DateTimeField(_("queued"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    note = models.TextField(_("finding"), blank=True)
    corrected_amount = money_field(_("amount the invoices support"), null=True, blank=True)
    recalculated = money_field(_("recalculated amount"), null=True, blank=True)
    difference = money_field(_("difference to settle"), null=True, blank=True)
    # The revised decision the reopening proposed (none when the amount did not change).
    revision = models.OneToOneField(
        "claims.ClaimDecision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stp_reopened_review",
        verbose_name=_("revised decision"),
    )

    class Meta:
        ordering = ["status", "queued_at", "id"]
        verbose_name = _("automatic decision review")
        verbose_name_plural = _("automatic decision reviews")
        indexes = [models.Index(fields=["status", "queued_at"], name="stp_review_status")]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.status}"
