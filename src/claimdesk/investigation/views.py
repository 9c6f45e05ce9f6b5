"""Pages: the surveyor's survey page (report, repair-shop objections) and the published
appraisal-institution selection rule. Reads through selectors, writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from claimdesk.cases.services import CaseError
from claimdesk.investigation import rules, selectors, services
from claimdesk.investigation.forms import (
    BaseLossItemFormSet,
    FieldReportForm,
    ObjectionForm,
    ResolveForm,
    loss_items_formset,
)
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
    may_report = survey.status == SurveyStatus.ASSIGNED and request.user.pk == survey.surveyor_id
    objection_form = ObjectionForm()
    if request.method == "POST":
        action = request.POST.get("action")
        now = timezone.now()
        try:
            if action == "objection":
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
        "loss_items": list(survey.loss_items.all()),
        "objection_form": objection_form,
        "resolve_form": ResolveForm(),
        "objections": objections,
        "open_status": ObjectionStatus.OPEN,
        "photos": list(survey.photos.all()),
        "review": selectors.claim_review(claim),
    }
    return render(request, "investigation/survey_detail.html", context)


@login_required
def survey_report(request: AuthedRequest, survey_id: int) -> HttpResponse:
    """The surveyor's field report, built for a phone on site: findings, loss items,
    several photos at once, the on-site party's signature, then one submit that files it
    all or nothing."""
    survey = _survey_or_404(request, survey_id)
    if request.user.pk != survey.surveyor_id:
        raise PermissionDenied(_("Only the assigned surveyor can report this survey."))
    if survey.status != SurveyStatus.ASSIGNED:
        messages.info(request, _("This survey is already reported."))
        return redirect("investigation:survey_detail", survey.pk)
    status = 200
    if request.method == "POST":
        form = FieldReportForm(request.POST, request.FILES)
        items = loss_items_formset(request.POST)
        if form.is_valid() and items.is_valid():
            try:
                d = form.cleaned_data
                services.survey_field_report_submit(
                    survey=survey,
                    actor=request.user,
                    now=timezone.now(),
                    findings=d["findings"],
                    note=d["note"],
                    loss_lines=items.lines(),
                    photos=d["photos"],
                    signature_png=d["signature"],
                    signer_name=d["signer_name"],
                )
            except services.FieldReportInvalid as exc:
                _put_errors(form, items, exc.details.get("errors", {}))
            except CaseError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Survey report filed; the customer gets the written result.")
                )
                return redirect("investigation:survey_detail", survey.pk)
        status = 400
    else:
        form, items = FieldReportForm(), loss_items_formset()
    return render(
        request,
        "investigation/survey_report.html",
        {"survey": survey, "claim": survey.claim, "form": form, "items": items},
        status=status,
    )


def _put_errors(form: FieldReportForm, items: BaseLossItemFormSet, errors: dict[str, str]) -> None:
    """The service's refusal, by field, back onto the form and the loss-item rows."""
    for key, message in errors.items():
        if key.startswith("loss_items."):
            _, row, name = key.split(".", 2)
            lines = [f for f in items.forms if f.has_changed()]
            if row.isdigit() and int(row) < len(lines):
                lines[int(row)].add_error(name, message)
                continue
        if key in form.fields:
            form.add_error(key, message)
        else:
            form.add_error(None, message)


def appraisal_rule(request: HttpRequest) -> HttpResponse:
    """The published selection rule and the registry (public: it is published)."""
    institutions = AppraisalInstitution.objects.filter(active=True).order_by("region", "name")
    return render(
        request,
        "investigation/appraisal_rule.html",
        {"rule": rules.appraisal_rule_text(), "institutions": institutions},
    )
