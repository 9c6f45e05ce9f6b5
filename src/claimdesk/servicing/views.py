"""Policy-service pages: the customer's requests and the form to start one (with each
policy's surrender value today), the request page (checklist, quote, clocks, progress; the
clerk's materials and decision with their authority shown; finance's payment), and a policy
as it stood on any date. Views read through selectors and write through services only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claimdesk.cases.models import TaskStatus
from claimdesk.cases.selectors import case_clocks, case_timeline
from claimdesk.cases.services import CaseError, GuardFailed, can_act
from claimdesk.cases.timeline import customer_text, event_label
from claimdesk.cases.workflow import sla_label
from claimdesk.policies.models import Policy
from claimdesk.policies.rules import HEALTH_QUESTIONS
from claimdesk.policies.selectors import policies_visible_to, policy_as_of, policy_history
from claimdesk.servicing import selectors, services
from claimdesk.servicing.models import PremiumDue
from claimdesk.servicing.rules import (
    HOLDER_RELATIONS,
    ITEM_LABELS,
    SYSTEM_ITEMS,
    ServiceItem,
    authority_refusal,
)
from claimdesk.servicing.workflow import (
    PAY_PERMISSION,
    PERMISSION,
    RequestState,
)
from claimdesk.staff.services import is_staff_member
from claimdesk.types import AuthedRequest
from claimdesk.workdays.clocks import to_local

BENEFICIARY_ROWS = 3


def percent(rate: Any) -> str:
    """A rate as stored ("0.05") as a reader sees it ("5%")."""
    try:
        return f"{(Decimal(str(rate)) * 100).normalize():f}%"
    except (InvalidOperation, ValueError):
        return ""


def _details(item: str, form: Mapping[str, str]) -> dict[str, Any]:
    """What the form asks for, as the request's ``details``."""
    if item == ServiceItem.BENEFICIARY:
        rows = []
        for i in range(BENEFICIARY_ROWS):
            name = form.get(f"b{i}_name", "").strip()
            if name:
                rows.append(
                    {
                        "name": name,
                        "relation": form.get(f"b{i}_relation", ""),
                        "share": form.get(f"b{i}_share", ""),
                        "id_number": form.get(f"b{i}_id", ""),
                    }
                )
        return {"beneficiaries": rows}
    if item == ServiceItem.REINSTATEMENT:
        # Each question answered "yes" or "no"; an unanswered one stays out (and is refused).
        health = {
            code: form.get(f"h_{code}") == "yes"
            for code in HEALTH_QUESTIONS
            if form.get(f"h_{code}") in ("yes", "no")
        }
        return {"health": health, "health_details": form.get("health_details", "")}
    if item == ServiceItem.POLICYHOLDER:
        return {
            **{k: form.get(k, "") for k in ("name", "id_number", "relation", "phone")},
            "insured_consent": form.get("insured_consent") == "yes",
        }
    if item == ServiceItem.SUM_INCREASE:
        health = {
            code: form.get(f"h_{code}") == "yes"
            for code in HEALTH_QUESTIONS
            if form.get(f"h_{code}") in ("yes", "no")
        }
        return {
            "sum_insured": form.get("sum_insured", ""),
            "health": health,
            "health_details": form.get("health_details", ""),
            "occupation": form.get("occupation", ""),
            "occupation_class": form.get("occupation_class", ""),
        }
    keys = {
        ServiceItem.SUM_DECREASE: ("sum_insured",),
        ServiceItem.CONTACT: ("phone", "address"),
        ServiceItem.BANK_ACCOUNT: ("bank_name", "account_name", "account_number"),
        ServiceItem.LOAN: ("amount",),
        ServiceItem.LOAN_REPAYMENT: ("amount",),
    }.get(ServiceItem(item), ())
    return {k: form.get(k, "") for k in keys}


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise GuardFailed(_("Give the date as YYYY-MM-DD.")) from None


@login_required
def my_requests(request: AuthedRequest) -> HttpResponse:
    """The caller's requests; a customer also starts one here on one of their policies."""
    user = request.user
    staff = is_staff_member(user)
    item = request.GET.get("item") or request.POST.get("item") or ServiceItem.SURRENDER
    if item not in ITEM_LABELS or item in SYSTEM_ITEMS:
        item = ServiceItem.SURRENDER
    mine = [] if staff else list(policies_visible_to(user))
    policies = [p for p in mine if p.status == Policy.Status.ACTIVE]
    lapsed = [p for p in mine if p.status == Policy.Status.LAPSED]
    # A reinstatement is asked for on a lapsed policy, every other item on one in force.
    choices = lapsed if item == ServiceItem.REINSTATEMENT else policies
    today = to_local(timezone.now()).date()
    # Servicing clerks and finance follow unpaid renewal premiums and lapses.
    follows_premiums = staff and (user.has_perm(PERMISSION) or user.has_perm(PAY_PERMISSION))
    error = ""
    form: Mapping[str, str] = {}
    if request.method == "POST" and not staff:
        form = request.POST
        policy = next((p for p in choices if p.number == form.get("policy")), None)
        try:
            if policy is None:
                raise GuardFailed(_("Choose one of your policies."))
            created = services.request_open(
                policy=policy,
                item=item,
                details=_details(item, form),
                effective_on=_day(form.get("effective_on", "")),
                actor=user,
                now=timezone.now(),
            )
        except CaseError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("Your request %(number)s is registered.") % {"number": created.case.number},
            )
            return redirect("servicing:request", number=created.case.number)
    quotes = [(p, services.quote_for(p, today)) for p in policies]
    return render(
        request,
        "servicing/my_requests.html",
        {
            "requests": selectors.requests_visible_to(user)[:100],
            "in_grace": selectors.premiums_in_grace(today) if follows_premiums else [],
            "lapses": selectors.lapsed_premiums() if follows_premiums else [],
            "staff": staff,
            "quotes": quotes,
            "lapsed": lapsed,
            "choices": choices,
            "questions": [(code, str(text)) for code, text in HEALTH_QUESTIONS.items()],
            "items": [(k, str(v)) for k, v in ITEM_LABELS.items() if k not in SYSTEM_ITEMS],
            "loans": [
                (p, p.product.loan_ratio_percent.normalize(), p.product.loan_interest_percent)
                for p in policies
            ],
            "item": item,
            "item_label": str(ITEM_LABELS[item]),
            "beneficiary_rows": range(BENEFICIARY_ROWS),
            "holder_relations": [(k, str(v)) for k, v in HOLDER_RELATIONS.items()],
            "occupation_classes": range(1, 7),
            "today": today,
            "form": form,
            "error": error,
        },
        status=400 if error else 200,
    )


def _find(request: AuthedRequest, number: str):
    found = selectors.request_by_number(request.user, number)
    if found is None:
        raise Http404
    return found


def _events(case, staff: bool) -> list[dict[str, Any]]:
    labels = {t.action: t.label for t in case.workflow.transitions}
    rows = []
    for e in case_timeline(case, customer_view=not staff).order_by("at", "id"):
        data = e.data or {}
        if e.kind == "transition":
            what = str(labels.get(e.action, e.action))
            detail = " → " + case.workflow.state_label(e.to_status)
            if data.get("reason"):
                detail += " · " + str(data["reason"])
        else:
            what = customer_text(e) or event_label(e.kind)
            detail = ""
        rows.append({"at": e.at, "what": what, "detail": detail})
    return rows


@login_required
def request_detail(request: AuthedRequest, number: str) -> HttpResponse:
    found = _find(request, number)
    user = request.user
    staff = is_staff_member(user)
    case = found.case
    clerk = staff and can_act(user, case, PERMISSION)
    limit = services.approval_limit(user) if clerk else None
    return render(
        request,
        "servicing/request.html",
        {
            "req": found,
            "case": case,
            "staff": staff,
            "checklist": selectors.checklist(found),
            "missing": [c for c in selectors.checklist(found) if not c["received"]],
            "clocks": [
                {
                    "rule": sla_label(d.rule.code, d.rule.name),
                    "due_at": d.due_at,
                    "state": d.get_state_display(),
                }
                for d in case_clocks(case)
                if staff or d.task_id is None
            ],
            "events": _events(case, staff),
            "refusal": selectors.refusal_reason(found),
            "refusal_clause": selectors.refusal(found)["clause"],
            **selectors.change_view(found),
            "can_collect": clerk
            and case.status in (RequestState.SUBMITTED, RequestState.REVIEWING),
            "can_decide": clerk and case.status == RequestState.COMPLETE,
            "can_decline": clerk and case.status in (RequestState.REVIEWING, RequestState.COMPLETE),
            # Only a request approved before the payment flow paid it is confirmed here;
            # every later one is paid on the finance workbench.
            "can_pay": staff
            and case.status == RequestState.PAYING
            and case.tasks.filter(kind=services.PAYMENT_TASK, status=TaskStatus.OPEN).exists()
            and can_act(user, case, PAY_PERMISSION),
            "limit": limit,
            "above_limit": authority_refusal(found.amount, limit) if clerk else None,
            "health": selectors.health_answers(found),
            "interest_rate": percent(found.quote.get("rate")),
            "can_underwrite": staff
            and found.underwriting_required
            and services.underwrite_refusal(
                request=found, case=case, actor=user, now=timezone.now()
            )
            is None,
        },
    )


@login_required
@require_POST
def request_act(request: AuthedRequest, number: str) -> HttpResponse:
    found = _find(request, number)
    action = request.POST.get("action", "")
    now = timezone.now()
    try:
        if action == "materials":
            services.materials_receive(
                request=found, codes=request.POST.getlist("codes"), actor=request.user, now=now
            )
        elif action == "approve":
            services.request_approve(request=found, actor=request.user, now=now)
        elif action == "decline":
            services.request_decline(
                request=found,
                actor=request.user,
                now=now,
                reason=request.POST.get("reason", ""),
                clause=request.POST.get("clause", ""),
            )
        elif action == "underwrite":
            services.reinstatement_underwrite(
                request=found, actor=request.user, now=now, note=request.POST.get("note", "")
            )
        elif action == "pay":
            services.surrender_pay(
                request=found,
                actor=request.user,
                now=now,
                bank_ref=request.POST.get("bank_ref", ""),
            )
        else:
            raise GuardFailed(_("Unknown action."))
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done."))
    return redirect("servicing:request", number=number)


@login_required
def policy_on_date(request: AuthedRequest, number: str) -> HttpResponse:
    """A policy as it stood on a date (``?day=``, default today), with all its versions."""
    policy = policies_visible_to(request.user).filter(number=number).first()
    if policy is None:
        raise Http404
    error = ""
    try:
        day = _day(request.GET.get("day", "")) or to_local(timezone.now()).date()
    except GuardFailed as exc:
        error, day = exc.message, to_local(timezone.now()).date()
    return render(
        request,
        "servicing/policy.html",
        {
            "policy": policy,
            "day": day,
            "terms": policy_as_of(policy, day),
            "history": policy_history(policy),
            "premiums": selectors.premiums_of(policy, today=to_local(timezone.now()).date()),
            "survival": selectors.survival_benefits_of(
                policy, today=to_local(timezone.now()).date()
            ),
            "can_record": is_staff_member(request.user) and request.user.has_perm(PAY_PERMISSION),
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def premium_record(request: AuthedRequest, number: str, instalment: int) -> HttpResponse:
    """Finance records a renewal premium as received (bank reference)."""
    policy = policies_visible_to(request.user).filter(number=number).first()
    premium = PremiumDue.objects.filter(policy=policy, number=instalment).first()
    if policy is None or premium is None:
        raise Http404
    try:
        services.premium_pay(
            premium=premium,
            actor=request.user,
            now=timezone.now(),
            reference=request.POST.get("reference", ""),
            amount=request.POST.get("amount") or None,
        )
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done."))
    return redirect("servicing:policy", number=number)
