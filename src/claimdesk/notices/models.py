"""Written notices to the customer: formal letters stored as PDF, with what they were made
from. A notice is issued once and never edited; a correction is a new notice."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    CLAIM_REPORT = "claim_report", _("Claim decision notice")
    REJECTION = "rejection", _("Rejection notice")
    SURVEY_RESULT = "survey_result", _("Survey and loss assessment result")
    OBJECTION_REPLY = "objection_reply", _("Written reply to an objection")
    ENDORSEMENT = "endorsement", _("Endorsement (policy change)")
    SERVICE_REFUSAL = "service_refusal", _("Notice of a declined policy-service request")
    UW_DECISION = "uw_decision", _("Underwriting decision notice")


class Notice(models.Model):
    """One issued letter.

    ``context`` is the data it was rendered from (re-rendering it in ``language`` with the
    same templates gives the same bytes); ``sha256`` fingerprints the stored PDF, which is
    stored content-addressed (``notices/ab/<sha256>.pdf``). A notice is issued in its action
    and rendered after it has committed: until then ``sha256`` is empty.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="notices", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=10)
    context = models.JSONField(_("rendered from"), encoder=DjangoJSONEncoder)
    file = models.FileField(_("file"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["case", "-created_at"], name="notice_case_created")]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        return str(NoticeKind(self.kind).label)

    @property
    def rendered(self) -> bool:
        return bool(self.sha256)

    @property
    def filename(self) -> str:
        """An ASCII download name: ``rejection-CLM20260930000001-7.pdf``."""
        return f"{self.kind}-{self.case.number}-{self.pk}.pdf"
