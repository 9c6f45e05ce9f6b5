"""A claim: the claim-specific detail of a Case, its one-time checklist, and the
idempotency keys that make retried reports safe."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from claimdesk.policies.models import LOSS_TYPE_LABELS, MONEY


class Channel(models.TextChoices):
    PORTAL = "portal", _("customer portal")
    API = "api", _("API")
    HOTLINE = "hotline", _("hotline")
    BULK = "bulk", _("bulk import")


class Decision(models.TextChoices):
    APPROVE = "approve", _("approve")
    PARTIAL = "partial", _("partial payment")
    REJECT = "reject", _("reject")


class Claim(models.Model):
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, primary_key=True, related_name="claim"
    )
    policy = models.ForeignKey("policies.Policy", on_delete=models.PROTECT, related_name="claims")
    insured_name = models.CharField(_("insured person"), max_length=60)
    loss_time = models.DateTimeField(_("time of loss"))
    loss_place = models.CharField(_("place of loss"), max_length=200, blank=True)
    loss_cause = models.CharField(_("cause"), max_length=200)
    description = models.TextField(_("course of events"), blank=True)
    loss_type = models.CharField(
        _("loss type"), max_length=20, choices=list(LOSS_TYPE_LABELS.items())
    )
    estimated_amount = models.DecimalField(_("estimated amount"), null=True, blank=True, **MONEY)
    contact_phone = models.CharField(_("contact phone"), max_length=30)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    flags = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    possible_duplicates = models.ManyToManyField("self", blank=True, symmetrical=True)
    materials_complete_at = models.DateTimeField(null=True, blank=True)
    # 容缺受理: the claim went on without some non-core items; the customer is reminded of
    # them every few working days (see services.claims_chase_missing_items).
    materials_chased_at = models.DateTimeField(null=True, blank=True)
    materials_chase_count = models.PositiveSmallIntegerField(default=0)
    # The approved decision (services.decision_approve): what finance pays and the
    # customer is told. Empty until a decision is approved.
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, blank=True
    )
    approved_amount = models.DecimalField(
        _("approved amount"), null=True, blank=True, **MONEY
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        indexes = [models.Index(fields=["policy", "loss_time"], name="claim_policy_loss")]

    def __str__(self) -> str:
        return str(self.case)

    @property
    def number(self) -> str:
        return self.case.number


class ChecklistTemplateItem(models.Model):
    """An item of the one-time checklist for a loss type (optionally one product only)."""

    loss_type = models.CharField(
        _("loss type"), max_length=20, choices=list(LOSS_TYPE_LABELS.items())
    )
    product = models.ForeignKey(
        "policies.Product",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Empty: every product of the type."),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    core = models.BooleanField(
        _("core"),
        default=True,
        help_text=_(
            "Core items must be accepted before the case moves "
            "on; missing non-core items are chased (容缺受理)."
        ),
    )
    lasting = models.BooleanField(
        _("reusable"),
        default=False,
        help_text=_("Identity or bank documents reused on later claims."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["loss_type", "position", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(
                fields=["loss_type", "product", "code"], name="checklist_item_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.loss_type}/{self.name}"


class ItemState(models.TextChoices):
    MISSING = "missing", _("missing")
    RECEIVED = "received", _("received")
    ACCEPTED = "accepted", _("accepted")
    RETURNED = "returned", _("returned")


class ClaimItem(models.Model):
    """One checklist item of one claim and where it stands."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    core = models.BooleanField()
    lasting = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=ItemState.choices, default=ItemState.MISSING)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["claim", "id"]
        constraints = [models.UniqueConstraint(fields=["claim", "code"], name="claim_item_unique")]

    def __str__(self) -> str:
        return f"{self.claim_id}/{self.code} {self.state}"


class IdempotencyKey(models.Model):
    """A client's retry key: the same key from the same user returns the same claim."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
