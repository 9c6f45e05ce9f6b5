"""What happens to a claim that other apps act on: typed events published through the
kernel (``cases.events``), so that claims imports none of the apps that follow it
(documents, notices, payments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ClaimRegistered:
    """A new claim with its checklist was written (one report, not bulk import).

    ``holder_has_accepted_documents``: the policyholder has documents accepted on earlier
    claims (read with the policy), so lasting ones may count for this claim too."""

    case: Any
    claim: Any
    items: list[Any]
    holder_has_accepted_documents: bool
    actor: Any
    now: datetime


@dataclass(frozen=True)
class ClaimDecided:
    """An approved decision became the claim's: its notice is due (``notice_kind`` with
    ``notice_context``), and an approval goes on to payment."""

    case: Any
    claim: Any
    decision: Any
    approved: bool
    notice_kind: str
    notice_context: dict[str, Any]
    actor: Any
    now: datetime
