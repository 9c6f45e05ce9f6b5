"""先予支付 (Insurance Law §25): when the amount cannot be fixed within 60 days of the claim
and its proofs, the part that can be fixed is paid first.

The 60 days are the ``interim_payment`` clock, started when the materials are complete.
At its reminder point (by default 75 % of the time: day 45), well before day 60, the case
owner gets a task naming what the accepted loss items already fix; the adjuster proposes
that part as an interim decision (``interim_propose``), others approve it within their
authority (four eyes, as for final decisions), and finance pays it as an interim payment.
The final decision then pays the balance.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from claimdesk.cases.models import Deadline, DeadlineState
from claimdesk.cases.services import task_assign
from claimdesk.claims.models import Claim, ClaimDecision, DecisionStage, DecisionStatus
from claimdesk.claims.services.assessment import claim_calculation
from claimdesk.claims.services.decisions import (
    INTERIM_STATES,
    INTERIM_TASK,
    decision_propose_stage,
    interim_decided,
)
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local

__all__ = [
    "INTERIM_TASK",
    "claims_interim_payment_tasks",
    "interim_open",
    "interim_propose",
]


def claims_interim_payment_tasks(*, now: datetime) -> int:
    """At the interim clock's reminder point, a task for deciding and paying the part
    already fixed, due by day 60. One task per claim, to the case owner; none for a claim
    whose interim payment is already proposed or decided."""
    due = (
        Deadline.objects.filter(
            rule__code="interim_payment",
            state=DeadlineState.RUNNING,
            remind_at__lte=now,
            case__is_open=True,
            case__claim__isnull=False,
        )
        .exclude(case__tasks__kind=INTERIM_TASK)
        .exclude(
            case__claim__decisions__stage=DecisionStage.INTERIM,
            case__claim__decisions__status__in=[DecisionStatus.PENDING, DecisionStatus.APPROVED],
        )
    )
    made = 0
    for deadline in due.select_related("case__claim"):
        claim = deadline.case.claim
        fixed = claim_calculation(claim).total if claim.loss_items.exists() else Decimal(0)
        task_assign(
            case=deadline.case,
            kind=INTERIM_TASK,
            title=_(
                "Interim payment (先予支付) of the amount already fixed: %(amount)s, "
                "to be paid by %(due)s"
            )
            % {"amount": fixed, "due": to_local(deadline.due_at).date().isoformat()},
            assignee=deadline.case.owner,
            actor=deadline.case.owner,
            now=now,
        )
        made += 1
    return made


def interim_propose(*, claim: Claim, actor: Actor, now: datetime, note: str = "") -> ClaimDecision:
    """Propose the part of the amount the accepted loss items already fix as an interim
    decision (先予支付), for approval by others within their authority."""
    return decision_propose_stage(
        claim=claim, actor=actor, now=now, note=note, stage=DecisionStage.INTERIM
    )


def interim_open(claim: Claim) -> bool:
    """Whether an interim payment may still be proposed on ``claim``: under investigation
    or adjudication, with loss items, and none decided yet (one per claim)."""
    return (
        claim.case.status in INTERIM_STATES
        and claim.loss_items.exists()
        and interim_decided(claim) is None
    )
