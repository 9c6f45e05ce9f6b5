"""Service-desk writes: tickets on the case kernel, replies through the compliance gate,
hand-offs, customer messages, templates, root-cause reports and objections.

Every function is one business action in one transaction and takes ``now`` from its caller.
Ticket transitions that send text to the customer (reply, ask_customer, resolve) only run
from here: a registered transition check refuses them from any other path, so no text can
skip the compliance gate and no objection can be answered by its first decider.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from claimdesk.cases.models import Case, DeadlineState, Task
from claimdesk.cases.selectors import cases_visible_to
from claimdesk.cases.services import (
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    can_act,
    case_open,
    case_transition,
    task_assign,
)
from claimdesk.cases.timeline import case_action, timeline_record
from claimdesk.claims.models import Claim
from claimdesk.notify.services import notification_queue
from claimdesk.service import rules, selectors
from claimdesk.service.models import (
    CallBack,
    Category,
    Channel,
    CorrectiveAction,
    CustomerPreference,
    ReplyTemplate,
    RootCauseReport,
    Ticket,
    TicketMessage,
    Topic,
)
from claimdesk.service.workflow import TicketState, service_desk
from claimdesk.staff.services import is_staff_member
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local

TICKET_PERMISSION = "service.handle_ticket"


def _event(
    case: Case, *, now: datetime, actor: Actor, kind: str, visible: bool, **data: Any
) -> None:
    timeline_record(case, now=now, actor=actor, kind=kind, customer_visible=visible, data=data)


# --- the compliance gate --------------------------------------------------------------------


def compliance_refusal(violations: list) -> str:
    """One sentence naming each forbidden word and why it is forbidden."""
    parts = [
        _("“%(term)s” (%(reason)s)")
        % {"term": v.term, "reason": getattr(v, "reason", "") or getattr(v, "rule", "")}
        for v in violations
    ]
    return _("The message was not sent: it contains %(hits)s.") % {"hits": "; ".join(parts)}


def compliance_check(
    *, text: str, actor: Actor, now: datetime, context: str, override_by=None
) -> None:
    """Let ``text`` leave only if the compliance check passes or a manager's override is
    valid (the compliance app validates and logs the override)."""
    from claimdesk.compliance.services import message_gate

    result = message_gate(text=text, actor=actor, now=now, context=context, override_by=override_by)
    if not result.ok:
        # Warnings travel with the result too; the refusal names what blocks.
        blocking = [v for v in result.violations if getattr(v, "blocking", True)]
        raise GuardFailed(
            compliance_refusal(blocking),
            violations=[
                {
                    "term": v.term,
                    "rule": str(v.rule),
                    "start": v.start,
                    "end": v.end,
                    "reason": str(getattr(v, "reason", "")),
                }
                for v in blocking
            ],
        )


# --- the transition check -------------------------------------------------------------------


# --- tickets --------------------------------------------------------------------------------


_UNKNOWN = {
    "category": gettext_noop("Unknown ticket category %(value)s; one of: %(allowed)s"),
    "channel": gettext_noop("Unknown channel %(value)s; one of: %(allowed)s"),
    "topic": gettext_noop("Unknown topic %(value)s; one of: %(allowed)s"),
}


def _choice(value: str, choices, what: str) -> str:
    if value not in choices.values:
        raise GuardFailed(
            _(_UNKNOWN[what]) % {"value": value, "allowed": ", ".join(choices.values)}
        )
    return value


def ticket_open(*, category: str, **details: Any) -> Ticket:
    """Open a ticket (``_ticket_create``), never a call-back: that one is opened only by
    ``callback_request``, which records the page the customer was on and keeps one waiting
    at a time; a call-back ticket made any other way would have neither."""
    if category == Category.CALLBACK:
        raise GuardFailed(
            _(
                "Category %(category)s cannot be opened as a ticket: the customer asks for a "
                "call-back with the Talk to a person button."
            )
            % {"category": category}
        )
    return _ticket_create(category=category, **details)


def _ticket_create(
    *,
    customer,
    actor: Actor,
    category: str,
    subject: str,
    body: str,
    channel: str,
    now: datetime,
    claim=None,
    topic: str = "other",
    green_reason: str = "",
    complex: bool = False,
    owner=None,
) -> Ticket:
    """Open a ticket for ``customer``: the kernel case (first-contact ownership, the
    category's SLA clock), the ticket detail and the customer's first message. ``owner``:
    who takes it instead (a call-back goes to the owner of the case it is about)."""
    _choice(category, Category, "category")
    _choice(channel, Channel, "channel")
    _choice(topic, Topic, "topic")
    subject, body = (subject or "").strip(), (body or "").strip()
    if customer is None or is_staff_member(customer):
        raise GuardFailed(_("A ticket belongs to a customer."))
    if is_staff_member(actor) and not actor.has_perm(TICKET_PERMISSION):
        raise NotAllowed(_("You may not open service tickets."))
    if not subject or not body:
        raise GuardFailed(_("A ticket needs a subject and a message."))
    if claim is not None and claim.case.customer_id != customer.pk:
        raise GuardFailed(_("The linked claim must be one of the customer's own claims."))
    if green_reason and green_reason not in rules.GREEN_LOSS_TYPES:
        raise GuardFailed(_("The green channel is for critical illness or accident."))
    if category == Category.GREEN and not rules.green_allowed(
        claim.loss_type if claim is not None else None, green_reason
    ):
        raise GuardFailed(
            _(
                "The green channel is only for critical illness and accident: link such a "
                "claim or give the reason."
            )
        )
    if category == Category.OBJECTION and claim is None:
        raise GuardFailed(_("An objection is about a claim: link it."))
    with case_action():
        case = case_open(
            kind="ticket",
            title=subject,
            actor=actor,
            now=now,
            customer=customer,
            owner=owner,
            category=category,
            # ``complex`` lets the opening-clock chooser pick a longer commitment for
            # complex complaints once the SLA table has one.
            data={
                "channel": channel,
                "claim": claim.number if claim is not None else None,
                "complex": bool(complex),
            },
        )
        ticket = Ticket.objects.create(
            case=case,
            channel=channel,
            claim=claim,
            topic=topic,
            subject=subject[:200],
            green_reason=green_reason,
            complex=complex or category == Category.COMPLEX,
        )
        TicketMessage.objects.create(
            ticket=ticket, author=actor, body=body, from_customer=True, created_at=now
        )
    return ticket


def _require_handler(ticket: Ticket, actor: Actor) -> None:
    if not can_act(actor, ticket.case, TICKET_PERMISSION):
        raise NotAllowed(
            _("You may not work on ticket %(number)s.") % {"number": ticket.case.number}
        )


def _require_open(ticket: Ticket) -> None:
    if not ticket.case.is_open:
        raise IllegalTransition(_("Ticket %(number)s is closed.") % {"number": ticket.case.number})


def _require_reviewer(ticket: Ticket, actor: Actor) -> None:
    """An objection is re-reviewed by someone other than whoever decided first."""
    if ticket.case.category != Category.OBJECTION or (claim := ticket.claim) is None:
        return
    if actor.pk in selectors.first_deciders(claim):
        raise GuardFailed(
            _(
                "You decided claim %(claim)s yourself: the objection must be re-reviewed "
                "and answered by someone else."
            )
            % {"claim": claim.number}
        )


def _tell_customer(ticket: Ticket, *, now: datetime, body: str, kind: str) -> None:
    case = ticket.case
    if case.customer_id is None:
        return
    notification_queue(
        recipient=case.customer,
        case=case,
        kind=kind,
        now=now,
        subject=_("Reply on your request %(number)s") % {"number": case.number},
        body=body,
    )


def _locked_status(case: Case) -> str:
    """The case's status read under its row lock: two replies at once are serialised, so
    only the first performs the ``reply`` transition and neither is lost."""
    return (
        Case.objects.select_for_update(no_key=True).values_list("status", flat=True).get(pk=case.pk)
    )


def _refresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("case__owner", "case__customer", "claim__case").get(
        pk=ticket.pk
    )


def ticket_reply(
    *,
    ticket: Ticket,
    actor: Actor,
    now: datetime,
    body: str,
    internal: bool = False,
    override_by=None,
) -> TicketMessage:
    """An agent's reply to the customer (through the compliance gate; the first one stops
    the response clock) or an internal note (never shown to the customer)."""
    body = (body or "").strip()
    if not body:
        raise GuardFailed(_("The message is empty."))
    ticket = _refresh(ticket)
    _require_handler(ticket, actor)
    _require_open(ticket)
    with case_action():
        if internal:
            message = TicketMessage.objects.create(
                ticket=ticket, author=actor, body=body, internal=True, created_at=now
            )
            _event(ticket.case, now=now, actor=actor, kind="note_added", visible=False)
            return message
        _require_reviewer(ticket, actor)
        compliance_check(
            text=body,
            actor=actor,
            now=now,
            context=f"ticket:{ticket.case.number}:reply",
            override_by=override_by,
        )
        message = TicketMessage.objects.create(
            ticket=ticket,
            author=actor,
            body=body,
            override_by=override_by,
            created_at=now,
        )
        if _locked_status(ticket.case) == "new":  # the first reply moves the ticket, once
            with service_desk():
                case_transition(
                    case=ticket.case, action="reply", actor=actor, now=now, data={"message": body}
                )
        else:
            _event(ticket.case, now=now, actor=actor, kind="replied", visible=True)
        _tell_customer(ticket, now=now, body=body, kind="ticket_reply")
    return message


TICKET_ACTIONS = (
    "reply",
    "ask_customer",
    "customer_replied",
    "resolve",
    "reopen",
    "close",
    "extend",
)


def ticket_act(
    *,
    ticket: Ticket,
    action: str,
    actor: Actor,
    now: datetime,
    data: Mapping[str, Any] | None = None,
    override_by=None,
) -> Ticket:
    """Any other step of the ticket: ask the customer, customer replied, resolve, reopen,
    close. Text that reaches the customer passes the gate; an objection's resolution is
    issued as the written answer (notice) by a reviewer other than the first decider."""
    data = {k: v for k, v in dict(data or {}).items() if k != "override"}
    if action not in TICKET_ACTIONS:
        raise IllegalTransition(
            _("Unknown ticket action %(action)s.") % {"action": action},
            allowed=list(TICKET_ACTIONS),
        )
    if action == "reply":
        ticket_reply(
            ticket=ticket,
            actor=actor,
            now=now,
            body=str(data.get("message") or ""),
            override_by=override_by,
        )
        return _refresh(ticket)
    ticket = _refresh(ticket)
    _require_handler(ticket, actor)
    field = rules.CUSTOMER_TEXT_FIELDS.get(action)
    text = str(data.get(field) or "").strip() if field else ""
    with case_action():
        if field:  # text to the customer: on an objection, never from its first decider
            _require_reviewer(ticket, actor)
        if text:
            compliance_check(
                text=text,
                actor=actor,
                now=now,
                context=f"ticket:{ticket.case.number}:{action}",
                override_by=override_by,
            )
        with service_desk():
            case_transition(case=ticket.case, action=action, actor=actor, now=now, data=data)
        if text:
            TicketMessage.objects.create(
                ticket=ticket, author=actor, body=text, override_by=override_by, created_at=now
            )
            _tell_customer(ticket, now=now, body=text, kind=f"ticket_{action}")
        if action == "resolve" and ticket.case.category == Category.OBJECTION:
            _objection_notice(ticket, actor=actor, now=now, answer=text)
        if action == "extend":
            _tell_customer_extended(ticket, now=now)
    return _refresh(ticket)


def _tell_customer_extended(ticket: Ticket, *, now: datetime) -> None:
    """The complainant is told that the decision period was extended and until when (the
    reason stays on the approval line of the timeline)."""
    case = ticket.case
    due = case.deadlines.filter(
        rule__code="complaint_extended", state=DeadlineState.RUNNING, task__isnull=True
    ).first()
    if case.customer_id is None or due is None:
        return
    notification_queue(
        recipient=case.customer,
        case=case,
        kind="ticket_extended",
        now=now,
        subject=_("Your complaint %(number)s needs more time") % {"number": case.number},
        body=_(
            "Your complaint is especially complex, so its decision period was extended by "
            "30 days as the complaint rules allow. We will tell you our decision by the end "
            "of %(day)s."
        )
        % {"day": f"{to_local(due.due_at - timedelta(microseconds=1)):%Y-%m-%d}"},
    )


def _objection_notice(ticket: Ticket, *, actor: Actor, now: datetime, answer: str) -> None:
    """The written explanation of an objection (异议书面解释) as a notice on the ticket."""
    from claimdesk.notices.services import notice_issue

    first = ticket.messages.filter(from_customer=True).order_by("created_at", "id").first()
    notice_issue(
        case=ticket.case,
        kind="objection_reply",
        context={
            "objection": first.body if first else ticket.subject,
            "answer": answer,
            "reviewer": actor.get_full_name() or actor.username,
        },
        actor=actor,
        now=now,
    )


def ticket_handoff(*, ticket: Ticket, to, actor: Actor, now: datetime, note: str) -> Task:
    """Hand part of the work to a colleague (surveyor, reviewer, finance): a task that
    returns to the ticket's owner when done; the owner keeps the ticket."""
    note = (note or "").strip()
    if not note:
        raise GuardFailed(_("Say what the colleague should do."))
    ticket = _refresh(ticket)
    with case_action():
        task = task_assign(
            case=ticket.case,
            kind="ticket_handoff",
            title=note[:200],
            assignee=to,
            actor=actor,
            now=now,
        )
        TicketMessage.objects.create(
            ticket=ticket,
            author=actor,
            body=_("Handed to %(who)s: %(note)s") % {"who": to.username, "note": note},
            internal=True,
            created_at=now,
        )
    return task


def ticket_customer_message(*, ticket: Ticket, customer, now: datetime, body: str) -> TicketMessage:
    """The customer writes on their own ticket; if it waited on them, it resumes."""
    body = (body or "").strip()
    ticket = _refresh(ticket)
    case = ticket.case
    if case.customer_id != customer.pk:
        raise NotAllowed(_("This is not your ticket."))
    if not body:
        raise GuardFailed(_("The message is empty."))
    _require_open(ticket)
    with case_action():
        message = TicketMessage.objects.create(
            ticket=ticket, author=customer, body=body, from_customer=True, created_at=now
        )
        if _locked_status(case) == TicketState.WAITING_CUSTOMER:
            # The kernel's row is for staff; the owner's clock resumes on the customer's
            # word, recorded as theirs in the data.
            case_transition(
                case=case,
                action="customer_replied",
                actor=case.owner,
                now=now,
                data={"by": customer.username},
            )
        else:
            _event(case, now=now, actor=customer, kind="customer_message", visible=True)
        notification_queue(
            recipient=case.owner,
            case=case,
            kind="ticket_customer_message",
            now=now,
            subject=_("The customer wrote on %(number)s") % {"number": case.number},
            body=body,
        )
    return message


# --- elderly-friendly mode and call-backs ("转人工") ---------------------------------------


def elderly_mode_set(*, user, on: bool, now: datetime) -> CustomerPreference:
    """Remember whether ``user`` (a customer) wants the portal in elderly-friendly mode."""
    if is_staff_member(user):
        raise GuardFailed(_("Elderly-friendly mode is a setting of the customer portal."))
    preference, _created = CustomerPreference.objects.update_or_create(
        user=user, defaults={"elderly_mode": bool(on), "changed_at": now}
    )
    return preference


@dataclass(frozen=True)
class CallBackResult:
    ticket: Ticket
    created: bool  # False: the customer's earlier request, not yet answered, was found


def _callback_owner(customer, case_number: str):
    """The case the customer was looking at, if it is one of theirs, and whoever should call:
    its owner (首问负责制) while they may work tickets, else the service desk (None:
    ``case_open`` gives it to the least-loaded agent)."""
    number = (case_number or "").strip()
    if not number or "\x00" in number:
        return None, None
    case = (
        cases_visible_to(customer)
        .filter(number=number[:40], customer=customer)
        .select_related("owner")
        .first()
    )
    if case is None:
        return None, None
    owner = case.owner
    # The owner calls when they can work tickets (an underwriter owning a 保全 request
    # cannot: the desk calls instead), and has not left.
    if not (owner.is_active and owner.has_perm(TICKET_PERMISSION)):
        return case, None
    return case, owner


def callback_request(
    *, customer, now: datetime, page: str, case_number: str = ""
) -> CallBackResult:
    """ "转人工": a call-back ticket for ``customer`` on the inquiry clock (2 business hours),
    owned by the owner of the case they were looking at, else the service desk, recording
    the page and the case. A request not answered yet is returned instead of a second one."""
    if customer is None or is_staff_member(customer):
        raise GuardFailed(_("A call-back is asked for by a customer."))
    about, owner = _callback_owner(customer, case_number)
    where = rules.portal_page(page)
    with case_action():
        # The customer's row lock serialises two presses at once: the second finds the first.
        get_user_model().objects.select_for_update().filter(pk=customer.pk).first()
        waiting = selectors.callback_waiting(customer)
        if waiting is not None:
            return CallBackResult(waiting, created=False)
        claim = Claim.objects.filter(case=about).first() if about is not None else None
        body = _("Please call me back. I was looking at %(what)s.") % {
            "what": about.number if about is not None else (where or _("the portal"))
        }
        ticket = _ticket_create(
            customer=customer,
            actor=customer,
            category=Category.CALLBACK,
            subject=_("Please call me back"),
            body=body,
            channel=Channel.PORTAL,
            now=now,
            claim=claim,
            owner=owner,
        )
        CallBack.objects.create(
            ticket=ticket,
            page=where,
            about=about,
            elderly_mode=selectors.elderly_mode_of(customer),
        )
    return CallBackResult(ticket, created=True)


# --- templates ------------------------------------------------------------------------------


def template_render(template: ReplyTemplate, language: str, variables: Mapping[str, Any]) -> str:
    """The template's wording in ``language`` (zh-hans or en) with its variables filled;
    every missing variable is named in one GuardFailed."""
    lang = (language or "zh-hans").lower()
    body = template.body_en if lang.startswith("en") else template.body_zh
    try:
        return rules.render_text(body, variables)
    except rules.MissingVariables as exc:
        raise GuardFailed(str(exc), missing=exc.missing) from exc


# --- complaint PDCA -------------------------------------------------------------------------


def rca_save(
    *,
    ticket: Ticket,
    actor: Actor,
    now: datetime,
    category: str,
    department: str,
    root_cause: str,
    corrective_action: str,
    owner,
    due_date: date | None,
    verification: str,
) -> RootCauseReport:
    """Write (or complete) the root-cause report of a complaint; its corrective action is
    tracked as a CorrectiveAction until done."""
    ticket = _refresh(ticket)
    _require_handler(ticket, actor)
    if ticket.case.category != Category.COMPLAINT:
        raise GuardFailed(_("Root-cause reports are for complaints."))
    fields = {
        "category": (category or "").strip(),
        "department": (department or "").strip(),
        "root_cause": (root_cause or "").strip(),
        "corrective_action": (corrective_action or "").strip(),
        "owner": owner,
        "due_date": due_date,
        "verification": (verification or "").strip(),
    }
    if missing := rules.rca_missing(fields):
        raise GuardFailed(
            _("The root-cause report is incomplete; missing: %(fields)s")
            % {"fields": ", ".join(str(rules.RCA_FIELD_LABELS[f]) for f in missing)},
            missing=missing,
        )
    assert due_date is not None  # rca_missing() asks for it
    if not is_staff_member(owner):
        raise GuardFailed(_("The action owner must be a member of staff."))
    with case_action():
        report, created = RootCauseReport.objects.select_for_update().get_or_create(
            ticket=ticket,
            defaults={
                **fields,
                "cause_key": rules.root_cause_key(fields["root_cause"]),
                "author": actor,
                "created_at": now,
                "updated_at": now,
            },
        )
        if not created:
            for name, value in fields.items():
                setattr(report, name, value)
            report.cause_key = rules.root_cause_key(fields["root_cause"])
            report.updated_at = now
            report.save()
        same = report.actions.filter(description=fields["corrective_action"])
        if same.exists():
            same.filter(done_at__isnull=True).update(owner=owner, due_date=due_date)
        else:
            CorrectiveAction.objects.create(
                report=report,
                description=fields["corrective_action"],
                owner=owner,
                due_date=due_date,
            )
        _event(
            ticket.case,
            now=now,
            actor=actor,
            kind="rca_saved",
            visible=False,
            category=report.category,
            recurrence=selectors.rca_recurrence(report),
        )
    return report


def corrective_action_done(
    *, action: CorrectiveAction, actor: Actor, now: datetime, result: str
) -> CorrectiveAction:
    """Mark a corrective action done, with what was done (the "check" of PDCA)."""
    result = (result or "").strip()
    if not result:
        raise GuardFailed(_("Say what was done."))
    if actor.pk != action.owner_id and not actor.has_perm("cases.view_all_cases"):
        raise NotAllowed(_("Only the action owner or a manager can mark it done."))
    with case_action():
        action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
        if action.done_at is not None:
            raise IllegalTransition(_("This corrective action is already done."))
        action.done_at = now
        action.result = result
        action.save(update_fields=["done_at", "result"])
    return action


# --- objections -----------------------------------------------------------------------------


def objection_open(*, claim, customer, now: datetime, text: str) -> Ticket:
    """A customer objects to the review or assessment result of their claim: an objection
    ticket (3-working-day written-answer clock) linked to the claim."""
    if claim.case.customer_id != customer.pk:
        raise NotAllowed(_("You can only object to your own claims."))
    with case_action():
        # The claim's case row lock serialises two submissions: the second sees the first.
        Case.objects.select_for_update(no_key=True).filter(pk=claim.case_id).first()
        if Ticket.objects.filter(
            claim=claim, case__category=Category.OBJECTION, case__is_open=True
        ).exists():
            raise IllegalTransition(
                _("An objection to claim %(claim)s is already being reviewed.")
                % {"claim": claim.number}
            )
        return ticket_open(
            customer=customer,
            actor=customer,
            category=Category.OBJECTION,
            subject=_("Objection to the result of claim %(claim)s") % {"claim": claim.number},
            body=text,
            channel=Channel.PORTAL,
            now=now,
            claim=claim,
            topic=Topic.AMOUNT if claim.approved_amount is not None else Topic.OTHER,
        )
