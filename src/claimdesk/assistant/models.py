"""FAQ assistant: the knowledge base (admin-edited, bilingual), its tuning, and each
conversation with its turns (what was asked, which entry answered, how sure, hand-over)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from claimdesk.assistant.rules import DEFAULT_THRESHOLD

User = settings.AUTH_USER_MODEL


class FaqCategory(models.TextChoices):
    REPORT = "report", _("reporting a claim")
    MATERIALS = "materials", _("documents")
    PROGRESS = "progress", _("progress")
    DECISION = "decision", _("decision")
    PAYMENT = "payment", _("payment")
    OBJECTION = "objection", _("objection")
    COMPLAINT = "complaint", _("complaint")
    GREEN = "green", _("green channel")
    SURVEY = "survey", _("survey and assessment")
    TERMS = "terms", _("policy terms")
    SERVICE = "service", _("service")


class FaqEntry(models.Model):
    """One question and its answer, in Chinese and English, with the other ways customers
    phrase it (``alternates``, one per line) and search words (``keywords``)."""

    slug = models.SlugField(_("code"), max_length=60, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=FaqCategory.choices)
    question_zh = models.CharField(_("question (Chinese)"), max_length=200)
    question_en = models.CharField(_("question (English)"), max_length=200)
    answer_zh = models.TextField(_("answer (Chinese)"))
    answer_en = models.TextField(_("answer (English)"))
    alternates = models.TextField(
        _("other phrasings"), blank=True, help_text=_("One phrasing per line, any language.")
    )
    keywords = models.CharField(
        _("keywords"), max_length=400, blank=True, help_text=_("Words separated by spaces.")
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["category", "slug"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")

    def __str__(self) -> str:
        return self.question_zh

    def question(self, language: str) -> str:
        return self.question_en if language == "en" else self.question_zh

    def answer(self, language: str) -> str:
        return self.answer_en if language == "en" else self.answer_zh

    def alternate_list(self) -> list[str]:
        return [line.strip() for line in self.alternates.splitlines() if line.strip()]


class AssistantSettings(models.Model):
    """The assistant's tuning, one row (pk=1): below ``threshold`` it hands over."""

    threshold = models.FloatField(
        _("hand-over threshold"),
        default=DEFAULT_THRESHOLD,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_(
            "Confidence (0–1) below which the assistant hands the question to a person. "
            "Raise it to hand over more often."
        ),
    )
    use_embeddings = models.BooleanField(
        _("use the embedding model"),
        default=True,
        help_text=_("Blend semantic similarity into the ranking when the model is installed."),
    )

    class Meta:
        verbose_name = _("assistant settings")
        verbose_name_plural = _("assistant settings")

    def __str__(self) -> str:
        return str(_("assistant settings"))


class Conversation(models.Model):
    """One visitor's talk with the assistant. ``user`` is empty for an anonymous visitor,
    whose conversation is tied to the browser session instead."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assistant_conversations",
        verbose_name=_("user"),
    )
    session_key = models.CharField(_("session"), max_length=64, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    started_at = models.DateTimeField(_("started"))
    ticket_no = models.CharField(_("ticket"), max_length=32, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return f"{self.user or '-'} {self.started_at:%Y-%m-%d %H:%M}"


class Turn(models.Model):
    """A question and what the assistant did with it."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="turns")
    question = models.TextField(_("question"))
    entry = models.ForeignKey(
        FaqEntry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answer entry"),
    )
    answer = models.TextField(_("answer"))
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    score = models.FloatField(_("score"), default=0.0)
    confidence = models.FloatField(_("confidence"), default=0.0)
    handed_over = models.BooleanField(_("handed over"), default=False)
    ticket_no = models.CharField(_("ticket"), max_length=32, blank=True)
    asked_at = models.DateTimeField(_("asked"))

    class Meta:
        ordering = ["asked_at", "id"]
        verbose_name = _("turn")
        verbose_name_plural = _("turns")

    def __str__(self) -> str:
        return self.question[:40]

    def source_question(self) -> str:
        """The source entry's question in the language of the answer."""
        return self.entry.question(self.language) if self.entry else ""
