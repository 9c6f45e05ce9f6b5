"""Every write of policy-service requests (保全): open one, record the materials received,
approve within authority (else escalate), decline with the reason, record the payment.

Each action is one ``case_action``: the request row is changed in the same transaction as
the case's step and its timeline lines. An approval issues the endorsement through
``policies.services.endorsement_issue`` (the one writer of a policy's terms).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import translation
from django.utils.translation import gettext as _

from claimdesk.cases.events import publish
from claimdesk.cases.models import Case, Task, TaskStatus
from claimdesk.cases.services import (
    CaseError,
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    can_act,
    case_open,
    case_transition,
    escalation_recipient,
    sla_rule,
    task_assign,
    task_cancel,
    task_complete,
    works_others_tasks,
)
from claimdesk.cases.timeline import case_action, timeline_record
from claimdesk.notify.services import notification_queue
from claimdesk.policies.events import PayoutDue, RiskChangeRequested, RiskDecided
from claimdesk.policies.models import BankAccount, Endorsement, Policy
from claimdesk.policies.rules import PERIOD_MONTHS, UNDERWRITING_CERTIFICATE, PremiumFrequency
from claimdesk.policies.selectors import policy_as_of, policy_history
from claimdesk.policies.services import EndorsementRefused, endorsement_issue
from claimdesk.servicing.models import PremiumDue, ServiceRequest, SurvivalBenefit
from claimdesk.servicing.rules import (
    CHECKLISTS,
    PAYOUT_PURPOSES,
    SUM_ITEMS,
    SYSTEM_ITEMS,
    UNDERWRITTEN_ITEMS,
    ArrearsQuote,
    LoanQuote,
    RepaymentQuote,
    RequestInvalid,
    ServiceItem,
    SurrenderQuote,
    SurvivalDue,
    add_months,
    added_premium,
    arrears_quote,
    authority_refusal,
    before_due_reminder_on,
    effective_date_refusal,
    fen,
    grace_ends,
    grace_reminder_on,
    health_declaration,
    item_changes,
    item_label,
    lapse_day,
    loan_quote,
    loan_refusal,
    missing_materials,
    money_amount,
    needs_underwriting,
    new_sum_insured,
    premium_for_sum,
    premium_schedule,
    reinstatement_refusal,
    repayment_quote,
    sum_change_refusal,
    surrender_quote,
    survival_schedule,
)
from claimdesk.servicing.workflow import (
    GRACE_RULE,
    KIND,
    PAY_PERMISSION,
    PERMISSION,
    UNDERWRITE_PERMISSION,
    RequestState,
    approval_action,
)
from claimdesk.staff.roles import ROLE_PERMISSIONS, Role
from claimdesk.staff.services import certificate_valid, certified_user_ids, is_staff_member
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local

User = get_user_model()
log = logging.getLogger(__name__)

APPROVAL_TASK = "approve_service"
# Requests approved before the payment flow paid them had this finance task; those are still
# confirmed by hand (``surrender_pay``). Since then the payments app hands finance its own
# ``payment`` task and confirms through the bank's answer.
PAYMENT_TASK = "surrender_payment"
UNDERWRITING_TASK = "underwrite_reinstatement"


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
        .exclude(password__startswith="!")  # the rules engine (uw_auto) cannot sign in
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


def loan_since(policy: Policy, day: date) -> date:
    """The day the loan balance in effect on ``day`` last changed: interest on it runs
    from there (a loan or a repayment restarts it; the interest is paid with each
    repayment)."""
    since, previous = policy.start, None
    for version in policy_history(policy):
        if version.effective_on > day:
            break
        if previous is not None and version.loan_balance != previous:
            since = version.effective_on
        previous = version.loan_balance
    return since


def loan_quote_for(policy: Policy, effective_on: date, details: Mapping[str, Any]) -> LoanQuote:
    """How much ``policy`` may lend on ``effective_on`` (the product's share of the cash
    value there, less the balance) and what ``details`` asks; refused above it."""
    try:
        amount = money_amount(details)
    except RequestInvalid as exc:
        raise GuardFailed(str(exc)) from None
    product = policy.product
    quote = loan_quote(
        effective_on=effective_on,
        cash_value=quote_for(policy, effective_on).cash_value,
        ratio=product.loan_ratio_percent,
        balance=policy_as_of(policy, effective_on).loan_balance,
        rate=product.loan_interest_percent,
        amount=amount,
    )
    if why := loan_refusal(quote):
        raise GuardFailed(why)
    return quote


def repayment_for(policy: Policy, effective_on: date, details: Mapping[str, Any]) -> RepaymentQuote:
    """What repaying the loan on ``effective_on`` costs: the principal asked for plus the
    interest on the whole balance since it last changed."""
    try:
        return repayment_quote(
            effective_on=effective_on,
            balance=policy_as_of(policy, effective_on).loan_balance,
            since=loan_since(policy, effective_on),
            rate=policy.product.loan_interest_percent,
            principal=money_amount(details),
        )
    except RequestInvalid as exc:
        raise GuardFailed(str(exc)) from None


def _check_request(
    policy: Policy, item: str, details: Mapping[str, Any], effective_on: date, received_on: date
) -> None:
    if item not in CHECKLISTS:
        raise GuardFailed(_("Choose what you want to change."))
    if why := effective_date_refusal(effective_on, received_on):
        raise GuardFailed(why)
    terms = policy_as_of(policy, effective_on)
    if item == ServiceItem.REINSTATEMENT:
        _check_reinstatement(policy, effective_on)
    elif not terms.in_force_on(effective_on):
        raise GuardFailed(
            _("Policy %(number)s is not in force on %(day)s.")
            % {"number": policy.number, "day": effective_on.isoformat()}
        )
    one_at_a_time = (
        ServiceItem.SURRENDER,
        ServiceItem.REINSTATEMENT,
        ServiceItem.LOAN,
        ServiceItem.LOAN_REPAYMENT,
    )
    if (
        item in one_at_a_time
        and ServiceRequest.objects.filter(policy=policy, item=item, case__is_open=True).exists()
    ):
        raise IllegalTransition(
            _("Policy %(number)s already has a request to %(item)s in progress.")
            % {"number": policy.number, "item": item_label(item)}
        )
    try:
        item_changes(item, details, effective_on)
    except RequestInvalid as exc:
        raise GuardFailed(str(exc)) from None


def lapsed_since(policy: Policy, day: date) -> date | None:
    """The date the lapse in effect on ``day`` began (效力中止之日), or None when the policy
    is not lapsed that day: the earliest of the run of lapsed versions up to ``day``."""
    since = None
    for version in policy_history(policy):
        if version.effective_on > day:
            break
        if version.status != Policy.Status.LAPSED:
            since = None
        elif since is None:
            since = version.effective_on
    return since


def _check_reinstatement(policy: Policy, effective_on: date) -> None:
    lapsed_on = lapsed_since(policy, effective_on)
    if lapsed_on is None:
        raise GuardFailed(
            _("Policy %(number)s has not lapsed: only a lapsed policy is reinstated.")
            % {"number": policy.number}
        )
    if why := reinstatement_refusal(lapsed_on=lapsed_on, effective_on=effective_on):
        raise GuardFailed(why)


def arrears_for(policy: Policy, effective_on: date) -> ArrearsQuote:
    """What reinstating ``policy`` on ``effective_on`` costs: its unpaid premiums due by
    then with interest (``rules.arrears_quote``)."""
    unpaid = PremiumDue.objects.filter(
        policy=policy, paid_at__isnull=True, due_on__lte=effective_on
    ).values_list("due_on", "amount")
    return arrears_quote(list(unpaid), effective_on)


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
    if item in SYSTEM_ITEMS:
        raise GuardFailed(
            _(
                "A survival benefit is paid when it falls due, to the account on file: nobody asks for it."
            )
        )
    if not staff and policy.holder_id != actor.pk:
        raise NotAllowed(_("You may only ask for changes to your own policies."))
    received_on = to_local(now).date()
    effective_on = effective_on or received_on
    details = dict(details)
    _check_request(policy, item, details, effective_on, received_on)
    quote: SurrenderQuote | ArrearsQuote | LoanQuote | RepaymentQuote | None = None
    if item == ServiceItem.SURRENDER:
        quote = quote_for(policy, effective_on)
    elif item == ServiceItem.REINSTATEMENT:
        quote = arrears_for(policy, effective_on)
    elif item == ServiceItem.LOAN:
        quote = loan_quote_for(policy, effective_on, details)
    elif item == ServiceItem.LOAN_REPAYMENT:
        quote = repayment_for(policy, effective_on, details)
    sum_change = _sum_change(policy, item, details, effective_on)
    if isinstance(sum_change, SurrenderQuote):
        quote = sum_change
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
        request = ServiceRequest.objects.create(
            case=case,
            policy=policy,
            item=item,
            effective_on=effective_on,
            details=details,
            quote=quote.as_dict() if quote else {},
            # What the request pays out (the approver's authority applies to it).
            amount=quote.amount if isinstance(quote, SurrenderQuote | LoanQuote) else None,
            underwriting_required=(
                item == ServiceItem.REINSTATEMENT and needs_underwriting(details)
            )
            or item in UNDERWRITTEN_ITEMS,
        )
        if item in UNDERWRITTEN_ITEMS:
            _ask_underwriting(request, actor=actor, now=now)
        elif request.underwriting_required:
            _route_to_underwriting(case, now=now)
    return request


def _sum_change(
    policy: Policy, item: str, details: dict[str, Any], effective_on: date
) -> SurrenderQuote | None:
    """An increase or decrease of the sum insured, checked against the sum in effect on the
    effective date. A decrease fixes its new premium now (in proportion) and, when the
    product has cash values, quotes the refund of the cash value of the part given up (the
    surrender rule applied to that part: within the cooling-off period its premium); an
    increase is priced by underwriting (``risk_decided``)."""
    if item not in SUM_ITEMS:
        return None
    terms = policy_as_of(policy, effective_on)
    new = new_sum_insured(details)
    if why := sum_change_refusal(item, terms.sum_insured, new):
        raise GuardFailed(why)
    if ServiceRequest.objects.filter(
        policy=policy, item__in=SUM_ITEMS, case__is_open=True
    ).exists():  # each change is priced on the sum the one before it left
        raise IllegalTransition(
            _("Policy %(number)s already has a change of its sum insured in progress.")
            % {"number": policy.number}
        )
    details["sum_insured"] = str(new)
    if item == ServiceItem.SUM_INCREASE:
        details.pop("premium", None)  # set from underwriting's decision, never by the asker
        return None
    premium = premium_for_sum(terms.premium, terms.sum_insured, new)
    details["premium"] = str(premium)
    if not policy.product.cash_values:
        return None
    return surrender_quote(
        start=terms.start,
        effective_on=effective_on,
        sum_insured=terms.sum_insured - new,
        premium=terms.premium - premium,
        loans=Decimal(0),
        table=policy.product.cash_values,
        cooling_off_days=policy.product.cooling_off_days,
    )


def _ask_underwriting(request: ServiceRequest, *, actor: Actor, now: datetime) -> None:
    """An increase goes to underwriting with the insured's declaration (an application linked
    to this request); the request waits for the decision (``risk_decided``)."""
    policy = request.policy
    terms = policy_as_of(policy, request.effective_on)
    new = Decimal(request.details["sum_insured"])
    answers, health_text = health_declaration(request.details)
    try:
        occupation_class = int(request.details.get("occupation_class") or 0)
    except (TypeError, ValueError):
        occupation_class = 0
    publish(
        RiskChangeRequested(
            case=request.case,
            policy=policy,
            sum_insured=new,
            standard_premium=added_premium(terms.premium, terms.sum_insured, new),
            health_answers=answers,
            health_details=health_text,
            occupation=str(request.details.get("occupation") or "").strip()[:60],
            occupation_class=occupation_class,
            actor=actor,
            now=now,
        )
    )


def risk_decided(event: RiskDecided) -> None:
    """Underwriting's decision on an increase: an acceptance fixes the new premium (the
    current one plus the decided premium of the added part, rated if rated) and lets the
    clerk approve; a postponement or a decline refuses the request with underwriting's
    reason (in the owner's name: the owner answers for the request)."""
    case, request = _locked(ServiceRequest.objects.get(pk=event.case.pk))
    terms = policy_as_of(request.policy, request.effective_on)
    details = dict(request.details)
    details["underwriting"] = {
        "application": event.application,
        "outcome": event.outcome,
        "text": event.text,
        "signers": list(event.signers),
    }
    if event.accepted and event.premium is not None:
        details["premium"] = str(terms.premium + event.premium)
    request.details = details
    request.underwritten_by = event.actor if event.accepted else None
    request.underwritten_at = event.now
    request.underwriting_note = event.text[:2000]
    request.save(
        update_fields=["details", "underwritten_by", "underwritten_at", "underwriting_note"]
    )
    timeline_record(
        case,
        now=event.now,
        actor=event.actor,
        kind="sum_increase_underwritten",
        customer_visible=True,
        data={"application": event.application, "text": event.text, "accepted": event.accepted},
    )
    if event.accepted or case.status not in (
        RequestState.SUBMITTED,
        RequestState.REVIEWING,
        RequestState.COMPLETE,
    ):
        return
    owner = case.owner
    if case.status == RequestState.SUBMITTED:
        case = case_transition(case=case, action="review", actor=owner, now=event.now)
    case_transition(
        case=case,
        action="decline",
        actor=owner,
        now=event.now,
        data={
            "reason": _("Underwriting did not accept the increase (%(number)s): %(text)s")
            % {"number": event.application, "text": event.text},
            "clause": _(
                "The insurer may accept, rate or decline an increase of the sum insured after "
                "underwriting the insured's declaration (保险法第十六条: duty of disclosure)."
            ),
        },
    )


def _underwriter(day: date) -> Actor | None:
    """The certified underwriter with the fewest open tasks (核保 of a reinstatement)."""
    roles = [r.value for r, perms in ROLE_PERMISSIONS.items() if UNDERWRITE_PERMISSION in perms]
    return (
        User.objects.filter(
            is_active=True,
            groups__name__in=roles,
            pk__in=certified_user_ids(UNDERWRITING_CERTIFICATE, day),
        )
        .annotate(load=_open_tasks())
        .order_by("load", "id")
        .first()
    )


def _route_to_underwriting(case: Case, *, now: datetime) -> None:
    """A health declaration with a yes goes to a certified underwriter as a task, handed
    over on behalf of the request's owner (首问负责制). Without one the owner sees that the
    declaration waits for underwriting and escalates it."""
    underwriter = _underwriter(to_local(now).date())
    if underwriter is None:
        return
    task_assign(
        case=case,
        kind=UNDERWRITING_TASK,
        title=_("Underwrite the health declaration of %(number)s (reinstatement)")
        % {"number": case.number},
        assignee=underwriter,
        actor=case.owner,
        now=now,
        certificate=UNDERWRITING_CERTIFICATE,
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
        if request.item == ServiceItem.LOAN:
            loan = loan_quote_for(request.policy, request.effective_on, request.details)
            request.quote = loan.as_dict()
            request.amount = loan.amount
            request.save(update_fields=["quote", "amount"])
        if request.item == ServiceItem.LOAN_REPAYMENT:
            request.quote = repayment_for(
                request.policy, request.effective_on, request.details
            ).as_dict()
            request.save(update_fields=["quote"])
        if request.item in UNDERWRITTEN_ITEMS and request.underwritten_by_id is None:
            raise GuardFailed(
                _(
                    "Underwriting has not accepted the increase yet: the request waits for its decision."
                )
            )
        if request.item == ServiceItem.REINSTATEMENT:
            if request.underwriting_required and request.underwritten_by_id is None:
                raise GuardFailed(
                    _(
                        "The health declaration needs an underwriter's acceptance before the "
                        "reinstatement is approved."
                    )
                )
            request.quote = arrears_for(request.policy, request.effective_on).as_dict()
            request.save(update_fields=["quote"])
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


def _payee(request: ServiceRequest) -> BankAccount:
    """The account a request's money goes to: the policyholder's account on the version of
    the policy in effect on the request's date (the designated account, 指定账户)."""
    bank = policy_as_of(request.policy, request.effective_on).bank
    payee = None
    if bank is not None:
        payee = BankAccount.objects.filter(
            owner_id=request.policy.holder_id, account_number=bank.account_number
        ).first()
    if payee is None:
        raise GuardFailed(
            _("The policyholder has no bank account on file: change the bank account first.")
        )
    return payee


def _loan_changes(request: ServiceRequest) -> dict[str, Any]:
    """The loan balance after a loan (+ the amount lent) or a repayment (− the principal)."""
    balance = policy_as_of(request.policy, request.effective_on).loan_balance
    if request.item == ServiceItem.LOAN:
        return {"loan_balance": balance + (request.amount or Decimal(0))}
    principal = Decimal(str(request.quote.get("principal") or 0))
    return {"loan_balance": balance - principal}


def _apply_approval(case: Case, request: ServiceRequest, *, actor: Actor, now: datetime) -> None:
    purpose = PAYOUT_PURPOSES.get(request.item)
    payee = _payee(request) if purpose and request.amount else None
    endorsement = None
    try:
        changes = item_changes(request.item, request.details, request.effective_on)
        if request.item in (ServiceItem.LOAN, ServiceItem.LOAN_REPAYMENT):
            changes = _loan_changes(request)
        if changes:  # a survival benefit changes nothing on the policy
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
    if endorsement is not None and "premium" in endorsement.changes:
        _reprice_instalments(request.policy, request.effective_on, Decimal(str(changes["premium"])))
    if request.item == ServiceItem.REINSTATEMENT:
        # The arrears received (checklist) settle every premium due by the effective date.
        PremiumDue.objects.filter(
            policy=request.policy, paid_at__isnull=True, due_on__lte=request.effective_on
        ).update(
            paid_at=now,
            paid_amount=F("amount"),
            reference=case.number,
            recorded_by=actor,
            settled_by=case,
        )
    if endorsement is not None:
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
    action = approval_action(request.item, request.amount)
    case_transition(
        case=case,
        action=action,
        actor=actor,
        now=now,
        data={
            "endorsement": endorsement.number if endorsement else "",
            "effective_on": request.effective_on.isoformat(),
        },
    )
    # Handed to the payment flow while the approver still holds the task that lets them
    # assign: the payments app instructs it and gives finance the task (PayoutDue).
    if purpose and request.amount:
        publish(
            PayoutDue(
                case=case,
                policy=request.policy,
                purpose=purpose,
                amount=request.amount,
                account=payee,
                actor=actor,
                now=now,
            )
        )
    for task in case.tasks.filter(kind=APPROVAL_TASK, status=TaskStatus.OPEN):
        if task.assignee_id == actor.pk:
            task_complete(task=task, actor=actor, now=now, result=_("approved"))
        else:
            task_cancel(task=task, actor=actor, now=now)


def _reprice_instalments(policy: Policy, effective_on: date, annual: Decimal) -> None:
    """Renewal premiums not yet paid and due from the effective date follow the new annual
    premium (each instalment its share of the year, to the fen, half up)."""
    months = PERIOD_MONTHS.get(policy.product.premium_frequency)
    if months is None:
        return
    PremiumDue.objects.filter(policy=policy, paid_at__isnull=True, due_on__gte=effective_on).update(
        amount=fen(annual * months / 12)
    )


def request_decline(
    *, request: ServiceRequest, actor: Actor, now: datetime, reason: str, clause: str = ""
) -> ServiceRequest:
    """Refuse a request, saying why and on which clause (the customer reads both, and how to
    object, on the page and in the written notice)."""
    if not reason.strip():
        raise GuardFailed(_("Say why the request is declined."))
    data = {"reason": reason.strip()[:1000]}
    if clause.strip():
        data["clause"] = clause.strip()[:1000]
    with case_action():
        case, request = _locked(request)
        case_transition(case=case, action="decline", actor=actor, now=now, data=data)
    return request


def payment_recorded(*, case: Case, data: Mapping[str, Any], actor: Actor, now: datetime) -> None:
    """Finance confirmed the surrender value's transfer (the ``confirm_payment`` step)."""
    request = ServiceRequest.objects.select_for_update(of=("self",)).get(pk=case.pk)
    request.paid_at = now
    request.bank_ref = str(data.get("bank_ref") or "")[:64]
    request.save(update_fields=["paid_at", "bank_ref"])
    paid_kinds = {ServiceItem.LOAN: "loan_paid", ServiceItem.SURVIVAL: "survival_paid"}
    timeline_record(
        case,
        now=now,
        actor=actor,
        kind=paid_kinds.get(ServiceItem(request.item), "surrender_paid"),
        customer_visible=True,
        data={"amount": str(request.amount), "bank_ref": request.bank_ref},
    )
    for task in Task.objects.filter(case=case, kind=PAYMENT_TASK, status=TaskStatus.OPEN):
        if task.assignee_id == actor.pk or works_others_tasks(actor):
            task_complete(task=task, actor=actor, now=now, result=_("paid"))


def surrender_pay(
    *, request: ServiceRequest, actor: Actor, now: datetime, bank_ref: str
) -> ServiceRequest:
    """Finance confirms by hand the surrender value of a request approved before the payment
    flow paid surrenders (one with a ``surrender_payment`` task); every later one is
    confirmed on the finance workbench from the bank's answer (the workflow refuses this)."""
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


def underwrite_refusal(
    *, request: ServiceRequest, case: Case, actor: Actor, now: datetime
) -> CaseError | None:
    """Why ``actor`` may not accept this reinstatement's health declaration now, or None
    (the page offers the button on the same rule the service applies)."""
    if not actor.has_perm(UNDERWRITE_PERMISSION) or not certificate_valid(
        actor, UNDERWRITING_CERTIFICATE, to_local(now).date()
    ):
        return NotAllowed(_("Only a certified underwriter accepts a health declaration."))
    if not can_act(actor, case, UNDERWRITE_PERMISSION):
        return NotAllowed(_("You may not underwrite request %(number)s.") % {"number": case.number})
    if request.item != ServiceItem.REINSTATEMENT or not request.underwriting_required:
        return IllegalTransition(
            _("Request %(number)s needs no underwriting.") % {"number": case.number}
        )
    if case.status not in (RequestState.SUBMITTED, RequestState.REVIEWING, RequestState.COMPLETE):
        return IllegalTransition(
            _("Request %(number)s is %(status)s.")
            % {"number": case.number, "status": case.status_label()}
        )
    if request.underwritten_by_id is not None:
        return IllegalTransition(
            _("The health declaration of %(number)s is already accepted.") % {"number": case.number}
        )
    return None


def reinstatement_underwrite(
    *, request: ServiceRequest, actor: Actor, now: datetime, note: str
) -> ServiceRequest:
    """An underwriter accepts the health declaration of a reinstatement (核保). Only holders
    of a valid underwriting certificate with the underwriting permission; a refusal is the
    request's decline, with its reason."""
    with case_action():
        case, request = _locked(request)
        refusal = underwrite_refusal(request=request, case=case, actor=actor, now=now)
        if refusal is not None:
            raise refusal
        request.underwritten_by = actor
        request.underwritten_at = now
        request.underwriting_note = note.strip()[:2000]
        request.save(update_fields=["underwritten_by", "underwritten_at", "underwriting_note"])
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="reinstatement_underwritten",
            customer_visible=True,
            data={"note": request.underwriting_note},
        )
        for task in case.tasks.filter(kind=UNDERWRITING_TASK, status=TaskStatus.OPEN):
            if task.assignee_id == actor.pk:
                task_complete(task=task, actor=actor, now=now, result=_("accepted"))
            else:
                task_cancel(task=task, actor=actor, now=now)
    return request


# --- renewal premium (续期收费), grace and lapse ----------------------------------------------


class PremiumRefused(GuardFailed):
    """A premium cannot be recorded as asked; the message says why."""


def grace_days() -> int:
    """The grace period in days, as the admin left the ``premium_grace`` rule."""
    return int(sla_rule(GRACE_RULE).amount)


def premium_schedule_ensure(policy: Policy, *, now: datetime) -> list[PremiumDue]:
    """The policy's premium schedule, made on first need from its product's frequency, its
    start and end and its yearly premium. Instalment 1 was paid at issue; premiums that fell
    due before the schedule was made are taken as settled by the process that collected them
    then (a product switched to renewal premiums never lapses its policies for the past).
    The grace period of each premium is fixed when the schedule is made (the contract's
    terms)."""
    existing = list(PremiumDue.objects.filter(policy=policy).order_by("number"))
    if existing or policy.product.premium_frequency == PremiumFrequency.SINGLE:
        return existing
    days = grace_days()
    today = to_local(now).date()
    with translation.override(settings.LANGUAGE_CODE):
        at_issue, earlier = _("paid at issue"), _("settled before the schedule was kept")
    rows = []
    for i in premium_schedule(
        start=policy.start,
        end=policy.end,
        annual_premium=policy.premium,
        frequency=policy.product.premium_frequency,
    ):
        settled = i.number == 1 or i.due_on < today
        rows.append(
            PremiumDue(
                policy=policy,
                number=i.number,
                due_on=i.due_on,
                amount=i.amount,
                grace_ends_on=grace_ends(i.due_on, days),
                paid_at=now if settled else None,
                paid_amount=i.amount if settled else None,
                reference=(at_issue if i.number == 1 else earlier) if settled else "",
            )
        )
    PremiumDue.objects.bulk_create(rows, ignore_conflicts=True)
    return list(PremiumDue.objects.filter(policy=policy).order_by("number"))


def _tell_holder(policy: Policy, *, kind: str, subject: str, body: str, now: datetime) -> None:
    """A message to the policyholder through the outbox (and its compliance screen)."""
    notification_queue(
        recipient=policy.holder,
        kind=kind,
        subject=subject,
        body=body,
        now=now,
        phone=policy.contact_phone or None,
    )


def premium_pay(
    *,
    premium: PremiumDue,
    actor: Actor,
    now: datetime,
    reference: str,
    amount: Decimal | str | None = None,
) -> PremiumDue:
    """Finance records a renewal premium as received (bank reference; the amount, when given,
    must be the premium due). Refused after its grace period (the policy lapses for it, even
    before the sweep has run): from then on only a reinstatement brings cover back."""
    if not actor.has_perm(PAY_PERMISSION):
        raise NotAllowed(_("Only finance records premiums received."))
    reference = reference.strip()[:64]
    if not reference:
        raise PremiumRefused(_("Give the bank reference of the premium received."))
    with transaction.atomic():
        premium = (
            PremiumDue.objects.select_for_update(of=("self",))
            .select_related("policy__holder")
            .get(pk=premium.pk)
        )
        if premium.paid_at is not None:
            raise IllegalTransition(
                _("Premium %(n)s of policy %(number)s is already paid.")
                % {"n": premium.number, "number": premium.policy.number}
            )
        if premium.lapse_id is not None or to_local(now).date() > premium.grace_ends_on:
            raise PremiumRefused(
                _(
                    "Policy %(number)s lapsed because this premium was not paid: "
                    "apply for reinstatement instead."
                )
                % {"number": premium.policy.number}
            )
        earlier = (
            PremiumDue.objects.filter(
                policy=premium.policy, number__lt=premium.number, paid_at__isnull=True
            )
            .order_by("number")
            .first()
        )
        if earlier is not None:
            raise PremiumRefused(
                _("Premium %(n)s, due on %(due)s, is still unpaid: premiums are received in order.")
                % {"n": earlier.number, "due": earlier.due_on.isoformat()}
            )
        if amount is not None and str(amount).strip() != "":
            try:
                paid = Decimal(str(amount).strip())
            except InvalidOperation:
                raise PremiumRefused(_("The amount is not a number.")) from None
            if paid != premium.amount:
                raise PremiumRefused(
                    _("The premium due is ¥%(due)s, not ¥%(paid)s.")
                    % {"due": premium.amount, "paid": paid}
                )
        premium.paid_at = now
        premium.paid_amount = premium.amount
        premium.reference = reference
        premium.recorded_by = actor
        premium.save(update_fields=["paid_at", "paid_amount", "reference", "recorded_by"])
        with translation.override(settings.LANGUAGE_CODE):
            _tell_holder(
                premium.policy,
                kind="premium_received",
                subject=_("Policy %(number)s: premium of ¥%(amount)s received")
                % {"number": premium.policy.number, "amount": premium.amount},
                body=_("Premium %(n)s, due on %(due)s, has been received. Thank you.")
                % {"n": premium.number, "due": premium.due_on.isoformat()},
                now=now,
            )
    return premium


def premium_lapse(premium: PremiumDue, *, now: datetime) -> Endorsement | None:
    """The policy lapses (效力中止) from the day after the grace period of ``premium``, still
    unpaid: an endorsement (the policy's history keeps the version) and a message to the
    policyholder. None when nothing lapses (paid meanwhile, or the policy not in force)."""
    with transaction.atomic():
        premium = (
            PremiumDue.objects.select_for_update(of=("self",))
            .select_related("policy__holder", "policy__product")
            .get(pk=premium.pk)
        )
        policy = premium.policy
        if premium.paid_at is not None or premium.lapse_id is not None:
            return None
        starts = lapse_day(premium.grace_ends_on)
        if not policy_as_of(policy, starts).in_force_on(starts):
            return None
        try:
            with transaction.atomic():
                endorsement = endorsement_issue(
                    policy=policy,
                    effective_on=starts,
                    kind="lapse",
                    changes={"status": Policy.Status.LAPSED},
                    actor=None,
                    now=now,
                )
        except EndorsementRefused as exc:
            log.warning("policy %s cannot lapse on %s: %s", policy.number, starts, exc)
            return None
        premium.lapse = endorsement
        premium.save(update_fields=["lapse"])
        _tell_holder(
            policy,
            kind="policy_lapsed",
            subject=_("Policy %(number)s has lapsed from %(day)s")
            % {"number": policy.number, "day": starts.isoformat()},
            body=_(
                "The premium of ¥%(amount)s due on %(due)s was not received by the end of the "
                "grace period (%(grace)s). Cover is suspended from %(day)s; a loss from that "
                "day is not covered. You may apply for reinstatement within two years, with a "
                "health declaration and the premiums in arrears with interest."
            )
            % {
                "amount": premium.amount,
                "due": premium.due_on.isoformat(),
                "grace": premium.grace_ends_on.isoformat(),
                "day": starts.isoformat(),
            },
            now=now,
        )
    return endorsement


def _remind(premium: PremiumDue, *, field: str, now: datetime) -> bool:
    """One reminder of ``premium`` (``field``: which one), sent at most once."""
    with transaction.atomic():
        claimed = PremiumDue.objects.filter(
            pk=premium.pk, paid_at__isnull=True, **{f"{field}__isnull": True}
        ).update(**{field: now})
        if not claimed:
            return False
        policy = premium.policy
        if field == "reminded_before_at":
            subject = _("Policy %(number)s: premium of ¥%(amount)s due on %(due)s") % {
                "number": policy.number,
                "amount": premium.amount,
                "due": premium.due_on.isoformat(),
            }
            body = _(
                "Please pay the renewal premium by %(due)s. If it is not received, a grace "
                "period runs until %(grace)s."
            ) % {"due": premium.due_on.isoformat(), "grace": premium.grace_ends_on.isoformat()}
        else:
            subject = _(
                "Policy %(number)s: premium of ¥%(amount)s unpaid, grace until %(grace)s"
            ) % {
                "number": policy.number,
                "amount": premium.amount,
                "grace": premium.grace_ends_on.isoformat(),
            }
            body = _(
                "The premium due on %(due)s has not been received. Please pay it by %(grace)s: "
                "if it is still unpaid then, the policy lapses from %(day)s and cover is "
                "suspended."
            ) % {
                "due": premium.due_on.isoformat(),
                "grace": premium.grace_ends_on.isoformat(),
                "day": lapse_day(premium.grace_ends_on).isoformat(),
            }
        _tell_holder(policy, kind="premium_reminder", subject=subject, body=body, now=now)
    return True


def premium_sweep(*, now: datetime, batch: int = 500) -> dict[str, int]:
    """The periodic pass over renewal premiums: make missing schedules, remind before the due
    date and during grace, lapse policies whose premium is unpaid at the end of grace.
    Counts of what this run did."""
    today = to_local(now).date()
    rule = sla_rule(GRACE_RULE)
    counts = {"schedules": 0, "reminders": 0, "grace_reminders": 0, "lapses": 0}
    with translation.override(settings.LANGUAGE_CODE):
        for policy in (
            Policy.objects.filter(status=Policy.Status.ACTIVE, premiums__isnull=True)
            .exclude(product__premium_frequency=PremiumFrequency.SINGLE)
            .select_related("product")[:batch]
        ):
            counts["schedules"] += bool(premium_schedule_ensure(policy, now=now))
        unpaid = PremiumDue.objects.filter(
            paid_at__isnull=True, lapse__isnull=True, policy__status=Policy.Status.ACTIVE
        ).select_related("policy__holder")
        for premium in unpaid.filter(
            reminded_before_at__isnull=True, due_on__gte=today, number__gt=1
        ).order_by("due_on")[:batch]:
            if before_due_reminder_on(premium.due_on) <= today:
                counts["reminders"] += _remind(premium, field="reminded_before_at", now=now)
        for premium in unpaid.filter(
            reminded_grace_at__isnull=True, due_on__lt=today, grace_ends_on__gte=today
        ).order_by("due_on")[:batch]:
            days = (premium.grace_ends_on - premium.due_on).days
            if grace_reminder_on(premium.due_on, days, rule.reminder_percent) <= today:
                counts["grace_reminders"] += _remind(premium, field="reminded_grace_at", now=now)
        for premium in unpaid.filter(
            grace_ends_on__lt=today, policy__end__gt=F("grace_ends_on")
        ).order_by("policy_id", "due_on")[:batch]:
            counts["lapses"] += premium_lapse(premium, now=now) is not None
    return counts


# --- survival benefit (生存给付) --------------------------------------------------------------

ROBOT_USERNAME = "service_auto"  # the servicing system: opens and approves contractual payouts


def service_robot() -> Actor:
    """The servicing system as a member of the servicing team (it cannot sign in): the
    owner and signer of survival benefits, whose amount the contract fixes."""
    user = User.objects.filter(username=ROBOT_USERNAME).first()
    if user is not None:
        return user
    user = User(username=ROBOT_USERNAME, first_name=_("Automatic servicing"))
    user.set_unusable_password()
    user.save()
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=Role.UNDERWRITER.value))
    return user


def survival_dues(policy: Policy) -> list[SurvivalDue]:
    """The survival benefits of ``policy`` from its product's schedule (term and sum
    insured as issued; each is checked against the version in effect on its due date)."""
    first = policy_history(policy)[0]
    return survival_schedule(
        start=first.start,
        end=first.end,
        sum_insured=first.sum_insured,
        schedule=policy.product.survival_schedule,
    )


def survival_benefit_pay(*, policy: Policy, due: SurvivalDue, now: datetime) -> SurvivalBenefit:
    """A survival benefit fell due: recorded once; when the policy is in force on the due
    date, a request is opened, approved by the system (the contract fixes the amount: no
    discretion, so no approval limit) and handed to the payment flow, to the account on the
    version in effect that day. The customer is told as for every request."""
    terms = policy_as_of(policy, due.due_on)
    with case_action():
        Policy.objects.select_for_update().get(pk=policy.pk)
        found = SurvivalBenefit.objects.filter(policy=policy, number=due.number).first()
        if found is not None:
            return found
        # The benefit is per 1,000 of the sum insured in effect on the due date.
        ratio = Decimal(0)
        for row in policy.product.survival_schedule:
            if add_months(terms.start, int(row["month"])) == due.due_on:
                ratio = Decimal(str(row["per_mille"]))
        amount = fen(terms.sum_insured * ratio / 1000) if ratio else due.amount
        row = SurvivalBenefit(
            policy=policy, number=due.number, due_on=due.due_on, amount=amount, created_at=now
        )
        if not terms.in_force_on(due.due_on):
            row.not_payable = str(
                _("The policy was not in force on %(day)s (%(status)s).")
                % {"day": due.due_on.isoformat(), "status": Policy.Status(terms.status).label}
            )
            row.save()
            return row
        robot = service_robot()
        case = case_open(
            kind=KIND,
            title=f"{item_label(ServiceItem.SURVIVAL)} · {policy.number}",
            actor=robot,
            now=now,
            customer=policy.holder,
            owner=robot,
            category=ServiceItem.SURVIVAL,
            data={
                "policy": policy.number,
                "item": ServiceItem.SURVIVAL,
                "effective_on": due.due_on.isoformat(),
            },
        )
        request = ServiceRequest.objects.create(
            case=case,
            policy=policy,
            item=ServiceItem.SURVIVAL,
            effective_on=due.due_on,
            details={"number": due.number},
            quote={
                "due_on": due.due_on.isoformat(),
                "number": due.number,
                "sum_insured": str(terms.sum_insured),
                "amount": str(amount),
            },
            amount=amount,
        )
        case_transition(case=case, action="review", actor=robot, now=now)
        case_transition(case=case, action="materials_complete", actor=robot, now=now)
        _apply_approval(case, request, actor=robot, now=now)
        row.request = request
        row.save()
    return row


def survival_sweep(*, now: datetime, batch: int = 500) -> dict[str, int]:
    """The periodic pass over survival benefits: every one due by today and not yet
    recorded is paid (or recorded as not payable). Counts of what this run did."""
    today = to_local(now).date()
    counts = {"paid": 0, "not_payable": 0}
    done = 0
    with translation.override(settings.LANGUAGE_CODE):
        policies = (
            Policy.objects.exclude(product__survival_schedule=[])
            .filter(start__lte=today)
            .select_related("product", "holder")
            .order_by("id")
        )
        for policy in policies:
            recorded = set(
                SurvivalBenefit.objects.filter(policy=policy).values_list("number", flat=True)
            )
            for due in survival_dues(policy):
                if due.due_on > today or due.number in recorded or done >= batch:
                    continue
                try:
                    row = survival_benefit_pay(policy=policy, due=due, now=now)
                except CaseError:
                    log.exception("survival benefit %s #%s not paid", policy.number, due.number)
                    continue
                done += 1
                counts["not_payable" if row.not_payable else "paid"] += 1
    return counts
