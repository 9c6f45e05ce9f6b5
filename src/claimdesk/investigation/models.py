"""Investigation and loss assessment: the admin's thresholds, illness list and text-check
terms; surveys with their reports, repair-shop objections, and the registry of appraisal
institutions."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from claimdesk.money import money_field
from claimdesk.policies.models import LOSS_TYPE_LABELS


class InvestigationSettings(models.Model):
    """The routing thresholds (one row; ``InvestigationSettings.current()`` reads it)."""

    online_loss_types = models.CharField(
        _("loss types assessed online"),
        max_length=100,
        default="auto",
        help_text=_("Comma-separated loss types, e.g. auto."),
    )
    online_limit = money_field(
        _("online assessment below (yuan)"),
        default=Decimal("5000"),
        validators=[MinValueValidator(0)],
    )
    early_loss_days = models.PositiveIntegerField(
        _("loss soon after policy start (days)"), default=30
    )
    near_sum_percent = models.PositiveSmallIntegerField(
        _("amount near the remaining sum insured (percent)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    repeat_count = models.PositiveSmallIntegerField(
        _("repeated claims: how many"),
        default=3,
        validators=[MinValueValidator(2)],
        help_text=_("Claims on the same policy or by the same insured, this one included."),
    )
    repeat_window_days = models.PositiveIntegerField(
        _("repeated claims: within days"), default=90, validators=[MinValueValidator(1)]
    )
    date_mismatch_days = models.PositiveIntegerField(
        _("document date differs from the loss date by more than (days)"), default=15
    )

    class Meta:
        verbose_name = _("investigation settings")
        verbose_name_plural = _("investigation settings")

    def __str__(self) -> str:
        return str(_("Investigation settings"))

    @classmethod
    def current(cls) -> InvestigationSettings:
        """The admin's row, or the defaults when none was saved."""
        return cls.objects.order_by("pk").first() or cls()

    def online_types(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.online_loss_types.split(",") if t.strip())

    def clean(self) -> None:
        unknown = self.online_types() - {str(k) for k in LOSS_TYPE_LABELS}
        if unknown:
            raise ValidationError(
                {"online_loss_types": _("Unknown loss types: %(t)s") % {"t": ", ".join(unknown)}}
            )


class Disease(models.Model):
    """An illness of the taxonomy (seeded from ``data/diseases.json``): its ICD-10 code (or
    range, e.g. C00-C97), Chinese name and synonyms. A diagnosis text naming any of them maps
    to the code, and the code to the listed condition it lies under."""

    code = models.CharField(_("ICD-10 code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    synonyms = models.JSONField(_("synonyms"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("disease")
        verbose_name_plural = _("diseases")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CriticalIllness(models.Model):
    """A common critical illness that gets the simplified investigation path: its ICD-10
    code (subtypes below it count) and name."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    code = models.CharField(
        _("ICD-10 code"),
        max_length=20,
        blank=True,
        help_text=_("Diagnoses under this code (subtypes included) take the simplified path."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("common critical illness")
        verbose_name_plural = _("common critical illnesses")

    def __str__(self) -> str:
        return self.name


class TermKind(models.TextChoices):
    PRE_EXISTING = "pre_existing", _("pre-existing condition hint")
    EXCLUSION = "exclusion", _("exclusion trigger")


class ExclusionTerm(models.Model):
    """A word the text checks look for in diagnosis and invoice text.

    Without a product it applies to every product (of ``loss_type`` if set); without a
    clause the product's exclusion clause that mentions the term (else its first exclusion
    clause) is shown.
    """

    product = models.ForeignKey(
        "policies.Product",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
        help_text=_("Empty: every product."),
    )
    loss_type = models.CharField(
        _("loss type"),
        max_length=20,
        choices=list(LOSS_TYPE_LABELS.items()),
        blank=True,
        help_text=_("Empty: every loss type."),
    )
    term = models.CharField(_("term"), max_length=40)
    codes = models.CharField(
        _("ICD-10 codes"),
        max_length=200,
        blank=True,
        help_text=_(
            "Comma-separated codes or ranges, e.g. B20-B24, Z21: a diagnosis under any of "
            "them is a hit, by whatever name the text uses."
        ),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TermKind.choices)
    clause = models.ForeignKey(
        "policies.Clause",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clause"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "term"]
        verbose_name = _("text-check term")
        verbose_name_plural = _("text-check terms")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "loss_type", "term", "kind"], name="exclusion_term_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.get_kind_display()})"


class SurveyStatus(models.TextChoices):
    ASSIGNED = "assigned", pgettext_lazy("survey status", "assigned")
    REPORTED = "reported", pgettext_lazy("survey status", "reported")
    CANCELLED = "cancelled", pgettext_lazy("survey status", "cancelled")


class Survey(models.Model):
    """An on-site survey of a claim: the surveyor's task and, once done, their report."""

    claim = models.ForeignKey(
        "claims.Claim",
        on_delete=models.PROTECT,
        related_name="site_surveys",
        verbose_name=_("claim"),
    )
    surveyor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="site_surveys",
        verbose_name=_("surveyor"),
    )
    task = models.OneToOneField(
        "cases.Task", on_delete=models.PROTECT, related_name="survey", verbose_name=_("task")
    )
    certificate = models.SlugField(_("certificate required"), max_length=40, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned"))
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.ASSIGNED
    )
    findings = models.TextField(_("findings"), blank=True)
    assessed_loss = money_field(_("assessed loss"), null=True, blank=True)
    method = models.TextField(_("how the loss was computed"), blank=True)
    basis = models.TextField(_("basis"), blank=True)
    photos = models.ManyToManyField(
        "documents.Document", blank=True, related_name="+", verbose_name=_("photos")
    )
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    signature = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signature of the on-site party"),
    )
    signer_name = models.CharField(_("signed by (on-site party)"), max_length=60, blank=True)

    class Meta:
        ordering = ["-assigned_at", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            # One survey under way per claim; a new one only after the last was reported.
            models.UniqueConstraint(
                fields=["claim"],
                condition=models.Q(status="assigned"),
                name="survey_one_open_per_claim",
            )
        ]

    def __str__(self) -> str:
        return f"{self.claim} → {self.surveyor}"


class SurveyLossItem(models.Model):
    """One line of the surveyor's loss list (a part, a repair, labour): what, how many, and
    its amount; the survey's assessed loss is their sum."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="loss_items", verbose_name=_("survey")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("loss item"), max_length=100)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    amount = money_field(_("amount (yuan)"), validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["survey", "position"]
        verbose_name = _("loss item")
        verbose_name_plural = _("loss items")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "position"], name="survey_loss_item_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}: {self.amount}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("repair objection", "open")
    RESOLVED = "resolved", pgettext_lazy("repair objection", "resolved")


class RepairObjection(models.Model):
    """A repair shop disputes the assessed loss; re-checked within 24 hours."""

    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="objections", verbose_name=_("survey")
    )
    shop = models.CharField(_("repair shop"), max_length=100)
    text = models.TextField(_("objection"))
    amount_claimed = money_field(
        _("amount the shop claims"),
        validators=[MinValueValidator(0)],
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised"))
    deadline = models.ForeignKey(
        "cases.Deadline", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    resolution = models.TextField(_("re-check result"), blank=True)
    rechecked_amount = money_field(
        _("amount after re-check"),
        null=True,
        blank=True,
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("repair-shop objection")
        verbose_name_plural = _("repair-shop objections")

    def __str__(self) -> str:
        return f"{self.shop}: {self.amount_claimed}"


class AppraisalInstitution(models.Model):
    """A qualified third-party appraisal institution (e.g. disability) in the registry."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    qualifications = models.CharField(
        _("qualifications"),
        max_length=200,
        help_text=_("Comma-separated, e.g. disability, vehicle."),
    )
    region = models.CharField(_("region"), max_length=60)
    licence_no = models.CharField(_("licence number"), max_length=60, blank=True)
    licence_expires_on = models.DateField(
        _("licence expires on"),
        null=True,
        blank=True,
        help_text=_("After this day the institution is no longer chosen; empty: no expiry."),
    )
    active = models.BooleanField(_("active"), default=True)
    last_selected_at = models.DateTimeField(_("last selected"), null=True, blank=True)
    times_selected = models.PositiveIntegerField(_("times selected"), default=0)

    class Meta:
        ordering = ["region", "name"]
        verbose_name = _("appraisal institution")
        verbose_name_plural = _("appraisal institutions")

    def __str__(self) -> str:
        return self.name

    def qualification_set(self) -> frozenset[str]:
        return frozenset(q.strip() for q in self.qualifications.split(",") if q.strip())

    def licensed_on(self, day) -> bool:
        """Whether its licence is valid on ``day`` (no expiry recorded: valid)."""
        return self.licence_expires_on is None or day <= self.licence_expires_on


class AppraisalReferral(models.Model):
    """Which institution the selection rule chose for a claim, when and for whom."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="appraisals")
    institution = models.ForeignKey(
        AppraisalInstitution, on_delete=models.PROTECT, related_name="referrals"
    )
    qualification = models.CharField(_("qualification"), max_length=40)
    selected_at = models.DateTimeField(_("selected"))

    class Meta:
        ordering = ["-selected_at"]
        verbose_name = _("appraisal referral")
        verbose_name_plural = _("appraisal referrals")

    def __str__(self) -> str:
        return f"{self.claim} → {self.institution}"
