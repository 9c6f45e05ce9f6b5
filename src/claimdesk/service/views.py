"""Service-desk pages: the agent's queue, the ticket page (templates, live compliance
feedback, replies, notes, actions, RCA), and the customer's own tickets.

Views read through selectors and write through services only; a refusal is shown on the
page with its reason (and the text typed is kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claimdesk.cases.countdown import SOON_SECONDS, countdown_text
from claimdesk.cases.models import DeadlineState
from claimdesk.cases.refusals import refuse_case
from claimdesk.cases.services import CaseError, GuardFailed, can_act
from claimdesk.claims.models import Claim
from claimdesk.service import selectors, services
from claimdesk.service.models import (
    Category,
    Channel,
    CorrectiveAction,
    RootCauseReport,
    Ticket,
    Topic,
)
from claimdesk.service.rules import RCA_FIELD_LABELS, template_variables
from claimdesk.service.workflow import applies
from claimdesk.staff.roles import Role
from claimdesk.staff.services import is_staff_member
from claimdesk.types import AuthedRequest
from claimdesk.workdays.clocks import to_local

User = get_user_model()

# What customers may open on the portal (the green channel is opened by an agent).
CUSTOMER_CATEGORIES = (Category.INQUIRY, Category.COMPLAINT, Category.APPEAL, Category.OBJECTION)
ACTION_FIELDS = {"ask_customer": "message", "resolve": "resolution", "extend": "reason"}


def _require_agent(request: AuthedRequest) -> None:
    if not request.user.has_perm(services.TICKET_PERMISSION):
        raise PermissionDenied


def _urgency(seconds: int | None) -> str:
    if seconds is None:
        return "none"
    if seconds < 0:
        return "overdue"
    return "soon" if seconds < SOON_SECONDS else "later"


def _queue_rows(request: AuthedRequest) -> dict:
    now = timezone.now()
    rows = []
    tickets = selectors.ticket_queue(request.user)
    elderly = selectors.elderly_customers(t.case.customer_id for t in tickets)
    for ticket in tickets:
        seconds = selectors.seconds_left(ticket.case.next_due_at, now)
        rows.append(
            {
                "ticket": ticket,
                "elderly": ticket.case.customer_id in elderly,
                "category": Category(ticket.case.category).label
                if ticket.case.category in Category.values
                else ticket.case.category,
                "seconds_left": seconds,
                "countdown": None if seconds is None else countdown_text(seconds),
                "urgency": _urgency(seconds),
            }
        )
    return {"rows": rows}


@login_required
def queue(request: AuthedRequest) -> HttpResponse:
    """The agent's open tickets, overdue first, then the nearest due clock."""
    if not is_staff_member(request.user):
        return redirect("service:my_tickets")
    _require_agent(request)
    return render(request, "service/queue.html", _queue_rows(request))


@login_required
def queue_rows(request: AuthedRequest) -> HttpResponse:
    """The queue's rows alone, for the page's periodic refresh."""
    _require_agent(request)
    return render(request, "service/_queue_rows.html", _queue_rows(request))


def _ticket_or_404(request: AuthedRequest, number: str) -> Ticket:
    ticket = selectors.ticket_find(request.user, number)
    if ticket is None:
        refuse_case(request.user, number)
    return ticket


def _clocks(ticket: Ticket, now) -> list[dict]:
    rows = []
    for d in ticket.case.deadlines.filter(task__isnull=True).select_related("rule"):
        seconds = (
            selectors.seconds_left(d.due_at, now) if d.state == DeadlineState.RUNNING else None
        )
        rows.append(
            {
                "clock": d,
                "seconds_left": seconds,
                "remaining": countdown_text(seconds) if seconds is not None else "",
            }
        )
    return rows


def _check_url() -> str:
    """The compliance app's live-check fragment, if it is installed (else no live check)."""
    try:
        return reverse("compliance:check_fragment")
    except NoReverseMatch:
        return ""


def _picked_template(request: AuthedRequest, ticket: Ticket) -> tuple[str, list[str], str]:
    """The reply box text from a picked template: rendered with what the ticket knows; the
    variables still missing are named and left as placeholders for the agent to fill."""
    template_id = request.GET.get("template", "")
    if not template_id.isdigit():
        return "", [], ""
    template = selectors.templates_active().filter(pk=int(template_id)).first()
    if template is None:
        return "", [], ""
    language = request.GET.get("language") or get_language() or "zh-hans"
    variables = selectors.ticket_template_variables(ticket)
    try:
        return services.template_render(template, language, variables), [], template_id
    except GuardFailed as exc:
        body = template.body_en if language.startswith("en") else template.body_zh
        missing = exc.details.get("missing") or template_variables(body)
        # Fill what is known; keep the placeholders the agent still has to complete.
        partial = body
        for name, value in variables.items():
            partial = partial.replace("{" + name + "}", value)
        return partial, missing, template_id


def _page(
    request: AuthedRequest,
    ticket: Ticket,
    *,
    draft: str = "",
    refusal: str = "",
    violations: list | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    user = request.user
    staff = is_staff_member(user)
    case = ticket.case
    picked, missing, template_id = _picked_template(request, ticket) if staff else ("", [], "")
    actions = []
    if staff:
        for t in case.workflow.available(case.status):
            if t.action == "reply" or not can_act(user, case, t.permission):
                continue
            if not applies(t.action, case):
                continue
            actions.append({"transition": t, "field": ACTION_FIELDS.get(t.action)})
    rca: RootCauseReport | None = getattr(ticket, "rca", None) if staff else None
    context: dict[str, Any] = {
        "ticket": ticket,
        "case": case,
        "staff": staff,
        "messages_list": selectors.ticket_messages(ticket, user),
        "clocks": _clocks(ticket, now),
        "can_reply": staff and case.is_open and can_act(user, case, services.TICKET_PERMISSION),
        "can_override": user.has_perm("compliance.override_compliance"),
        "actions": actions,
        "templates": selectors.templates_active() if staff else [],
        "template_id": template_id,
        "draft": draft or picked,
        "missing_variables": missing,
        "refusal": refusal,
        "violations": violations or [],
        "check_url": _check_url() if staff else "",
        "rca": rca,
        "rca_recurrence": None,
        "rca_labels": RCA_FIELD_LABELS,
        "staff_users": User.objects.filter(is_active=True)
        .exclude(groups__name=Role.CUSTOMER.value)
        .order_by("username")
        if staff
        else [],
        **_callback_context(ticket, staff=staff),
        "is_complaint": case.category == Category.COMPLAINT,
        "category_label": Category(case.category).label
        if case.category in Category.values
        else case.category,
    }
    if rca is not None:
        context["rca_recurrence"] = selectors.rca_recurrence(rca)
    return render(request, "service/ticket.html", context, status=status)


def callback_due_text(due) -> str:
    """The time a customer will be called by, in words of their language (Chinese: 年月日
    and the weekday)."""
    return date_format(to_local(due), pgettext("call-back due time", "l, F j, Y, H:i"))


def _callback_context(ticket: Ticket, *, staff: bool) -> dict[str, Any]:
    """A call-back ticket: when the customer will be called; for staff what they were
    looking at, their phone and whether they read the portal in elderly-friendly mode."""
    customer = ticket.case.customer
    context: dict[str, Any] = {
        "callback": None,
        "callback_due": "",
        "customer_elderly": staff and customer is not None and selectors.elderly_mode_of(customer),
    }
    if ticket.case.category != Category.CALLBACK:
        return context
    context["callback"] = selectors.callback_of(ticket)
    due = selectors.callback_due(ticket)
    context["callback_due"] = callback_due_text(due) if due is not None else ""
    if staff and customer is not None:
        context["customer_phone"] = selectors.customer_phone(customer, ticket.claim)
    return context


@login_required
@require_POST
def callback(request: AuthedRequest) -> HttpResponse:
    """ "转人工" on any customer page: ask to be called back about what the page shows; the
    ticket page then says by when."""
    user = request.user
    if is_staff_member(user):
        raise PermissionDenied
    page = request.POST.get("page", "")
    try:
        result = services.callback_request(
            customer=user,
            now=timezone.now(),
            page=page,
            case_number=request.POST.get("case", ""),
        )
    except CaseError as exc:
        messages.error(request, exc.message)
        safe = url_has_allowed_host_and_scheme(page, allowed_hosts={request.get_host()})
        return redirect(page if safe and page.startswith("/") else "service:my_tickets")
    due = selectors.callback_due(result.ticket)
    when = callback_due_text(due) if due is not None else ""
    if result.created:
        text = _("We will call you back by %(due)s.") % {"due": when}
    else:
        text = _("You already asked us to call you. We will call you by %(due)s.") % {"due": when}
    messages.success(request, text)
    return redirect("service:ticket", number=result.ticket.number)


@login_required
def ticket_detail(request: AuthedRequest, number: str) -> HttpResponse:
    return _page(request, _ticket_or_404(request, number))


@login_required
@require_POST
def ticket_reply(request: AuthedRequest, number: str) -> HttpResponse:
    """Staff: a reply (through the compliance gate) or an internal note. Customer: a
    message on their own ticket. A refusal is shown with its reason; the text is kept."""
    ticket = _ticket_or_404(request, number)
    body = request.POST.get("body", "")
    user, now = request.user, timezone.now()
    try:
        if is_staff_member(user):
            services.ticket_reply(
                ticket=ticket,
                actor=user,
                now=now,
                body=body,
                internal=request.POST.get("internal") == "on",
                override_by=user if request.POST.get("override") == "on" else None,
            )
        else:
            services.ticket_customer_message(ticket=ticket, customer=user, now=now, body=body)
    except CaseError as exc:
        return _page(
            request,
            ticket,
            draft=body,
            refusal=exc.message,
            violations=exc.details.get("violations", []),
            status=exc.status,
        )
    messages.success(request, _("Sent."))
    return redirect("service:ticket", number=number)


@login_required
@require_POST
def ticket_act(request: AuthedRequest, number: str) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    action = request.POST.get("action", "")
    data = {}
    if field := ACTION_FIELDS.get(action):
        data[field] = request.POST.get(field, "").strip()
    try:
        ticket = services.ticket_act(
            ticket=ticket,
            action=action,
            actor=request.user,
            now=timezone.now(),
            data=data,
            override_by=request.user if request.POST.get("override") == "on" else None,
        )
    except CaseError as exc:
        return _page(
            request,
            ticket,
            refusal=exc.message,
            violations=exc.details.get("violations", []),
            status=exc.status,
        )
    messages.success(request, _("Done: %(status)s") % {"status": ticket.case.status_label()})
    return redirect("service:ticket", number=number)


@login_required
@require_POST
def ticket_handoff(request: AuthedRequest, number: str) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    to = User.objects.filter(username=request.POST.get("to", ""), is_active=True).first()
    try:
        if to is None:
            raise GuardFailed(_("Choose a colleague."))
        services.ticket_handoff(
            ticket=ticket,
            to=to,
            actor=request.user,
            now=timezone.now(),
            note=request.POST.get("note", ""),
        )
    except CaseError as exc:
        return _page(request, ticket, refusal=exc.message, status=exc.status)
    messages.success(request, _("Handed over; it comes back to the owner when done."))
    return redirect("service:ticket", number=number)


@login_required
@require_POST
def ticket_rca(request: AuthedRequest, number: str) -> HttpResponse:
    """The complaint's root-cause report form."""
    ticket = _ticket_or_404(request, number)
    post = request.POST
    owner = User.objects.filter(username=post.get("owner", ""), is_active=True).first()
    try:
        due = date.fromisoformat(post.get("due_date", "")) if post.get("due_date") else None
    except ValueError:
        due = None
    try:
        if owner is None:
            raise GuardFailed(_("Choose the owner of the corrective action."))
        services.rca_save(
            ticket=ticket,
            actor=request.user,
            now=timezone.now(),
            category=post.get("category", ""),
            department=post.get("department", ""),
            root_cause=post.get("root_cause", ""),
            corrective_action=post.get("corrective_action", ""),
            owner=owner,
            due_date=due,
            verification=post.get("verification", ""),
        )
    except CaseError as exc:
        return _page(request, ticket, refusal=exc.message, status=exc.status)
    messages.success(request, _("Root-cause report saved."))
    return redirect("service:ticket", number=number)


@login_required
@require_POST
def corrective_action_done(request: AuthedRequest, number: str, action_id: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    action = CorrectiveAction.objects.filter(pk=action_id, report__ticket=ticket).first()
    if action is None:
        raise Http404
    try:
        services.corrective_action_done(
            action=action,
            actor=request.user,
            now=timezone.now(),
            result=request.POST.get("result", ""),
        )
    except CaseError as exc:
        return _page(request, ticket, refusal=exc.message, status=exc.status)
    messages.success(request, _("Corrective action done."))
    return redirect("service:ticket", number=number)


@login_required
def my_tickets(request: AuthedRequest) -> HttpResponse:
    """The customer's tickets and a form to open one, optionally about one of their claims."""
    user = request.user
    if is_staff_member(user):
        return redirect("service:queue")
    claims = (
        Claim.objects.filter(case__customer=user)
        .select_related("case")
        .order_by("-case__opened_at")
    )
    error = ""
    form: Mapping[str, str] = {}
    if request.method == "POST":
        form = request.POST
        claim = None
        if form.get("claim"):
            claim = claims.filter(case__number=form["claim"]).first()
        try:
            if form.get("category", "") not in CUSTOMER_CATEGORIES:
                raise GuardFailed(_("Choose what your request is about."))
            if form.get("claim") and claim is None:
                raise GuardFailed(_("Choose one of your own claims."))
            if form["category"] == Category.OBJECTION:
                if claim is None:
                    raise GuardFailed(_("Choose the claim whose result you object to."))
                ticket = services.objection_open(
                    claim=claim, customer=user, now=timezone.now(), text=form.get("body", "")
                )
            else:
                ticket = services.ticket_open(
                    customer=user,
                    actor=user,
                    category=form["category"],
                    subject=form.get("subject", ""),
                    body=form.get("body", ""),
                    channel=Channel.PORTAL,
                    now=timezone.now(),
                    claim=claim,
                    topic=form.get("topic") or Topic.OTHER,
                )
        except CaseError as exc:
            error = exc.message
        else:
            messages.success(
                request, _("Your request %(number)s is registered.") % {"number": ticket.number}
            )
            return redirect("service:ticket", number=ticket.number)
    return render(
        request,
        "service/my_tickets.html",
        {
            "tickets": selectors.ticket_list(user),
            "claims": claims,
            "categories": [(c.value, c.label) for c in CUSTOMER_CATEGORIES],
            "topics": Topic.choices,
            "error": error,
            "form": form,
        },
        status=400 if error else 200,
    )
