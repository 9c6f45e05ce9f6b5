"""Reads of underwriting for pages and the API: who sees which application, the queue with
its clocks, the applicant's wording of the timeline, the declaration a policy rests on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from claimdesk.cases.models import CaseEvent, Task, TaskStatus
from claimdesk.cases.selectors import cases_visible_to
from claimdesk.cases.worklist import clock_cells, live_clocks, sort_by_due
from claimdesk.underwriting.models import (
    QUERY_LABELS,
    Application,
    DecisionStatus,
    UnderwritingDecision,
)
from claimdesk.underwriting.rules import HEALTH_QUESTIONS, Outcome, QueryKind
from claimdesk.underwriting.services import SIGN_TASK, authority_limit
from claimdesk.underwriting.workflow import UNDERWRITING


def applications_visible_to(user: Any) -> QuerySet[Application]:
    """A customer their own applications; staff those they own or sign; oversight all."""
    cases = cases_visible_to(user).filter(kind=UNDERWRITING)
    return Application.objects.filter(case__in=cases).select_related(
        "case", "case__owner", "case__customer", "product", "policy"
    )


def application_find(user: Any, number: str) -> Application | None:
    return applications_visible_to(user).filter(case__number=number).first()


@dataclass
class QueueRow:
    application: Application
    what: str
    due_at: datetime | None
    clock: dict[str, Any]
    rule: str


def underwriter_queue(user: Any, now: datetime) -> list[QueueRow]:
    """The open applications ``user`` owns or must sign, nearest clock first."""
    signing = Task.objects.filter(assignee=user, kind=SIGN_TASK, status=TaskStatus.OPEN)
    apps = list(
        Application.objects.filter(
            Q(case__owner=user) | Q(case__in=signing.values("case_id")), case__is_open=True
        ).select_related("case", "product")
    )
    clocks = live_clocks([a.case for a in apps])
    sign_ids = set(signing.values_list("case_id", flat=True))
    rows = []
    for app in apps:
        clock = clocks.get(app.pk)
        due = clock.due_at if clock else None
        rows.append(
            QueueRow(
                application=app,
                what=_("Sign the underwriting decision")
                if app.pk in sign_ids
                else app.case.status_label(),
                due_at=due,
                clock=clock_cells(due, now, paused=bool(clock and clock.clock_state == "paused")),
                rule=clock.rule if clock else "",
            )
        )
    return sort_by_due(rows, lambda r: r.due_at)


def pending_decision(application: Application) -> UnderwritingDecision | None:
    return (
        application.decisions.filter(status=DecisionStatus.PENDING)
        .select_related("proposed_by", "escalated_to")
        .prefetch_related("signatures__signer")
        .first()
    )


def applied_decision(application: Application) -> UnderwritingDecision | None:
    return application.decisions.filter(status=DecisionStatus.APPLIED).first()


def health_rows(application: Application) -> list[tuple[str, bool]]:
    """Each health question in words with the answer given."""
    return [
        (str(text), bool(application.health_answers.get(code)))
        for code, text in HEALTH_QUESTIONS.items()
    ]


@dataclass
class AuthorityView:
    limit: Decimal | None
    covers: bool


def authority_view(user: Any, application: Application) -> AuthorityView:
    limit = authority_limit(user)
    return AuthorityView(limit, limit is not None and application.sum_insured <= limit)


def accepted_declaration(policy: Any) -> dict[str, Any] | None:
    """The declaration and terms a policy was accepted on, for the claim page (如实告知:
    a non-disclosure found at claim time is judged against what was declared)."""
    if getattr(policy, "pk", None) is None:
        return None
    application = Application.objects.filter(policy_id=policy.pk).select_related("case").first()
    if application is None:
        return None
    return {
        "application": application,
        "health": health_rows(application),
        "decision": applied_decision(application),
    }


def underwriting_event_text(event: CaseEvent) -> str | None:
    """An underwriting line of the timeline in the applicant's words (None for others)."""
    data = event.data or {}
    if event.kind == "uw_query_raised":
        kind = str(data.get("kind", ""))
        label = QUERY_LABELS[QueryKind(kind)] if kind in QueryKind.__members__.values() else ""
        return _("We need something from you (%(kind)s): %(question)s") % {
            "kind": label,
            "question": data.get("question", ""),
        }
    if event.kind == "uw_query_answered":
        return _("Your answer has reached us; the underwriting clock runs again.")
    if event.kind == "uw_decided":
        outcome = data.get("outcome")
        if outcome not in Outcome.__members__.values():
            return None
        return _("Underwriting decision: %(text)s") % {"text": data.get("text", "")}
    if event.kind == "uw_policy_issued":
        return _("Your policy %(policy)s starts on %(start)s.") % {
            "policy": data.get("policy", ""),
            "start": data.get("start", ""),
        }
    return None
