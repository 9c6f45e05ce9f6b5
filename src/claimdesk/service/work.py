"""What is due on a service-desk ticket, for the work queues (``cases.worklist``): its owner's
next step by the ticket's state, on the ticket's page. No query of its own."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from claimdesk.cases.worklist import WorkRow, register_describer, row_link
from claimdesk.service import selectors
from claimdesk.service.rules import ELDERLY_BADGE
from claimdesk.service.workflow import KIND, TicketState

S = TicketState
OWNER_NEXT = {
    S.NEW: _("Answer the customer"),
    S.IN_PROGRESS: _("Resolve the ticket"),
    S.WAITING_CUSTOMER: _("Wait for the customer's answer"),
    S.RESOLVED: _("Close the ticket"),
}


CALL_BACK = _("Call the customer back")


def ticket_work(rows: list[WorkRow], user: Any) -> list[WorkRow]:
    """What is due on each ticket row; a call-back not yet made says so, and a customer in
    elderly-friendly mode is marked (one query for all rows)."""
    marks = selectors.work_marks([row.case_id for row in rows])
    for row in rows:
        callback, elderly = marks.get(row.case_id, (False, False))
        if callback and row.status == S.NEW:
            row.what = str(CALL_BACK)
        else:
            row.what = str(OWNER_NEXT.get(S(row.status), row.case_status_label))
        if elderly:
            row.badges.append(str(ELDERLY_BADGE))
        row.link = row_link("service:ticket", row.number)
    return rows


def register() -> None:
    register_describer(ticket_work, case_kinds=(KIND,))
