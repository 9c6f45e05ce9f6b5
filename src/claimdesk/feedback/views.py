"""Pages: the survey form behind its token (no login) and the service-star board."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from claimdesk.feedback import rules, selectors, services
from claimdesk.feedback.forms import PeriodForm, SurveyForm
from claimdesk.staff.services import is_staff_member
from claimdesk.types import AuthedRequest
from claimdesk.workdays.clocks import to_local


def _survey_state(request: HttpRequest, survey, state: str, status: int) -> HttpResponse:
    return render(
        request, "feedback/survey_done.html", {"survey": survey, "state": state}, status=status
    )


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's survey: works without login; the token is the credential."""
    try:
        survey = services.survey_for_token(token)
    except services.SurveyNotFound:
        return _survey_state(request, None, "unknown", 404)
    now = timezone.now()
    if survey.answered_at is not None:
        return _survey_state(request, survey, "answered", 409 if request.method == "POST" else 200)
    if now >= survey.expires_at:
        return _survey_state(request, survey, "expired", 410)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_answer(token=token, now=now, **form.cleaned_data)
        except services.SurveyAnswered:
            return _survey_state(request, survey, "answered", 409)
        except services.SurveyExpired:
            return _survey_state(request, survey, "expired", 410)
        except services.SurveyInvalid as exc:
            for field, message in exc.details.get("errors", {}).items():
                form.add_error(field, message)
        else:
            return _survey_state(request, survey, "thanks", 200)
    return render(
        request,
        "feedback/survey.html",
        {"survey": survey, "form": form},
        status=422 if request.method == "POST" else 200,
    )


@login_required
def star_board_page(request: AuthedRequest) -> HttpResponse:
    """Managers see everyone's row; other staff see their own; customers nothing."""
    if not is_staff_member(request.user):
        raise PermissionDenied
    form = PeriodForm(request.GET or None)
    start, end = form.period(to_local(timezone.now()).date())
    team = form.cleaned_data.get("team") if form.is_valid() else None
    rows = selectors.star_board(
        selectors.kpis_visible_to(request.user, team=team, start=start, end=end)
    )
    return render(
        request,
        "feedback/stars.html",
        {
            "form": form,
            "rows": rows,
            "start": start,
            "end": end,
            "definitions": rules.KPI_DEFINITIONS,
            "star_definition": rules.STAR_DEFINITION,
            "sees_all": request.user.has_perm("cases.view_all_cases"),
        },
    )
