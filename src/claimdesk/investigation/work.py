"""What a surveyor has to do, for the work queues (``cases.worklist``): a survey task
asks for its report, on the survey's own page. One query for all the rows."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from claimdesk.cases.worklist import WorkRow, register_describer, row_link
from claimdesk.investigation.models import Survey, SurveyStatus
from claimdesk.investigation.services import SURVEY_TASK


def survey_work(rows: list[WorkRow], user: Any) -> list[WorkRow]:
    surveys = {
        task_id: (pk, status)
        for task_id, pk, status in Survey.objects.filter(
            task_id__in={r.task_id for r in rows}
        ).values_list("task_id", "pk", "status")
    }
    for row in rows:
        survey = surveys.get(row.task_id) if row.task_id else None
        if survey is None:  # a survey task without its survey record: the claim has it
            row.link = row_link("web:claim_detail", row.number)
            continue
        pk, status = survey
        if status == SurveyStatus.ASSIGNED:
            # Straight to the field report: the surveyor is on site with a phone.
            row.what = _("File the survey report")
            row.link = row_link("investigation:survey_report", pk)
        else:
            row.link = row_link("investigation:survey_detail", pk)
    return rows


def register() -> None:
    register_describer(survey_work, task_kinds=(SURVEY_TASK,))
