"""Service-desk endpoints: tickets, replies, notes, actions, root-cause reports, templates
and objections.

Reads go through ``service.selectors`` (a customer sees only their own tickets: 404 for
anyone else's); writes through ``service.services``; refusals are ``CaseError``s that the
API maps to 400/403/404/409 with ``detail`` (and ``violations`` / ``missing`` where a
compliance hit or a template variable is the reason).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from claimdesk.bounds import Day, PageNumber
from claimdesk.cases.api import NotFound
from claimdesk.cases.services import GuardFailed, NotAllowed, can_act
from claimdesk.claims import selectors as claim_selectors
from claimdesk.claims.models import Claim
from claimdesk.service import selectors, services
from claimdesk.service.models import CorrectiveAction, ReplyTemplate, Ticket
from claimdesk.service.rules import SCENARIO_LABELS, template_variables
from claimdesk.staff.services import is_staff_member
from claimdesk.types import AuthedRequest
from claimdesk.workdays.clocks import to_local

router = Router(tags=["service"])
User = get_user_model()


# --- schemas --------------------------------------------------------------------------------


class TicketViolationOut(Schema):
    term: str
    rule: str
    start: int
    end: int
    reason: str = ""


class ServiceProblem(Schema):
    """Why the desk refused: ``violations`` (compliance hits), ``missing`` (template
    variables or report fields), ``allowed`` (actions possible instead, 409)."""

    detail: str
    allowed: list[str] | None = None
    violations: list[TicketViolationOut] | None = None
    missing: list[str] | None = None


class TicketIn(Schema):
    category: str = Field(
        ..., max_length=20, description="inquiry, complex, complaint, objection, appeal, green"
    )
    subject: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1, max_length=8000)
    channel: str = Field("api", max_length=10, description="portal, hotline, email, api")
    customer: str | None = Field(
        None, max_length=150, description="Staff: the customer's username. Customers: omit."
    )
    claim_no: str | None = Field(None, max_length=32)
    topic: str = Field("other", max_length=20)
    green_reason: str = Field("", max_length=20, description="critical_illness or accident")
    complex: bool = False


class TicketClaimOut(Schema):
    claim_no: str
    status: str
    status_label: str


class TicketMessageOut(Schema):
    id: int
    author: str
    body: str
    internal: bool
    from_customer: bool
    overridden: bool
    created_at: datetime


class TicketClockOut(Schema):
    rule: str
    name: str
    state: str
    due_at: datetime
    seconds_left: int | None


class TicketBase(Schema):
    ticket_no: str
    category: str
    status: str
    status_label: str
    subject: str
    topic: str
    channel: str
    owner: str
    opened_at: datetime
    next_due_at: datetime | None
    is_open: bool
    claim: TicketClaimOut | None


class TicketSummaryOut(TicketBase):
    """A line of the ticket list (read from the model by the resolvers)."""

    @staticmethod
    def resolve_ticket_no(obj: Ticket) -> str:
        return obj.case.number

    @staticmethod
    def resolve_category(obj: Ticket) -> str:
        return obj.case.category

    @staticmethod
    def resolve_status(obj: Ticket) -> str:
        return obj.case.status

    @staticmethod
    def resolve_status_label(obj: Ticket) -> str:
        return obj.case.status_label()

    @staticmethod
    def resolve_owner(obj: Ticket) -> str:
        return obj.case.owner.username

    @staticmethod
    def resolve_opened_at(obj: Ticket) -> datetime:
        return to_local(obj.case.opened_at)

    @staticmethod
    def resolve_next_due_at(obj: Ticket) -> datetime | None:
        return to_local(obj.case.next_due_at) if obj.case.next_due_at else None

    @staticmethod
    def resolve_is_open(obj: Ticket) -> bool:
        return obj.case.is_open

    @staticmethod
    def resolve_claim(obj: Ticket) -> dict | None:
        return _claim_link(obj.claim)


class TicketCorrectiveActionOut(Schema):
    id: int
    description: str
    owner: str
    due_date: date
    done_at: datetime | None
    result: str


class TicketRcaOut(Schema):
    category: str
    department: str
    root_cause: str
    corrective_action: str
    owner: str
    due_date: date
    verification: str
    recurrence: int = Field(description="complaints with the same root cause, this one included")
    actions: list[TicketCorrectiveActionOut]


class TicketOut(TicketBase):
    customer: str | None
    green_reason: str
    complex: bool
    allowed_actions: list[str]
    clocks: list[TicketClockOut]
    messages: list[TicketMessageOut]
    rca: TicketRcaOut | None


class TicketReplyIn(Schema):
    body: str = Field(..., min_length=1, max_length=8000)
    override: bool = Field(
        False, description="A manager lets a blocked reply go out; the override is logged."
    )


class TicketNoteIn(Schema):
    body: str = Field(..., min_length=1, max_length=8000)


class TicketActionIn(Schema):
    data: dict[str, Any] = Field(
        default_factory=dict,
        description='e.g. {"message": …}, {"resolution": …}, or {"reason": …} for a '
        "manager's 30-day extension of an especially complex complaint (action extend)",
    )
    override: bool = False


class TicketRcaIn(Schema):
    category: str = Field(..., max_length=40)
    department: str = Field(..., max_length=100)
    root_cause: str = Field(..., max_length=4000)
    corrective_action: str = Field(..., max_length=4000)
    owner: str = Field(..., max_length=150, description="username of the action owner")
    due_date: Day
    verification: str = Field(..., max_length=4000)


class ReplyTemplateOut(Schema):
    id: int
    scenario: str
    scenario_label: str
    title: str
    body_zh: str
    body_en: str
    variables: list[str]

    @staticmethod
    def resolve_scenario_label(obj: ReplyTemplate) -> str:
        return str(SCENARIO_LABELS.get(obj.scenario, obj.scenario))

    @staticmethod
    def resolve_variables(obj: ReplyTemplate) -> list[str]:
        return template_variables(obj.body_zh + obj.body_en)


class TemplateRenderIn(Schema):
    language: str = Field("zh-hans", max_length=10, description="zh-hans or en")
    variables: dict[str, str] = Field(default_factory=dict)
    ticket_no: str | None = Field(
        None, max_length=32, description="Fill what the ticket knows (customer, claim_no …)."
    )


class TemplateRenderOut(Schema):
    text: str
    language: str


class ClaimObjectionIn(Schema):
    text: str = Field(..., min_length=1, max_length=8000)


# --- building answers -----------------------------------------------------------------------


def _claim_link(claim: Claim | None) -> dict | None:
    if claim is None:
        return None
    return {
        "claim_no": claim.case.number,
        "status": claim.case.status,
        "status_label": claim.case.status_label(),
    }


def _rca(ticket: Ticket) -> dict | None:
    report = getattr(ticket, "rca", None)  # the reverse one-to-one raises when absent
    if report is None:
        return None
    return {
        "category": report.category,
        "department": report.department,
        "root_cause": report.root_cause,
        "corrective_action": report.corrective_action,
        "owner": report.owner.username,
        "due_date": report.due_date,
        "verification": report.verification,
        "recurrence": selectors.rca_recurrence(report),
        "actions": [
            {
                "id": a.id,
                "description": a.description,
                "owner": a.owner.username,
                "due_date": a.due_date,
                "done_at": to_local(a.done_at) if a.done_at else None,
                "result": a.result,
            }
            for a in report.actions.select_related("owner")
        ],
    }


def _out(ticket: Ticket, user) -> dict[str, Any]:
    """The ticket as ``user`` may see it: internal notes and the RCA only for staff."""
    now = timezone.now()
    case = ticket.case
    staff = is_staff_member(user)
    return {
        "ticket_no": case.number,
        "category": case.category,
        "status": case.status,
        "status_label": case.status_label(),
        "subject": ticket.subject,
        "topic": ticket.topic,
        "channel": ticket.channel,
        "owner": case.owner.username,
        "opened_at": to_local(case.opened_at),
        "next_due_at": to_local(case.next_due_at) if case.next_due_at else None,
        "is_open": case.is_open,
        "claim": _claim_link(ticket.claim),
        "customer": case.customer.username if case.customer is not None else None,
        "green_reason": ticket.green_reason,
        "complex": ticket.complex,
        "allowed_actions": [
            t.action
            for t in case.workflow.available(case.status)
            if staff and can_act(user, case, t.permission)
        ],
        "clocks": [
            {
                "rule": d.rule.code,
                "name": d.rule.label,
                "state": d.state,
                "due_at": to_local(d.due_at),
                "seconds_left": selectors.seconds_left(d.due_at, now)
                if d.state == "running"
                else None,
            }
            for d in case.deadlines.filter(task__isnull=True).select_related("rule")
        ],
        "messages": [
            {
                "id": m.id,
                "author": m.author.get_full_name() or m.author.username,
                "body": m.body,
                "internal": m.internal,
                "from_customer": m.from_customer,
                "overridden": m.override_by_id is not None,
                "created_at": to_local(m.created_at),
            }
            for m in selectors.ticket_messages(ticket, user)
        ],
        "rca": _rca(ticket) if staff else None,
    }


def _find(request: AuthedRequest, ticket_no: str) -> Ticket:
    ticket = selectors.ticket_find(request.user, ticket_no)
    if ticket is None:
        raise NotFound(_("No ticket %(number)s.") % {"number": ticket_no})
    return ticket


def _user_named(username: str, what: str):
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise GuardFailed(_("Unknown %(what)s %(name)s.") % {"what": what, "name": username})
    return user


_ERRORS = {400: ServiceProblem, 403: ServiceProblem, 404: ServiceProblem, 409: ServiceProblem}


# --- endpoints ------------------------------------------------------------------------------


@router.post("/tickets", response={201: TicketOut, **_ERRORS})
def ticket_create(request: AuthedRequest, payload: TicketIn):
    """Open a ticket: a customer for themselves, staff for a named customer (first-contact
    ownership: the staff member who takes it owns it)."""
    user = request.user
    if is_staff_member(user):
        if not payload.customer:
            raise GuardFailed(_("Name the customer the ticket is for."))
        customer = _user_named(payload.customer, _("customer"))
    else:
        if payload.customer and payload.customer != user.username:
            raise NotAllowed(_("Customers may only open tickets for themselves."))
        customer = user
    claim = None
    if payload.claim_no:
        claim = (
            Claim.objects.select_related("case", "policy")
            .filter(case__number=payload.claim_no, case__customer=customer)
            .first()
        )
        if claim is None:
            raise GuardFailed(
                _("The customer has no claim %(number)s.") % {"number": payload.claim_no}
            )
    ticket = services.ticket_open(
        customer=customer,
        actor=user,
        category=payload.category,
        subject=payload.subject,
        body=payload.body,
        channel=payload.channel,
        now=timezone.now(),
        claim=claim,
        topic=payload.topic,
        green_reason=payload.green_reason,
        complex=payload.complex,
    )
    return Status(201, _out(_find(request, ticket.case.number), user))


@router.get("/tickets", response=list[TicketSummaryOut])
@paginate(PageNumber)
def ticket_list(request: AuthedRequest, open: bool = False):
    """The tickets the caller may see, newest first (``open=true``: open ones only)."""
    return selectors.ticket_list(request.user, open_only=open)


@router.get("/tickets/{ticket_no}", response={200: TicketOut, 404: ServiceProblem})
def ticket_detail(request: AuthedRequest, ticket_no: str):
    """A ticket with its conversation (internal notes only for staff), clocks, allowed
    actions and the linked claim's current state."""
    return Status(200, _out(_find(request, ticket_no), request.user))


@router.post("/tickets/{ticket_no}/replies", response={201: TicketOut, **_ERRORS})
def ticket_reply(request: AuthedRequest, ticket_no: str, payload: TicketReplyIn):
    """Staff: a reply to the customer, checked for forbidden promises first (400 naming
    each word and why). Customer: a message on their own ticket."""
    ticket = _find(request, ticket_no)
    user, now = request.user, timezone.now()
    if is_staff_member(user):
        services.ticket_reply(
            ticket=ticket,
            actor=user,
            now=now,
            body=payload.body,
            override_by=user if payload.override else None,
        )
    else:
        services.ticket_customer_message(ticket=ticket, customer=user, now=now, body=payload.body)
    return Status(201, _out(_find(request, ticket_no), user))


@router.post("/tickets/{ticket_no}/notes", response={201: TicketOut, **_ERRORS})
def ticket_note(request: AuthedRequest, ticket_no: str, payload: TicketNoteIn):
    """An internal note: staff only, never shown to the customer."""
    ticket = _find(request, ticket_no)
    services.ticket_reply(
        ticket=ticket, actor=request.user, now=timezone.now(), body=payload.body, internal=True
    )
    return Status(201, _out(_find(request, ticket_no), request.user))


@router.post("/tickets/{ticket_no}/actions/{action}", response={200: TicketOut, **_ERRORS})
def ticket_action(request: AuthedRequest, ticket_no: str, action: str, payload: TicketActionIn):
    """reply, ask_customer, customer_replied, resolve, reopen, close. A complaint resolves
    only with a complete root-cause report; an objection only by another reviewer."""
    ticket = _find(request, ticket_no)
    services.ticket_act(
        ticket=ticket,
        action=action,
        actor=request.user,
        now=timezone.now(),
        data=payload.data,
        override_by=request.user if payload.override else None,
    )
    return Status(200, _out(_find(request, ticket_no), request.user))


@router.post("/tickets/{ticket_no}/rca", response={200: TicketOut, **_ERRORS})
def ticket_rca(request: AuthedRequest, ticket_no: str, payload: TicketRcaIn):
    """Write the complaint's root-cause report (问题根因分析报告)."""
    ticket = _find(request, ticket_no)
    if not is_staff_member(request.user):
        raise NotAllowed(_("Only staff write root-cause reports."))
    services.rca_save(
        ticket=ticket,
        actor=request.user,
        now=timezone.now(),
        category=payload.category,
        department=payload.department,
        root_cause=payload.root_cause,
        corrective_action=payload.corrective_action,
        owner=_user_named(payload.owner, _("owner")),
        due_date=payload.due_date,
        verification=payload.verification,
    )
    return Status(200, _out(_find(request, ticket_no), request.user))


class CorrectiveActionDoneIn(Schema):
    result: str = Field(..., min_length=1, max_length=4000)


@router.post(
    "/tickets/{ticket_no}/rca/actions/{action_id}/done", response={200: TicketOut, **_ERRORS}
)
def corrective_action_done(
    request: AuthedRequest, ticket_no: str, action_id: int, payload: CorrectiveActionDoneIn
):
    """Mark a corrective action of the complaint's root-cause report done, with its result."""
    ticket = _find(request, ticket_no)
    action = CorrectiveAction.objects.filter(pk=action_id, report__ticket=ticket).first()
    if action is None:
        raise NotFound(_("No corrective action %(id)s on this ticket.") % {"id": action_id})
    services.corrective_action_done(
        action=action, actor=request.user, now=timezone.now(), result=payload.result
    )
    return Status(200, _out(_find(request, ticket_no), request.user))


@router.get("/templates", response={200: list[ReplyTemplateOut], 403: ServiceProblem})
def template_list(request: AuthedRequest, scenario: str | None = None):
    """The reply templates (话术), by scenario: staff only."""
    if not is_staff_member(request.user):
        raise NotAllowed(_("Templates are for staff."))
    templates = selectors.templates_active()
    if scenario:
        templates = templates.filter(scenario=scenario)
    return Status(200, list(templates))


@router.post("/templates/{template_id}/render", response={200: TemplateRenderOut, **_ERRORS})
def template_render(request: AuthedRequest, template_id: int, payload: TemplateRenderIn):
    """Render a template in zh-hans or en; missing variables are named (400, ``missing``)."""
    if not is_staff_member(request.user):
        raise NotAllowed(_("Templates are for staff."))
    template = selectors.templates_active().filter(pk=template_id).first()
    if template is None:
        raise NotFound(_("No template %(id)s.") % {"id": template_id})
    variables: dict[str, str] = {}
    if payload.ticket_no:
        variables.update(selectors.ticket_template_variables(_find(request, payload.ticket_no)))
    variables.update({k: v for k, v in payload.variables.items() if v.strip()})
    text = services.template_render(template, payload.language, variables)
    return Status(200, {"text": text, "language": payload.language})


@router.post("/claims/{claim_no}/objections", response={201: TicketOut, **_ERRORS})
def objection_create(request: AuthedRequest, claim_no: str, payload: ClaimObjectionIn):
    """The customer objects to the review or assessment result of their claim: an
    objection ticket with the 3-working-day written-answer clock."""
    claim = claim_selectors.claim_find(request.user, claim_no)
    if claim is None:
        raise NotFound(_("No claim %(number)s.") % {"number": claim_no})
    ticket = services.objection_open(
        claim=claim, customer=request.user, now=timezone.now(), text=payload.text
    )
    return Status(201, _out(_find(request, ticket.case.number), request.user))
