"""Every write of policy-service requests (保全): open one, record the materials received,
approve within authority (else escalate), decline with the reason, record the payment.

Each action is one ``case_action``: the request row is changed in the same transaction as
the case's step and its timeline lines. An approval issues the endorsement through
``policies.services.endorsement_issue`` (the one writer of a policy's terms).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from claimdesk.cases.models import Case, Task, TaskStatus
from claimdesk.cases.services import (
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    can_act,
    case_open,
    case_transition,
    escalation_recipient,
    task_assign,
    task_cancel,
    task_complete,
)
from claimdesk.cases.timeline import case_action, timeline_record
from claimdesk.policies.models import BankAccount, Policy
from claimdesk.policies.selectors import policy_as_of
from claimdesk.policies.services import EndorsementRefused, endorsement_issue
from claimdesk.servicing.models import ServiceRequest
from claimdesk.servicing.rules import (
    CHECKLISTS,
    RequestInvalid,
    ServiceItem,
    SurrenderQuote,
    authority_refusal,
    effective_date_refusal,
    item_changes,
    item_label,
    missing_materials,
    surrender_quote,
)
from claimdesk.servicing.workflow import KIND, PAY_PERMISSION, PERMISSION, RequestState
from claimdesk.staff.roles import ROLE_PERMISSIONS, Role
from claimdesk.staff.services import is_staff_member
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local

User = get_user_model()

APPROVAL_TASK = "approve_service"
PAYMENT_TASK = "surrender_payment"


class AboveAuthority(NotAllowed):
    """The approver's limit is too low: the request has gone to a higher signer."""


def _servicing_roles() -> list[str]:
    return [r.value for r, perms in ROLE_PERMISSIONS.items() if PERMISSION in perms]


def _open_tasks(kind: str | None = None) -> Count:
    where = Q(tasks__status=TaskStatus.OPEN)
    if kind:
        where &= Q(tasks__kind=kind)
    return Count("tasks", filter=where, distinct=True)


def servicing_clerk() -> Actor:
    """Who owns a request a customer opens (首问负责制 for the portal): the active servicing
    clerk with the fewest open cases. The kernel's default owner is a service agent, who may
    not work these requests."""
    clerk = (
        User.objects.filter(is_active=True, groups__name=Role.UNDERWRITER.value)
        .annotate(load=Count("owned_cases", filter=Q(owned_cases__is_open=True)))
        .order_by("load", "id")
        .first()
    )
    if clerk is None:
        raise GuardFailed(_("No policy-service clerk is available to take the request."))
    return clerk


def quote_for(policy: Policy, effective_on: date) -> SurrenderQuote:
    """The surrender value of ``policy`` effective ``effective_on``, from the policy as it
    stands that day and its product's cash-value table."""
    terms = policy_as_of(policy, effective_on)
    return surrender_quote(
        start=terms.start,
        effective_on=effective_on,
        sum_insured=terms.sum_insured,
        premium=terms.premium,
        loans=policy.loan_balance,
        table=policy.product.cash_values,
        cooling_off_days=policy.product.cooling_off_days,
    )


def _check_request(
    policy: Policy, item: str, details: Mapping[str, Any], effective_on: date, received_on: date
) -> None:
    if item not in CHECKLISTS:
        raise GuardFailed(_("Choose what you want to change."))
    if why := effective_date_refusal(effective_on, received_on):
        raise GuardFailed(why)
    terms = policy_as_of(policy, effective_on)
    if not terms.in_force_on(effective_on):
        raise GuardFailed(
            _("Policy %(number)s is not in force on %(day)s.")
            % {"number": policy.number, "day": effective_on.isoformat()}
        )
    if (
        item == ServiceItem.SURRENDER
        and ServiceRequest.objects.filter(
            policy=policy, item=ServiceItem.SURRENDER, case__is_open=True
        ).exists()
    ):
        raise IllegalTransition(
            _("Policy %(number)s already has a surrender request in progress.")
            % {"number": policy.number}
        )
    try:
        item_changes(item, details, effective_on)
    except RequestInvalid as exc:
        raise GuardFailed(str(exc)) from None


def request_open(
    *,
    policy: Policy,
    item: str,
    details: Mapping[str, Any],
    actor: Actor,
    now: datetime,
    effective_on: date | None = None,
) -> ServiceRequest:
    """Register a request on ``policy``: a customer on their own policy (owned by the
    least-loaded clerk), a clerk for the policyholder (the clerk owns it). It takes effect
    on ``effective_on``, by default the day it is received; a surrender is quoted now."""
    staff = is_staff_member(actor)
    if staff and not actor.has_perm(PERMISSION):
        raise NotAllowed(_("You may not open policy-service requests."))
    if not staff and policy.holder_id != actor.pk:
        raise NotAllowed(_("You may only ask for changes to your own policies."))
    received_on = to_local(now).date()
    effective_on = effective_on or received_on
    details = dict(details)
    _check_request(policy, item, details, effective_on, received_on)
    quote = quote_for(policy, effective_on) if item == ServiceItem.SURRENDER else None
    with case_action():
        case = case_open(
            kind=KIND,
            title=f"{item_label(item)} · {policy.number}",
            actor=actor,
            now=now,
            customer=policy.holder,
            owner=None if staff else servicing_clerk(),
            category=item,
            data={"policy": policy.number, "item": item, "effective_on": effective_on.isoformat()},
        )
        return ServiceRequest.objects.create(
            case=case,
            policy=policy,
            item=item,
            effective_on=effective_on,
            details=details,
            quote=quote.as_dict() if quote else {},
            amount=quote.amount if quote else None,
        )


def _locked(request: ServiceRequest) -> tuple[Case, ServiceRequest]:
    """The request's case then the request, locked (the kernel's lock order)."""
    case = Case.objects.select_for_update(no_key=True).get(pk=request.pk)
    locked = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("policy__product", "policy__holder")
        .get(pk=request.pk)
    )
    locked.case = case
    return case, locked


def materials_receive(
    *, request: ServiceRequest, codes: list[str], actor: Actor, now: datetime
) -> ServiceRequest:
    """Tick materials of the checklist as received; once none is missing the materials
    are complete and the ``service_complete`` clock starts."""
    with case_action():
        case, request = _locked(request)
        if not can_act(actor, case, PERMISSION):
            raise NotAllowed(_("You may not work request %(number)s.") % {"number": case.number})
        known = {m.code for m in CHECKLISTS[request.item]}
        unknown = [c for c in codes if c not in known]
        if unknown or not codes:
            raise GuardFailed(_("Tick materials of this request's checklist."))
        if case.status == RequestState.SUBMITTED:
            case = case_transition(case=case, action="review", actor=actor, now=now)
        if case.status != RequestState.REVIEWING:
            raise IllegalTransition(
                _("Request %(number)s is %(status)s: its materials are settled.")
                % {"number": case.number, "status": case.status_label()}
            )
        new = [c for c in codes if c not in request.received]
        request.received = [*request.received, *new]
        request.save(update_fields=["received"])
        if new:
            names = {m.code: str(m.name) for m in CHECKLISTS[request.item]}
            timeline_record(
                case,
                now=now,
                actor=actor,
                kind="service_materials_received",
                customer_visible=True,
                data={"items": [names[c] for c in new]},
            )
        if not missing_materials(request.item, request.received):
            case_transition(case=case, action="materials_complete", actor=actor, now=now)
    return request


def approval_limit(user: Actor) -> Decimal | None:
    profile = getattr(user, "staff_profile", None)
    return profile.approval_limit if profile is not None else None


def _higher_signer(amount: Decimal, exclude: Actor) -> Actor:
    """Whom a request above ``exclude``'s authority goes to (超权限件上报): the servicing
    signer with the lowest limit that covers the amount and the fewest open tasks, else the
    approver's manager."""
    signer = (
        User.objects.filter(
            is_active=True,
            groups__name__in=_servicing_roles(),
            staff_profile__approval_limit__gte=amount,
        )
        .exclude(pk=exclude.pk)
        .annotate(load=_open_tasks())
        .order_by("staff_profile__approval_limit", "load", "id")
        .first()
    )
    return signer or escalation_recipient(exclude)


def _escalate(
    case: Case, request: ServiceRequest, *, actor: Actor, now: datetime, why: str
) -> Actor:
    assert request.amount is not None
    signer = _higher_signer(request.amount, actor)
    if request.escalated_to_id == signer.pk:
        return signer
    request.escalated_to = signer
    request.save(update_fields=["escalated_to"])
    timeline_record(
        case,
        now=now,
        actor=actor,
        kind="service_escalated",
        data={"to": signer.username, "amount": str(request.amount), "why": why},
    )
    task_assign(
        case=case,
        kind=APPROVAL_TASK,
        title=_("Above authority: approve %(item)s on %(number)s (¥%(amount)s)")
        % {"item": request.item_label, "number": case.number, "amount": request.amount},
        assignee=signer,
        actor=actor,
        now=now,
    )
    return signer


def _finance_person() -> Actor | None:
    return (
        User.objects.filter(is_active=True, groups__name=Role.FINANCE.value)
        .annotate(load=_open_tasks())
        .order_by("load", "id")
        .first()
    )


def request_approve(*, request: ServiceRequest, actor: Actor, now: datetime) -> ServiceRequest:
    """Approve a request whose materials are complete, within the approver's authority.

    Above it the request goes to a higher signer as a task and ``AboveAuthority`` says to
    whom (nothing else changes). Within it: the endorsement is issued effective on the
    request's date, the case moves on, the customer is told; a surrender is quoted again at
    its effective date and handed to finance for payment (``surrender_payment`` clock).
    """
    escalated_to = None
    refusal = None
    with case_action():
        case, request = _locked(request)
        if not can_act(actor, case, PERMISSION):
            raise NotAllowed(_("You may not decide request %(number)s.") % {"number": case.number})
        if case.status != RequestState.COMPLETE:
            raise IllegalTransition(
                _(
                    "Request %(number)s is %(status)s: it can be approved once its materials are complete."
                )
                % {"number": case.number, "status": case.status_label()}
            )
        surrender = request.item == ServiceItem.SURRENDER
        if surrender:
            quote = quote_for(request.policy, request.effective_on)
            request.quote = quote.as_dict()
            request.amount = quote.amount
            request.save(update_fields=["quote", "amount"])
        refusal = authority_refusal(request.amount, approval_limit(actor))
        if refusal:
            escalated_to = _escalate(case, request, actor=actor, now=now, why=refusal)
        else:
            _apply_approval(case, request, actor=actor, now=now)
    if escalated_to is not None:
        raise AboveAuthority(
            _("%(why)s The request has been passed to %(user)s.")
            % {"why": refusal, "user": escalated_to.get_full_name() or escalated_to.username},
            escalated_to=escalated_to.username,
        )
    return request


def _apply_approval(case: Case, request: ServiceRequest, *, actor: Actor, now: datetime) -> None:
    surrender = request.item == ServiceItem.SURRENDER
    payee = None
    if surrender and request.amount:
        bank = policy_as_of(request.policy, request.effective_on).bank
        if bank is None:
            raise GuardFailed(
                _("The policyholder has no bank account on file: change the bank account first.")
            )
        payee = BankAccount.objects.filter(
            owner_id=request.policy.holder_id, account_number=bank.account_number
        ).first()
    try:
        changes = item_changes(request.item, request.details, request.effective_on)
        endorsement = endorsement_issue(
            policy=request.policy,
            effective_on=request.effective_on,
            kind=request.item,
            changes=changes,
            actor=actor,
            now=now,
            case=case,
        )
    except (RequestInvalid, EndorsementRefused) as exc:
        raise GuardFailed(str(exc)) from None
    request.approved_by = actor
    request.approved_at = now
    request.endorsement = endorsement
    request.payee_account = payee
    request.save(update_fields=["approved_by", "approved_at", "endorsement", "payee_account"])
    timeline_record(
        case,
        now=now,
        actor=actor,
        kind="endorsement_issued",
        customer_visible=True,
        data={
            "endorsement": endorsement.number,
            "version": endorsement.version,
            "effective_on": endorsement.effective_on.isoformat(),
            "item": request.item,
            "changes": endorsement.changes,
            "amount": str(request.amount) if request.amount is not None else "",
        },
    )
    action = "approve_surrender" if surrender else "approve"
    case_transition(
        case=case,
        action=action,
        actor=actor,
        now=now,
        data={
            "endorsement": endorsement.number,
            "effective_on": endorsement.effective_on.isoformat(),
        },
    )
    # Handed to finance while the approver still holds the task that lets them assign.
    if surrender and request.amount:
        finance = _finance_person()
        if finance is not None:
            task_assign(
                case=case,
                kind=PAYMENT_TASK,
                title=_("Pay the surrender value of %(number)s: ¥%(amount)s")
                % {"number": case.number, "amount": request.amount},
                assignee=finance,
                actor=actor,
                now=now,
            )
    for task in case.tasks.filter(kind=APPROVAL_TASK, status=TaskStatus.OPEN):
        if task.assignee_id == actor.pk:
            task_complete(task=task, actor=actor, now=now, result=_("approved"))
        else:
            task_cancel(task=task, actor=actor, now=now)


def request_decline(
    *, request: ServiceRequest, actor: Actor, now: datetime, reason: str
) -> ServiceRequest:
    """Refuse a request, saying why (the customer reads the reason and how to object)."""
    if not reason.strip():
        raise GuardFailed(_("Say why the request is declined."))
    with case_action():
        case, request = _locked(request)
        case_transition(
            case=case, action="decline", actor=actor, now=now, data={"reason": reason.strip()}
        )
    return request


def payment_recorded(*, case: Case, data: Mapping[str, Any], actor: Actor, now: datetime) -> None:
    """Finance confirmed the surrender value's transfer (the ``confirm_payment`` step)."""
    request = ServiceRequest.objects.select_for_update(of=("self",)).get(pk=case.pk)
    request.paid_at = now
    request.bank_ref = str(data.get("bank_ref") or "")[:64]
    request.save(update_fields=["paid_at", "bank_ref"])
    timeline_record(
        case,
        now=now,
        actor=actor,
        kind="surrender_paid",
        customer_visible=True,
        data={"amount": str(request.amount), "bank_ref": request.bank_ref},
    )
    for task in Task.objects.filter(case=case, kind=PAYMENT_TASK, status=TaskStatus.OPEN):
        if task.assignee_id == actor.pk or actor.has_perm("cases.view_all_cases"):
            task_complete(task=task, actor=actor, now=now, result=_("paid"))


def surrender_pay(
    *, request: ServiceRequest, actor: Actor, now: datetime, bank_ref: str
) -> ServiceRequest:
    """Finance confirms the surrender value reached the policyholder's account."""
    if not actor.has_perm(PAY_PERMISSION):
        raise NotAllowed(_("Only finance confirms payments."))
    with case_action():
        case, request = _locked(request)
        case_transition(
            case=case,
            action="confirm_payment",
            actor=actor,
            now=now,
            data={"bank_ref": bank_ref.strip(), "amount": str(request.amount)},
        )
    request.refresh_from_db()
    return request
