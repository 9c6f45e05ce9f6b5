"""Analytics: summary tables where the dashboard needs them.

``CaseSummary`` is one row per case that has a timeline (its type, opening, first closing,
when it entered the done status it is in now, whether it ever left a done status): "closed in
the period" and "not done at the end of the period" become index ranges instead of a probe
of the timeline per case.

The customer and channel of ``CaseSummary`` and its claim columns (product, disease, amounts claimed and paid, decision,
decided at, investigated) are what the business-value figures join for; they are derived by
the same statement from the claim, its confirmed payments and its timeline, and re-derived
when the claim or a payment of it is saved (``analytics.summaries``).

``SlaDay`` is the count of SLA clocks that ended, per local day × kind × rule × team × branch
of the case owner (met, breached): SLA compliance reads a few hundred rows per quarter instead
of half a million clocks; ``SurveyDay`` the same for survey answers per pair of scores (CSAT,
NPS). Kept by signal receivers when a clock stops, a survey is answered, a case changes owner
or a member of staff changes team or branch (``analytics.sla``).

``StageStay`` is one finished stay of a case in a status (from the event that put it there to
the next status event), with its seconds and the case's closing time denormalised, so the
stage figures read a few narrow rows per closed case by ``(kind, closed_at)`` instead of
running ``LEAD()`` over the whole timeline on every request. ``analytics.summaries`` keeps it
in step with the timeline (in the kernel's transaction) and the backfill migration builds it
for cases that existed before.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from claimdesk.analytics.rules import DIRECTION_CHOICES, KPI_CHOICES, Direction
from claimdesk.money import money_field


class StageStay(models.Model):
    """A finished stay of a case in one status; stays still running have no row."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=20)
    # Claim type as the metrics group it: the claim's loss type; a ticket's category.
    case_type = models.CharField(_("type"), max_length=40, null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=40)
    entered_at = models.DateTimeField(_("entered"))
    left_at = models.DateTimeField(_("left"))
    seconds = models.FloatField(_("seconds"))
    # When the case first reached "closed" (NULL while it has not): "closed in the period".
    closed_at = models.DateTimeField(_("case closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("stage stay")
        verbose_name_plural = _("stage stays")
        indexes = [
            models.Index(
                fields=["kind", "closed_at"],
                include=["stage", "case_type", "seconds", "case"],
                name="analytics_stay_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} {self.seconds:.0f}s"


class CaseSummary(models.Model):
    """Per case: the moments the dashboard's populations are defined by, from its timeline."""

    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("case"),
    )
    kind = models.CharField(_("kind"), max_length=20)
    case_type = models.CharField(_("type"), max_length=40, null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    # First transition into "closed" (NULL while none).
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # When the case entered the run of done statuses it is in now (closed / followed up /
    # withdrawn claims, resolved / closed tickets); NULL while it is not done.
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    # It left a done status at least once (a reopened ticket): "done at a moment" then needs
    # its timeline, not ``done_at``.
    reopened = models.BooleanField(_("reopened"), default=False)
    # The customer and the channel the case came in by (claim report / ticket channel).
    customer = models.ForeignKey(
        "auth.User",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    channel = models.CharField(_("channel"), max_length=20, blank=True, default="")
    # Claims only (NULL / empty / False for tickets): the policy's product; the disease (the
    # cause reported, critical illness only); the estimated amount at reporting; the sum of
    # its confirmed payments; the decision approved, when, and whether it was investigated.
    product = models.ForeignKey(
        "policies.Product",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    disease = models.CharField(_("disease"), max_length=200, null=True, blank=True)
    estimated_amount = money_field(_("estimated amount"), null=True, blank=True)
    paid_amount = money_field(_("paid"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=10, blank=True, default="")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    investigated = models.BooleanField(_("investigated"), default=False)

    class Meta:
        verbose_name = _("case summary")
        verbose_name_plural = _("case summaries")
        permissions = [
            ("view_analytics", "See dashboards and reports"),
        ]
        indexes = [
            models.Index(
                fields=["kind", "closed_at"],
                include=["case_type", "opened_at"],
                name="analytics_summary_closed",
            ),
            models.Index(
                fields=["kind", "done_at"],
                include=["opened_at", "reopened"],
                name="analytics_summary_done",
            ),
            models.Index(
                fields=["kind"],
                condition=models.Q(reopened=True),
                name="analytics_summary_reopened",
            ),
            models.Index(
                fields=["kind", "opened_at"],
                include=["case", "customer", "product", "channel"],
                name="analytics_summary_opened",
            ),
            models.Index(
                fields=["kind", "closed_at"],
                include=["case", "product", "disease", "estimated_amount", "paid_amount"],
                condition=models.Q(estimated_amount__isnull=False),
                name="analytics_summary_payout",
            ),
            models.Index(
                fields=["kind", "decided_at"],
                include=["case", "decision", "investigated", "product"],
                condition=models.Q(decided_at__isnull=False),
                name="analytics_summary_decided",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class SlaDay(models.Model):
    """SLA clocks that ended on one local day (Asia/Shanghai), per kind, rule and the team and
    branch of the case owner: how many were met and how many breached."""

    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=20)
    rule = models.ForeignKey(
        "cases.SlaRule", on_delete=models.CASCADE, related_name="+", verbose_name=_("SLA rule")
    )
    team = models.CharField(_("team"), max_length=60, blank=True, default="")
    branch = models.CharField(_("branch"), max_length=60, blank=True, default="")
    met = models.IntegerField(_("met"), default=0)
    breached = models.IntegerField(_("breached"), default=0)

    class Meta:
        verbose_name = _("SLA day")
        verbose_name_plural = _("SLA days")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "rule", "team", "branch"], name="analytics_sladay_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.rule_id} {self.team}: {self.met}/{self.breached}"


class StoredFigure(models.Model):
    """The stage percentiles of a period that is over, stored when first computed after its
    end (``analytics.stored``) and forgotten when a change touches a case closed in it."""

    code = models.CharField(_("figure"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    branch = models.CharField(_("branch"), max_length=60, blank=True, default="")
    product = models.CharField(_("product"), max_length=40, blank=True, default="")
    team = models.CharField(_("team"), max_length=60, blank=True, default="")
    computed_at = models.DateTimeField(_("computed"))
    result = models.JSONField(_("result"))

    class Meta:
        verbose_name = _("stored figure")
        verbose_name_plural = _("stored figures")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "kind", "start", "end", "branch", "product", "team"],
                name="analytics_storedfigure_key",
            ),
        ]
        indexes = [models.Index(fields=["kind", "start", "end"], name="analytics_stored_period")]

    def __str__(self) -> str:
        return f"{self.code} {self.kind} {self.start}–{self.end}"


class SurveyDay(models.Model):
    """Survey answers given on one local day (Asia/Shanghai), per kind of the case, team and
    branch of its owner and the pair of scores (-1: not answered): how many."""

    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=20)
    team = models.CharField(_("team"), max_length=60, blank=True, default="")
    branch = models.CharField(_("branch"), max_length=60, blank=True, default="")
    csat = models.SmallIntegerField(_("CSAT"))
    nps = models.SmallIntegerField(_("NPS"))
    answers = models.IntegerField(_("answers"), default=0)

    class Meta:
        verbose_name = _("survey day")
        verbose_name_plural = _("survey days")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "team", "branch", "csat", "nps"],
                name="analytics_surveyday_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.team} {self.csat}/{self.nps}: {self.answers}"


class RejectionClause(models.Model):
    """A policy clause a rejected claim's approved decision cites (one row per claim and
    clause), with the claim's product and decision time: the rejection figure's top clauses
    are a range of ``decided_at`` instead of the decisions' calculation JSON read per claim."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("case")
    )
    product = models.ForeignKey(
        "policies.Product",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("product"),
    )
    article = models.TextField(_("clause"))
    decided_at = models.DateTimeField(_("decided"))

    class Meta:
        verbose_name = _("rejection clause")
        verbose_name_plural = _("rejection clauses")
        indexes = [
            models.Index(
                fields=["decided_at"],
                include=["case", "product", "article"],
                name="analytics_clause_decided",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.article}"


class KpiTarget(models.Model):
    """The target an admin sets for one KPI: the dashboard and the white paper colour the
    figure against it (``analytics.rules.kpi_status``) and call it too few to judge below
    ``min_sample`` cases. Seeded from ``rules.DEFAULT_KPI_RULES`` by migration 0006."""

    code = models.CharField(_("KPI"), max_length=40, unique=True, choices=KPI_CHOICES)
    target = models.DecimalField(_("target"), max_digits=9, decimal_places=2)
    warning = models.DecimalField(
        _("warning line"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Between the target and this line the KPI is amber; beyond it, red."),
    )
    direction = models.CharField(_("better when"), max_length=10, choices=DIRECTION_CHOICES)
    min_sample = models.PositiveIntegerField(
        _("minimum sample"),
        help_text=_("With fewer cases behind the figure it shows “too few to judge”."),
    )
    basis = models.CharField(_("basis"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")

    def __str__(self) -> str:
        return str(self.get_code_display())

    def clean(self) -> None:
        if self.warning is None or self.target is None:
            return
        higher = self.direction == Direction.HIGHER
        if (higher and self.warning > self.target) or (not higher and self.warning < self.target):
            raise ValidationError(
                {"warning": _("The warning line must lie on the worse side of the target.")}
            )
