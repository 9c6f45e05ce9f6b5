"""Server-rendered pages. Views read through selectors and write through services only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from claimdesk.cases import selectors, services
from claimdesk.notify.models import Notification
from claimdesk.staff.services import is_staff_member


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:my_work" if is_staff_member(request.user) else "web:my_cases")


def _work_context(request: HttpRequest) -> dict:
    now = timezone.now()
    items = selectors.my_work(request.user)
    rows = [
        {"item": i, "seconds_left": int(i.remaining(now).total_seconds()) if i.due_at else None}
        for i in items
    ]
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


def _case_or_404(request: HttpRequest, number: str):
    case = selectors.cases_visible_to(request.user).filter(number=number).first()
    if case is None:
        raise Http404
    return case


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    staff = is_staff_member(request.user)
    actions = [
        t
        for t in case.workflow.available(case.status)
        if staff and services.can_act(request.user, case, t.permission)
    ]
    return render(
        request,
        "web/case_detail.html",
        {
            "case": case,
            "clocks": selectors.case_clocks(case),
            "events": selectors.case_timeline(case, customer_view=not staff),
            "actions": actions,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def case_act(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    data = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "action")}
    try:
        services.case_transition(
            case=case,
            action=request.POST.get("action", ""),
            actor=request.user,
            now=timezone.now(),
            data=data,
        )
    except services.CaseError as exc:
        messages.error(request, exc.message)
    return redirect("web:case_detail", number=number)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.filter(recipient=request.user, channel="inapp")[:100]
    return render(request, "web/notifications.html", {"rows": rows})
