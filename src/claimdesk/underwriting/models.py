"""Underwriting applications (核保), their 问题件, decisions with signatures, and each
underwriter's authority. The case (owner, clocks, timeline) is the kernel's."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from claimdesk.money import money_field
from claimdesk.underwriting.rules import Outcome, QueryKind, Route

OUTCOME_LABELS = {
    Outcome.ACCEPT: _("Accepted at standard rates"),
    Outcome.ACCEPT_RATED: _("Accepted with an extra premium"),
    Outcome.ACCEPT_EXCLUSION: _("Accepted with an exclusion"),
    Outcome.POSTPONE: _("Postponed"),
    Outcome.DECLINE: pgettext_lazy("underwriting", "Declined"),
}
ROUTE_LABELS = {
    Route.AUTOMATIC: _("Automatic acceptance"),
    Route.MANUAL: _("Manual review"),
    Route.QUERY: _("Question to the applicant"),
}
QUERY_LABELS = {
    QueryKind.MEDICAL_EXAM: _("Medical exam"),
    QueryKind.QUESTIONS: _("Supplementary questions"),
    QueryKind.DOCUMENTS: _("Supplementary documents"),
}


class Application(models.Model):
    """A new-business application: what is proposed, for whom, and what was declared."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, primary_key=True, related_name="uw_application"
    )
    product = models.ForeignKey(
        "policies.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    sum_insured = money_field(_("sum insured"), validators=[MinValueValidator(Decimal("0.01"))])
    standard_premium = money_field(
        _("standard premium"), validators=[MinValueValidator(Decimal("0.01"))]
    )
    premium = money_field(_("premium as accepted"), null=True, blank=True)
    applicant_name = models.CharField(_("applicant"), max_length=60)
    insured_name = models.CharField(_("insured person"), max_length=60)
    insured_id_number = models.CharField(_("ID number"), max_length=30)
    insured_birth_date = models.DateField(_("birth date"))
    relation_to_applicant = models.CharField(
        _("relation to applicant"), max_length=20, default="本人"
    )
    occupation = models.CharField(_("occupation"), max_length=60)
    occupation_class = models.PositiveSmallIntegerField(
        _("occupation class"), validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    occupation_details = models.TextField(_("occupation details"), blank=True)
    # {question code: answered yes}; the questions are rules.HEALTH_QUESTIONS.
    health_answers = models.JSONField(_("health answers"), default=dict)
    health_details = models.TextField(_("health details"), blank=True)
    route = models.CharField(
        _("route"), max_length=12, choices=[(r.value, label) for r, label in ROUTE_LABELS.items()]
    )
    route_reasons = models.JSONField(_("route reasons"), default=list)
    submitted_at = models.DateTimeField(_("submitted"))
    policy = models.OneToOneField(
        "policies.Policy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="underwriting_application",
        verbose_name=_("policy issued"),
    )
    # A servicing request that changes the risk (an increase of the sum insured): the
    # decision goes back to it instead of issuing a policy.
    service_case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_applications",
        verbose_name=_("servicing request"),
    )
    policy_changed = models.ForeignKey(
        "policies.Policy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_applications",
        verbose_name=_("policy to change"),
    )

    class Meta:
        verbose_name = _("underwriting application")
        verbose_name_plural = _("underwriting applications")

    def __str__(self) -> str:
        return f"{self.case_id} {self.insured_name}"


class UnderwritingQuery(models.Model):
    """A 问题件: something asked of the applicant; open until answered."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="queries")
    kind = models.CharField(
        _("kind"), max_length=20, choices=[(k.value, label) for k, label in QUERY_LABELS.items()]
    )
    question = models.TextField(_("question"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["application", "raised_at", "id"]
        verbose_name = _("underwriting query")
        verbose_name_plural = _("underwriting queries")

    def __str__(self) -> str:
        return f"{self.application_id} {self.kind}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class DecisionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting signature")
    APPLIED = "applied", _("Applied")
    SUPERSEDED = "superseded", _("Superseded")


class UnderwritingDecision(models.Model):
    """A decision's terms as proposed; applied once it has the signatures it needs."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(
        _("decision"),
        max_length=20,
        choices=[(o.value, label) for o, label in OUTCOME_LABELS.items()],
    )
    reason = models.TextField(_("reason"))
    extra_premium_percent = models.DecimalField(
        _("extra premium (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    exclusion = models.TextField(_("exclusion clause"), blank=True)
    premium = money_field(_("premium"), null=True, blank=True)
    automatic = models.BooleanField(_("automatic"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=DecisionStatus.choices, default=DecisionStatus.PENDING
    )
    signatures_required = models.PositiveSmallIntegerField(default=1)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField()
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "-proposed_at", "-id"]
        verbose_name = _("underwriting decision")
        verbose_name_plural = _("underwriting decisions")

    def __str__(self) -> str:
        return f"{self.application_id} {self.outcome} ({self.status})"


class DecisionSignature(models.Model):
    """One signature on a decision, with the signer's authority at the time."""

    decision = models.ForeignKey(
        UnderwritingDecision, on_delete=models.CASCADE, related_name="signatures"
    )
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    authority = money_field(_("authority"))
    at = models.DateTimeField()

    class Meta:
        ordering = ["decision", "at"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "signer"], name="uw_signature_once")
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} {self.signer_id}"


class UnderwritingAuthority(models.Model):
    """How large a sum insured a person may accept or decline on their own signature
    (核保权限), and their grade in the chain; above it the case goes up."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="underwriting_authority",
        verbose_name=_("underwriter"),
    )
    grade = models.PositiveSmallIntegerField(
        _("grade"), default=1, help_text=_("1 junior underwriter, higher grades sign more.")
    )
    max_sum_insured = money_field(
        _("largest sum insured"), validators=[MinValueValidator(Decimal(0))]
    )

    class Meta:
        ordering = ["grade", "max_sum_insured"]
        verbose_name = _("underwriting authority")
        verbose_name_plural = _("underwriting authorities")

    def __str__(self) -> str:
        return f"{self.user} ≤ {self.max_sum_insured}"
