"""The product's own refusal pages (the rule for a case someone may not open is the kernel's:
``cases.refusals``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template import loader

from claimdesk.cases.models import Case
from claimdesk.cases.refusals import CaseHidden


def owner_name(case: Case) -> str:
    owner = case.owner
    return owner.get_full_name() or owner.username


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403 in the active language; for a hidden case it names the case's owner."""
    context: dict = {}
    if isinstance(exception, CaseHidden):
        case = exception.case
        context = {
            "case_number": case.number,
            "case_kind": case.kind_label(),
            "owner": owner_name(case),
        }
    elif exception.args and isinstance(exception.args[0], str):
        context["reason"] = exception.args[0]
    template = loader.get_template("403.html")
    return HttpResponseForbidden(template.render(context, request))
