"""What finance has to do on a claim's payment, for the work queues (``cases.worklist``).

The payment task of a claim reads what is due from the payment's state: instruct it, send
it, confirm its receipt, or send it again after a failure. One query for all the rows.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from claimdesk.cases.worklist import WorkRow, register_describer
from claimdesk.payments.models import Payment
from claimdesk.payments.rules import PaymentState
from claimdesk.payments.services import PAYMENT_TASK

# What finance does next, by the payment's state (None: no payment instructed yet).
NEXT_STEP = {
    None: _("Instruct the payment"),
    PaymentState.INSTRUCTED: _("Send the payment"),
    PaymentState.SENT: _("Confirm the payment's receipt"),
    PaymentState.FAILED: _("Send the failed payment again"),
    PaymentState.ESCALATED: _("Send the escalated payment again"),
}


def payment_work(rows: list[WorkRow], user: Any) -> list[WorkRow]:
    # The latest payment of each claim says what is due (an interim payment, the balance).
    states = dict(
        Payment.objects.filter(case_id__in={r.case_id for r in rows})
        .order_by("instructed_at", "id")
        .values_list("case_id", "state")
    )
    workbench = reverse("payments:workbench")
    for row in rows:
        state = states.get(row.case_id)
        row.what = str(NEXT_STEP.get(PaymentState(state) if state else None, row.what))
        row.escalated = row.escalated or state == PaymentState.ESCALATED
        row.link = f"{workbench}#pay-{row.number}"
    return rows


def register() -> None:
    register_describer(payment_work, task_kinds=(PAYMENT_TASK,))
