"""Products, their coverages and clauses; policies with insured persons, beneficiaries, and
the customers' bank accounts. Reference data for intake, adjudication and payment."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Right, Upper
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from claimdesk.money import MONEY, money_field
from claimdesk.policies.rules import LossType, PremiumFrequency, in_force

__all__ = ["MONEY"]  # claims.models still spreads it; new code uses money_field

FREQUENCY_LABELS: dict[str, Promise] = {
    PremiumFrequency.SINGLE: _("single premium"),
    PremiumFrequency.ANNUAL: _("yearly"),
    PremiumFrequency.SEMIANNUAL: _("half-yearly"),
    PremiumFrequency.QUARTERLY: _("quarterly"),
    PremiumFrequency.MONTHLY: _("monthly"),
}

LOSS_TYPE_LABELS: dict[str, Promise] = {
    LossType.AUTO: _("Auto"),
    LossType.MEDICAL: _("Medical"),
    LossType.CRITICAL_ILLNESS: _("Critical illness"),
    LossType.ACCIDENT: _("Accident"),
    LossType.PROPERTY: _("Property"),
}


class Product(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    line = models.CharField(_("line"), max_length=20, choices=list(LOSS_TYPE_LABELS.items()))
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    # 现金价值表: [{"month": completed policy months, "per_mille": cash value per 1,000 of
    # sum insured}], rising months; read by ``policies.rules`` callers at a surrender date.
    cash_values = models.JSONField(_("cash-value table"), default=list, blank=True)
    cooling_off_days = models.PositiveSmallIntegerField(
        _("cooling-off period (days)"),
        default=15,
        help_text=_("犹豫期: a surrender within these days from the start refunds the premium."),
    )
    # 缴费频率: renewal premiums (续期保费) fall due at this interval from the policy start.
    premium_frequency = models.CharField(
        _("premium frequency"),
        max_length=12,
        choices=list(FREQUENCY_LABELS.items()),
        default=PremiumFrequency.SINGLE,
        help_text=_("A policy's premium (per year) is paid in instalments at this interval."),
    )
    # 保单贷款: a loan up to this share of the cash value, at this simple interest a year.
    loan_ratio_percent = models.DecimalField(
        _("policy loan: share of cash value (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(80),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("A policy loan may reach this share of the cash value (default 80 %)."),
    )
    loan_interest_percent = models.DecimalField(
        _("policy loan interest (% a year)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(5),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Simple interest a year on the loan balance, actual days / 365."),
    )
    # 生存给付: [{"month": policy months from the start, "per_mille": benefit per 1,000 of
    # sum insured}] — a survival benefit (or annuity) falls due on each such anniversary.
    survival_schedule = models.JSONField(
        _("survival benefit schedule"),
        default=list,
        blank=True,
        help_text=_(
            "Each due date of a survival benefit, in policy months from the start, with the "
            'benefit per 1,000 of sum insured: [{"month": 6, "per_mille": "10"}].'
        ),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class Clause(models.Model):
    """A clause of a product's contract, quoted verbatim in decisions and notices."""

    class Kind(models.TextChoices):
        COVERAGE = "coverage", _("coverage")
        EXCLUSION = "exclusion", _("exclusion")
        GENERAL = "general", _("general")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="clauses")
    article = models.CharField(_("article"), max_length=20, help_text=_("e.g. 2.3 or 第七条"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["product", "article"]
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        constraints = [
            models.UniqueConstraint(fields=["product", "article"], name="clause_article_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product.code} 第{self.article}条 {self.title}"


class Coverage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="coverages")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    limit = money_field(_("limit"), validators=[MinValueValidator(0)])
    deductible = money_field(
        _("deductible"),
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    reimbursement_ratio = models.DecimalField(
        _("reimbursement ratio"),
        max_digits=4,
        decimal_places=3,
        default=Decimal(1),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Share of the covered loss paid, 0–1 (e.g. 0.8)."),
    )
    waiting_days = models.PositiveIntegerField(_("waiting period (days)"), default=0)
    clause = models.ForeignKey(
        Clause,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clause"),
    )

    class Meta:
        ordering = ["product", "code"]
        verbose_name = _("coverage")
        verbose_name_plural = _("coverages")
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="coverage_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product.code}/{self.name}"

    def clean(self) -> None:
        if self.clause_id and self.clause and self.clause.product_id != self.product_id:
            raise ValidationError({"clause": _("The clause belongs to another product.")})


class Policy(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("in force")
        LAPSED = "lapsed", _("lapsed")
        SURRENDERED = "surrendered", _("surrendered")
        EXPIRED = "expired", _("expired")

    number = models.CharField(_("policy number"), max_length=32, unique=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="policies")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("policyholder"),
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    sum_insured = money_field(_("sum insured"), validators=[MinValueValidator(0)])
    premium = money_field(
        _("premium"),
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=20, blank=True)
    new_energy_vehicle = models.BooleanField(_("new-energy vehicle"), default=False)
    insured_address = models.CharField(_("insured address"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_address = models.CharField(_("contact address"), max_length=200, blank=True)
    loan_balance = money_field(
        _("policy loan balance"), default=Decimal(0), validators=[MinValueValidator(0)]
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-start", "number"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        permissions = [
            ("handle_policy_service", "Work policy-service requests"),
            ("decide_underwriting", "Decide underwriting"),
        ]
        indexes = [
            models.Index(fields=["holder", "-start"], name="policy_holder_start"),
            models.Index(fields=["vehicle_plate"], name="policy_vehicle_plate"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="policy_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.product.name}"

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The policy cannot end before it starts.")})

    def covers(self, day) -> bool:
        return self.status == self.Status.ACTIVE and in_force(self.start, self.end, day)


class Endorsement(models.Model):
    """One version of a policy (批改 / 批单): what it changed and the full terms from its
    effective date until the next version's. Version 1 is the policy as issued. Rows are
    only ever added (``policies.services.endorsement_issue``); the policy row and its
    beneficiaries mirror the latest version for readers that need no date."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    number = models.CharField(_("endorsement number"), max_length=40, unique=True)
    effective_on = models.DateField(_("effective on"))
    kind = models.CharField(_("kind of change"), max_length=30)
    changes = models.JSONField(_("what changed"), default=dict)
    terms = models.JSONField(_("terms"))
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="endorsements",
        verbose_name=_("request"),
    )
    issued_at = models.DateTimeField(_("issued"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )

    class Meta:
        ordering = ["policy", "version"]
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        constraints = [
            models.UniqueConstraint(fields=["policy", "version"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return self.number


class InsuredPerson(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="insured")
    name = models.CharField(_("name"), max_length=60)
    id_number = models.CharField(_("ID number"), max_length=30, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    relation_to_holder = models.CharField(_("relation to holder"), max_length=20, default="本人")
    # Staff search by the last four digits of a phone or an ID number (an ID may end in X):
    # kept by the database, so each look-up is an index scan.
    phone_last4 = models.GeneratedField(
        expression=Right("phone", 4),
        output_field=models.CharField(max_length=4),
        db_persist=True,
        db_index=True,
    )
    id_last4 = models.GeneratedField(
        expression=Right(Upper("id_number"), 4),
        output_field=models.CharField(max_length=4),
        db_persist=True,
        db_index=True,
    )

    class Meta:
        ordering = ["policy", "id"]
        verbose_name = _("insured person")
        verbose_name_plural = _("insured persons")
        indexes = [models.Index(fields=["name"], name="insured_name")]

    def __str__(self) -> str:
        return self.name


class Beneficiary(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="beneficiaries")
    name = models.CharField(_("name"), max_length=60)
    id_number = models.CharField(_("ID number"), max_length=30, blank=True)
    relation_to_insured = models.CharField(_("relation to insured"), max_length=20)
    share_percent = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        ordering = ["policy", "id"]
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")

    def __str__(self) -> str:
        return f"{self.name} {self.share_percent}%"


class BankAccount(models.Model):
    """An account that payments are made to: a customer's own, or (no owner) the account a
    beneficiary named for a death benefit (the beneficiaries are not users)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="bank_accounts",
    )
    bank_name = models.CharField(_("bank"), max_length=60)
    account_name = models.CharField(_("account name"), max_length=60)
    account_number = models.CharField(_("account number"), max_length=34)
    is_default = models.BooleanField(_("default account"), default=False)

    class Meta:
        ordering = ["owner", "-is_default", "id"]
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(is_default=True),
                name="one_default_account_per_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} ****{self.account_number[-4:]}"
