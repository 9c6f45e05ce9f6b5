"""What happens to a claim that other apps act on: typed events published through the
kernel (``cases.events``), so that claims imports none of the apps that follow it
(documents, notices, payments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class ClaimEventKind(TextChoices):
    """The kinds of timeline line the claims app writes, each with its label."""

    ITEM_RECEIVED = "item_received", _("Material received")
    ITEM_ACCEPTED = "item_accepted", _("Material accepted")
    ITEM_RETURNED = "item_returned", _("Material returned")
    ITEM_MISSING = "item_missing", _("Material marked missing")
    MATERIALS_COMPLETE = "materials_complete", _("Core materials complete")
    MATERIALS_CHASED = "materials_chased", _("Missing materials chased")
    LOSS_ITEM_ADDED = "loss_item_added", _("Loss item added")
    LOSS_ITEM_EXCLUDED = "loss_item_excluded", _("Exclusion applied")
    LOSS_ITEM_INCLUDED = "loss_item_included", _("Exclusion lifted")
    LOSS_ITEM_REMOVED = "loss_item_removed", _("Loss item removed")
    DECISION_PROPOSED = "decision_proposed", _("Decision proposed")
    DECISION_APPROVAL = "decision_approval", _("Decision approved by one signer")
    DECISION_ESCALATED = "decision_escalated", _("Decision escalated")
    DECISION_RETURNED = "decision_returned", _("Proposal returned")
    DECISION_AUTOMATIC = "decision_automatic", _("Decided automatically (straight-through)")
    DECISION_REVISION_PROPOSED = "decision_revision_proposed", _("Revised decision proposed")
    DECISION_REVISED = "decision_revised", _("Decision revised on review")
    INTERIM_PROPOSED = "interim_proposed", _("Interim payment proposed")
    INTERIM_DECIDED = "interim_decided", _("Interim payment decided")
    ARCHIVED = "archived", _("Archived")
    RESERVE_CHANGED = "reserve_changed", _("Reserve changed")
    RESERVE_ESCALATED = "reserve_escalated", _("Reserve change sent for a higher signature")
    RESERVE_REFUSED = "reserve_refused", _("Reserve change refused")


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


@dataclass(frozen=True)
class InterimDecided:
    """The part of a claim's amount that can be fixed was decided (先予支付, §25): it goes
    to finance as an interim payment while the claim is still being decided."""

    case: Any
    claim: Any
    decision: Any
    actor: Any
    now: datetime


@dataclass(frozen=True)
class DecisionRevised:
    """A revised decision replaced the claim's approved one (an automatic decision reopened
    on review): the difference is paid or recovered (``previous`` is the replaced one)."""

    case: Any
    claim: Any
    decision: Any
    previous: Any
    actor: Any
    now: datetime
