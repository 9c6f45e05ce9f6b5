"""Compliance: forbidden-phrase rules, the override log, held notifications, QA sampling."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from claimdesk.compliance import rules

User = settings.AUTH_USER_MODEL


class RuleKind(models.TextChoices):
    LITERAL = rules.Kind.LITERAL, _("term")
    REGEX = rules.Kind.REGEX, _("regular expression")
    CLASS = rules.Kind.CLASS, _("class of promises")


class RuleSeverity(models.TextChoices):
    BLOCK = rules.Severity.BLOCK, _("block")
    WARN = rules.Severity.WARN, _("warn")


class RuleCategory(models.TextChoices):
    ABSOLUTE = rules.Category.ABSOLUTE, _("absolute promise")
    MISLEADING = rules.Category.MISLEADING, _("misleading statement")
    GUARANTEED_RETURN = rules.Category.GUARANTEED_RETURN, _("risk-free or guaranteed return")
    OTHER = rules.Category.OTHER, _("other")


class ComplianceRule(models.Model):
    """A forbidden term or pattern; admins add, edit and switch rules off here."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    pattern = models.CharField(
        _("term or pattern"),
        max_length=200,
        help_text=_(
            "A term is matched however it is spaced, full-width or written in traditional "
            "characters. A regular expression is matched in the normalised text: lower case, "
            "no spaces or separators, full-width folded, 百分之百 written as 100%. "
            "A class of promises names one of the built-in classes by its code."
        ),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=RuleKind.choices, default=RuleKind.LITERAL
    )
    category = models.CharField(
        _("category"), max_length=30, choices=RuleCategory.choices, default=RuleCategory.ABSOLUTE
    )
    reason = models.CharField(
        _("reason"),
        max_length=300,
        blank=True,
        help_text=_("Shown to the agent; empty means the category's standard reason."),
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=RuleSeverity.choices, default=RuleSeverity.BLOCK
    )
    exceptions = models.TextField(
        _("allowed phrases"),
        blank=True,
        help_text=_("One per line: phrases containing the term that are fine, e.g. 保证保险."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("compliance rule")
        verbose_name_plural = _("compliance rules")
        permissions = [
            ("override_compliance", "Let a blocked message go out (logged)"),
            ("score_quality", "Score QA samples"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.pattern}"

    def clean(self) -> None:
        if self.kind == RuleKind.REGEX:
            error = rules.regex_error(self.pattern)
            if error:
                raise ValidationError({"pattern": _("Not a valid regular expression: %s") % error})
            compiled = rules.compile_rule(self.as_rule())
            if compiled is not None and compiled.fullmatch(""):
                raise ValidationError({"pattern": _("The pattern must not match empty text.")})
        elif self.kind == RuleKind.CLASS:
            if self.pattern not in rules.PROMISE_CLASSES:
                raise ValidationError(
                    {
                        "pattern": _("No such class of promises; the classes are: %s")
                        % ", ".join(rules.PROMISE_CLASSES)
                    }
                )
        elif not rules.normalise(self.pattern)[0]:
            raise ValidationError({"pattern": _("The term is empty once normalised.")})

    def as_rule(self) -> rules.Rule:
        return rules.Rule(
            code=self.code,
            pattern=self.pattern,
            kind=self.kind,
            category=self.category,
            reason=self.reason,
            severity=self.severity,
            exceptions=tuple(w.strip() for w in self.exceptions.splitlines() if w.strip()),
        )


class OverrideLog(models.Model):
    """A blocked message that went out anyway because a manager said so. Never edited."""

    created_at = models.DateTimeField(_("when"))
    context = models.CharField(_("context"), max_length=100)
    text = models.TextField(_("text"))
    violations = models.JSONField(_("violations"), default=list, encoder=DjangoJSONEncoder)
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    manager = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("overridden by")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("compliance override")
        verbose_name_plural = _("compliance overrides")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.context}"


class NotificationHold(models.Model):
    """Why an outbox row is held, and who released it. One per held notification row."""

    notification = models.OneToOneField(
        "notify.Notification", on_delete=models.CASCADE, related_name="compliance_hold"
    )
    held_at = models.DateTimeField(_("held"))
    violations = models.JSONField(_("violations"), default=list, encoder=DjangoJSONEncoder)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("released by"),
    )
    override = models.ForeignKey(
        OverrideLog, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-held_at", "-id"]
        verbose_name = _("held notification")
        verbose_name_plural = _("held notifications")

    def __str__(self) -> str:
        return f"{self.notification_id} {self.held_at:%Y-%m-%d %H:%M}"


class QaSettings(models.Model):
    """Admin-tunable QA sampling; a single row."""

    sample_size = models.PositiveSmallIntegerField(
        _("sample size per agent and week"),
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("How many closed tickets, and as many call transcripts, per agent."),
    )

    class Meta:
        verbose_name = _("QA sampling settings")
        verbose_name_plural = _("QA sampling settings")

    def __str__(self) -> str:
        return str(_("QA sampling settings"))


class CallTranscript(models.Model):
    """A phone call as text (there is no offline Chinese speech recognition: it arrives typed)."""

    agent = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="call_transcripts", verbose_name=_("agent")
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    called_at = models.DateTimeField(_("call time"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"))
    uploaded_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("call transcript")
        verbose_name_plural = _("call transcripts")
        indexes = [models.Index(fields=["agent", "uploaded_at"], name="transcript_agent_up")]

    def __str__(self) -> str:
        return self.title or f"{self.agent} {self.uploaded_at:%Y-%m-%d %H:%M}"


class QaItem(models.TextChoices):
    TICKET = "ticket", _("closed ticket")
    TRANSCRIPT = "transcript", _("call transcript")


class QaStatus(models.TextChoices):
    QUEUED = "queued", _("to score")
    SCORED = "scored", _("scored")


class QaReview(models.Model):
    """One sampled ticket or transcript waiting for (or holding) a manager's score card."""

    item = models.CharField(_("item"), max_length=12, choices=QaItem.choices)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket"),
    )
    transcript = models.ForeignKey(
        CallTranscript,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("call transcript"),
    )
    agent = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="qa_reviews", verbose_name=_("agent")
    )
    week_start = models.DateField(_("week"))
    queued_at = models.DateTimeField(_("queued"))
    hits = models.JSONField(
        _("automatic check hits"), default=list, blank=True, encoder=DjangoJSONEncoder
    )
    status = models.CharField(
        _("status"), max_length=10, choices=QaStatus.choices, default=QaStatus.QUEUED
    )
    score_compliance = models.PositiveSmallIntegerField(_("compliance score"), null=True)
    score_accuracy = models.PositiveSmallIntegerField(_("accuracy"), null=True)
    score_attitude = models.PositiveSmallIntegerField(_("attitude"), null=True)
    score_timeliness = models.PositiveSmallIntegerField(_("timeliness"), null=True)
    comment = models.TextField(_("comment"), blank=True)
    scored_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scored by"),
    )
    scored_at = models.DateTimeField(_("scored"), null=True, blank=True)

    class Meta:
        ordering = ["status", "-week_start", "id"]
        verbose_name = _("QA review")
        verbose_name_plural = _("QA reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(case__isnull=False), name="qa_review_case_once"
            ),
            models.UniqueConstraint(
                fields=["transcript"],
                condition=Q(transcript__isnull=False),
                name="qa_review_transcript_once",
            ),
            models.CheckConstraint(
                condition=(Q(item="ticket", case__isnull=False, transcript__isnull=True))
                | Q(item="transcript", transcript__isnull=False, case__isnull=True),
                name="qa_review_one_item",
            ),
        ]
        indexes = [models.Index(fields=["agent", "week_start"], name="qa_review_agent_week")]

    def __str__(self) -> str:
        return f"{self.get_item_display()} {self.agent} {self.week_start}"

    @property
    def total(self) -> int | None:
        scores = [
            self.score_compliance,
            self.score_accuracy,
            self.score_attitude,
            self.score_timeliness,
        ]
        given = [s for s in scores if s is not None]
        return sum(given) if len(given) == len(scores) else None
