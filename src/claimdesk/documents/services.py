"""Every write of the documents app: upload, OCR result, staff confirmation, reuse.

Files are checked by their bytes (never their name), fingerprinted (SHA-256, unique per
claim) and stored content-addressed through Django's storage API. OCR runs after commit in
a Celery task; what it proposes stays a proposal until staff confirm or correct it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from claimdesk.cases.services import CaseError, IllegalTransition, NotAllowed, can_act
from claimdesk.cases.timeline import case_action, timeline_record
from claimdesk.claims.events import ClaimRegistered
from claimdesk.claims.models import Claim, ClaimItem, ItemState
from claimdesk.claims.services import claim_item_set_state
from claimdesk.documents import rules
from claimdesk.documents.models import Document, OcrStatus
from claimdesk.ledger.services import ledger_append_document
from claimdesk.types import Actor, Viewer

CHUNK = 64 * 1024
logger = logging.getLogger(__name__)
CONFIRM_PERMISSIONS = ("claims.handle_intake", "claims.decide_claim")
UPLOAD_PERMISSIONS = ("claims.handle_intake", "claims.handle_survey")


class DocumentNotFound(CaseError):
    status = 404


class UploadTooLarge(CaseError):
    status = 413


class UploadInvalid(CaseError):
    status = 400


@dataclass
class UploadResult:
    document: Document
    duplicate: bool


def max_upload_bytes() -> int:
    return int(getattr(settings, "CLAIMDESK_UPLOAD_MAX_BYTES", rules.DEFAULT_MAX_BYTES))


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def _event(
    claim: Claim, *, actor: Actor | None, now: datetime, kind: str, visible: bool, **data: Any
) -> None:
    timeline_record(
        claim.case, now=now, actor=actor, kind=kind, customer_visible=visible, data=data
    )


def _inspect(file: File) -> tuple[str, int, str]:
    """(content type by magic bytes, size, sha256), reading the file once in chunks."""
    limit = max_upload_bytes()
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise UploadTooLarge(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": _mib(size), "limit": _mib(limit)},
            limit=limit,
        )
    file.seek(0)
    digest, size, head = hashlib.sha256(), 0, b""
    for chunk in file.chunks(CHUNK):
        if len(head) < rules.SNIFF_BYTES:
            head += chunk[: rules.SNIFF_BYTES - len(head)]
        size += len(chunk)
        if size > limit:
            raise UploadTooLarge(
                _("The file is larger than the limit of %(limit)s.") % {"limit": _mib(limit)},
                limit=limit,
            )
        digest.update(chunk)
    file.seek(0)
    if size == 0:
        raise UploadInvalid(_("The file is empty."))
    content_type = rules.sniff_content_type(head)
    if content_type is None:
        raise UploadInvalid(
            _("This file is not an allowed type. Allowed types: %(types)s.")
            % {"types": rules.ALLOWED_LABEL},
            allowed=list(rules.ALLOWED_TYPES),
        )
    return content_type, size, digest.hexdigest()


def _item(claim: Claim, code: str | None) -> ClaimItem | None:
    code = (code or "").strip()
    if not code:
        return None
    item = None if "\x00" in code else claim.items.filter(code=code[:40]).first()
    if item is None:
        codes = list(claim.items.values_list("code", flat=True))
        raise UploadInvalid(
            _("Claim %(number)s has no checklist item %(code)r; its items are: %(codes)s.")
            % {"number": claim.number, "code": code[:40], "codes": ", ".join(codes)},
            items=codes,
        )
    return item


def _store(file: File, sha256: str, content_type: str) -> str:
    """Save under a name derived from the content only; the same bytes are stored once."""
    name = f"documents/{sha256[:2]}/{sha256}{rules.ALLOWED_TYPES[content_type][1]}"
    if not default_storage.exists(name):
        file.seek(0)
        saved = default_storage.save(name, file)
        if saved != name:  # a concurrent upload of the same bytes won: keep one copy
            default_storage.delete(saved)
    return name


def may_upload(actor: Viewer, claim: Claim) -> bool:
    """The customer, the intake staff or the surveyor on site (their photos and the on-site
    party's signature), until the claim is archived at closure."""
    if claim.archived_at is not None:
        return False
    return actor.pk == claim.case.customer_id or any(
        can_act(actor, claim.case, p) for p in UPLOAD_PERMISSIONS
    )


def document_upload(
    *, claim: Claim, file: File, actor: Actor, now: datetime, item_code: str | None = None
) -> UploadResult:
    """Store a file for a claim (the customer's own, or staff working its intake).

    The same bytes twice on one claim return the document already there, flagged
    ``duplicate``. With an item the checklist item becomes received. OCR is scheduled once
    the upload is committed.
    """
    if not may_upload(actor, claim):
        raise NotAllowed(
            _("You may not add documents to claim %(number)s.") % {"number": claim.number}
        )
    if not claim.case.is_open:
        raise IllegalTransition(_("Claim %(number)s is closed.") % {"number": claim.number})
    if not isinstance(file, File):
        file = File(file, name=getattr(file, "name", None))
    content_type, size, sha256 = _inspect(file)
    item = _item(claim, item_code)
    existing = Document.objects.filter(claim=claim, sha256=sha256).first()
    if existing is not None:
        return UploadResult(existing, duplicate=True)
    stored = _store(file, sha256, content_type)
    try:
        with case_action(savepoint=True):
            document = Document.objects.create(
                claim=claim,
                item=item,
                kind=item.code if item else "",
                original_name=rules.safe_filename(file.name or "", content_type),
                file=stored,
                content_type=content_type,
                size=size,
                sha256=sha256,
                uploaded_by=actor,
                uploaded_at=now,
            )
            ledger_append_document(document)  # its bytes pinned in the case's chain
            if item is not None and item.state != ItemState.ACCEPTED:
                document.item = claim_item_set_state(
                    item=item, state=ItemState.RECEIVED, actor=actor, now=now
                )
            _event(
                claim,
                actor=actor,
                now=now,
                kind="document_received",
                visible=True,
                document=document.pk,
                name=document.original_name,
                item=document.kind,
                content_type=content_type,
                size=size,
                sha256=sha256,
            )
            transaction.on_commit(lambda: _schedule_ocr(document.pk))
    except IntegrityError:
        # The same bytes uploaded concurrently: the other request stored them first.
        existing = Document.objects.filter(claim=claim, sha256=sha256).first()
        if existing is None:
            raise
        return UploadResult(existing, duplicate=True)
    return UploadResult(document, duplicate=False)


def _schedule_ocr(document_id: int) -> None:
    """Queue OCR after commit. The upload is already stored: if the broker is down the
    document stays pending and ``documents_ocr_sweep`` queues it again later."""
    from claimdesk.documents.tasks import document_ocr

    try:
        document_ocr.delay(document_id)
    except Exception:
        logger.exception("OCR of document %s not queued; the sweep will retry", document_id)


# --- OCR ------------------------------------------------------------------------------------


def _ocr_finish(document_id: int, *, now: datetime, **values: Any) -> Document | None:
    with case_action():
        document = (
            Document.objects.select_for_update()
            .select_related("claim__case")
            .filter(pk=document_id)
            .first()
        )
        if document is None or document.ocr_status != OcrStatus.PENDING:
            return document  # at-least-once delivery: a second run changes nothing
        for name, value in values.items():
            setattr(document, name, value)
        document.ocr_at = now
        document.save(update_fields=[*values, "ocr_at"])
        _event(
            document.claim,
            actor=None,
            now=now,
            kind=f"document_ocr_{document.ocr_status}",
            visible=False,
            document=document.pk,
            suggested_item=document.suggested_item,
            fields=document.ocr_fields,
            error=document.ocr_error,
        )
    return document


def document_ocr_run(*, document_id: int, now: datetime) -> Document | None:
    """Read a pending document's text and propose its fields and checklist item.

    The slow part (reading and OCR) runs outside any transaction. An unreadable document
    or an engine failure is recorded as ``failed`` with the reason; a storage error
    (``OSError``) propagates so the task retries.
    """
    from claimdesk.documents import ocr

    document = Document.objects.select_related("claim").filter(pk=document_id).first()
    if document is None or document.ocr_status != OcrStatus.PENDING:
        return document
    with document.file.open("rb") as fh:
        data = fh.read()
    try:
        lines = ocr.read_lines(data, document.content_type)
    except ocr.OcrError as exc:
        return document_ocr_fail(document_id=document_id, error=str(exc), now=now)
    text = "\n".join(line for line, _score in lines).strip()
    codes = list(ClaimItem.objects.filter(claim=document.claim_id).values_list("code", flat=True))
    suggested = rules.suggest_item(text, loss_type=document.claim.loss_type, codes=codes)
    return _ocr_finish(
        document_id,
        now=now,
        ocr_status=OcrStatus.DONE,
        ocr_text=text,
        ocr_fields=rules.extract_fields(text),
        ocr_confidence=rules.field_confidence(lines),
        suggested_item=suggested or "",
        ocr_error="",
    )


def document_ocr_fail(*, document_id: int, error: str, now: datetime) -> Document | None:
    return _ocr_finish(document_id, now=now, ocr_status=OcrStatus.FAILED, ocr_error=error[:300])


# --- confirmation ------------------------------------------------------------------------------


def _clean_fields(raw: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for name, value in raw.items():
        if name not in rules.FIELD_NAMES:
            errors[str(name)[:40]] = _("Unknown field; use one of: %(names)s.") % {
                "names": ", ".join(rules.FIELD_NAMES)
            }
            continue
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        if name == "amount":
            amount = rules.parse_amount(text)
            if amount is None:
                errors[name] = _("Enter an amount like 1234.56.")
                continue
            text = str(amount)
        elif name == "date":
            try:
                text = date.fromisoformat(text).isoformat()
            except ValueError:
                errors[name] = _("Enter a date like 2026-09-28.")
                continue
        elif len(text) > 200 or "\x00" in text:
            errors[name] = _("At most 200 characters.")
            continue
        clean[name] = text
    if errors:
        raise UploadInvalid(
            _("Some fields are not valid: %(names)s.") % {"names": ", ".join(sorted(errors))},
            errors=errors,
        )
    return clean


def document_confirm(
    *,
    document: Document,
    fields: dict[str, Any],
    actor: Actor,
    now: datetime,
    item_code: str | None = None,
) -> Document:
    """Staff confirm or correct what OCR proposed: the confirmed values are recorded with
    who and when, and every difference from the proposal is written to the timeline."""
    claim = document.claim
    if not any(can_act(actor, claim.case, p) for p in CONFIRM_PERMISSIONS):
        raise NotAllowed(
            _("You may not confirm documents of claim %(number)s.") % {"number": claim.number}
        )
    clean = _clean_fields(fields)
    item = _item(claim, item_code)
    with case_action():
        document = Document.objects.select_for_update().get(pk=document.pk)
        proposed = document.ocr_fields or {}
        corrected = {
            name: {"proposed": proposed.get(name), "confirmed": clean.get(name)}
            for name in sorted(set(proposed) | set(clean))
            if proposed.get(name) != clean.get(name)
        }
        document.confirmed_fields = clean
        document.confirmed_by = actor
        document.confirmed_at = now
        update = ["confirmed_fields", "confirmed_by", "confirmed_at"]
        moved_to = item if item is not None and item.pk != document.item_id else None
        if moved_to is not None:
            document.item, document.kind = moved_to, moved_to.code
            update += ["item", "kind"]
        document.save(update_fields=update)
        if moved_to is not None and moved_to.state in (ItemState.MISSING, ItemState.RETURNED):
            claim_item_set_state(item=moved_to, state=ItemState.RECEIVED, actor=actor, now=now)
        _event(
            claim,
            actor=actor,
            now=now,
            kind="document_confirmed",
            visible=False,
            document=document.pk,
            item=document.kind,
            fields=clean,
            corrected=corrected,
        )
    return document


# --- reuse (一次提交、全程复用) --------------------------------------------------------------------


def document_reuse_lasting(
    *, claim: Claim, now: datetime, actor: Actor | None = None, items: list[ClaimItem] | None = None
) -> list[Document]:
    """Attach to ``claim`` the customer's documents of lasting items (ID card, bank card,
    licences) already accepted on earlier claims; each such item becomes received.

    The reused document points at the same stored file; nothing is copied. Called by
    ``claim_report`` right after the checklist is built, with its ``items`` (else read).
    Without an ``actor`` the customer is taken to hand their own documents in again.
    """
    customer = claim.case.customer
    if customer is None:
        return []
    customer_id = customer.pk
    by: Actor = actor if actor is not None else customer
    if items is None:
        items = list(claim.items.filter(lasting=True))
    wanted = {
        i.code: i for i in items if i.lasting and i.state in (ItemState.MISSING, ItemState.RETURNED)
    }
    if not wanted:
        return []
    sources = list(
        Document.objects.filter(
            claim__case__customer_id=customer_id,
            item__code__in=list(wanted),
            item__state=ItemState.ACCEPTED,
        )
        .exclude(claim=claim)
        .select_related("claim__case", "item")
        .order_by("-uploaded_at", "-id")
    )
    if not sources:
        return []
    actor = actor or claim.case.customer
    reused: list[Document] = []
    with case_action():
        for source in sources:
            if source.item is None:  # excluded by the query; said again for the type checker
                continue
            item = wanted.pop(source.item.code, None)
            if item is None:
                continue
            if Document.objects.filter(claim=claim, sha256=source.sha256).exists():
                continue
            document = Document.objects.create(
                claim=claim,
                item=item,
                kind=item.code,
                original_name=source.original_name,
                file=source.file.name,
                content_type=source.content_type,
                size=source.size,
                sha256=source.sha256,
                uploaded_by=source.uploaded_by,
                uploaded_at=now,
                reused_from=source,
                ocr_status=source.ocr_status,
                ocr_text=source.ocr_text,
                ocr_fields=source.ocr_fields,
                ocr_confidence=source.ocr_confidence,
                ocr_error=source.ocr_error,
                ocr_at=source.ocr_at,
                suggested_item=source.suggested_item,
            )
            ledger_append_document(document)
            document.item = claim_item_set_state(
                item=item, state=ItemState.RECEIVED, actor=by, now=now
            )
            _event(
                claim,
                actor=actor,
                now=now,
                kind="document_reused",
                visible=True,
                document=document.pk,
                item=item.code,
                name=item.name,
                from_claim=source.claim.case.number,
            )
            reused.append(document)
            if not wanted:
                break
    return reused


def documents_on_claim_registered(event: ClaimRegistered) -> None:
    """一次提交、全程复用: lasting documents already accepted count for a new claim."""
    if event.holder_has_accepted_documents:
        document_reuse_lasting(
            claim=event.claim, now=event.now, actor=event.actor, items=event.items
        )
