"""Material review (资料审核): the one-time checklist item by item, materials complete, and
the reminders of missing non-core items (容缺受理).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from claimdesk.cases.services import (
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    can_act,
    deadline_start,
)
from claimdesk.cases.timeline import action_save, case_action, timeline_record
from claimdesk.claims.models import (
    Claim,
    ClaimItem,
    ItemState,
)
from claimdesk.claims.workflow import payment_rule
from claimdesk.notify.services import notification_queue
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local
from claimdesk.workdays.selectors import work_calendar


def materials_complete(claim: Claim) -> bool:
    """容缺受理: every core item accepted; non-core items may still be missing."""
    return (
        not claim.items.filter(core=True, waived=False).exclude(state=ItemState.ACCEPTED).exists()
    )


def _item_event(
    claim: Claim,
    item: ClaimItem,
    *,
    actor: Actor,
    now: datetime,
    kind: str,
    customer_visible: bool = True,
) -> None:
    timeline_record(
        claim.case,
        now=now,
        actor=actor,
        kind=kind,
        customer_visible=customer_visible,
        data={"item": item.code, "name": item.name, "state": item.state, "reason": item.reason},
    )


def _policyholder(claim: Claim) -> Any:
    """Whom a message about the materials goes to: read (one query) only when one is sent,
    not with every item's lock."""
    return get_user_model().objects.get(policies__pk=claim.policy_id)


_ITEM_MOVES: Mapping[str, tuple[str, ...]] = {
    ItemState.RECEIVED: (ItemState.MISSING, ItemState.RETURNED, ItemState.RECEIVED),
    ItemState.ACCEPTED: (ItemState.RECEIVED,),
    ItemState.RETURNED: (ItemState.RECEIVED, ItemState.ACCEPTED),
}


def claim_item_set_state(
    *, item: ClaimItem, state: str, actor: Actor, now: datetime, reason: str = ""
) -> ClaimItem:
    """Move a checklist item: missing → received → accepted, or returned with a reason.

    Receiving can come from the customer's upload; accepting and returning are staff
    decisions on the case. When the last core item is accepted the materials are complete:
    that moment is recorded once and the payment clock starts from it.
    """
    state = ItemState(state)
    with case_action():
        # The whole checklist, locked in one read: two people accepting the last two core
        # items at once are serialised, so the second one sees the materials complete.
        checklist = list(
            ClaimItem.objects.select_for_update()
            .select_related("claim__case")
            .filter(claim_id=item.claim_id)
            .order_by("pk")
        )
        found = next((i for i in checklist if i.pk == item.pk), None)
        if found is None:
            raise ClaimItem.DoesNotExist(f"claim item {item.pk} no longer exists")
        item = found
        claim = item.claim
        customer_upload = state == ItemState.RECEIVED and actor.pk == claim.case.customer_id
        if not (customer_upload or can_act(actor, claim.case, "claims.handle_intake")):
            raise NotAllowed(
                _("You may not change the materials of claim %(number)s.")
                % {"number": claim.number}
            )
        if not claim.case.is_open:
            raise IllegalTransition(_("Claim %(number)s is closed.") % {"number": claim.number})
        if item.state not in _ITEM_MOVES[state]:
            raise IllegalTransition(
                _("%(item)s is %(state)s and cannot become %(new)s.")
                % {
                    "item": item.name,
                    "state": item.get_state_display(),
                    "new": ItemState(state).label,
                }
            )
        if state == ItemState.RETURNED and not reason.strip():
            raise GuardFailed(_("Say why the item is returned, so the customer can fix it."))
        item.state = state
        item.reason = reason.strip()[:300] if state == ItemState.RETURNED else ""
        item.updated_at = now
        action_save(item, ("state", "reason", "updated_at"))
        _item_event(claim, item, actor=actor, now=now, kind=f"item_{state}")
        if state == ItemState.RETURNED:
            notification_queue(
                recipient=_policyholder(claim),
                case=claim.case,
                kind="item_returned",
                now=now,
                phone=claim.contact_phone,
                subject=_("Claim %(number)s: %(item)s returned")
                % {"number": claim.number, "item": item.name},
                body=item.reason,
            )
        elif state == ItemState.ACCEPTED:
            _materials_completed(claim, checklist, actor=actor, now=now)
    return item


def _materials_completed(
    claim: Claim, checklist: list[ClaimItem], *, actor: Actor, now: datetime
) -> None:
    """Record, once, the event the payment clock starts from, and tell the customer.
    ``checklist``: every item of the claim as locked and changed by this step."""
    core = [i for i in checklist if i.core and not i.waived]
    if claim.materials_complete_at is not None or any(i.state != ItemState.ACCEPTED for i in core):
        return
    claim.materials_complete_at = now
    claim.save(update_fields=["materials_complete_at"])
    timeline_record(
        claim.case, now=now, actor=actor, kind="materials_complete", customer_visible=True, data={}
    )
    for rule_code in (payment_rule(claim), "interim_payment"):
        deadline_start(case=claim.case, rule_code=rule_code, now=now, actor=actor)
    notification_queue(
        recipient=_policyholder(claim),
        case=claim.case,
        kind="materials_complete",
        now=now,
        phone=claim.contact_phone,
        subject=_("Claim %(number)s: materials complete") % {"number": claim.number},
    )


CHASE_LIMIT = 5
CHASED_STATES = (ItemState.MISSING, ItemState.RETURNED)


def claims_chase_missing_items(*, now: datetime) -> int:
    """Remind customers of the non-core items still missing after 容缺受理.

    Every ``CLAIMDESK_CHASE_WORKING_DAYS`` working days after materials were complete (or
    after the last reminder), at most ``CHASE_LIMIT`` times, one message per claim listing
    the items. Safe to run often and in parallel: a claim is re-read under lock.
    """
    every = settings.CLAIMDESK_CHASE_WORKING_DAYS
    calendar = work_calendar()
    today = to_local(now).date()
    candidates = (
        Claim.objects.filter(
            case__is_open=True,
            materials_complete_at__isnull=False,
            materials_chase_count__lt=CHASE_LIMIT,
            items__core=False,
            items__waived=False,
            items__state__in=CHASED_STATES,
        )
        .distinct()
        .only("pk", "materials_complete_at", "materials_chased_at")
    )
    chased = 0
    for claim in candidates:
        last = claim.materials_chased_at or claim.materials_complete_at
        assert last is not None  # only claims whose materials are complete were read
        since = to_local(last).date()
        if calendar.add_working_days(since, every) > today:
            continue
        with case_action():
            locked = (
                Claim.objects.select_for_update(of=("self",))
                .select_related("case", "policy__holder")
                .get(pk=claim.pk)
            )
            if locked.materials_chased_at != claim.materials_chased_at:
                continue  # a parallel run has just chased it
            names = list(
                locked.items.filter(core=False, waived=False, state__in=CHASED_STATES).values_list(
                    "name", flat=True
                )
            )
            locked.materials_chased_at = now
            locked.materials_chase_count += 1
            locked.save(update_fields=["materials_chased_at", "materials_chase_count"])
            timeline_record(
                locked.case,
                now=now,
                kind="materials_chased",
                customer_visible=True,
                data={"items": names},
            )
            notification_queue(
                recipient=locked.policy.holder,
                case=locked.case,
                kind="materials_chased",
                now=now,
                phone=locked.contact_phone,
                subject=_("Claim %(number)s: please still send %(items)s")
                % {"number": locked.number, "items": "、".join(names)},
            )
        chased += 1
    return chased


# --- adjudication: loss items, calculation, decisions with authority ----------------------
