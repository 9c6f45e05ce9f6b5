"""Which business records besides the timeline are chained, and which stored files are
re-hashed, as the apps that own them declare at start-up (the ledger imports none of them).

``chain_model`` — a model whose rows carry money or terms (a decision, an approval, a reserve,
a payment, a transfer, an endorsement): each new row is appended to its case's chain in the
transaction that writes it (``post_save``, ``created``), with a content hash over the fields
named. Only fields that never change after the row is written are named (a payment's state
moves on; its amount does not), so an edit of one of them behind the application's back
breaks the chain at that record.

``register_files`` — stored files whose SHA-256 was recorded when they were stored (uploaded
documents, rendered notices): ``verify-ledger`` reads each file again and compares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.signals import post_save
from django.utils import timezone

from claimdesk.ledger import rules


@dataclass(frozen=True)
class Chained:
    """One kind of chained record: ``record_type`` (≤ 20 characters, unique), the ``label``
    an auditor reads, the model (``app.Model``), the fields hashed, the ORM path from a row
    to its case's id and the field that dates it. ``earlier(row, model=)``: rows written before it
    in the same change that belong to no case yet and are chained just before it (a policy's
    version as issued, stored on its first endorsement)."""

    record_type: str
    label: str
    model_label: str
    fields: tuple[str, ...]
    case_path: str
    at_field: str
    earlier: Callable[..., Iterable[Any]] | None = None

    @property
    def model(self) -> Any:
        return apps.get_model(self.model_label)


@dataclass(frozen=True)
class StoredFile:
    """A stored file to re-hash: its case, the record naming it, the stored name and the
    SHA-256 recorded when it was stored."""

    case_id: int
    record_type: str
    record_id: int
    name: str
    sha256: str
    open: Callable[[], Any]


_CHAINED: dict[str, Chained] = {}
_FILES: list[Callable[[list[int]], Iterable[StoredFile]]] = []


def chain_model(spec: Chained) -> None:
    """Chain every new row of ``spec.model`` from now on (idempotent per record type)."""
    if len(spec.record_type) > 20:
        raise ValueError(f"record type {spec.record_type!r} is longer than 20 characters")
    _CHAINED[spec.record_type] = spec
    rules.RECORD_LABELS[spec.record_type] = spec.label
    post_save.connect(
        _on_save, sender=spec.model, weak=False, dispatch_uid=f"ledger-{spec.record_type}"
    )


def chained() -> list[Chained]:
    return list(_CHAINED.values())


def chained_for(model: type[models.Model]) -> Chained | None:
    label = model._meta.label
    return next((c for c in _CHAINED.values() if c.model_label == label), None)


def register_files(files: Callable[[list[int]], Iterable[StoredFile]]) -> None:
    """``files(case_ids)`` yields the stored files of those cases to re-hash."""
    if files not in _FILES:
        _FILES.append(files)


def stored_files(case_ids: list[int]) -> Iterator[StoredFile]:
    for files in _FILES:
        yield from files(case_ids)


# --- records ------------------------------------------------------------------------------


def _value(field: models.Field, value: Any) -> Any:
    """A field's value as it comes back from any database, whatever was assigned."""
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        value = value if isinstance(value, Decimal) else Decimal(str(value))
        return value.quantize(Decimal(1).scaleb(-field.decimal_places))
    if isinstance(field, models.JSONField):
        return rules.stored_json(value)
    if isinstance(field, models.DateTimeField) and isinstance(value, datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    return value


def record_of(spec: Chained, row: Any, case_id: int) -> dict[str, Any]:
    """The canonical record of ``row`` (also a historical model's row) in ``case_id``'s chain."""
    record: dict[str, Any] = {"type": spec.record_type, "id": row.pk, "case": case_id}
    for name in spec.fields:
        field = row._meta.get_field(name)
        record[name] = _value(field, getattr(row, field.attname))
    return record


def case_of(spec: Chained, row: Any) -> int | None:
    """Follow ``spec.case_path`` (``claim_id``, ``decision__claim_id``) from ``row``."""
    *hops, last = spec.case_path.split("__")
    target = row
    for hop in hops:
        target = getattr(target, hop)
        if target is None:
            return None
    return getattr(target, last)


def at_of(spec: Chained, row: Any) -> datetime:
    value = getattr(row, spec.at_field)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _on_save(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    spec = chained_for(sender)
    if spec is None:
        return
    case_id = case_of(spec, instance)
    if case_id is None:
        return  # belongs to no case yet: chained with the row that gives it one (``earlier``)
    from claimdesk.ledger.services import ledger_has

    for row in spec.earlier(instance, model=sender) if spec.earlier else ():
        if not ledger_has(spec.record_type, row.pk):
            _chain(case_id, record_of(spec, row, case_id), at_of(spec, row))
    _chain(case_id, record_of(spec, instance, case_id), at_of(spec, instance))


def _chain(case_id: int, record: dict[str, Any], at: datetime) -> None:
    """Within a business action the row waits for the action's one ledger append (with its
    timeline lines); outside one it is chained at once."""
    from claimdesk.cases.timeline import action_defer
    from claimdesk.ledger.services import PendingRecord, ledger_append

    if not action_defer(PendingRecord(case_id, record, at)):
        ledger_append(case_id=case_id, record=record, at=at)
