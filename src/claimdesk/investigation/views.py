"""Pages: the surveyor's survey page (report, repair-shop objections) and the published
appraisal-institution selection rule. Reads through selectors, writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from claimdesk.cases.services import CaseError
from claimdesk.investigation import rules, selectors, services
from claimdesk.investigation.forms import ObjectionForm, ResolveForm, SurveyReportForm
from claimdesk.investigation.models import (
    AppraisalInstitution,
    ObjectionStatus,
    RepairObjection,
    SurveyStatus,
)
from claimdesk.types import AuthedRequest


def _survey_or_404(request: AuthedRequest, survey_id: int):
    survey = selectors.surveys_visible_to(request.user).filter(pk=survey_id).first()
    if survey is None:
        raise Http404
    return survey


@login_required
def survey_detail(request: AuthedRequest, survey_id: int) -> HttpResponse:
    survey = _survey_or_404(request, survey_id)
    claim = survey.claim
    documents = list(claim.documents.order_by("id"))
    may_report = survey.status == SurveyStatus.ASSIGNED and request.user.pk == survey.surveyor_id
    report_form = SurveyReportForm(documents=documents)
    objection_form = ObjectionForm()
    if request.method == "POST":
        action = request.POST.get("action")
        now = timezone.now()
        try:
            if action == "report":
                report_form = SurveyReportForm(request.POST, documents=documents)
                if report_form.is_valid():
                    d = report_form.cleaned_data
                    services.survey_report_submit(
                        survey=survey,
                        actor=request.user,
                        now=now,
                        findings=d["findings"],
                        assessed_loss=d["assessed_loss"],
                        method=d["method"],
                        basis=d["basis"],
                        photos=d["photos"],
                    )
                    messages.success(request, _("Report submitted; the customer gets the result."))
                    return redirect("investigation:survey_detail", survey.pk)
            elif action == "objection":
                objection_form = ObjectionForm(request.POST)
                if objection_form.is_valid():
                    services.repair_objection_raise(
                        survey=survey, actor=request.user, now=now, **objection_form.cleaned_data
                    )
                    messages.success(request, _("Objection recorded; re-check within 24 hours."))
                    return redirect("investigation:survey_detail", survey.pk)
            elif action == "resolve":
                form = ResolveForm(request.POST)
                objection_id = request.POST.get("objection", "")
                objection = (
                    RepairObjection.objects.filter(survey=survey, pk=objection_id).first()
                    if objection_id.isdigit()
                    else None
                )
                if objection is None:
                    raise Http404
                if form.is_valid():
                    services.repair_objection_resolve(
                        objection=objection, actor=request.user, now=now, **form.cleaned_data
                    )
                    messages.success(request, _("Re-check recorded."))
                    return redirect("investigation:survey_detail", survey.pk)
                messages.error(request, _("Say what the re-check found."))
        except CaseError as exc:
            messages.error(request, exc.message)
    objections = list(survey.objections.select_related("deadline"))
    context = {
        "survey": survey,
        "claim": claim,
        "may_report": may_report,
        "report_form": report_form,
        "objection_form": objection_form,
        "resolve_form": ResolveForm(),
        "objections": objections,
        "open_status": ObjectionStatus.OPEN,
        "photos": list(survey.photos.all()),
        "review": selectors.claim_review(claim),
    }
    return render(request, "investigation/survey_detail.html", context)


def appraisal_rule(request: HttpRequest) -> HttpResponse:
    """The published selection rule and the registry (public: it is published)."""
    institutions = AppraisalInstitution.objects.filter(active=True).order_by("region", "name")
    return render(
        request,
        "investigation/appraisal_rule.html",
        {"rule": rules.appraisal_rule_text(), "institutions": institutions},
    )
