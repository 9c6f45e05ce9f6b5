"""Partner hospitals and repair shops (直赔): the registry, their staff, the amounts they
pre-authorise and the bills they submit for direct settlement."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from claimdesk.money import money_field


class PartnerKind(models.TextChoices):
    HOSPITAL = "hospital", _("hospital")
    REPAIR_SHOP = "repair_shop", _("repair shop")


class PartnerOrganisation(models.Model):
    """A contracted partner: who it is, its contract, where its settlements are paid and
    what it may bill (the products whose policies it serves, the coverages it bills)."""

    kind = models.CharField(_("kind"), max_length=12, choices=PartnerKind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    licence_no = models.CharField(_("licence number"), max_length=60)
    contract_no = models.CharField(_("contract number"), max_length=60)
    contract_from = models.DateField(_("contract valid from"))
    contract_until = models.DateField(_("contract valid until"))
    settlement_account = models.ForeignKey(
        "policies.BankAccount",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("settlement account"),
        help_text=_("An account without owner; its number is entered on the bank account."),
    )
    products = models.ManyToManyField(
        "policies.Product", related_name="+", verbose_name=_("products it may bill")
    )
    services = models.CharField(
        _("coverages it may bill"),
        max_length=200,
        help_text=_("Coverage codes, separated by commas (e.g. inpatient,outpatient)."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        permissions = [("act_as_partner", "Check cover and submit bills as a partner")]

    def __str__(self) -> str:
        return self.name

    @property
    def service_codes(self) -> tuple[str, ...]:
        return tuple(c.strip() for c in self.services.split(",") if c.strip())


class PartnerStaff(models.Model):
    """A partner user's organisation: what they may see and submit."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_staff"
    )
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="staff"
    )

    class Meta:
        verbose_name = _("partner staff member")
        verbose_name_plural = _("partner staff")

    def __str__(self) -> str:
        return f"{self.user} ({self.organisation})"


class PreAuthStatus(models.TextChoices):
    ACTIVE = "active", _("held")
    USED = "used", _("used by a claim")
    EXPIRED = "expired", _("expired")


class PreAuthorisation(models.Model):
    """An amount held in an insured person's policy year for planned care or a repair:
    the calculation sees it as used by others until a claim uses it or it expires."""

    reference = models.CharField(_("reference"), max_length=24, unique=True)
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="preauthorisations"
    )
    policy = models.ForeignKey("policies.Policy", on_delete=models.PROTECT, related_name="+")
    insured_name = models.CharField(_("insured person"), max_length=60)
    coverage = models.SlugField(_("coverage"), max_length=40)
    period_start = models.DateField(_("policy year from"))
    amount = money_field(_("amount held"))
    status = models.CharField(
        _("status"), max_length=10, choices=PreAuthStatus.choices, default=PreAuthStatus.ACTIVE
    )
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    # A repair shop's repair of a reported claim: the date agreed with the customer, and
    # when the sweep found it overdue and asked the owner to offer a courtesy car.
    agreed_repair_date = models.DateField(_("agreed repair date"), null=True, blank=True)
    courtesy_offered_at = models.DateTimeField(_("courtesy car offered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pre-authorisation")
        verbose_name_plural = _("pre-authorisations")
        indexes = [
            models.Index(fields=["policy", "insured_name", "status"], name="preauth_policy"),
            models.Index(fields=["status", "expires_at"], name="preauth_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="preauth_amount_positive")
        ]

    def __str__(self) -> str:
        return self.reference


class DirectBill(models.Model):
    """A partner's bill settled directly: one claim per (partner, bill number), so a
    partner is never paid twice for one bill."""

    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="bills"
    )
    bill_no = models.CharField(_("bill number"), max_length=60)
    claim = models.OneToOneField(
        "claims.Claim", on_delete=models.PROTECT, related_name="direct_bill"
    )
    total = money_field(_("bill total"))
    items = models.JSONField(_("bill items"), default=list)
    diagnosis = models.CharField(_("diagnosis or loss assessment"), max_length=300)
    agreed_repair_date = models.DateField(_("agreed repair date"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"))

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("direct-settlement bill")
        verbose_name_plural = _("direct-settlement bills")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "bill_no"], name="one_claim_per_bill")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.bill_no}"
