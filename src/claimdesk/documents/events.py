"""The kinds of timeline line the documents app writes, each with its label (registered with the
kernel's timeline in ``apps.ready``)."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class DocumentEventKind(TextChoices):
    DOCUMENT_RECEIVED = "document_received", _("Document received")
    DOCUMENT_REUSED = "document_reused", _("Document reused from an earlier claim")
    DOCUMENT_CONFIRMED = "document_confirmed", _("Document values confirmed")
    DOCUMENT_OCR_DONE = "document_ocr_done", _("Document read")
    DOCUMENT_OCR_FAILED = "document_ocr_failed", _("Document could not be read")
