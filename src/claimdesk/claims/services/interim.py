"""先予支付 (Insurance Law §25): a task for paying the part already fixed at 60 days."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from claimdesk.cases.models import Deadline, DeadlineState
from claimdesk.cases.services import (
    task_assign,
)
from claimdesk.claims.services.assessment import claim_calculation

INTERIM_TASK = "interim_payment"


def claims_interim_payment_tasks(*, now: datetime) -> int:
    """先予支付: at 60 days without a fixed amount, a task for paying the part already fixed.

    One task per claim, to the case owner, naming what the accepted loss items already fix.
    """
    due = Deadline.objects.filter(
        rule__code="interim_payment",
        state=DeadlineState.RUNNING,
        due_at__lte=now,
        case__is_open=True,
        case__claim__isnull=False,
    ).exclude(case__tasks__kind=INTERIM_TASK)
    made = 0
    for deadline in due.select_related("case__claim"):
        claim = deadline.case.claim
        fixed = claim_calculation(claim).total if claim.loss_items.exists() else Decimal(0)
        task_assign(
            case=deadline.case,
            kind=INTERIM_TASK,
            title=_("Interim payment (先予支付) of the amount already fixed: %(amount)s")
            % {"amount": fixed},
            assignee=deadline.case.owner,
            actor=deadline.case.owner,
            now=now,
        )
        made += 1
    return made
