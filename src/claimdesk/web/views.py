"""Server-rendered pages. Views read through selectors and write through services only."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from claimdesk.cases import selectors, services
from claimdesk.cases.models import Case, CaseEvent, Deadline, DeadlineState, SlaRule
from claimdesk.cases.rules import Transition
from claimdesk.notify.models import Notification
from claimdesk.staff.services import is_staff_member

# Rows of "my work" due within this many seconds are marked as coming soon.
SOON_SECONDS = 4 * 3600

# What the fields an action requires are called on its form.
FIELD_LABELS = {
    "items": gettext_lazy("Materials to supplement"),
    "reason": gettext_lazy("Reason"),
    "message": gettext_lazy("Message to the customer"),
    "resolution": gettext_lazy("Resolution"),
}

EVENT_LABELS = {
    "opened": gettext_lazy("Case opened"),
    "deadline_started": gettext_lazy("Clock started"),
    "deadline_paused": gettext_lazy("Clock paused"),
    "deadline_resumed": gettext_lazy("Clock resumed"),
    "deadline_stopped": gettext_lazy("Clock stopped"),
    "reminder": gettext_lazy("Reminder"),
    "overdue": gettext_lazy("Overdue warning"),
    "escalation": gettext_lazy("Escalated"),
    "task_assigned": gettext_lazy("Task assigned"),
    "task_done": gettext_lazy("Task done"),
    "task_cancelled": gettext_lazy("Task cancelled"),
    "owner_changed": gettext_lazy("Owner changed"),
}


def countdown_text(seconds: int) -> str:
    """``2天 03:04:05`` / ``已超时 00:12:00``; the page's script keeps the same format live."""
    left = abs(int(seconds))
    days, rest = divmod(left, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    if days:
        text = f"{days}{pgettext('days in a countdown', 'd')} {text}"
    return f"{_('overdue')} {text}" if seconds < 0 else text


def _duration_text(span: timedelta) -> str:
    return countdown_text(max(0, int(span.total_seconds())))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:my_work" if is_staff_member(request.user) else "web:my_cases")


def _work_context(request: HttpRequest) -> dict:
    now = timezone.now()
    rows = []
    for item in selectors.my_work(request.user):
        seconds = None if item.due_at is None else int(item.remaining(now).total_seconds())
        if seconds is None:
            urgency = "none"
        elif seconds < 0:
            urgency = "overdue"
        elif seconds < SOON_SECONDS:
            urgency = "soon"
        else:
            urgency = "later"
        rows.append(
            {
                "item": item,
                "seconds_left": seconds,
                "countdown": None if seconds is None else countdown_text(seconds),
                "urgency": urgency,
            }
        )
    return {"rows": rows, "now": now}


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """Staff: my open cases and tasks, the nearest due clock first, with a countdown."""
    if not is_staff_member(request.user):
        return redirect("web:my_cases")
    return render(request, "web/my_work.html", _work_context(request))


@login_required
def my_work_rows(request: HttpRequest) -> HttpResponse:
    """The same rows alone, for the page's periodic refresh."""
    if not is_staff_member(request.user):
        raise Http404
    return render(request, "web/_work_rows.html", _work_context(request))


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    cases = selectors.cases_visible_to(request.user).select_related("owner")
    return render(request, "web/my_cases.html", {"cases": cases.order_by("-opened_at")[:100]})


def _case_or_404(request: HttpRequest, number: str) -> Case:
    case = selectors.cases_visible_to(request.user).filter(number=number).first()
    if case is None:
        raise Http404
    return case


def guard_fields(t: Transition) -> tuple[str, ...]:
    """The data fields an action's guard insists on, so its form can ask for them.

    ``rules.requires`` builds the guard as a closure over the field names; an explicit
    ``fields`` attribute, when the kernel provides one, wins.
    """
    if t.guard is None:
        return ()
    fields = getattr(t.guard, "fields", None)
    if fields is None:
        cells = [c.cell_contents for c in (t.guard.__closure__ or ())]
        fields = next((c for c in cells if isinstance(c, tuple)), ("reason",))
    return tuple(fields)


def _clock_rows(clocks: list[Deadline], now: datetime) -> list[dict]:
    rows = []
    for d in clocks:
        row: dict = {"clock": d, "seconds_left": None, "remaining": ""}
        if d.state == DeadlineState.RUNNING:
            row["seconds_left"] = int((d.due_at - now).total_seconds())
            row["remaining"] = countdown_text(row["seconds_left"])
        elif d.state == DeadlineState.PAUSED:
            row["remaining"] = _("%(left)s left when resumed") % {
                "left": _duration_text(d.budget - d.consumed)
            }
        elif d.stopped_at is not None and d.state == DeadlineState.BREACHED:
            row["remaining"] = _("%(late)s late") % {
                "late": _duration_text(
                    d.stopped_at - d.due_at if d.stopped_at > d.due_at else d.consumed - d.budget
                )
            }
        rows.append(row)
    return rows


def _event_rows(case: Case, events: list[CaseEvent]) -> list[dict]:
    labels = {t.action: t.label for t in case.workflow.transitions}
    states = case.workflow.states
    rule_names = dict(SlaRule.objects.values_list("code", "name"))
    rows = []
    for e in events:
        data = e.data or {}
        if e.kind == "transition":
            what = labels.get(e.action, e.action)
        else:
            what = EVENT_LABELS.get(e.kind, e.kind)
        detail = []
        if rule := data.get("rule"):
            detail.append(rule_names.get(rule, rule))
        if e.kind == "deadline_stopped" and data.get("outcome"):
            detail.append(str(DeadlineState(data["outcome"]).label))
        if e.kind == "task_assigned" and data.get("assignee"):
            detail.append("→ " + data["assignee"])
        if e.kind in ("reminder", "overdue", "escalation") and data.get("to"):
            detail.append("→ " + data["to"])
        for key in ("items", "reason", "message", "resolution", "result"):
            if data.get(key):
                detail.append(str(data[key]))
        rows.append(
            {
                "event": e,
                "what": what,
                "to_status": states.get(e.to_status, e.to_status) if e.to_status else "",
                "detail": " · ".join(str(d) for d in detail),
            }
        )
    return rows


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    staff = is_staff_member(request.user)
    now = timezone.now()
    actions = [
        {
            "transition": t,
            "fields": [(f, FIELD_LABELS.get(f, f)) for f in guard_fields(t)],
        }
        for t in case.workflow.available(case.status)
        if staff and services.can_act(request.user, case, t.permission)
    ]
    events = list(selectors.case_timeline(case, customer_view=not staff))
    return render(
        request,
        "web/case_detail.html",
        {
            "case": case,
            # Customers see the case's commitments, not the internal ones of staff tasks.
            "clocks": _clock_rows(
                [d for d in selectors.case_clocks(case) if staff or d.task_id is None], now
            ),
            "events": _event_rows(case, events),
            "actions": actions,
            "staff": staff,
            "now": now,
        },
    )


@login_required
@require_POST
def case_act(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    action = request.POST.get("action", "")
    data = {
        k: v.strip()
        for k, v in request.POST.items()
        if k not in ("csrfmiddlewaretoken", "action") and v.strip()
    }
    try:
        case = services.case_transition(
            case=case, action=action, actor=request.user, now=timezone.now(), data=data
        )
    except services.CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Done: %(status)s") % {"status": case.status_label()},
        )
    return redirect("web:case_detail", number=number)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.filter(recipient=request.user, channel="inapp").select_related(
        "case"
    )[:100]
    return render(request, "web/notifications.html", {"rows": rows})
