"""Underwriting pages: the applicant's form, their applications and answers to 问题件; the
underwriter's queue with clocks and the application page with the decision form, the
authority it is made under, and the signature of what was sent up.

Views read through selectors and write through services; a refusal is shown on the page
with its reason and the status it carries (403 above authority).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claimdesk.cases.countdown import countdown_text
from claimdesk.cases.models import DeadlineState
from claimdesk.cases.refusals import refuse_case
from claimdesk.cases.selectors import case_timeline
from claimdesk.cases.services import CaseError, can_act
from claimdesk.cases.timeline import customer_text, event_label
from claimdesk.staff.services import is_staff_member
from claimdesk.types import AuthedRequest
from claimdesk.underwriting import selectors, services
from claimdesk.underwriting.forms import AnswerForm, ApplicationForm, DecisionForm, QueryForm
from claimdesk.underwriting.models import QUERY_LABELS, ROUTE_LABELS, Application
from claimdesk.underwriting.rules import QueryKind, Route, signatures_required
from claimdesk.underwriting.workflow import DECIDE, OPEN_FOR_DECISION, ApplicationState


def _find(request: AuthedRequest, number: str) -> Application:
    application = selectors.application_find(request.user, number)
    if application is None:
        refuse_case(request.user, number)
    return application


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    """Underwriters: their queue, nearest clock first. Applicants: their applications."""
    if is_staff_member(request.user):
        if not request.user.has_perm(DECIDE):
            raise PermissionDenied
        rows = selectors.underwriter_queue(request.user, timezone.now())
        return render(request, "underwriting/queue.html", {"rows": rows})
    applications = selectors.applications_visible_to(request.user).order_by("-case__opened_at")
    return render(request, "underwriting/my_applications.html", {"applications": applications})


@login_required
def apply(request: AuthedRequest) -> HttpResponse:
    """The applicant's form: product, sum insured, the insured, occupation and health."""
    if is_staff_member(request.user):
        raise PermissionDenied
    form = ApplicationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                application = services.application_submit(
                    data=services.ApplicationInput(
                        product_code=data["product"].code,
                        sum_insured=data["sum_insured"],
                        standard_premium=data["standard_premium"],
                        insured_name=data["insured_name"],
                        insured_id_number=data["insured_id_number"],
                        insured_birth_date=data["insured_birth_date"],
                        relation_to_applicant=data["relation_to_applicant"],
                        occupation=data["occupation"],
                        occupation_class=data["occupation_class"],
                        occupation_details=data["occupation_details"],
                        health_answers=form.health_answers(),
                        health_details=data["health_details"],
                    ),
                    customer=request.user,
                    actor=request.user,
                    now=timezone.now(),
                )
            except CaseError as exc:
                for field, problem in exc.details.get("errors", {}).items():
                    form.add_error(field if field in form.fields else None, problem)
                if not exc.details.get("errors"):
                    form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("Application %(number)s received.") % {"number": application.case.number},
                )
                return redirect("underwriting:application", application.case.number)
        else:
            status = 400
    return render(request, "underwriting/apply.html", {"form": form}, status=status)


def _clock(application: Application, now: Any) -> dict[str, Any] | None:
    clock = (
        application.case.deadlines.filter(rule__code="uw_decision", task__isnull=True)
        .select_related("rule")
        .first()
    )
    if clock is None:
        return None
    seconds = (
        int((clock.due_at - now).total_seconds()) if clock.state == DeadlineState.RUNNING else None
    )
    return {
        "clock": clock,
        "seconds_left": seconds,
        "remaining": countdown_text(seconds) if seconds is not None else "",
    }


def _timeline(application: Application, staff: bool) -> list[dict[str, Any]]:
    """The lines in words: the applicant's wording where an app gives one, else the label
    of the line and the state it led to."""
    wf = application.case.workflow
    rows = []
    for event in case_timeline(application.case, customer_view=not staff):
        words = customer_text(event) or event_label(event.kind)
        if event.to_status and event.kind == "transition":
            words = f"{wf.action_label(event.action)} → {wf.state_label(event.to_status)}"
        rows.append({"event": event, "words": words})
    return rows


def _page(
    request: AuthedRequest,
    application: Application,
    *,
    refusal: str = "",
    who_can: list[str] | None = None,
    status: int = 200,
    decision_form: DecisionForm | None = None,
) -> HttpResponse:
    user = request.user
    staff = is_staff_member(user)
    case = application.case
    now = timezone.now()
    may_decide = staff and case.is_open and can_act(user, case, DECIDE)
    pending = selectors.pending_decision(application)
    authority = selectors.authority_view(user, application) if staff else None
    context = {
        "application": application,
        "case": case,
        "staff": staff,
        "route_label": ROUTE_LABELS.get(Route(application.route), application.route),
        "health": selectors.health_rows(application),
        "queries": [
            {"query": q, "label": QUERY_LABELS.get(QueryKind(q.kind), q.kind)}
            for q in application.queries.all()
        ],
        "uw_clock": _clock(application, now),
        "timeline": _timeline(application, staff),
        "applied": selectors.applied_decision(application),
        "pending": pending,
        "may_decide": may_decide and case.status in OPEN_FOR_DECISION and pending is None,
        "may_query": may_decide
        and case.status in (*OPEN_FOR_DECISION, ApplicationState.AWAITING_ANSWER),
        # Only someone whose authority covers the sum is offered the signature.
        "may_sign": may_decide
        and pending is not None
        and authority is not None
        and authority.covers
        and not pending.signatures.filter(signer=user).exists(),
        "may_answer": not staff and case.customer_id == user.pk,
        "authority": authority,
        "signatures_required": signatures_required(application.sum_insured),
        "decision_form": decision_form or DecisionForm(),
        "query_form": QueryForm(),
        "answer_form": AnswerForm(),
        "refusal": refusal,
        "who_can": who_can or [],
    }
    return render(request, "underwriting/application.html", context, status=status)


@login_required
def application_detail(request: AuthedRequest, number: str) -> HttpResponse:
    return _page(request, _find(request, number))


@login_required
@require_POST
def application_decide(request: AuthedRequest, number: str) -> HttpResponse:
    """The decision form: applied within authority; above it a 403 saying who may decide."""
    application = _find(request, number)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _page(request, application, decision_form=form, status=400)
    data = form.cleaned_data
    try:
        services.decision_propose(
            application=application,
            terms=services.DecisionTerms(
                outcome=data["outcome"],
                reason=data["reason"],
                extra_premium_percent=data["extra_premium_percent"],
                exclusion=data["exclusion"],
            ),
            actor=request.user,
            now=timezone.now(),
        )
    except CaseError as exc:
        return _page(
            request,
            _find(request, number),
            refusal=exc.message,
            who_can=exc.details.get("who_can"),
            status=exc.status,
            decision_form=form,
        )
    messages.success(request, _("Decision recorded."))
    return redirect("underwriting:application", number)


@login_required
@require_POST
def application_sign(request: AuthedRequest, number: str) -> HttpResponse:
    application = _find(request, number)
    pending = selectors.pending_decision(application)
    if pending is None:
        messages.error(request, _("No decision awaits a signature."))
        return redirect("underwriting:application", number)
    try:
        services.decision_sign(decision=pending, actor=request.user, now=timezone.now())
    except CaseError as exc:
        return _page(
            request,
            _find(request, number),
            refusal=exc.message,
            who_can=exc.details.get("who_can"),
            status=exc.status,
        )
    messages.success(request, _("Decision signed."))
    return redirect("underwriting:application", number)


@login_required
@require_POST
def application_query(request: AuthedRequest, number: str) -> HttpResponse:
    application = _find(request, number)
    form = QueryForm(request.POST)
    if not form.is_valid():
        return _page(request, application, refusal=_("Write the question."), status=400)
    try:
        services.query_raise(
            application=application,
            kind=form.cleaned_data["kind"],
            question=form.cleaned_data["question"],
            actor=request.user,
            now=timezone.now(),
        )
    except CaseError as exc:
        return _page(request, application, refusal=exc.message, status=exc.status)
    messages.success(request, _("The question has been sent to the applicant."))
    return redirect("underwriting:application", number)


@login_required
@require_POST
def query_answer(request: AuthedRequest, number: str, query_id: int) -> HttpResponse:
    application = _find(request, number)
    query = application.queries.filter(pk=query_id).first()
    form = AnswerForm(request.POST)
    if query is None or not form.is_valid():
        return _page(request, application, refusal=_("Write your answer."), status=400)
    try:
        services.query_answer(
            query=query, answer=form.cleaned_data["answer"], actor=request.user, now=timezone.now()
        )
    except CaseError as exc:
        return _page(request, application, refusal=exc.message, status=exc.status)
    messages.success(request, _("Thank you: your answer has reached the underwriter."))
    return redirect("underwriting:application", number)
