"""A claim: the claim-specific detail of a Case, its one-time checklist, and the
idempotency keys that make retried reports safe."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Right
from django.utils.translation import gettext_lazy as _

from claimdesk.claims.rules import is_small_claim
from claimdesk.money import money_field
from claimdesk.policies.models import LOSS_TYPE_LABELS


class Channel(models.TextChoices):
    PORTAL = "portal", _("customer portal")
    API = "api", _("API")
    HOTLINE = "hotline", _("hotline")
    BULK = "bulk", _("bulk import")
    DIRECT = "direct", _("Direct settlement")


class Decision(models.TextChoices):
    APPROVE = "approve", _("approve")
    PARTIAL = "partial", _("partial payment")
    REJECT = "reject", _("reject")


class Claim(models.Model):
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, primary_key=True, related_name="claim"
    )
    policy = models.ForeignKey(
        "policies.Policy", on_delete=models.PROTECT, related_name="claims", db_index=False
    )  # claim_policy_loss leads with it
    insured_name = models.CharField(_("insured person"), max_length=60)
    loss_time = models.DateTimeField(_("time of loss"))
    loss_place = models.CharField(_("place of loss"), max_length=200, blank=True)
    loss_cause = models.CharField(_("cause"), max_length=200)
    description = models.TextField(_("course of events"), blank=True)
    loss_type = models.CharField(
        _("loss type"), max_length=20, choices=list(LOSS_TYPE_LABELS.items())
    )
    estimated_amount = money_field(_("estimated amount"), null=True, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30)
    # Staff search a caller by the last four digits: kept by the database on every write
    # (bulk intake included), so the look-up is an index scan.
    contact_phone_last4 = models.GeneratedField(
        expression=Right("contact_phone", 4),
        output_field=models.CharField(max_length=4),
        db_persist=True,
        db_index=True,
    )
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
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    approved_amount = money_field(_("approved amount"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # 结案归档: set when the claim closes; its file is frozen from then on.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        permissions = [
            ("handle_intake", "Take reports and review materials"),
            ("handle_survey", "Survey and assess losses"),
            ("decide_claim", "Decide claims"),
            ("handle_payment", "Execute payments"),
            ("handle_followup", "Do follow-ups"),
        ]
        indexes = [
            models.Index(fields=["policy", "loss_time"], name="claim_policy_loss"),
            models.Index(fields=["insured_name"], name="claim_insured_name"),
        ]

    def __str__(self) -> str:
        return str(self.case)

    @property
    def number(self) -> str:
        return self.case.number

    @property
    def is_small(self) -> bool:
        """A small case (小额案件): paid on the 24-hour commitment."""
        return is_small_claim(self.loss_type, self.estimated_amount)


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


# What the customer reads for an item a document already on file covers (§22 一次性告知,
# 一次提交、全程复用): it is never asked for again.
ON_FILE_LABEL = _("On file, no need to hand in again")
REUSED_DOCUMENTS = "reused_documents"
WAIVED_LABEL = _("Not needed for a small claim")


class ClaimItemQuerySet(models.QuerySet["ClaimItem"]):
    def with_reuse(self) -> ClaimItemQuerySet:
        """Each item with the count of documents reused onto it from earlier claims, so
        ``on_file`` reads without a query per item."""
        reused = models.Count("documents", filter=models.Q(documents__reused_from__isnull=False))
        # Into the attribute ``ClaimItem`` declares (a keyword would make the type checker
        # see a second one).
        return self.annotate(**{REUSED_DOCUMENTS: reused})


class ClaimItem(models.Model):
    """One checklist item of one claim and where it stands."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="items", db_index=False
    )  # claim_item_unique leads with it
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    core = models.BooleanField()
    lasting = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=ItemState.choices, default=ItemState.MISSING)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # Not needed for this claim: a small claim decided straight through asks only for its
    # line's small-claim materials (小额案件简化材料); never chased, never blocks review.
    waived = models.BooleanField(_("waived"), default=False, db_default=False)
    updated_at = models.DateTimeField()

    objects = ClaimItemQuerySet.as_manager()
    # Set by ``with_reuse()`` (or by whoever knows there is none); None: not read yet.
    reused_documents: int | None = None

    class Meta:
        ordering = ["claim", "id"]
        constraints = [models.UniqueConstraint(fields=["claim", "code"], name="claim_item_unique")]

    def __str__(self) -> str:
        return f"{self.claim_id}/{self.code} {self.state}"

    @property
    def on_file(self) -> bool:
        """Covered by a document already on file (reused from an earlier claim) and not
        returned since: the customer is not asked for it again."""
        if self.state not in (ItemState.RECEIVED, ItemState.ACCEPTED):
            return False
        if self.reused_documents is None:  # read without ``with_reuse()``
            return self.documents.filter(reused_from__isnull=False).exists()
        return self.reused_documents > 0

    @property
    def state_label(self) -> str:
        """The state in the reader's words; an item on file says it needs nothing more."""
        if self.waived and self.state != ItemState.ACCEPTED:
            return str(WAIVED_LABEL)
        return str(ON_FILE_LABEL) if self.on_file else str(self.get_state_display())


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


class LossItem(models.Model):
    """An accepted loss item the calculator works from: what is claimed, under which
    coverage, and any exclusion an adjuster applied (with the clause it rests on)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="loss_items")
    coverage = models.SlugField(_("coverage"), max_length=40)
    label = models.CharField(_("item"), max_length=120)
    amount = money_field(_("amount claimed"))
    liability = models.DecimalField(
        _("liability ratio"),
        max_digits=4,
        decimal_places=3,
        default=1,
        help_text=_("The insured side's share of responsibility, 0–1 (auto)."),
    )
    illness = models.BooleanField(_("illness"), default=False)
    days = models.PositiveSmallIntegerField(
        _("days"),
        null=True,
        blank=True,
        help_text=_("Days the item covers (e.g. days in hospital), for a limit per day."),
    )
    exclusion = models.ForeignKey(
        "policies.Clause",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exclusion applied"),
    )
    exclusion_reason = models.CharField(_("why excluded"), max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["claim", "id"]
        verbose_name = _("loss item")
        verbose_name_plural = _("loss items")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="loss_item_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(liability__gte=0, liability__lte=1),
                name="loss_item_liability_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.label} {self.amount}"


class ApprovalRule(models.Model):
    """From ``min_amount`` on, a decision needs ``approvals`` approvals (multi-level)."""

    min_amount = money_field(_("from amount"), unique=True)
    approvals = models.PositiveSmallIntegerField(_("approvals needed"))

    class Meta:
        ordering = ["min_amount"]
        verbose_name = _("approval threshold")
        verbose_name_plural = _("approval thresholds")

    def __str__(self) -> str:
        return f"≥ {self.min_amount}: {self.approvals}"


class DecisionStage(models.TextChoices):
    """先予支付 (§25): the part that can be fixed is decided and paid first (interim); the
    final decision fixes the whole amount and pays the balance."""

    INTERIM = "interim", _("interim payment")
    FINAL = "final", _("final decision")
    # An approved decision reopened on review (an automatic decision's QA): recalculated
    # from the reviewer's corrections and approved with the same four eyes and authority.
    REVISION = "revision", _("revised decision")


class DecisionStatus(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned")
    SUPERSEDED = "superseded", _("superseded")
    # Was the claim's approved decision until a revised decision was approved.
    REVISED = "revised", _("revised on review")


class ClaimDecision(models.Model):
    """A proposed decision with its calculation, waiting for approvals by others.

    At most one is pending per claim; the one approved is what the claim records.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="decisions")
    stage = models.CharField(
        _("stage"), max_length=10, choices=DecisionStage.choices, default=DecisionStage.FINAL
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    amount = money_field(_("amount"))
    reason = models.TextField(_("reason"), blank=True)
    calculation = models.JSONField(encoder=DjangoJSONEncoder)
    approvals_required = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Decided straight through (闪赔) by the system under the admin's small-claim rules, with
    # the rules it passed; the calculation is the same as a person's.
    automatic = models.BooleanField(_("automatic"), default=False)
    rules_passed = models.JSONField(
        _("rules passed"), default=list, blank=True, encoder=DjangoJSONEncoder
    )
    # A revised decision: the loss items as the reviewer corrected them (what the
    # calculation was made from; written to the loss items when the revision is approved).
    revised_items = models.JSONField(
        _("corrected loss items"), default=list, blank=True, encoder=DjangoJSONEncoder
    )

    class Meta:
        ordering = ["claim", "-proposed_at"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["claim"],
                condition=models.Q(status="pending"),
                name="one_pending_decision_per_claim",
            ),
            models.UniqueConstraint(
                fields=["claim", "stage"],
                condition=models.Q(status="approved"),
                name="one_approved_decision_per_stage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.decision} {self.amount} {self.status}"


class DecisionApproval(models.Model):
    decision = models.ForeignKey(ClaimDecision, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    limit = money_field()  # the approver's limit when they approved
    at = models.DateTimeField()

    class Meta:
        ordering = ["decision", "at"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "approver"], name="one_approval_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} by {self.approver_id}"


# --- policy-year accumulators -----------------------------------------------------------------


class Period(models.TextChoices):
    CLAIM = "claim", _("per claim")
    POLICY_YEAR = "policy_year", _("per policy year")


class CoverageBasis(models.Model):
    """How a product's coverage accumulates across claims, and the clause each step of the
    calculation cites. Keyed by codes (the product's terms live in ``policies``); without a
    row a coverage's deductible applies per claim and its limit per policy year."""

    product_code = models.SlugField(_("product"), max_length=40)
    coverage_code = models.SlugField(_("coverage"), max_length=40)
    deductible_period = models.CharField(
        _("deductible applies"), max_length=12, choices=Period.choices, default=Period.CLAIM
    )
    limit_period = models.CharField(
        _("limit applies"), max_length=12, choices=Period.choices, default=Period.POLICY_YEAR
    )
    event_limit = money_field(
        _("limit per event"),
        null=True,
        blank=True,
        help_text=_("A sub-limit for each claim (event) within the coverage's limit."),
    )
    day_limit = money_field(
        _("limit per day"),
        null=True,
        blank=True,
        help_text=_("A sub-limit per day for items that state their days (e.g. bed fees)."),
    )
    deductible_article = models.CharField(_("deductible clause"), max_length=20, blank=True)
    ratio_article = models.CharField(_("ratio clause"), max_length=20, blank=True)
    limit_article = models.CharField(_("limit clause"), max_length=20, blank=True)

    class Meta:
        ordering = ["product_code", "coverage_code"]
        verbose_name = _("coverage accumulation")
        verbose_name_plural = _("coverage accumulations")
        constraints = [
            models.UniqueConstraint(
                fields=["product_code", "coverage_code"], name="one_basis_per_coverage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_code}/{self.coverage_code}"


class Accumulator(models.Model):
    """What one policy year has used of one coverage for one insured person: the part of
    the deductible borne and the part of the limit taken (reserved at approval).

    ``coverage`` empty: the policy's sum insured over its whole term (``insured_name``
    empty too). The totals are the sum of the movements; approvals and payments lock the
    row (after the claim's case) so two claims never spend the same room.
    """

    policy = models.ForeignKey(
        "policies.Policy", on_delete=models.PROTECT, related_name="+", db_index=False
    )  # one_accumulator_per_period leads with it
    insured_name = models.CharField(_("insured person"), max_length=60, blank=True)
    coverage = models.SlugField(_("coverage"), max_length=40, blank=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    deductible_used = money_field(_("deductible borne"), default=0)
    limit_used = money_field(_("limit used"), default=0)

    class Meta:
        ordering = ["policy", "period_start", "insured_name", "coverage"]
        verbose_name = _("accumulator")
        verbose_name_plural = _("accumulators")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "insured_name", "coverage", "period_start"],
                name="one_accumulator_per_period",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.policy_id}/{self.insured_name or '*'}/{self.coverage or 'sum_insured'} "
            f"{self.period_start}: {self.deductible_used} + {self.limit_used}"
        )


class MovementKind(models.TextChoices):
    RESERVE = "reserve", _("reserved at approval")
    RELEASE = "release", _("given back: payment failed")
    RETAKE = "retake", _("taken again: payment retried")


class AccumulatorMovement(models.Model):
    """One change of an accumulator and what caused it (a decision, a payment)."""

    accumulator = models.ForeignKey(Accumulator, on_delete=models.PROTECT, related_name="movements")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="+")
    decision = models.ForeignKey(
        ClaimDecision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payment_reference = models.CharField(_("payment"), max_length=32, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=MovementKind.choices)
    deductible = money_field(_("deductible"), default=0)
    amount = money_field(_("amount"), default=0)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["accumulator", "at", "id"]
        verbose_name = _("accumulator movement")
        verbose_name_plural = _("accumulator movements")
        indexes = [models.Index(fields=["claim", "accumulator"], name="movement_claim")]

    def __str__(self) -> str:
        return f"{self.accumulator_id} {self.kind} {self.deductible}/{self.amount}"


# --- case reserves (未决赔款准备金) -------------------------------------------------------------


class ReserveMethod(models.TextChoices):
    AVERAGE = "average", _("average of the product and loss type")
    ESTIMATE = "estimate", _("the reported estimate")


class ReserveRule(models.Model):
    """How a new claim's first reserve is set, per loss type (optionally one product only).

    ``average``: the average decided amount of the product's claims of the loss type over
    the last year (at least ``min_sample`` of them), else ``average_amount``; ``estimate``:
    the reporter's estimate when given, else the average. Without a row: the average, with
    the defaults of ``rules.DEFAULT_RESERVE_AVERAGES``."""

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
    method = models.CharField(
        _("first reserve from"),
        max_length=10,
        choices=ReserveMethod.choices,
        default=ReserveMethod.AVERAGE,
    )
    average_amount = money_field(
        _("average when history is thin"),
        help_text=_("Used while fewer decided claims than the sample size exist."),
    )
    min_sample = models.PositiveSmallIntegerField(_("sample size"), default=20)

    class Meta:
        ordering = ["loss_type", "product"]
        verbose_name = _("reserve rule")
        verbose_name_plural = _("reserve rules")
        constraints = [
            models.UniqueConstraint(fields=["loss_type", "product"], name="one_reserve_rule")
        ]

    def __str__(self) -> str:
        return f"{self.loss_type}/{self.product_id or '*'} {self.method}"


class ReserveStep(models.TextChoices):
    """What moved the reserve."""

    REGISTERED = "registered", _("registration")
    SURVEY = "survey", _("survey result")
    CALCULATION = "calculation", _("calculation")
    DECISION = "decision", _("decision")
    PAYMENT = "payment", _("payment")
    RECOVERY = "recovery", _("recovery received")
    MANUAL = "manual", _("manual adjustment")
    CLOSED = "closed", _("claim closed")


class ReserveQuerySet(models.QuerySet["ReserveMovement"]):
    def update(self, **kwargs):
        raise TypeError("reserve movements are append-only")

    def delete(self):
        raise TypeError("reserve movements are append-only")


class ReserveMovement(models.Model):
    """One change of a claim's case reserve (the amount still expected to be paid): the new
    reserve, the change, the step and reason, who made it and whose authority covers it.

    Never changed, never deleted; each one is also a timeline line the evidence ledger
    chains (``reserve_changed``)."""

    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, related_name="reserve_movements", db_index=False
    )  # reserve_claim_at leads with it
    step = models.CharField(_("step"), max_length=12, choices=ReserveStep.choices)
    amount = money_field(_("reserve"))
    change = money_field(_("change"))
    # What the step paid out, or received from a third party or salvage (net cost = paid
    # less recovered).
    paid = money_field(_("paid in this step"), default=0)
    recovered = money_field(_("recovered in this step"), default=0)
    reason = models.CharField(_("reason"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("within the authority of"),
    )
    authority_limit = money_field(_("their reserve authority"), null=True, blank=True)
    at = models.DateTimeField(_("when"))

    objects = ReserveQuerySet.as_manager()

    class Meta:
        ordering = ["claim", "at", "id"]
        verbose_name = _("reserve movement")
        verbose_name_plural = _("reserve movements")
        indexes = [models.Index(fields=["claim", "at", "id"], name="reserve_claim_at")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="reserve_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.step} {self.amount} ({self.change:+})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("reserve movements are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("reserve movements are append-only")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("awaiting a higher signature")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")
    SUPERSEDED = "superseded", _("superseded")


class ReserveRequest(models.Model):
    """A manual reserve change above its maker's reserve authority, waiting for the
    signature of someone whose authority covers it (escalated level by level)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="reserve_requests")
    amount = money_field(_("reserve asked for"))
    reason = models.CharField(_("reason"), max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["claim", "-requested_at"]
        verbose_name = _("reserve change request")
        verbose_name_plural = _("reserve change requests")
        constraints = [
            models.UniqueConstraint(
                fields=["claim"],
                condition=models.Q(status="pending"),
                name="one_pending_reserve_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} → {self.amount} {self.status}"
