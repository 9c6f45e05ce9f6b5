"""Compliance pages. They read through selectors and write through services only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claimdesk.cases.services import CaseError
from claimdesk.compliance import selectors, services
from claimdesk.compliance.models import QaStatus
from claimdesk.types import AuthedRequest

MAX_TEXT = 20000


def _source_label(key: str) -> str:
    """Where a reviewed text came from, in words ("event:42" → "时间线记录 #42")."""
    kind, _sep, number = key.partition(":")
    labels = {
        "event": _("Timeline entry #%(id)s"),
        "message": _("Reply to the customer #%(id)s"),
        "transcript": _("Call transcript #%(id)s"),
    }
    return labels[kind] % {"id": number} if kind in labels else key


def _marked(text: str, violations) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_hit) so a template can highlight the hits safely."""
    pieces, pos = [], 0
    for v in sorted(violations, key=lambda v: v.start):
        if v.start < pos:
            continue
        pieces += [(text[pos : v.start], False), (text[v.start : v.end], True)]
        pos = v.end
    pieces.append((text[pos:], False))
    return [p for p in pieces if p[0]]


@login_required
@require_POST
def check_fragment(request: AuthedRequest) -> HttpResponse:
    """A small ``<div>`` for htmx live feedback on a reply box (POST ``text``)."""
    text = request.POST.get("text", "")[:MAX_TEXT]
    found = services.compliance_check(text)
    return render(
        request,
        "compliance/_check.html",
        {
            "violations": [
                {**v.as_dict(), "found": text[v.start : v.end], "blocking": v.blocking}
                for v in found
            ],
            "ok": not any(v.blocking for v in found),
            "text": text,
        },
    )


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    """The compliance landing page: held messages, QA samples and overrides with their counts
    and links — each part only for those who may act on it; 403 for anyone who may do neither."""
    may_release = services.can_override(request.user)
    may_score = request.user.has_perm(services.SCORE_PERMISSION)
    if not (may_release or may_score):
        raise PermissionDenied
    now = timezone.now()
    return render(
        request,
        "compliance/index.html",
        {
            "may_release": may_release,
            "may_score": may_score,
            "counts": selectors.landing_counts(now=now),
            "recent_days": selectors.RECENT_DAYS,
            "holds": selectors.held_messages()[:5] if may_release else [],
            "overrides": selectors.overrides()[:5] if may_release else [],
            "queued": selectors.qa_reviews(status=QaStatus.QUEUED)[:5] if may_score else [],
        },
    )


def _require_manager(request: HttpRequest) -> None:
    if not services.can_override(request.user):
        raise PermissionDenied


@login_required
def held_list(request: AuthedRequest) -> HttpResponse:
    """Messages the check stopped, with what was found, and the latest overrides."""
    _require_manager(request)
    return render(
        request,
        "compliance/held_list.html",
        {
            "holds": selectors.held_messages()[:200],
            "overrides": selectors.overrides()[:50],
        },
    )


@login_required
@require_POST
def held_release(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    hold = get_object_or_404(selectors.held_messages(), pk=pk)
    count = services.notification_release(hold.notification, request.user, timezone.now())
    messages.success(request, _("Released: %(count)d deliveries.") % {"count": count})
    return redirect("compliance:held_list")


def _require_scorer(request: HttpRequest) -> None:
    if not request.user.has_perm(services.SCORE_PERMISSION):
        raise PermissionDenied


@login_required
def qa_list(request: AuthedRequest) -> HttpResponse:
    _require_scorer(request)
    status = request.GET.get("status") or QaStatus.QUEUED
    rows = selectors.qa_reviews(status=status if status != "all" else None)[:300]
    return render(
        request,
        "compliance/qa_list.html",
        {"rows": rows, "status": status, "statuses": QaStatus.choices},
    )


@login_required
def qa_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_scorer(request)
    review = get_object_or_404(selectors.qa_reviews(), pk=pk)
    errors = ""
    if request.method == "POST":
        scores = {name: request.POST.get(name, "") for name in services.SCORE_CRITERIA}
        try:
            services.qa_review_score(
                review=review,
                scorer=request.user,
                now=timezone.now(),
                scores=scores,
                comment=request.POST.get("comment", "")[:4000],
            )
        except CaseError as exc:
            errors = exc.message
        else:
            messages.success(request, _("Score card saved."))
            return redirect("compliance:qa_list")
    if review.transcript_id:
        sources = [(_("Call transcript"), review.transcript.text)]
    else:
        sources = [(_source_label(key), text) for key, text in services.ticket_texts(review.case)]
    texts = [
        {"source": source, "pieces": _marked(text, services.compliance_check(text))}
        for source, text in sources
    ]
    criteria = [
        (name, label, getattr(review, f"score_{name}"))
        for name, label in zip(services.SCORE_CRITERIA, _criteria_labels(), strict=True)
    ]
    return render(
        request,
        "compliance/qa_detail.html",
        {
            "review": review,
            "texts": texts,
            "criteria": criteria,
            "scores": services.SCORE_RANGE,
            "errors": errors,
            "hit_count": len(review.hits),
            "title": format_html("{} · {}", review.get_item_display(), review.agent),
        },
    )


def _criteria_labels() -> list[str]:
    return [_("Compliance score"), _("Accuracy"), _("Attitude"), _("Timeliness")]
