"""Documents of a claim over HTTP: upload (multipart), read with the OCR proposal, confirm."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from claimdesk.claims.models import Claim
from claimdesk.documents import selectors, services
from claimdesk.documents.models import Document
from claimdesk.types import AuthedRequest

router = Router(tags=["documents"])


class DocumentProblem(Schema):
    detail: str
    limit: int | None = None
    allowed: list[str] | None = None
    items: list[str] | None = None
    errors: dict[str, str] | None = None


class OcrOut(Schema):
    status: str
    text: str
    fields: dict[str, str]
    suggested_item: str | None
    error: str


class ConfirmedOut(Schema):
    fields: dict[str, str]
    by: str
    at: datetime


class DocumentOut(Schema):
    id: int
    claim_no: str
    name: str
    item: str | None
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str
    reused_from_claim: str | None
    duplicate: bool = False
    ocr: OcrOut
    confirmed: ConfirmedOut | None


class ConfirmIn(Schema):
    fields: dict[str, str | None] = Field(default_factory=dict)
    item: str | None = Field(None, max_length=40)


def _out(document: Document, claim: Claim, *, duplicate: bool = False) -> dict[str, Any]:
    source = document.reused_from
    return {
        "id": document.pk,
        "claim_no": claim.case.number,
        "name": document.original_name,
        "item": document.kind or None,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "uploaded_at": document.uploaded_at,
        "uploaded_by": document.uploaded_by.username,
        "reused_from_claim": source.claim.case.number if source else None,
        "duplicate": duplicate,
        "ocr": {
            "status": document.ocr_status,
            "text": document.ocr_text,
            "fields": document.ocr_fields or {},
            "suggested_item": document.suggested_item or None,
            "error": document.ocr_error,
        },
        "confirmed": (
            {
                "fields": document.confirmed_fields or {},
                "by": document.confirmed_by.username,
                "at": document.confirmed_at,
            }
            if document.confirmed_at and document.confirmed_by is not None
            else None
        ),
    }


def _claim(request: AuthedRequest, claim_no: str) -> Claim:
    claim = selectors.claim_for_documents(request.user, claim_no)
    if claim is None:
        raise services.DocumentNotFound(f"no claim {claim_no.replace(chr(0), '')}")
    return claim


def _document(claim: Claim, document_id: int) -> Document:
    document = (
        selectors.claim_documents(claim)
        .select_related("reused_from__claim__case")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise services.DocumentNotFound(f"no document {document_id} on claim {claim.number}")
    return document


_REFUSALS = {
    400: DocumentProblem,
    403: DocumentProblem,
    404: DocumentProblem,
    409: DocumentProblem,
}


@router.post(
    "/claims/{claim_no}/documents",
    response={200: DocumentOut, 201: DocumentOut, 413: DocumentProblem, **_REFUSALS},
)
def document_upload(
    request: AuthedRequest,
    claim_no: str,
    file: File[UploadedFile],
    item: Form[str | None] = None,
):
    """Upload a file (PDF, JPEG or PNG, checked by content) for a claim, optionally for one
    checklist item. 201 with the new document; 200 with ``duplicate: true`` when the same
    file is already on the claim. OCR runs in the background: read the document again for
    its ``ocr`` proposal."""
    claim = _claim(request, claim_no)
    result = services.document_upload(
        claim=claim, file=file, item_code=item, actor=request.user, now=timezone.now()
    )
    status = 200 if result.duplicate else 201
    return Status(status, _out(result.document, claim, duplicate=result.duplicate))


@router.get("/claims/{claim_no}/documents", response={200: list[DocumentOut], 404: DocumentProblem})
def document_list(request: AuthedRequest, claim_no: str):
    """Every document of a claim with its OCR proposal."""
    claim = _claim(request, claim_no)
    documents = selectors.claim_documents(claim).select_related("reused_from__claim__case")
    return Status(200, [_out(d, claim) for d in documents])


@router.get(
    "/claims/{claim_no}/documents/{document_id}",
    response={200: DocumentOut, 404: DocumentProblem},
)
def document_detail(request: AuthedRequest, claim_no: str, document_id: int):
    """One document: its fingerprint, the OCR proposal (status pending/done/failed, text,
    fields, suggested item) and what staff confirmed."""
    claim = _claim(request, claim_no)
    return Status(200, _out(_document(claim, document_id), claim))


@router.get(
    "/claims/{claim_no}/documents/{document_id}/file",
    response={404: DocumentProblem},
    openapi_extra={
        "responses": {
            200: {
                "description": "The stored file",
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}}
                    for t in ("application/pdf", "image/jpeg", "image/png")
                },
            }
        }
    },
)
def document_file(request: AuthedRequest, claim_no: str, document_id: int):
    """The stored file, as an attachment under its sanitised name."""
    claim = _claim(request, claim_no)
    document = _document(claim, document_id)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post(
    "/claims/{claim_no}/documents/{document_id}/confirm",
    response={200: DocumentOut, **_REFUSALS},
)
def document_confirm(request: AuthedRequest, claim_no: str, document_id: int, payload: ConfirmIn):
    """Staff confirm or correct the extracted fields (and optionally the checklist item);
    the proposal is kept beside what was confirmed."""
    claim = _claim(request, claim_no)
    document = services.document_confirm(
        document=_document(claim, document_id),
        fields=payload.fields,
        item_code=payload.item,
        actor=request.user,
        now=timezone.now(),
    )
    return Status(200, _out(_document(claim, document.pk), claim))
