"""Reads of policy-service requests for the portal, the API and the work queues: a customer
sees only their own requests (anyone else's is not found), staff what the kernel lets them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from claimdesk.cases.models import CaseEvent
from claimdesk.cases.selectors import cases_visible_to
from claimdesk.policies.models import Policy
from claimdesk.policies.rules import HEALTH_QUESTIONS, mask_id_number, money_words
from claimdesk.policies.selectors import policy_as_of, policy_history
from claimdesk.servicing.models import PremiumDue, ServiceRequest, SurvivalBenefit
from claimdesk.servicing.rules import (
    CHECKLISTS,
    HOLDER_RELATIONS,
    PremiumState,
    ServiceItem,
    premium_payable,
    premium_state,
    survival_schedule,
)
from claimdesk.types import Actor


def requests_visible_to(user: Actor) -> QuerySet[ServiceRequest]:
    return (
        ServiceRequest.objects.filter(case__in=cases_visible_to(user))
        .select_related("case", "case__owner", "policy__product", "endorsement")
        .order_by("-case__opened_at")
    )


def request_by_number(user: Actor, number: str) -> ServiceRequest | None:
    return requests_visible_to(user).filter(case__number=number).first()


def checklist(request: ServiceRequest) -> list[dict[str, Any]]:
    """The request's required materials, each with whether it has been received."""
    return [
        {"code": m.code, "name": str(m.name), "received": m.code in request.received}
        for m in CHECKLISTS[request.item]
    ]


def refusal_reason(request: ServiceRequest) -> str:
    """Why the request was declined (the reason given with the step), or ""."""
    return refusal(request)["reason"]


def refusal(request: ServiceRequest) -> dict[str, str]:
    """The reason and the clause given with the decline step (empty strings if none)."""
    line = request.case.events.filter(kind="transition", action="decline").order_by("-id").first()
    data = (line.data or {}) if line else {}
    return {"reason": str(data.get("reason") or ""), "clause": str(data.get("clause") or "")}


def service_event_text(event: CaseEvent) -> str | None:
    """This app's timeline lines in words for the customer (None for other lines)."""
    data = event.data or {}
    if event.kind == "service_materials_received":
        return _("We received: %(items)s.") % {"items": "、".join(data.get("items") or [])}
    if event.kind == "endorsement_issued":
        return _("Endorsement %(number)s issued: the change takes effect on %(day)s.") % {
            "number": data.get("endorsement", ""),
            "day": data.get("effective_on", ""),
        }
    if event.kind == "sum_increase_underwritten":
        return _("Underwriting decided on the increase: %(text)s") % {"text": data.get("text", "")}
    if event.kind == "reinstatement_underwritten":
        return _("Underwriting has accepted the health declaration.")
    if event.kind == "surrender_paid":
        return _("The surrender value of ¥%(amount)s has been paid to your account.") % {
            "amount": data.get("amount", "")
        }
    if event.kind == "loan_paid":
        return _("The policy loan of ¥%(amount)s has been paid to your account.") % {
            "amount": data.get("amount", "")
        }
    if event.kind == "survival_paid":
        return _("The survival benefit of ¥%(amount)s has been paid to your account.") % {
            "amount": data.get("amount", "")
        }
    return None


def survival_benefits_of(policy: Policy, *, today: date) -> list[dict[str, Any]]:
    """The policy's survival benefits (生存给付) from its product's schedule, each with where
    it stands on ``today``: to come, being paid, paid, or not payable (and why)."""
    first = policy_history(policy)[0]
    dues = survival_schedule(
        start=first.start,
        end=first.end,
        sum_insured=first.sum_insured,
        schedule=policy.product.survival_schedule,
    )
    recorded = {
        b.number: b
        for b in SurvivalBenefit.objects.filter(policy=policy).select_related("request__case")
    }
    rows = []
    for due in dues:
        row = recorded.get(due.number)
        if row is None:
            state = _("to come") if due.due_on > today else _("being paid")
            amount, number, why = due.amount, "", ""
        elif row.not_payable:
            state, amount, number, why = _("not payable"), row.amount, "", row.not_payable
        else:
            request = row.request
            paid = request is not None and request.paid_at is not None
            state = pgettext("survival benefit", "paid") if paid else _("being paid")
            amount, why = row.amount, ""
            number = request.case.number if request is not None else ""
        rows.append(
            {
                "number": due.number,
                "due_on": due.due_on,
                "amount": amount,
                "state": str(state),
                "request": number,
                "why": why,
            }
        )
    return rows


def health_answers(request: ServiceRequest) -> list[dict[str, Any]]:
    """A reinstatement's health declaration as asked and answered (empty for other items)."""
    answers = (request.details or {}).get("health") or {}
    return [
        {"code": code, "question": str(text), "yes": bool(answers.get(code))}
        for code, text in HEALTH_QUESTIONS.items()
        if code in answers
    ]


def premiums_of(policy: Policy, *, today: date) -> list[dict[str, Any]]:
    """The policy's premium schedule with each premium's state on ``today``, oldest first."""
    rows = []
    earlier_unpaid = False
    for p in PremiumDue.objects.filter(policy=policy).order_by("number"):
        state = premium_state(
            paid=p.paid_at is not None,
            lapsed=p.lapse_id is not None,
            due_on=p.due_on,
            grace_ends_on=p.grace_ends_on,
            today=today,
        )
        rows.append(
            {
                "premium": p,
                "state": state,
                "state_label": PremiumState(state).label,
                "payable": premium_payable(state=state, earlier_unpaid=earlier_unpaid),
            }
        )
        earlier_unpaid = earlier_unpaid or p.paid_at is None
    return rows


def premiums_in_grace(today: date, limit: int = 100) -> list[PremiumDue]:
    """Unpaid renewal premiums in their grace period on policies in force, the grace ending
    soonest first: the follow-up list (续期催缴) of servicing and finance."""
    return list(
        PremiumDue.objects.filter(
            paid_at__isnull=True,
            lapse__isnull=True,
            due_on__lt=today,
            grace_ends_on__gte=today,
            policy__status=Policy.Status.ACTIVE,
        )
        .select_related("policy__holder", "policy__product")
        .order_by("grace_ends_on", "policy__number")[:limit]
    )


def lapsed_premiums(limit: int = 100) -> list[PremiumDue]:
    """The premiums that lapsed policies still lapsed today, the latest lapse first."""
    return list(
        PremiumDue.objects.filter(lapse__isnull=False, policy__status=Policy.Status.LAPSED)
        .select_related("policy__holder", "policy__product", "lapse")
        .order_by("-lapse__effective_on", "policy__number")[:limit]
    )


def change_view(request: ServiceRequest) -> dict[str, Any]:
    """What the request page shows of a change of policyholder or of the sum insured: the
    relation in words and the ID masked; the sum and premium before the change."""
    details = request.details or {}
    if request.item == ServiceItem.POLICYHOLDER:
        relation = HOLDER_RELATIONS.get(str(details.get("relation") or ""))
        return {
            "holder_relation": str(relation) if relation is not None else "",
            "holder_id_masked": mask_id_number(str(details.get("id_number") or "")),
        }
    if request.item in (ServiceItem.SUM_INCREASE, ServiceItem.SUM_DECREASE):
        terms = policy_as_of(request.policy, request.effective_on)
        before = {"sum_insured": terms.sum_insured, "premium": terms.premium}
        if request.endorsement is not None:  # after the change: what it changed from
            for key in before:
                before[key] = request.endorsement.changes.get(key, {}).get("from", before[key])
        premium = details.get("premium")
        return {
            "sum_from": money_words(before["sum_insured"]),
            "sum_to": money_words(details.get("sum_insured")),
            "premium_from": money_words(before["premium"]),
            "premium_to": money_words(premium) if premium else "",
            "refund": money_words(request.quote["amount"]) if request.quote.get("amount") else "",
        }
    return {}
