"""Documents of a claim: the stored file, its fingerprint, what OCR proposed and what staff
confirmed. A proposal is never a fact until a person confirms it."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class OcrStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Document(models.Model):
    """One uploaded (or reused) file of a claim.

    The file is stored content-addressed (``documents/ab/<sha256>.png``): the stored name
    never comes from the client, and a document reused on a later claim points at the same
    stored file instead of copying it.
    """

    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, related_name="documents", verbose_name=_("claim")
    )
    item = models.ForeignKey(
        "claims.ClaimItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("checklist item"),
    )
    kind = models.SlugField(_("kind"), max_length=40, blank=True, help_text=_("Item code."))
    original_name = models.CharField(_("file name"), max_length=120)
    file = models.FileField(_("file"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"))
    reused_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reuses",
        verbose_name=_("reused from"),
    )

    ocr_status = models.CharField(
        _("OCR status"), max_length=10, choices=OcrStatus.choices, default=OcrStatus.PENDING
    )
    ocr_text = models.TextField(_("OCR text"), blank=True)
    ocr_fields = models.JSONField(
        _("OCR fields"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    # How sure the engine was of each field it proposed (0–1, the line it was read from).
    ocr_confidence = models.JSONField(
        _("OCR confidence"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    ocr_error = models.CharField(_("OCR error"), max_length=300, blank=True)
    ocr_at = models.DateTimeField(_("OCR done"), null=True, blank=True)
    suggested_item = models.SlugField(_("suggested item"), max_length=40, blank=True)

    confirmed_fields = models.JSONField(
        _("confirmed fields"), null=True, blank=True, encoder=DjangoJSONEncoder
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        ordering = ["claim", "uploaded_at", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(fields=["claim", "sha256"], name="document_unique_per_claim")
        ]
        indexes = [
            models.Index(fields=["sha256"], name="document_sha256"),
            models.Index(fields=["kind", "uploaded_at"], name="document_kind_uploaded"),
            models.Index(
                fields=["uploaded_at"],
                condition=models.Q(ocr_status="pending"),
                name="document_ocr_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}/{self.original_name}"
