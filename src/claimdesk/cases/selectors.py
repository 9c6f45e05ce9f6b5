"""Reads of the case kernel for pages and the API, with their queries kept index-shaped."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from claimdesk.cases import worklist
from claimdesk.cases.models import LIVE_STATES, Case, CaseEvent, Deadline, Task
from claimdesk.cases.worklist import WorkRow
from claimdesk.staff.services import is_staff_member


def cases_visible_to(user) -> QuerySet[Case]:
    """A customer sees their own cases; staff the cases they own or work on; oversight all."""
    if not user.is_authenticated:
        return Case.objects.none()
    if user.has_perm("cases.view_all_cases"):
        return Case.objects.all()
    if not is_staff_member(user):
        return Case.objects.filter(customer=user)
    return Case.objects.filter(
        Q(owner=user) | Q(pk__in=Task.objects.filter(assignee=user).values("case_id"))
    )


def case_timeline(case: Case, *, customer_view: bool = False) -> QuerySet[CaseEvent]:
    events = case.events.select_related("actor")
    return events.filter(customer_visible=True) if customer_view else events


def case_clocks(case: Case) -> list[Deadline]:
    """Every clock of the case, live ones first, each visible on its own."""
    clocks = list(case.deadlines.select_related("rule", "assignee", "task"))
    return sorted(clocks, key=lambda d: (d.state not in LIVE_STATES, d.due_at))


def my_work(user, *, limit: int = 50) -> list[WorkRow]:
    """My open work, nearest due first: see ``cases.worklist``."""
    return worklist.my_work(user, limit=limit)
