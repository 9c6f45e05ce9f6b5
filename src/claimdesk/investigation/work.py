"""What a surveyor has to do, for the work queues (``cases.worklist``): a survey task
asks for its report, on the survey's own page. The survey of each row is read in the work
list's own statement (two describer columns), so the list costs no query here."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from claimdesk.cases.worklist import WorkRow, register_describer, row_link
from claimdesk.investigation.models import Survey, SurveyStatus
from claimdesk.investigation.services import SURVEY_TASK

# The survey of a row's task, as scalar SQL the work list reads with its rows.
_SURVEY = Survey._meta.db_table
COLUMNS = {
    "survey_id": f"SELECT s.id FROM {_SURVEY} s WHERE s.task_id = {{task_id}}",
    "survey_status": f"SELECT s.status FROM {_SURVEY} s WHERE s.task_id = {{task_id}}",
}


def survey_work(rows: list[WorkRow], user: Any) -> list[WorkRow]:
    report = _("File the survey report")
    for row in rows:
        pk, status = row.columns["survey_id"], row.columns["survey_status"]
        if pk is None:  # a survey task without its survey record: the claim has it
            row.link = row_link("web:claim_detail", row.number)
        elif status == SurveyStatus.ASSIGNED:
            # Straight to the field report: the surveyor is on site with a phone.
            row.what = report
            row.link = row_link("investigation:survey_report", pk)
        else:
            row.link = row_link("investigation:survey_detail", pk)
    return rows


def register() -> None:
    register_describer(survey_work, task_kinds=(SURVEY_TASK,), columns=COLUMNS)
