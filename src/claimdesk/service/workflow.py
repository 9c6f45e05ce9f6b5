"""The service ticket's workflow: new → in progress ⇄ waiting for the customer → resolved → closed.

The category picks the commitment a ticket carries (an inquiry 2 business hours, a complaint
15 days, …); replies, questions and resolutions that reach the customer go through the service
desk, whose compliance gate has checked their text; a complaint resolves only with a complete
root-cause report.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from claimdesk.cases.models import DeadlineState
from claimdesk.cases.workflow import SlaDefault, Transition, Workflow, requires
from claimdesk.service import rules, selectors
from claimdesk.service.models import Category, Ticket
from claimdesk.workdays.clocks import Unit

KIND = "ticket"


class TicketState(TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


S = TicketState
FINAL = frozenset({S.CLOSED})
RESPONSE_CLOCKS = ("inquiry_reply", "green_response")
SOLUTION_CLOCKS = (
    "complex_solution",
    "complaint",
    "complaint_complex",
    "complaint_extended",
    "objection_reply",
    "green_preapproval",
)
HANDLE = "service.handle_ticket"
# The "+30 days" for an especially complex complaint is approved by a manager, not the agent.
EXTEND = "service.extend_complaint"
# The complaint clocks an approved extension lengthens, and the clock that replaces them.
EXTENDABLE = ("complaint", "complaint_complex")
EXTENSION = tuple((code, "complaint_extended") for code in EXTENDABLE)

# Set while a service-desk function drives a ticket transition: the check below lets
# customer-facing actions through only then (the text has passed the gate there).
_SERVICE_DESK: ContextVar[bool] = ContextVar("service_desk_transition", default=False)


@contextmanager
def service_desk() -> Iterator[None]:
    """Mark the transitions inside as driven by the service desk (its gate ran first)."""
    token = _SERVICE_DESK.set(True)
    try:
        yield
    finally:
        _SERVICE_DESK.reset(token)


def opening_clock(case: Any, data: Mapping[str, Any]) -> str | None:
    """Which response commitment a new ticket carries, by its category (a complex
    complaint has 30 days instead of 15)."""
    if case.category == Category.COMPLAINT and data.get("complex"):
        return "complaint_complex"
    return {
        Category.INQUIRY: "inquiry_reply",
        Category.CALLBACK: "inquiry_reply",  # a call-back is answered like an inquiry
        Category.COMPLEX: "complex_solution",
        Category.COMPLAINT: "complaint",
        Category.OBJECTION: "objection_reply",
        Category.APPEAL: "complex_solution",
        Category.GREEN: "green_response",
    }.get(case.category)


def green_preapproval(case: Any, data: Mapping[str, Any]) -> str | None:
    return "green_preapproval" if case.category == Category.GREEN else None


# Steps that apply to one category of ticket only (the +30 days is a complaint's).
CATEGORY_ONLY = {"extend": Category.COMPLAINT}


def applies(action: str, case: Any) -> bool:
    """Whether a step applies to this ticket's category (pages offer only those)."""
    return CATEGORY_ONLY.get(action, case.category) == case.category


def extension_allowed(case: Any, data: Mapping[str, Any]) -> str | None:
    """An extension is for a complaint whose decision period still runs, with the reason it
    is especially complex; a complaint is extended once."""
    if not str(data.get("reason") or "").strip():
        return gettext("Say why the complaint is especially complex.")
    if not applies("extend", case):
        return gettext("Only a complaint's decision period can be extended.")
    running = case.deadlines.filter(
        rule__code__in=EXTENDABLE, state=DeadlineState.RUNNING, task__isnull=True
    ).exists()
    if not running:
        return gettext(
            "The complaint's decision period is not running (already extended, paused while "
            "waiting for the customer, or over)."
        )
    return None  # the kernel refuses a period already over (``cases.services._extend``)


def desk_rules(case: Any, transition: Transition, data: Mapping[str, Any]) -> str | None:
    """Rules every path into the kernel obeys, for tickets the service desk opened (with a
    ``Ticket`` row): customer-facing text only through the desk; a complaint resolves only
    with a complete root-cause report."""
    ticket = Ticket.objects.filter(case_id=case.pk).first()
    if ticket is None:
        return None
    if transition.action in rules.CUSTOMER_TEXT_FIELDS and not _SERVICE_DESK.get():
        return gettext(
            "Answer tickets on the service desk: its replies pass the compliance check first."
        )
    if case.category == Category.COMPLAINT and transition.target in (S.RESOLVED, S.CLOSED):
        missing = rules.rca_missing(selectors.rca_fields(ticket))
        if missing:
            return gettext(
                "A complaint cannot be resolved or closed without a complete root-cause "
                "report; missing: %(fields)s"
            ) % {"fields": ", ".join(str(rules.RCA_FIELD_LABELS[f]) for f in missing)}
    return None


def _sla(
    code: str, name: Any, unit: Unit, amount: str, basis: str, *, statutory: bool = False
) -> SlaDefault:
    return SlaDefault(code, name, unit, Decimal(amount), basis, statutory=statutory)


SLA_RULES = (
    _sla(
        "objection_reply",
        _("Written answer to an objection"),
        Unit.WORKING_DAYS,
        "3",
        "对审核结果有异议的，3个工作日内书面解释",
    ),
    _sla("inquiry_reply", _("Inquiry reply"), Unit.BUSINESS_HOURS, "2", "一般咨询2小时内答复"),
    _sla(
        "complex_solution",
        _("Complex matter solution"),
        Unit.HOURS,
        "24",
        "复杂问题24小时内给出解决方案",
    ),
    _sla(
        "green_response",
        _("Green-channel response"),
        Unit.HOURS,
        "0.5",
        "重疾、意外绿色通道30分钟响应",
    ),
    _sla(
        "green_preapproval",
        _("Green-channel pre-approval"),
        Unit.HOURS,
        "24",
        "绿色通道24小时预审",
    ),
    _sla(
        "complaint",
        _("Complaint decision"),
        Unit.CALENDAR_DAYS,
        "15",
        "银行业保险业消费投诉处理管理办法：15日内作出处理决定",
        statutory=True,
    ),
    _sla(
        "complaint_complex",
        _("Complex complaint decision"),
        Unit.CALENDAR_DAYS,
        "30",
        "银行业保险业消费投诉处理管理办法：情况复杂的，可延长至30日",
        statutory=True,
    ),
    _sla(
        "complaint_extended",
        _("Especially complex complaint decision (extended)"),
        Unit.CALENDAR_DAYS,
        "30",
        "银行业保险业消费投诉处理管理办法：情况特别复杂的，经批准可再延长30日",
        statutory=True,
    ),
)

WORKFLOW = Workflow(
    kind=KIND,
    label=_("Ticket"),
    number_prefix="TK",
    states=TicketState,
    initial=S.NEW,
    final=FINAL,
    opening_clocks=(opening_clock,),
    checks=(desk_rules,),
    sla_rules=SLA_RULES,
    transitions=(
        Transition(S.NEW, "reply", S.IN_PROGRESS, HANDLE, _("Reply"), guard=requires("message"),
                   stops=RESPONSE_CLOCKS, starts=(green_preapproval,)),
        Transition(S.IN_PROGRESS, "ask_customer", S.WAITING_CUSTOMER, HANDLE,
                   _("Ask the customer"), guard=requires("message"), pauses=SOLUTION_CLOCKS),
        Transition(S.WAITING_CUSTOMER, "customer_replied", S.IN_PROGRESS, HANDLE,
                   _("Customer replied"), resumes=SOLUTION_CLOCKS),
        Transition(S.NEW, "resolve", S.RESOLVED, HANDLE, _("Resolve"),
                   guard=requires("resolution"), stops=RESPONSE_CLOCKS + SOLUTION_CLOCKS),
        Transition(S.IN_PROGRESS, "resolve", S.RESOLVED, HANDLE, _("Resolve"),
                   guard=requires("resolution"), stops=RESPONSE_CLOCKS + SOLUTION_CLOCKS),
        Transition(S.NEW, "extend", S.NEW, EXTEND, _("Extend the complaint period by 30 days"),
                   guard=extension_allowed, extends=EXTENSION),
        Transition(S.IN_PROGRESS, "extend", S.IN_PROGRESS, EXTEND,
                   _("Extend the complaint period by 30 days"), guard=extension_allowed,
                   extends=EXTENSION),
        Transition(S.RESOLVED, "reopen", S.IN_PROGRESS, HANDLE, _("Reopen")),
        Transition(S.RESOLVED, "close", S.CLOSED, HANDLE, _("Close")),
    ),
)  # fmt: skip
