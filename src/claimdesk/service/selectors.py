"""Service-desk reads: visible tickets, the agent's queue, messages, recurrence, deciders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet

from claimdesk.cases.models import CaseEvent, Deadline, DeadlineState, Task
from claimdesk.cases.selectors import cases_visible_to
from claimdesk.policies.models import Policy
from claimdesk.service.models import (
    CallBack,
    Category,
    CustomerPreference,
    ReplyTemplate,
    RootCauseReport,
    Ticket,
    TicketMessage,
)
from claimdesk.staff.services import is_staff_member
from claimdesk.workdays.clocks import to_local

# Claim actions whose actor "decided" the result a customer may object to.
DECIDING_ACTIONS = ("approve", "reject", "assessment_done")


def tickets_visible_to(user) -> QuerySet[Ticket]:
    """The kernel's rule: a customer their own tickets, staff what their role allows."""
    return Ticket.objects.filter(case__in=cases_visible_to(user)).select_related(
        "case__owner", "case__customer", "claim__case"
    )


def ticket_find(user, ticket_no: str) -> Ticket | None:
    """The ticket numbered ``ticket_no`` if ``user`` may see it, else None (a 404)."""
    if "\x00" in ticket_no:
        return None
    return tickets_visible_to(user).filter(case__number=ticket_no).first()


def tickets_matching(
    user, *, number: str = "", claims: QuerySet | None = None, customers: QuerySet | None = None
) -> QuerySet[Ticket]:
    """Tickets a staff search finds among those ``user`` may see: by number (prefix),
    about one of ``claims``, or raised by one of ``customers`` (user ids)."""
    found = Q()
    if number:
        found |= Q(case__number__startswith=number)
    if claims is not None:
        found |= Q(claim__in=claims.values("pk"))
    if customers is not None:
        found |= Q(case__customer__in=customers)
    if not found:
        return Ticket.objects.none()
    return tickets_visible_to(user).filter(found)


def ticket_list(user, *, open_only: bool = False) -> QuerySet[Ticket]:
    tickets = tickets_visible_to(user)
    if open_only:
        tickets = tickets.filter(case__is_open=True)
    return tickets.order_by("-case__opened_at", "-case_id")


def ticket_queue(user, *, limit: int = 100) -> list[Ticket]:
    """The agent's open tickets by urgency: nearest due clock first (overdue ones are the
    nearest), tickets without a running clock last."""
    tickets = tickets_visible_to(user).filter(case__is_open=True)
    if not user.has_perm("cases.view_all_cases"):
        held = Task.objects.filter(assignee=user, status="open").values("case_id")
        tickets = tickets.filter(Q(case__owner=user) | Q(case_id__in=held))
    return list(
        tickets.order_by(F("case__next_due_at").asc(nulls_last=True), "case__opened_at")[:limit]
    )


def ticket_messages(ticket: Ticket, user) -> list[TicketMessage]:
    """The conversation; internal notes only for staff."""
    messages = ticket.messages.select_related("author", "override_by")
    if not is_staff_member(user):
        messages = messages.filter(internal=False)
    return list(messages)


def rca_fields(ticket: Ticket) -> dict[str, Any] | None:
    """The root-cause report of a ticket as plain fields (for rules.rca_missing)."""
    report = RootCauseReport.objects.filter(ticket=ticket).first()
    if report is None:
        return None
    return {
        "category": report.category,
        "department": report.department,
        "root_cause": report.root_cause,
        "corrective_action": report.corrective_action,
        "owner": report.owner_id,
        "due_date": report.due_date,
        "verification": report.verification,
    }


def rca_recurrence(report: RootCauseReport) -> int:
    """How many complaints share this root cause (same category, same normalised cause)."""
    return RootCauseReport.objects.filter(
        category=report.category, cause_key=report.cause_key
    ).count()


def recurring_root_causes(*, minimum: int = 2) -> list[dict[str, Any]]:
    """Root causes that came back, most frequent first (for the manager's view)."""
    counts: dict[tuple[str, str], dict[str, Any]] = {}
    for r in RootCauseReport.objects.order_by("created_at"):
        row = counts.setdefault(
            (r.category, r.cause_key),
            {"category": r.category, "root_cause": r.root_cause, "count": 0, "tickets": []},
        )
        row["count"] += 1
        row["tickets"].append(r.ticket_id)
    rows = [row for row in counts.values() if row["count"] >= minimum]
    return sorted(rows, key=lambda row: -row["count"])


def first_deciders(claim) -> set[int]:
    """Who decided the result objected to: the actors of the claim's approve/reject and
    assessment steps, whoever proposed an approved decision, and the assignees of its
    survey tasks."""
    actors = set(
        CaseEvent.objects.filter(
            case_id=claim.case_id, kind="transition", action__in=DECIDING_ACTIONS
        )
        .exclude(actor__isnull=True)
        .values_list("actor_id", flat=True)
    )
    actors |= set(
        # investigation's SURVEY_TASK: the loss survey, not a satisfaction call-back
        Task.objects.filter(case_id=claim.case_id, kind="survey").values_list(
            "assignee_id", flat=True
        )
    )
    decisions = getattr(claim, "decisions", None)  # claims.ClaimDecision (four eyes)
    if decisions is not None:
        actors |= set(decisions.filter(status="approved").values_list("proposed_by_id", flat=True))
    return actors


def templates_active() -> QuerySet[ReplyTemplate]:
    return ReplyTemplate.objects.filter(active=True).order_by("scenario", "title")


def ticket_template_variables(ticket: Ticket | None) -> dict[str, str]:
    """What a template can take from the ticket itself, so the agent types only the rest."""
    if ticket is None:
        return {}
    case = ticket.case
    values: dict[str, str] = {"ticket_no": case.number}
    if case.customer_id and (customer := case.customer) is not None:
        values["customer"] = customer.get_full_name() or customer.username
    if case.next_due_at:
        values["due"] = f"{to_local(case.next_due_at):%Y-%m-%d %H:%M}"
    claim = ticket.claim
    if claim is not None:
        values["claim_no"] = claim.number
        values["status"] = claim.case.status_label()
        values["policy_no"] = claim.policy.number
        if claim.approved_amount is not None:
            values["amount"] = f"{claim.approved_amount:,.2f}"
    return values


def seconds_left(due_at: datetime | None, now: datetime) -> int | None:
    return None if due_at is None else int((due_at - now).total_seconds())


# --- elderly-friendly mode and call-backs ---------------------------------------------------


def elderly_mode_of(user) -> bool:
    """Whether ``user`` chose the portal's elderly-friendly mode (False for anyone else)."""
    if user is None or not user.is_authenticated:
        return False
    return CustomerPreference.objects.filter(user_id=user.pk, elderly_mode=True).exists()


def elderly_customers(user_ids) -> set[int]:
    """Which of ``user_ids`` use elderly-friendly mode (one query)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return set()
    return set(
        CustomerPreference.objects.filter(user_id__in=ids, elderly_mode=True).values_list(
            "user_id", flat=True
        )
    )


def work_marks(case_ids) -> dict[int, tuple[bool, bool]]:
    """Per ticket case: (is a call-back, its customer uses elderly-friendly mode), one query
    for a whole work list."""
    rows = Ticket.objects.filter(case_id__in=list(case_ids)).values_list(
        "case_id", "case__category", "case__customer__portal_preference__elderly_mode"
    )
    return {pk: (category == Category.CALLBACK, bool(elderly)) for pk, category, elderly in rows}


def callback_due(ticket: Ticket) -> datetime | None:
    """When the customer will be called at the latest: the running response clock of the
    call-back (the inquiry clock, 2 business hours); None once answered."""
    return (
        Deadline.objects.filter(
            case_id=ticket.case_id,
            task__isnull=True,
            rule__code="inquiry_reply",
            state=DeadlineState.RUNNING,
        )
        .values_list("due_at", flat=True)
        .first()
    )


def callback_waiting(customer) -> Ticket | None:
    """The customer's call-back request not answered yet (pressing "转人工" again finds
    it instead of asking twice)."""
    return (
        tickets_visible_to(customer)
        .filter(
            case__customer=customer,
            case__category=Category.CALLBACK,
            case__status="new",
        )
        .order_by("-case__opened_at")
        .first()
    )


def callback_of(ticket: Ticket) -> CallBack | None:
    return CallBack.objects.filter(ticket=ticket).select_related("about").first()


def customer_phone(customer, claim=None) -> str:
    """The number to call a customer on: the contact phone of the claim the call is about,
    else of their latest policy."""
    if claim is not None and claim.contact_phone:
        return claim.contact_phone
    return (
        Policy.objects.filter(holder=customer)
        .exclude(contact_phone="")
        .order_by("-id")
        .values_list("contact_phone", flat=True)
        .first()
        or ""
    )
