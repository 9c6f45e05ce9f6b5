"""Reads of documents for the API and pages: always through the claims the user may see."""

from __future__ import annotations

from functools import partial

from django.db.models import QuerySet

from claimdesk.cases.selectors import cases_visible_to
from claimdesk.claims.models import Claim
from claimdesk.documents.models import Document, OcrStatus
from claimdesk.types import Actor


def claim_for_documents(user: Actor, claim_no: str) -> Claim | None:
    """The claim ``claim_no`` if ``user`` may see it (a customer: only their own)."""
    if "\x00" in claim_no:
        return None
    return (
        Claim.objects.select_related("case")
        .filter(case__in=cases_visible_to(user), case__number=claim_no)
        .first()
    )


def claim_documents(claim: Claim) -> QuerySet[Document]:
    return claim.documents.select_related("item", "uploaded_by", "confirmed_by").order_by(
        "uploaded_at", "id"
    )


def documents_pending_ocr(*, before, limit: int) -> list[int]:
    """Documents uploaded before ``before`` whose OCR has not run (through a partial index)."""
    return list(
        Document.objects.filter(ocr_status=OcrStatus.PENDING, uploaded_at__lt=before)
        .order_by("uploaded_at")
        .values_list("pk", flat=True)[:limit]
    )


def documents_stored_files(case_ids: list[int]):
    """The stored uploads of these claims with the SHA-256 recorded at upload (the ledger
    re-hashes them)."""
    from claimdesk.ledger.chained import StoredFile

    rows = Document.objects.filter(claim_id__in=case_ids).order_by("claim_id", "pk")
    for doc in rows.only("pk", "claim_id", "file", "sha256"):
        yield StoredFile(
            case_id=doc.claim_id,
            record_type="document",
            record_id=doc.pk,
            name=doc.file.name,
            sha256=doc.sha256,
            open=partial(doc.file.storage.open, doc.file.name, "rb"),
        )
