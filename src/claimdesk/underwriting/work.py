"""What is due on an underwriting application, for the work queues (``cases.worklist``): the
owner's next step by its state, a signature for whom a decision went up to. No query of its
own; each row goes to the application's page, where the decision form shows the authority."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from claimdesk.cases.worklist import CASE, WorkRow, register_describer, row_link
from claimdesk.underwriting.services import SIGN_TASK
from claimdesk.underwriting.workflow import KIND, ApplicationState

S = ApplicationState
OWNER_NEXT = {
    S.SUBMITTED: _("Underwrite the application"),
    S.REVIEWING: _("Decide the application"),
    S.AWAITING_ANSWER: _("Wait for the applicant's answer"),
}


def application_work(rows: list[WorkRow], user: Any) -> list[WorkRow]:
    for row in rows:
        if row.source == CASE:
            row.what = str(OWNER_NEXT.get(S(row.status), row.case_status_label))
        else:
            row.what = str(_("Sign the underwriting decision"))
        row.link = row_link("underwriting:application", row.number)
    return rows


def register() -> None:
    register_describer(application_work, case_kinds=(KIND,), task_kinds=(SIGN_TASK,))
