"""What is due on a service-desk ticket, for the work queues (``cases.worklist``): its owner's
next step by the ticket's state, on the ticket's page. No query of its own."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from claimdesk.cases.worklist import WorkRow, register_describer, row_link
from claimdesk.service.workflow import KIND, TicketState

S = TicketState
OWNER_NEXT = {
    S.NEW: _("Answer the customer"),
    S.IN_PROGRESS: _("Resolve the ticket"),
    S.WAITING_CUSTOMER: _("Wait for the customer's answer"),
    S.RESOLVED: _("Close the ticket"),
}


def ticket_work(rows: list[WorkRow], user: Any) -> list[WorkRow]:
    for row in rows:
        row.what = str(OWNER_NEXT.get(S(row.status), row.case_status_label))
        row.link = row_link("service:ticket", row.number)
    return rows


def register() -> None:
    register_describer(ticket_work, case_kinds=(KIND,))
