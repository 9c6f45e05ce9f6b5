"""Case kernel endpoints: my work, a case with its clocks and timeline, transitions, tasks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from claimdesk.bounds import LimitOffset, Moment
from claimdesk.cases import selectors, services, worklist
from claimdesk.cases.models import Case, SlaRule, Task
from claimdesk.staff.services import is_staff_member
from claimdesk.types import AuthedRequest
from claimdesk.workdays.clocks import SHANGHAI

if TYPE_CHECKING:
    from claimdesk.cases.models import CaseEvent, Deadline

    class _CaseForSchema(Case):  # a case with what _case_out() sets on it for CaseOut
        allowed_actions: list[str]
        clocks: list[Deadline]
        timeline: list[CaseEvent]

        class Meta:
            abstract = True


router = Router(tags=["cases"])
User = get_user_model()


class CaseProblem(Schema):
    """Why an action was refused; ``allowed`` lists what the case allows instead (409)."""

    detail: str
    allowed: list[str] | None = None


class ClockOut(Schema):
    rule: str
    name: str
    unit: str
    state: str
    started_at: datetime
    due_at: datetime
    paused_at: datetime | None
    stopped_at: datetime | None
    task: int | None

    @staticmethod
    def resolve_rule(obj) -> str:
        return obj.rule.code

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.rule.label

    @staticmethod
    def resolve_task(obj) -> int | None:
        return obj.task_id


class EventOut(Schema):
    at: datetime
    kind: str
    action: str
    from_status: str
    to_status: str
    actor: str | None
    data: dict[str, Any]

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.username if obj.actor_id else None


class CaseSummary(Schema):
    number: str
    kind: str
    category: str
    status: str
    status_label: str
    title: str
    owner: str
    opened_at: datetime
    next_due_at: datetime | None
    is_open: bool

    @staticmethod
    def resolve_owner(obj) -> str:
        return obj.owner.username

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.status_label()


class CaseOut(CaseSummary):
    customer: str | None
    closed_at: datetime | None
    allowed_actions: list[str]
    clocks: list[ClockOut]
    timeline: list[EventOut]

    @staticmethod
    def resolve_customer(obj) -> str | None:
        return obj.customer.username if obj.customer_id else None


class TransitionIn(Schema):
    action: str = Field(..., min_length=1, max_length=40)
    data: dict[str, Any] = Field(default_factory=dict)


class TaskIn(Schema):
    kind: str = Field(..., min_length=1, max_length=30)
    title: str = Field(..., min_length=1, max_length=200)
    assignee: str
    rule: str | None = None


class TaskOut(Schema):
    id: int
    case: str
    kind: str
    title: str
    assignee: str
    returns_to: str
    status: str
    due_at: datetime | None
    completed_at: datetime | None

    @staticmethod
    def resolve_case(obj) -> str:
        return obj.case.number

    @staticmethod
    def resolve_assignee(obj) -> str:
        return obj.assignee.username

    @staticmethod
    def resolve_returns_to(obj) -> str:
        return obj.returns_to.username


class TaskDoneIn(Schema):
    result: str = Field("", max_length=4000)


class WorkItemOut(Schema):
    """One row of my work: what is due, on which case, by which rule, and when."""

    kind: str = Field(
        description="the task's kind (survey, payment, approve_decision …) or, "
        "for a case one owns, the case's kind (claim, ticket …)"
    )
    number: str = Field(description="the case's number")
    title: str = Field(description="the case's title")
    what: str = Field(description="what is due, in words")
    rule: str = Field(description="the SLA rule whose clock drives the row, in words")
    rule_code: str
    clock: str = Field(description="running, paused, or empty without a live clock")
    due_at: datetime | None
    seconds_left: int | None
    overdue: bool
    escalated: bool
    status_label: str
    task: int | None = Field(description="the task's id, for a task")
    link: str = Field(description="the page where the work is done")


class SlaRuleOut(Schema):
    code: str
    name: str
    unit: str
    amount: Decimal
    reminder_percent: int
    escalation_percent: int
    statutory: bool = Field(
        description="a period the law sets: escalated before its due time; in calendar days "
        "it ends on the next working day when its last day is a rest day or holiday"
    )
    basis: str
    active: bool


class NotFound(services.CaseError):
    status = 404


def _case_out(case: Case, user) -> Case:
    """The case with what ``user`` may see of it, ready for ``CaseOut``.

    The extras are set on the instance (not returned as a dict): the schema's resolvers
    read model attributes (``owner.username``, ``status_label()``), which a dict lacks.
    """
    staff = is_staff_member(user)
    out = cast("_CaseForSchema", case)
    out.allowed_actions = [
        t.action
        for t in case.workflow.available(case.status)
        if staff and services.can_act(user, case, t.permission)
    ]
    out.clocks = selectors.case_clocks(case)
    out.timeline = list(selectors.case_timeline(case, customer_view=not staff))
    return out


def _find_case(request: AuthedRequest, number: str) -> Case:
    if "\x00" in number:  # no case has one, and PostgreSQL cannot even compare it
        raise NotFound(f"no case {number!r}")
    case = (
        selectors.cases_visible_to(request.user)
        .select_related("owner", "customer")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise NotFound(f"no case {number}")
    return case


@router.get("/my-work", response=list[WorkItemOut])
def my_work(request: AuthedRequest, limit: int = 50):
    """My open work, the nearest due first, each with the clock that drives it."""
    if not is_staff_member(request.user):
        return []
    now = timezone.now()
    rows = worklist.my_work(request.user, limit=max(1, min(limit, 200)), now=now)
    return [
        {
            "kind": r.kind,
            "number": r.number,
            "title": r.title,
            "what": r.what,
            "rule": r.rule,
            "rule_code": r.rule_code,
            "clock": r.clock_state,
            "due_at": r.due_at,
            "seconds_left": r.seconds_left(now),
            "overdue": r.overdue(now),
            "escalated": r.escalated,
            "status_label": r.case_status_label,
            "task": r.task_id,
            "link": r.link,
        }
        for r in rows
    ]


@router.get("/cases", response=list[CaseSummary])
@paginate(LimitOffset)
def case_list(
    request: AuthedRequest,
    kind: str | None = None,
    status: str | None = None,
    open: bool | None = None,
):
    cases = selectors.cases_visible_to(request.user).select_related("owner")
    if kind:
        cases = cases.filter(kind=kind)
    if status:
        cases = cases.filter(status=status)
    if open is not None:
        cases = cases.filter(is_open=open)
    return cases.order_by("-opened_at")


@router.get("/cases/{number}", response={200: CaseOut, 404: CaseProblem})
def case_detail(request: AuthedRequest, number: str):
    """A case with every clock and its timeline (customers see their own, public part)."""
    return Status(200, _case_out(_find_case(request, number), request.user))


@router.post(
    "/cases/{number}/transitions",
    response={200: CaseOut, 400: CaseProblem, 403: CaseProblem, 404: CaseProblem, 409: CaseProblem},
)
def case_transition(request: AuthedRequest, number: str, payload: TransitionIn):
    """Apply a workflow action; refusals say why (403 not yours, 409 not now, 400 missing)."""
    case = services.case_transition(
        case=_find_case(request, number),
        action=payload.action,
        actor=request.user,
        now=timezone.now(),
        data=payload.data,
    )
    return Status(200, _case_out(case, request.user))


@router.post(
    "/cases/{number}/tasks",
    response={201: TaskOut, 400: CaseProblem, 403: CaseProblem, 404: CaseProblem, 409: CaseProblem},
)
def task_assign(request: AuthedRequest, number: str, payload: TaskIn):
    """Hand work on a case to a member of staff, optionally on an SLA clock (``rule``)."""
    case = _find_case(request, number)  # first: nobody learns usernames from other cases
    if not services.can_act(request.user, case, "cases.assign_task"):
        return Status(403, {"detail": f"you may not assign tasks on case {case.number}"})
    assignee = User.objects.filter(username=payload.assignee, is_active=True).first()
    if assignee is None:
        return Status(400, {"detail": f"unknown user {payload.assignee}"})
    if payload.rule and not SlaRule.objects.filter(code=payload.rule).exists():
        return Status(400, {"detail": f"unknown SLA rule {payload.rule}"})
    task = services.task_assign(
        case=case,
        kind=payload.kind,
        title=payload.title,
        assignee=assignee,
        actor=request.user,
        now=timezone.now(),
        rule_code=payload.rule,
    )
    return Status(201, task)


@router.post(
    "/tasks/{task_id}/complete",
    response={200: TaskOut, 403: CaseProblem, 404: CaseProblem, 409: CaseProblem},
)
def task_complete(request: AuthedRequest, task_id: int, payload: TaskDoneIn | None = None):
    """Finish a task (the body, with a ``result``, is optional); the work goes back to the
    case owner."""
    task = Task.objects.filter(
        pk=task_id, case__in=selectors.cases_visible_to(request.user)
    ).first()
    if task is None:
        return Status(404, {"detail": f"no task {task_id}"})
    return Status(
        200,
        services.task_complete(
            task=task,
            actor=request.user,
            now=timezone.now(),
            result=payload.result if payload else "",
        ),
    )


@router.get("/sla-rules", response=list[SlaRuleOut])
def sla_rules(request: AuthedRequest):
    return SlaRule.objects.all()


# --- SLA rules on the working-day calendar (served under /workdays beside the calendar) ---

sla_router = Router(tags=["working days"])


class DueOut(Schema):
    rule: str
    unit: str
    event_at: datetime
    due_at: datetime


@sla_router.get("/due", response={200: DueOut, 404: CaseProblem})
def due(request: AuthedRequest, rule: str, at: Moment):
    """Due time of an SLA rule for an event at ``at`` (naive times are Asia/Shanghai)."""
    found = SlaRule.objects.filter(code=rule).first()
    if found is None:
        return Status(404, {"detail": _("Unknown SLA rule %(code)s.") % {"code": rule}})
    at = at if at.tzinfo else at.replace(tzinfo=SHANGHAI)
    due_at = services.sla_due_at(found, at)
    return Status(
        200,
        {
            "rule": found.code,
            "unit": found.unit,
            "event_at": at.astimezone(SHANGHAI),
            "due_at": due_at.astimezone(SHANGHAI),
        },
    )
