"""The adjuster's part of the claim page: loss items, the calculation with its clauses,
flags and text hits, and proposing or approving a decision within authority. Reads go
through selectors, writes through ``claims.services``; refusals come back as messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from claimdesk.cases.services import CaseError, can_act
from claimdesk.claims import selectors as claim_selectors
from claimdesk.claims import services
from claimdesk.claims.models import Claim, ClaimDecision, Decision, DecisionStatus
from claimdesk.claims.workflow import ClaimState
from claimdesk.policies.models import Clause, Coverage
from claimdesk.staff.services import is_staff_member

# What the calculator's figures would decide, as the total's line says it.
OUTCOMES = {
    Decision.APPROVE: _lazy("paid in full"),
    Decision.PARTIAL: _lazy("paid in part"),
    Decision.REJECT: _lazy("nothing payable"),
}


def adjudication_context(claim: Claim, user) -> dict[str, Any]:
    """What the adjuster sees on one page: calculation, flags, text hits, decisions."""
    case = claim.case
    may_assess = case.status in services.DECIDING and any(
        can_act(user, case, p) for p in services.ASSESSORS
    )
    pending = claim.decisions.filter(status=DecisionStatus.PENDING).first()
    from claimdesk.investigation.selectors import claim_review

    calculation = services.claim_calculation(claim).as_dict()
    coverages = list(Coverage.objects.filter(product_id=claim.policy.product_id))
    loss_items = list(claim.loss_items.select_related("exclusion"))
    names = {c.code: c.name for c in coverages}
    for item in loss_items:  # the coverage by its name, not its code
        item.coverage_name = names.get(item.coverage, item.coverage)
    return {
        "calculation": calculation,
        # What the figures would decide, in words; nothing to say before any loss item.
        "outcome": OUTCOMES[calculation["decision"]] if calculation["lines"] else "",
        "review": claim_review(claim),
        "loss_items": loss_items,
        "coverages": coverages,
        "exclusion_clauses": list(
            Clause.objects.filter(product_id=claim.policy.product_id, kind=Clause.Kind.EXCLUSION)
        ),
        "may_assess": may_assess,
        "may_propose": case.status == ClaimState.ADJUDICATING
        and can_act(user, case, "claims.decide_claim"),
        "may_propose_interim": can_act(user, case, "claims.decide_claim")
        and services.interim_open(claim),
        "pending": pending,
        "may_approve": pending is not None
        and pending.proposed_by_id != user.pk
        and can_act(user, case, "claims.decide_claim"),
        "decisions": list(
            claim.decisions.select_related("proposed_by").prefetch_related("approvals__approver")
        ),
        "approval_limit": services.approval_limit(user),
    }


def staff_claim(request: HttpRequest, number: str) -> Claim:
    """The claim a member of staff works on a form of the claim page (404 otherwise)."""
    claim = claim_selectors.claim_find(request.user, number)
    if claim is None or not is_staff_member(request.user):
        raise Http404
    return claim


def claim_form_act(request: HttpRequest, number: str, do: Callable[[Claim], str]) -> HttpResponse:
    """Run one form of the claim page: its refusal or its result as a message, then back."""
    claim = staff_claim(request, number)
    try:
        done = do(claim)
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("web:claim_detail", number=number)


@login_required
@require_POST
def loss_item_add(request: HttpRequest, number: str) -> HttpResponse:
    def do(claim: Claim) -> str:
        item = services.loss_item_add(
            claim=claim,
            actor=request.user,
            now=timezone.now(),
            coverage=request.POST.get("coverage", ""),
            label=request.POST.get("label", ""),
            amount=request.POST.get("amount", ""),
            liability=request.POST.get("liability") or "1",
            illness=request.POST.get("illness") == "on",
        )
        return _("Loss item added: %(label)s %(amount)s") % {
            "label": item.label,
            "amount": item.amount,
        }

    return claim_form_act(request, number, do)


@login_required
@require_POST
def loss_item_exclude(request: HttpRequest, number: str, item_id: int) -> HttpResponse:
    def do(claim: Claim) -> str:
        item = claim.loss_items.filter(pk=item_id).first()
        if item is None:
            raise Http404
        article = request.POST.get("clause", "")
        clause = (
            Clause.objects.filter(product_id=claim.policy.product_id, article=article).first()
            if article
            else None
        )
        services.loss_item_exclude(
            item=item,
            clause=clause,
            reason=request.POST.get("reason", ""),
            actor=request.user,
            now=timezone.now(),
        )
        return _("Exclusion applied.") if clause else _("Exclusion lifted.")

    return claim_form_act(request, number, do)


@login_required
@require_POST
def decision_propose(request: HttpRequest, number: str) -> HttpResponse:
    def do(claim: Claim) -> str:
        decision = services.decision_propose(
            claim=claim, actor=request.user, now=timezone.now(), note=request.POST.get("note", "")
        )
        return _("Decision proposed: %(decision)s %(amount)s, awaiting approval.") % {
            "decision": decision.get_decision_display(),
            "amount": decision.amount,
        }

    return claim_form_act(request, number, do)


@login_required
@require_POST
def interim_propose(request: HttpRequest, number: str) -> HttpResponse:
    def do(claim: Claim) -> str:
        decision = services.interim_propose(
            claim=claim, actor=request.user, now=timezone.now(), note=request.POST.get("note", "")
        )
        return _("Interim payment of %(amount)s proposed, awaiting approval.") % {
            "amount": decision.amount
        }

    return claim_form_act(request, number, do)


@login_required
@require_POST
def decision_act(request: HttpRequest, number: str, decision_id: int) -> HttpResponse:
    def do(claim: Claim) -> str:
        decision = ClaimDecision.objects.filter(pk=decision_id, claim=claim).first()
        if decision is None:
            raise Http404
        now = timezone.now()
        if request.POST.get("act") == "return":
            services.decision_return(
                decision=decision,
                actor=request.user,
                now=now,
                reason=request.POST.get("reason", ""),
            )
            return _("Proposal returned.")
        decision = services.decision_approve(decision=decision, actor=request.user, now=now)
        if decision.status == DecisionStatus.APPROVED:
            return _("Decision approved and applied.")
        return _("Approval recorded; a further approval is needed.")

    return claim_form_act(request, number, do)
