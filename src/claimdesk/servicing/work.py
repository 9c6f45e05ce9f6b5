"""What is due on policy-service requests, for the work queues (``cases.worklist``): the
owner's next step by the request's stage, a higher signer's approval, finance's payment of a
surrender value. Every row links to the request's page; no query per row."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from claimdesk.cases.worklist import CASE, WorkRow, register_describer, row_link
from claimdesk.servicing.services import APPROVAL_TASK, PAYMENT_TASK
from claimdesk.servicing.workflow import KIND, RequestState

S = RequestState
OWNER_NEXT = {
    S.SUBMITTED: gettext_lazy("Acknowledge the policy-service request"),
    S.REVIEWING: gettext_lazy("Collect the request's materials"),
    S.COMPLETE: gettext_lazy("Decide the policy-service request"),
    S.PAYING: gettext_lazy("Follow the surrender payment"),
}
TASK_WHAT = {
    APPROVAL_TASK: gettext_lazy("Above a colleague's authority: decide the request"),
    PAYMENT_TASK: gettext_lazy("Pay the surrender value"),
}


def service_work(rows: list[WorkRow], user: Any) -> list[WorkRow]:
    for row in rows:
        row.link = row_link("servicing:request", row.number)
        if row.source == CASE:
            label = OWNER_NEXT.get(S(row.status)) if row.status in S.values else None
            row.what = str(label) if label else row.case_status_label
        else:
            row.what = str(TASK_WHAT.get(row.kind, row.what))
            row.escalated = row.escalated or row.kind == APPROVAL_TASK
    return rows


def register() -> None:
    register_describer(service_work, case_kinds=(KIND,), task_kinds=(APPROVAL_TASK, PAYMENT_TASK))
