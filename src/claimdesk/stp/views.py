"""The QA reviewers' list of sampled automatic decisions, with confirm and reopen."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claimdesk.cases.models import Deadline
from claimdesk.cases.services import CaseError
from claimdesk.stp import selectors, services
from claimdesk.stp.models import ReviewStatus
from claimdesk.types import AuthedRequest


def _require_reviewer(request: AuthedRequest) -> None:
    if not selectors.may_review(request.user):
        raise PermissionDenied


@login_required
def review_list(request: AuthedRequest) -> HttpResponse:
    _require_reviewer(request)
    status = request.GET.get("status") or ReviewStatus.QUEUED
    if status not in {*ReviewStatus.values, "all"}:
        status = ReviewStatus.QUEUED
    rows = list(selectors.reviews(status=None if status == "all" else status)[:300])
    due = {
        d.case_id: d.due_at
        for d in Deadline.objects.filter(
            case_id__in=[r.claim_id for r in rows], rule__code=services.REVIEW_TASK
        ).order_by("started_at")
    }
    return render(
        request,
        "stp/review_list.html",
        {
            "rows": [(r, due.get(r.claim_id)) for r in rows],
            "status": status,
            "statuses": ReviewStatus.choices,
            "figures": selectors.figures(),
        },
    )


@login_required
@require_POST
def review_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    _require_reviewer(request)
    review = get_object_or_404(selectors.reviews(), pk=pk)
    note = request.POST.get("note", "")[:4000]
    try:
        if action == "confirm":
            services.review_confirm(
                review=review, actor=request.user, now=timezone.now(), note=note
            )
            messages.success(request, _("Automatic decision confirmed."))
        else:
            review = services.review_reopen(
                review=review,
                actor=request.user,
                now=timezone.now(),
                note=note,
                corrected_amount=request.POST.get("amount", ""),
            )
            messages.success(
                request,
                _(
                    "Automatic decision reopened; the revised decision awaits another "
                    "person's approval, then the difference is paid or recovered."
                )
                if review.revision is not None
                else _("Automatic decision reopened; the amount does not change."),
            )
    except CaseError as exc:
        messages.error(request, exc.message)
    return redirect("stp:review_list")
