"""The written notices of policy servicing and underwriting: the 批单 of every approved
request (what changed, from what to what, in words; effective when; the endorsement number;
who approved it), the notice of a declined request (why, on which clause, how to object) and
the underwriting decision notice (accepted, rated, with an exclusion, postponed or declined,
with the reasons).

Servicing and underwriting sit below notices, so they do not call this: notices subscribes to
their steps (``CaseTransitioned`` of a policy-service request, underwriting's
``ApplicationDecided``) and issues the letter in the step's transaction; its PDF is rendered
after the commit like every notice (``services.notice_on_committed``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from claimdesk.cases.events import CaseTransitioned
from claimdesk.notices.models import NoticeKind
from claimdesk.notices.services import notice_issue
from claimdesk.policies.rules import describe_changes, money_words
from claimdesk.servicing.models import ServiceRequest
from claimdesk.servicing.rules import ServiceItem
from claimdesk.servicing.selectors import refusal
from claimdesk.underwriting.events import ApplicationDecided
from claimdesk.underwriting.models import OUTCOME_LABELS
from claimdesk.underwriting.rules import Outcome
from claimdesk.workdays.clocks import to_local

# Every approval that issues an endorsement (a pay-out's too: a loan, a decrease refunding
# cash value); a survival benefit changes nothing on the policy and has none.
APPROVALS = ("approve", "approve_surrender", "approve_payout")


def _name(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _insured(policy: Any) -> str:
    insured = policy.insured.order_by("id").first()
    return insured.name if insured is not None else _name(policy.holder)


def endorsement_context(request: ServiceRequest) -> dict[str, Any]:
    """What the 批单 of an approved request prints (in the site's language)."""
    endorsement = request.endorsement
    assert endorsement is not None
    policy = request.policy
    amount_label = ""
    if request.amount:
        amount_label = (
            _("Surrender value payable to your designated account")
            if request.item == ServiceItem.SURRENDER
            else _(
                "Refund of the cash value of the part given up, payable to your designated account"
            )
        )
    underwriting = (request.details or {}).get("underwriting") or {}
    return {
        "case_kind": "policy_service",
        "policy_no": policy.number,
        "product": policy.product.name,
        "insured_name": _insured(policy),
        "item_label": request.item_label,
        "endorsement_no": endorsement.number,
        "version": endorsement.version,
        "effective_on": endorsement.effective_on.isoformat(),
        "received_on": to_local(request.case.opened_at).date().isoformat(),
        "changes": describe_changes(endorsement.changes, holder_name=_name(policy.holder)),
        "approved_by": _name(request.approved_by),
        "approved_at": to_local(request.approved_at).strftime("%Y-%m-%d %H:%M")
        if request.approved_at
        else "",
        "escalated": bool(request.escalated_to_id),
        "amount": str(request.amount) if request.amount else "",
        "amount_text": money_words(request.amount) if request.amount else "",
        "amount_label": amount_label,
        "underwriting": str(underwriting.get("text") or ""),
        "underwriting_application": str(underwriting.get("application") or ""),
        "underwriting_signers": list(underwriting.get("signers") or []),
    }


def refusal_context(request: ServiceRequest, data: Mapping[str, Any]) -> dict[str, Any]:
    """What the notice of a declined request prints: the reason and clause given with the
    decline step (``data``; its timeline line is written when the action ends)."""
    why = {"reason": str(data.get("reason") or ""), "clause": str(data.get("clause") or "")}
    if not why["reason"]:
        why = refusal(request)
    return {
        "case_kind": "policy_service",
        "policy_no": request.policy.number,
        "product": request.policy.product.name,
        "insured_name": _insured(request.policy),
        "item_label": request.item_label,
        "received_on": to_local(request.case.opened_at).date().isoformat(),
        "effective_on": request.effective_on.isoformat(),
        "reason": why["reason"],
        "clause": why["clause"],
    }


def notice_on_service_step(event: CaseTransitioned) -> None:
    """An approved request gets its 批单, a declined one its refusal notice."""
    action = event.transition.action
    if action not in (*APPROVALS, "decline"):
        return
    request = (
        ServiceRequest.objects.filter(pk=event.case.pk)
        .select_related("policy__product", "policy__holder", "endorsement", "approved_by", "case")
        .first()
    )
    if request is None:  # an older bare case: nothing to quote
        return
    with translation.override(settings.LANGUAGE_CODE):
        if action in APPROVALS:
            if request.endorsement is None:
                return
            kind, context = NoticeKind.ENDORSEMENT, endorsement_context(request)
        else:
            kind, context = NoticeKind.SERVICE_REFUSAL, refusal_context(request, event.data)
    notice_issue(case=event.case, kind=kind, context=context, actor=event.actor, now=event.now)


def decision_context(event: ApplicationDecided) -> dict[str, Any]:
    """What the underwriting decision notice prints."""
    application, decision = event.application, event.decision
    outcome = Outcome(decision.outcome)
    policy = application.policy or application.policy_changed
    return {
        "case_kind": "underwriting",
        "policy_no": policy.number if policy is not None else "",
        "product": application.product.name,
        "insured_name": application.insured_name,
        "sum_insured_text": money_words(application.sum_insured),
        "standard_premium_text": money_words(application.standard_premium),
        "outcome": outcome.value,
        "outcome_text": str(OUTCOME_LABELS[outcome]),
        "accepted": outcome in (Outcome.ACCEPT, Outcome.ACCEPT_RATED, Outcome.ACCEPT_EXCLUSION),
        "extra_percent": f"{decision.extra_premium_percent.normalize():f}"
        if decision.extra_premium_percent is not None
        else "",
        "premium_text": money_words(decision.premium) if decision.premium is not None else "",
        "exclusion": decision.exclusion,
        "reason": decision.reason,
        "automatic": decision.automatic,
        "signers": [
            _name(s.signer) for s in decision.signatures.select_related("signer").order_by("at")
        ],
        "decided_at": to_local(event.now).strftime("%Y-%m-%d %H:%M"),
        "for_request": application.service_case.number if application.service_case else "",
        "policy_start": policy.start.isoformat() if application.policy is not None else "",
    }


def notice_on_application_decided(event: ApplicationDecided) -> None:
    """Every applied underwriting decision gets its written notice."""
    if event.case.customer_id is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = decision_context(event)
    notice_issue(
        case=event.case,
        kind=NoticeKind.UW_DECISION,
        context=context,
        actor=event.actor,
        now=event.now,
    )
