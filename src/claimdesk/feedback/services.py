"""Surveys after closure, their reminder and answer, and proactive-service triggers.

Everything runs from ``feedback_sweep`` (hourly by Celery beat) except the answer, which the
customer gives through the tokenised link. The sweep is safe to run often and in parallel:
a case is surveyed under its row lock and the survey's unique case key; a reminder is a
conditional update; a proactive message is written only with its unique firing row.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError
from django.db.models import CharField, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from claimdesk.cases.models import Case, CaseEvent, Task
from claimdesk.cases.services import (
    CaseError,
    NotAllowed,
    can_act,
    case_transition,
    deadline_start,
    escalation_recipient,
    task_complete,
    works_others_tasks,
)
from claimdesk.cases.timeline import case_action, timeline_record
from claimdesk.claims.models import Claim
from claimdesk.claims.workflow import KIND as CLAIM
from claimdesk.claims.workflow import ClaimState
from claimdesk.feedback import rules
from claimdesk.feedback.models import (
    EventKind,
    PartnerShop,
    ProactiveFiring,
    ProactiveRule,
    Survey,
)
from claimdesk.notify.services import notification_queue
from claimdesk.policies.models import Policy
from claimdesk.service.workflow import KIND as TICKET
from claimdesk.staff.roles import STAFF_ROLES
from claimdesk.staff.services import is_staff_member
from claimdesk.types import Actor
from claimdesk.workdays.clocks import local_midnight, to_local
from claimdesk.workdays.selectors import work_calendar

log = logging.getLogger(__name__)

STAFF_ROLE_NAMES = tuple(r.value for r in STAFF_ROLES)
SURVEYED_KINDS = (CLAIM, TICKET)
CLOSED = ClaimState.CLOSED


class SurveyNotFound(CaseError):
    status = 404


class SurveyInvalid(CaseError):
    status = 422


class SurveyAnswered(CaseError):
    status = 409


class SurveyExpired(CaseError):
    status = 410


def _batch() -> int:
    return getattr(settings, "CLAIMDESK_SWEEP_BATCH", 500)


def survey_link(token: str) -> str:
    """The link in the message: absolute when ``CLAIMDESK_PUBLIC_URL`` is configured."""
    base = getattr(settings, "CLAIMDESK_PUBLIC_URL", "").rstrip("/")
    return base + reverse("feedback:survey", args=[token])


def _not_staff(qs: QuerySet, field: str) -> QuerySet:
    """Staff are never asked to rate their own (or colleagues') work."""
    return qs.exclude(**{f"{field}__is_superuser": True}).exclude(
        **{f"{field}__groups__name__in": STAFF_ROLE_NAMES}
    )


# --- sending ---------------------------------------------------------------------------------


def surveys_due(*, now: datetime) -> QuerySet[Case]:
    """Claims and tickets closed recently, with a customer who is not staff, not yet surveyed.

    A claim is closed by payment confirmation or after the rejection notice (it may already
    be ``followed_up`` by a call); a ticket by ``close``. The closing transition in the
    timeline is the fact, so a claim followed up by phone still gets its survey.
    """
    since = now - timedelta(days=rules.SURVEY_LOOKBACK_DAYS)
    closing = CaseEvent.objects.filter(
        case=OuterRef("pk"), kind="transition", to_status=CLOSED, at__gte=since, at__lte=now
    )
    qs = (
        Case.objects.filter(
            kind__in=SURVEYED_KINDS,
            status__in=(CLOSED, ClaimState.FOLLOWED_UP),
            customer__isnull=False,
            customer__is_active=True,
        )
        .filter(Exists(closing))
        .exclude(Exists(Survey.objects.filter(case=OuterRef("pk"))))
    )
    return _not_staff(qs, "customer").order_by("pk")


def survey_send(*, case: Case, now: datetime) -> Survey | None:
    """Send the survey of one closed case, once; for a claim it is the follow-up (回访).

    Returns None when the case needs none (already surveyed, no customer, the customer is
    staff, not closed). After sending, the claim's ``follow_up`` transition is done in the
    owner's name when the owner may do follow-ups; otherwise the timeline says it is left
    to staff and the ``followup`` clock keeps running.
    """
    with case_action():
        case = (
            Case.objects.select_for_update(no_key=True, of=("self",))
            .select_related("customer", "owner")
            .get(pk=case.pk)
        )
        customer = case.customer
        if (
            Survey.objects.filter(case=case).exists()
            or customer is None
            or is_staff_member(customer)
            or customer.pk == case.owner_id
        ):
            return None
        closed = (
            CaseEvent.objects.filter(case=case, kind="transition", to_status=CLOSED)
            .order_by("-at", "-id")
            .values_list("at", flat=True)
            .first()
        )
        if closed is None or case.kind not in SURVEYED_KINDS:
            return None
        try:
            with case_action(savepoint=True):
                survey = Survey.objects.create(
                    case=case,
                    customer=customer,
                    staff=case.owner,
                    token=secrets.token_urlsafe(32),
                    closed_at=closed,
                    sent_at=now,
                    expires_at=now + timedelta(days=rules.SURVEY_VALID_DAYS),
                )
        except IntegrityError:
            return None  # a parallel sweep has just sent it
        timeline_record(case, now=now, kind="survey_sent", customer_visible=True, data={})
        notification_queue(
            recipient=customer,
            case=case,
            kind="survey",
            now=now,
            subject=_("%(number)s: how did we do? Your opinion in one minute")
            % {"number": case.number},
            body=_(
                "Your case %(number)s is closed. Please rate our service: %(link)s "
                "(valid for %(days)d days, no login needed)."
            )
            % {
                "number": case.number,
                "link": survey_link(survey.token),
                "days": rules.SURVEY_VALID_DAYS,
            },
        )
        if case.kind == CLAIM and case.status == CLOSED:
            _follow_up(case, now)
    return survey


def _follow_up(case: Case, now: datetime) -> None:
    owner = case.owner
    why = None
    if not (owner.is_active and can_act(owner, case, "claims.handle_followup")):
        why = _("The case owner may not do follow-ups; a colleague must record it.")
    else:
        try:
            case_transition(
                case=case, action="follow_up", actor=owner, now=now, data={"via": "survey"}
            )
        except CaseError as exc:
            why = exc.message
    if why:
        timeline_record(
            case, now=now, kind="followup_left_to_staff", data={"reason": str(why), "via": "survey"}
        )


def surveys_send_due(*, now: datetime) -> int:
    sent = 0
    for case in surveys_due(now=now)[: _batch()]:
        if survey_send(case=case, now=now) is not None:
            sent += 1
    return sent


def surveys_remind_due(*, now: datetime) -> int:
    """One reminder for a survey unanswered two working days after it was sent; never more."""
    calendar = work_calendar()
    today = to_local(now).date()
    candidates = Survey.objects.filter(
        answered_at__isnull=True,
        reminded_at__isnull=True,
        expires_at__gt=now,
        sent_at__lte=now,
    ).only("pk", "sent_at")
    reminded = 0
    for survey in candidates[: _batch()]:
        sent_day = to_local(survey.sent_at).date()
        if calendar.add_working_days(sent_day, rules.REMINDER_AFTER_WORKING_DAYS) > today:
            continue
        with case_action():
            # The conditional update is the lock: a parallel sweep finds nothing to update.
            won = Survey.objects.filter(
                pk=survey.pk, reminded_at__isnull=True, answered_at__isnull=True
            ).update(reminded_at=now)
            if not won:
                continue
            survey = Survey.objects.select_related("case", "customer").get(pk=survey.pk)
            notification_queue(
                recipient=survey.customer,
                case=survey.case,
                kind="survey",
                now=now,
                subject=_("Reminder: %(number)s, how did we do?") % {"number": survey.case.number},
                body=_("Your rating helps us improve: %(link)s")
                % {"link": survey_link(survey.token)},
            )
            timeline_record(
                survey.case, now=now, kind="survey_reminded", customer_visible=True, data={}
            )
        reminded += 1
    return reminded


# --- answering -------------------------------------------------------------------------------


TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def survey_for_token(token: str) -> Survey:
    survey = (
        Survey.objects.select_related("case", "staff").filter(token=token).first()
        if TOKEN_SHAPE.fullmatch(str(token or ""))
        else None
    )
    if survey is None:
        raise SurveyNotFound(_("This survey link is not valid."))
    return survey


def survey_answer(*, token: str, csat: Any, nps: Any, comment: str = "", now: datetime) -> Survey:
    """Store the customer's one answer against the case and its owner.

    Refused with a clear reason: out-of-range ratings (422), a second answer (409), an
    expired link (410), an unknown token (404).
    """
    problems = rules.answer_problems(csat, nps)
    if problems:
        raise SurveyInvalid(
            _("Please check your ratings: %(fields)s.") % {"fields": ", ".join(problems)},
            errors=problems,
        )
    comment = str(comment or "").strip()[:2000]
    with case_action():
        survey = survey_for_token(token)
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.answered_at is not None:
            raise SurveyAnswered(_("This survey has already been answered. Thank you!"))
        if now >= survey.expires_at:
            raise SurveyExpired(_("This survey link has expired."))
        survey.csat, survey.nps, survey.comment, survey.answered_at = csat, nps, comment, now
        survey.save(update_fields=["csat", "nps", "comment", "answered_at"])
        timeline_record(
            survey.case,
            now=now,
            actor=survey.customer,
            kind="survey_answered",
            customer_visible=True,
            data={
                "csat": csat,
                "nps": nps,
                "comment": comment,
                "staff": survey.staff.username if survey.staff_id else "",
            },
        )
        if rules.dissatisfied(csat, nps):
            callback_open(survey, now=now)
    return survey


# --- call-back after a dissatisfied answer ----------------------------------------------------


class CallbackInvalid(CaseError):
    status = 422


def callback_open(survey: Survey, *, now: datetime) -> Task:
    """A call-back task for the case owner on the ``survey_callback`` clock (1 working day).

    The case is closed by the time its survey is answered, and the kernel's ``task_assign``
    refuses work on closed cases; so the task row is written here and its clock started by the
    kernel's ``deadline_start``, which keeps the due time, reminders, escalation and met /
    breached as for any clock. An owner who has left hands it to their manager."""
    case = survey.case
    owner = case.owner
    assignee = owner if owner.is_active else escalation_recipient(owner)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Call back: CSAT %(csat)s/5, NPS %(nps)s") % {
            "csat": survey.csat if survey.csat is not None else "–",
            "nps": survey.nps if survey.nps is not None else "–",
        }
    task = Task.objects.create(
        case=case,
        kind=rules.CALLBACK_TASK,
        title=title,
        assignee=assignee,
        assigned_by=assignee,
        returns_to=owner,
        created_at=now,
    )
    clock = deadline_start(case=case, rule_code=rules.CALLBACK_SLA.code, now=now, task=task)
    if clock is not None:
        task.due_at = clock.due_at
        task.save(update_fields=["due_at"])
    timeline_record(
        case,
        now=now,
        kind="callback_opened",
        data={
            "task": task.pk,
            "assignee": assignee.username,
            "due_at": task.due_at,
            "csat": survey.csat,
            "nps": survey.nps,
        },
    )
    notification_queue(
        recipient=assignee,
        case=case,
        kind="task_assigned",
        now=now,
        subject=_("Call back %(number)s: the customer is dissatisfied") % {"number": case.number},
        body=survey.comment,
    )
    return task


def callback_tasks() -> QuerySet[Task]:
    """Every call-back task, with its case and survey's people, newest due first."""
    return Task.objects.filter(kind=rules.CALLBACK_TASK).select_related(
        "case", "case__customer", "assignee"
    )


def callback_phone(case: Case) -> str:
    """The number to call back: the contact phone the claim was reported with, if any."""
    claim = Claim.objects.filter(case=case).only("contact_phone").first()
    return claim.contact_phone if claim is not None else ""


def callback_record(
    *, task: Task, actor: Actor, reached: object, agreed: str, note: str, now: datetime
) -> Task:
    """The owner's record of the call-back: reached or not, what was agreed, a note. Completes
    the task (its clock stops met or breached) and writes the outcome on the case timeline.

    Refused with the field that is missing (422), by someone who is not the assignee (403),
    or when the task is no longer open (409)."""
    agreed, note = str(agreed or "").strip()[:2000], str(note or "").strip()[:2000]
    problems = rules.callback_problems(reached, agreed, note)
    if problems:
        raise CallbackInvalid(_("Please complete the call-back record."), errors=problems)
    if task.kind != rules.CALLBACK_TASK:
        raise CallbackInvalid(_("This task is not a call-back."))
    if actor.pk != task.assignee_id and not works_others_tasks(actor):
        raise NotAllowed(_("Only the person the call-back is assigned to can record it."))
    outcome = _("reached") if reached else _("not reached")
    result = " · ".join(str(part) for part in (outcome, agreed, note) if part)
    with case_action():
        task = task_complete(task=task, actor=actor, now=now, result=result)
        timeline_record(
            task.case,
            now=now,
            actor=actor,
            kind="callback_outcome",
            data={"task": task.pk, "reached": bool(reached), "agreed": agreed, "note": note},
        )
    return task


# --- proactive service -----------------------------------------------------------------------


def _message(rule: ProactiveRule, values: dict[str, Any]) -> tuple[str, str]:
    english = (translation.get_language() or settings.LANGUAGE_CODE).startswith("en")
    subject, body = (rule.subject_en, rule.body_en) if english else (rule.subject_zh, rule.body_zh)
    return rules.render_template(subject, values), rules.render_template(body, values)


def _fire(
    rule: ProactiveRule,
    *,
    customer: Actor,
    occasion_key: str,
    now: datetime,
    values: dict[str, Any],
    case: Case | None = None,
    phone: str | None = None,
) -> bool:
    """Send one rule's message for one occasion, once: the firing row is written first and
    its unique key refuses a second one (also from a parallel sweep)."""
    if customer is None or not customer.is_active or is_staff_member(customer):
        return False
    values = {"name": customer.get_full_name() or customer.username, **values}
    subject, body = _message(rule, values)
    with case_action():
        try:
            with case_action(savepoint=True):
                ProactiveFiring.objects.create(
                    rule=rule,
                    customer=customer,
                    occasion_key=occasion_key[:80],
                    fired_at=now,
                    case=case,
                    subject=subject[:200],
                )
        except IntegrityError:
            return False
        notification_queue(
            recipient=customer,
            case=case,
            kind="proactive",
            now=now,
            subject=subject,
            body=body,
            phone=phone,
        )
        if case is not None:
            timeline_record(
                case,
                now=now,
                kind="proactive_service",
                customer_visible=True,
                data={"rule": rule.code, "subject": subject},
            )
    return True


def _not_fired(rule: ProactiveRule, key) -> Exists:
    return Exists(ProactiveFiring.objects.filter(rule=rule, occasion_key=key))


def _claim_reported(rule: ProactiveRule, now: datetime) -> tuple[int, bool]:
    """After a claim of ``loss_type`` is reported: partner shops in its city, courtesy cars.

    Scans claims reported since the rule's last scan (an hour of overlap, at most
    ``lookback_days`` back); the claim number is the occasion.
    """
    lookback = now - timedelta(days=rule.param("lookback_days", 7))
    since = lookback
    if rule.scanned_until is not None:
        since = max(lookback, rule.scanned_until - timedelta(hours=1))
    shops = list(PartnerShop.objects.filter(active=True))
    cities = {s.city for s in shops}
    claims = (
        Claim.objects.filter(
            loss_type=rule.param("loss_type", "auto"),
            case__opened_at__gte=since,
            case__opened_at__lte=now,
        )
        .exclude(_not_fired(rule, OuterRef("case__number")))
        .select_related("case__customer", "policy__holder")
        .order_by("case__opened_at")
    )
    fired = 0
    courtesy = _("courtesy car available")
    batch = list(claims[: _batch()])
    for claim in batch:
        city = rules.city_of(claim.loss_place, cities)
        if city is None:
            continue
        nearby = [
            rules.ShopLine(s.name, s.address, s.phone, s.courtesy_car)
            for s in shops
            if s.city == city
        ]
        values = {
            "claim_no": claim.case.number,
            "city": city,
            "shops": rules.shops_text(nearby, courtesy_label=str(courtesy)),
            "courtesy_shops": "、".join(s.name for s in nearby if s.courtesy_car) or "-",
        }
        customer = claim.case.customer or claim.policy.holder
        fired += _fire(
            rule,
            customer=customer,
            occasion_key=claim.case.number,
            now=now,
            values=values,
            case=claim.case,
            phone=claim.contact_phone,
        )
    return fired, len(batch) < _batch()


def _claim_free(rule: ProactiveRule, now: datetime) -> tuple[int, bool]:
    """A customer who had a policy in force ``years`` years ago and has one in force today,
    with no claim reported in between: a protection-review offer, once per policy in force.

    (Renewals are separate policy rows; a gap between them is not looked for.)
    """
    years = rule.param("years", 3)
    today = to_local(now).date()
    cutoff = rules.add_years(today, -years)
    long_held = Policy.objects.filter(holder=OuterRef("holder"), start__lte=cutoff, end__gte=cutoff)
    recent_claim = Claim.objects.filter(
        policy__holder=OuterRef("holder"), case__opened_at__gte=local_midnight(cutoff)
    )
    key = f"{years}y:"
    policies = (
        Policy.objects.filter(status=Policy.Status.ACTIVE, start__lte=today, end__gte=today)
        .filter(Exists(long_held))
        .exclude(Exists(recent_claim))
        .exclude(
            Exists(
                ProactiveFiring.objects.filter(
                    rule=rule,
                    customer=OuterRef("holder"),
                    occasion_key=Concat(Value(key), OuterRef("number"), output_field=CharField()),
                )
            )
        )
        .select_related("holder", "product")
        .order_by("pk")
    )
    fired = 0
    batch = list(_not_staff(policies, "holder")[: _batch()])
    for policy in batch:
        fired += _fire(
            rule,
            customer=policy.holder,
            occasion_key=key + policy.number,
            now=now,
            values={
                "policy_no": policy.number,
                "product": policy.product.name,
                "years": years,
            },
        )
    return fired, len(batch) < _batch()


def _complaint_tickets():
    """The service desk's tickets, when that app is installed (it is built separately)."""
    try:
        Ticket = apps.get_model("service", "Ticket")
        Ticket._meta.get_field("topic")
        Ticket._meta.get_field("case")
    except (LookupError, FieldDoesNotExist):
        return None
    return Ticket.objects.filter(case__category="complaint")


def _before_anniversary(rule: ProactiveRule, now: datetime) -> tuple[int, bool]:
    """A customer who complained about ``complaint_topic`` within ``lookback_days``: a
    claim-process walkthrough ``days_before`` days before each policy's anniversary."""
    tickets = _complaint_tickets()
    if tickets is None:
        return 0, True
    days_before = rule.param("days_before", 7)
    today = to_local(now).date()
    complainers = tickets.filter(
        topic=rule.param("complaint_topic", "timeliness"),
        case__opened_at__gte=now - timedelta(days=rule.param("lookback_days", 365)),
        case__opened_at__lte=now,
        case__customer__isnull=False,
    ).values("case__customer")
    policies = (
        Policy.objects.filter(
            holder__in=complainers,
            status=Policy.Status.ACTIVE,
            start__lte=today,
            end__gte=today - timedelta(days=1),
        )
        .select_related("holder", "product")
        .order_by("pk")
    )
    fired = 0
    batch = list(_not_staff(policies, "holder")[: _batch()])
    for policy in batch:
        anniversary = rules.anniversary_due(policy.start, policy.end, today, days_before)
        if anniversary is None:
            continue
        fired += _fire(
            rule,
            customer=policy.holder,
            occasion_key=f"{policy.number}:{anniversary.year}",
            now=now,
            values={
                "policy_no": policy.number,
                "product": policy.product.name,
                "anniversary": anniversary.isoformat(),
            },
        )
    return fired, len(batch) < _batch()


# A handler returns (messages sent, whether it saw every candidate: no batch limit hit).
EVENT_HANDLERS: dict[str, Callable[[ProactiveRule, datetime], tuple[int, bool]]] = {
    EventKind.CLAIM_REPORTED: _claim_reported,
    EventKind.CLAIM_FREE: _claim_free,
    EventKind.BEFORE_ANNIVERSARY: _before_anniversary,
}


# Profile rules depend on the date only: one full pass a day is enough.
DAILY_EVENTS = frozenset({EventKind.CLAIM_FREE, EventKind.BEFORE_ANNIVERSARY})


def proactive_sweep(*, now: datetime) -> dict[str, int]:
    """Evaluate every active rule; rule code → messages sent by this run.

    One broken rule (e.g. parameters edited outside the admin's validation) is logged and
    skipped so that it cannot stop the others.
    """
    counts: dict[str, int] = {}
    today = to_local(now).date()
    for rule in ProactiveRule.objects.filter(active=True, event__in=list(EVENT_HANDLERS)):
        daily = rule.event in DAILY_EVENTS
        if daily and rule.scanned_until and to_local(rule.scanned_until).date() == today:
            counts[rule.code] = 0
            continue
        try:
            counts[rule.code], complete = EVENT_HANDLERS[rule.event](rule, now)
        except (ValueError, TypeError):
            log.exception("proactive rule %s failed; check its parameters", rule.code)
            continue
        if complete:
            ProactiveRule.objects.filter(pk=rule.pk).update(scanned_until=now)
    return counts


def feedback_sweep(*, now: datetime) -> dict[str, Any]:
    """Due surveys, due reminders, proactive triggers; counts of what this run did."""
    return {
        "surveys_sent": surveys_send_due(now=now),
        "reminders_sent": surveys_remind_due(now=now),
        "proactive": proactive_sweep(now=now),
    }
