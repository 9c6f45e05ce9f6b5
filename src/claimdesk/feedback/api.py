"""Surveys, KPIs and proactive service: API endpoints.

The two survey endpoints need no login (``auth=None``): the unguessable token in the path
is the credential, exactly as in the link the customer received. They live under
``/feedback/surveys/`` because ``/surveys/{id}`` is the investigation app's on-site surveys.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from claimdesk.bounds import Day
from claimdesk.cases.services import NotAllowed
from claimdesk.feedback import selectors, services
from claimdesk.staff.services import is_staff_member
from claimdesk.types import AuthedRequest
from claimdesk.workdays.clocks import to_local

router = Router(tags=["feedback"])


class FeedbackProblem(Schema):
    detail: str


class SurveyAnswerProblem(Schema):
    """Why an answer was refused; ``errors`` names each rating that is out of range."""

    detail: str | list[dict[str, Any]]
    errors: dict[str, str] | None = None


class SatisfactionSurveyOut(Schema):
    case_number: str
    kind: str
    state: Literal["open", "answered", "expired"]
    sent_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    csat: int | None
    nps: int | None
    comment: str


class SatisfactionAnswerIn(Schema):
    csat: int = Field(..., description="satisfaction, 1 (very dissatisfied) to 5")
    nps: int = Field(..., description="likelihood to recommend, 0 to 10")
    comment: str = Field("", max_length=2000)


class StaffKpiOut(Schema):
    username: str
    name: str
    team: str
    rank: int | None
    star_score: Decimal | None = Field(None, description="0–100, see the board's definition")
    answers: int
    csat: Decimal | None
    nps: Decimal | None
    promoters: int
    detractors: int
    closed_cases: int
    median_cycle_hours: Decimal | None
    clocks_met: int
    clocks_breached: int
    sla_compliance: Decimal | None = Field(None, description="percent")
    complaints: int
    complaint_rate: Decimal | None = Field(None, description="per 100 closed cases")


def _survey_out(survey, now: datetime) -> dict[str, Any]:
    if survey.answered_at is not None:
        state = "answered"
    elif now >= survey.expires_at:
        state = "expired"
    else:
        state = "open"
    return {
        "case_number": survey.case.number,
        "kind": survey.case.kind,
        "state": state,
        "sent_at": survey.sent_at,
        "expires_at": survey.expires_at,
        "answered_at": survey.answered_at,
        "csat": survey.csat,
        "nps": survey.nps,
        "comment": survey.comment,
    }


@router.get(
    "/feedback/surveys/{token}",
    auth=None,
    response={200: SatisfactionSurveyOut, 404: FeedbackProblem},
    url_name="survey",
)
def survey_get(request: HttpRequest, token: str):
    return _survey_out(services.survey_for_token(token), timezone.now())


@router.post(
    "/feedback/surveys/{token}",
    auth=None,
    response={
        200: SatisfactionSurveyOut,
        404: FeedbackProblem,
        409: FeedbackProblem,
        410: FeedbackProblem,
        422: SurveyAnswerProblem,
    },
    url_name="survey_answer",
)
def survey_post(request: HttpRequest, token: str, body: SatisfactionAnswerIn):
    now = timezone.now()
    survey = services.survey_answer(
        token=token, csat=body.csat, nps=body.nps, comment=body.comment, now=now
    )
    survey.refresh_from_db()
    return _survey_out(survey, now)


class KpiPeriodQuery(Schema):
    start: Day | None = Field(None, description="first day (Asia/Shanghai); default end − 29")
    end: Day | None = Field(None, description="last day, inclusive; default today")
    team: str | None = Field(None, max_length=60)


@router.get(
    "/staff/kpis",
    response={200: list[StaffKpiOut], 400: FeedbackProblem, 403: FeedbackProblem},
    url_name="staff_kpis",
)
def staff_kpis(request: AuthedRequest, q: Query[KpiPeriodQuery]):
    """Managers (``cases.view_all_cases``) get everyone (or one team); other staff themselves."""
    if not is_staff_member(request.user):
        raise NotAllowed(_("Only staff have KPIs."))
    end = q.end or to_local(timezone.now()).date()
    start = q.start or end - timedelta(days=29)
    if start > end:
        return Status(400, {"detail": _("The period starts after it ends.")})
    if (end - start).days > 366 * 3:
        return Status(400, {"detail": _("Choose a period of at most three years.")})
    rows = selectors.star_board(
        selectors.kpis_visible_to(request.user, team=q.team, start=start, end=end)
    )
    return [{**vars(r), "median_cycle_hours": r.median_cycle_hours} for r in rows]
