"""Pages: the survey form behind its token (no login), the service-star board, and the
owner's call-backs to dissatisfied customers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from claimdesk.cases.models import TaskStatus
from claimdesk.cases.services import CaseError
from claimdesk.feedback import rules, selectors, services
from claimdesk.feedback.forms import CallbackForm, PeriodForm, SurveyForm
from claimdesk.feedback.models import Survey
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


@login_required
def callback_list(request: AuthedRequest) -> HttpResponse:
    """Call-backs to dissatisfied customers: one's own, open ones first, nearest due first;
    those who oversee every case see everyone's."""
    if not is_staff_member(request.user):
        raise PermissionDenied
    tasks = services.callback_tasks()
    sees_all = request.user.has_perm("cases.view_all_cases")
    if not sees_all:
        tasks = tasks.filter(assignee=request.user)
    open_tasks = tasks.filter(status=TaskStatus.OPEN).order_by("due_at", "pk")
    done = tasks.exclude(status=TaskStatus.OPEN).order_by("-completed_at", "-pk")[:20]
    return render(
        request,
        "feedback/callbacks.html",
        {"open": open_tasks, "done": done, "sees_all": sees_all, "now": timezone.now()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def callback_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """One call-back: the customer's answer and comment, the clock, and the outcome form."""
    task = get_object_or_404(services.callback_tasks(), pk=pk)
    if task.assignee_id != request.user.pk and not request.user.has_perm("cases.view_all_cases"):
        raise PermissionDenied
    survey = Survey.objects.filter(case=task.case).first()
    form = CallbackForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.callback_record(
                    task=task, actor=request.user, now=timezone.now(), **form.cleaned_data
                )
            except CaseError as exc:
                status = exc.status
                for field, message in exc.details.get("errors", {}).items():
                    form.add_error(field, message)
                if not exc.details.get("errors"):
                    form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Call-back recorded on %(number)s.") % {"number": task.case.number}
                )
                return redirect("feedback:callbacks")
    return render(
        request,
        "feedback/callback.html",
        {
            "task": task,
            "survey": survey,
            "form": form,
            "phone": services.callback_phone(task.case),
            "is_open": task.status == TaskStatus.OPEN,
        },
        status=status,
    )
