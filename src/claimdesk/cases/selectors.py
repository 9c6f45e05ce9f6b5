"""Reads of the case kernel for pages and the API, with their queries kept index-shaped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from claimdesk.cases.models import LIVE_STATES, Case, CaseEvent, Deadline, Task, TaskStatus
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


@dataclass(frozen=True)
class WorkItem:
    """One line of "my work": a case I own or a task I hold, with its nearest clock."""

    case: Case
    task: Task | None
    due_at: datetime | None

    def remaining(self, now: datetime) -> timedelta | None:
        return None if self.due_at is None else self.due_at - now

    @property
    def key(self) -> str:
        return f"task-{self.task.pk}" if self.task else f"case-{self.case.pk}"


def my_work(user, *, limit: int = 50) -> list[WorkItem]:
    """My open cases and tasks, nearest due first, clock-less ones last.

    Each part is a range scan of a partial index ((owner, next_due_at) on open cases,
    (assignee, due_at) on open tasks) cut at ``limit``, then merged.
    """
    cases = Case.objects.filter(owner=user, is_open=True)
    dated = list(cases.filter(next_due_at__isnull=False).order_by("next_due_at")[:limit])
    if len(dated) < limit:
        dated += list(
            cases.filter(next_due_at__isnull=True).order_by("-opened_at")[: limit - len(dated)]
        )
    tasks = Task.objects.filter(assignee=user, status=TaskStatus.OPEN).select_related(
        "case", "assignee", "returns_to"
    )
    held = list(tasks.filter(due_at__isnull=False).order_by("due_at")[:limit])
    if len(held) < limit:
        held += list(tasks.filter(due_at__isnull=True).order_by("-created_at")[: limit - len(held)])
    items = [WorkItem(c, None, c.next_due_at) for c in dated]
    items += [WorkItem(t.case, t, t.due_at) for t in held]
    items.sort(key=lambda i: (i.due_at is None, i.due_at.timestamp() if i.due_at else 0.0))
    return items[:limit]
