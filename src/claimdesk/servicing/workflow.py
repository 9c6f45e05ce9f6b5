"""The workflow of policy-service requests (保全): 申请 → 受理审核 → 资料齐全 → 审批 →
(退保: 付款) → 记录归档.

Registered with the kernel like claims and tickets. The approval rows are taken only by
``services.request_approve``, which checks the approver's authority first and issues the
endorsement (a check here refuses them otherwise, so the generic transition endpoint and
the case page cannot go round it). Requests opened as bare cases (no request row: the
older counter cases) have no item to change and keep the simple review → approve path.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from claimdesk.cases.workflow import SlaDefault, Transition, Workflow, requires, withdrawals
from claimdesk.workdays.clocks import Unit

KIND = "policy_service"
PERMISSION = "policies.handle_policy_service"
PAY_PERMISSION = "claims.handle_payment"
UNDERWRITE_PERMISSION = "policies.decide_underwriting"
GRACE_RULE = "premium_grace"


class RequestState(TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    REVIEWING = "reviewing", _("Reviewing")
    COMPLETE = "complete", _("Materials complete")
    PAYING = "paying", _("Awaiting payment")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = RequestState
FINAL = frozenset({S.APPROVED, S.PAID, S.DECLINED, S.WITHDRAWN})
APPROVALS = frozenset({"approve", "approve_surrender", "approve_payout"})
# The approval row of each item that pays money out (else ``approve``).
PAYOUT_APPROVAL = {"surrender": "approve_surrender", "loan": "approve_payout",
                   "survival_benefit": "approve_payout",
                   "sum_decrease": "approve_payout"}  # fmt: skip


def approval_action(item: str, amount: Decimal | None) -> str:
    """The approval row a request takes: into payment when it pays money out (a decrease
    of the sum insured only when its product refunds a cash value), else straight to
    approved."""
    action = PAYOUT_APPROVAL.get(item, "approve")
    if action == "approve_payout" and item == "sum_decrease" and not amount:
        return "approve"
    return action


SLA_RULES = (
    SlaDefault(
        "service_ack",
        _("Acknowledge a policy-service request"),
        Unit.WORKING_DAYS,
        Decimal(1),
        "保全申请1个工作日内受理",
    ),
    SlaDefault(
        "service_complete",
        _("Complete a policy-service request"),
        Unit.WORKING_DAYS,
        Decimal(5),
        "资料齐全后5个工作日内办结",
    ),
    SlaDefault(
        "surrender_payment",
        _("Pay the surrender value"),
        Unit.CALENDAR_DAYS,
        Decimal(10),
        "退保批准后10日内支付退保金",
    ),
    SlaDefault(
        "service_payment",
        _("Pay a policy loan or a survival benefit"),
        Unit.WORKING_DAYS,
        Decimal(3),
        "保单贷款、生存金批准后3个工作日内支付",
    ),
    # Not a case clock: the grace period of an unpaid renewal premium, read by the premium
    # sweep (``services.premium_sweep``) — its amount is the grace days, its reminder point
    # the day of the reminder during grace.
    SlaDefault(
        GRACE_RULE,
        _("Grace period of a renewal premium"),
        Unit.CALENDAR_DAYS,
        Decimal(60),
        "保险法第三十六条：超过约定的期限六十日未支付当期保险费的，合同效力中止",
    ),
)


def _request(case: Any) -> Any:
    from claimdesk.servicing.models import ServiceRequest

    return ServiceRequest.objects.filter(pk=case.pk).first()


def materials_before_completion(case: Any, t: Transition, data: Mapping[str, Any]) -> str | None:
    """Materials are complete only when every item of the checklist has been received."""
    if t.action != "materials_complete":
        return None
    from claimdesk.servicing.rules import missing_materials

    request = _request(case)
    if request is None:
        return None
    missing = missing_materials(request.item, request.received)
    if missing:
        return str(
            _("Still missing: %(items)s") % {"items": "、".join(str(m.name) for m in missing)}
        )
    return None


def approved_through_authority(case: Any, t: Transition, data: Mapping[str, Any]) -> str | None:
    """An approval row needs the approval recorded by ``request_approve`` (authority checked
    there); a surrender is approved into payment, every other item straight to approved."""
    if t.action not in APPROVALS:
        return None
    request = _request(case)
    if request is None:
        return None if t.action == "approve" else str(_("This case has no surrender to pay."))
    if request.approved_by_id is None:
        return str(_("Approve the request on its page: the approver's authority is checked there."))
    if approval_action(request.item, request.amount) != t.action:
        return str(_("This approval does not fit the request's item."))
    return None


def paid_through_payments(case: Any, t: Transition, data: Mapping[str, Any]) -> str | None:
    """A request's payment is confirmed by the payment flow (the bank's answer on the finance
    workbench, which names its payment ``reference``); only a request approved before that
    flow existed (it still has a hand-over task ``surrender_payment``) is confirmed by hand."""
    if t.action != "confirm_payment" or data.get("reference"):
        return None
    from claimdesk.cases.models import TaskStatus

    if case.tasks.filter(kind="surrender_payment", status=TaskStatus.OPEN).exists():
        return None
    return str(
        _(
            "The payment is confirmed on the finance workbench (Payments) when the bank "
            "confirms the transfer."
        )
    )


def record_payment(
    *, case: Any, transition: Transition, data: Mapping[str, Any], actor, now
) -> None:
    """When finance confirms the surrender value's transfer: the request records it and the
    payment task comes back to the owner."""
    if transition.action != "confirm_payment":
        return
    from claimdesk.servicing.services import payment_recorded

    payment_recorded(case=case, data=data, actor=actor, now=now)


WORKFLOW = Workflow(
    kind=KIND,
    label=_("Policy service"),
    number_prefix="PS",
    states=RequestState,
    initial=S.SUBMITTED,
    final=FINAL,
    opening_clocks=("service_ack",),
    checks=(materials_before_completion, approved_through_authority, paid_through_payments),
    effects=(record_payment,),
    sla_rules=SLA_RULES,
    transitions=(
        Transition(S.SUBMITTED, "review", S.REVIEWING, PERMISSION, _("Start review"),
                   stops=("service_ack",)),
        Transition(S.REVIEWING, "materials_complete", S.COMPLETE, PERMISSION,
                   _("Materials complete"), starts=("service_complete",)),
        Transition(S.REVIEWING, "approve", S.APPROVED, PERMISSION, _("Approve")),
        Transition(S.COMPLETE, "approve", S.APPROVED, PERMISSION, _("Approve"),
                   stops=("service_complete",)),
        Transition(S.COMPLETE, "approve_surrender", S.PAYING, PERMISSION,
                   _("Approve the surrender"), stops=("service_complete",),
                   starts=("surrender_payment",)),
        Transition(S.COMPLETE, "approve_payout", S.PAYING, PERMISSION,
                   _("Approve and pay"), stops=("service_complete",),
                   starts=("service_payment",)),
        Transition(S.REVIEWING, "decline", S.DECLINED, PERMISSION, _("Decline"),
                   guard=requires("reason"), stop_all=True),
        Transition(S.COMPLETE, "decline", S.DECLINED, PERMISSION, _("Decline"),
                   guard=requires("reason"), stop_all=True),
        Transition(S.PAYING, "confirm_payment", S.PAID, PAY_PERMISSION,
                   _("Confirm the payment"), guard=requires("bank_ref"),
                   stops=("surrender_payment", "service_payment")),
        # Once a surrender is approved the contract has ended: it is paid, not withdrawn.
        *withdrawals(RequestState, FINAL | {S.PAYING}, PERMISSION),
    ),
)  # fmt: skip
