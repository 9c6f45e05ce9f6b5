"""What every customer page knows about its visitor: whether they read it in elderly-friendly
mode (适老化), and which case the page shows (the "转人工" button sends it along)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claimdesk.cases.services import CaseError
from claimdesk.service.selectors import elderly_mode_of
from claimdesk.service.services import elderly_mode_set
from claimdesk.staff.services import is_staff_member

# An anonymous visitor's choice (the login page, the assistant) is kept in this cookie.
ELDERLY_COOKIE = "claimdesk_elderly"
COOKIE_SECONDS = 365 * 24 * 3600


def elderly_mode(request: HttpRequest) -> bool:
    """A customer's saved choice; an anonymous visitor's cookie; never for staff."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return not is_staff_member(user) and elderly_mode_of(user)
    return request.COOKIES.get(ELDERLY_COOKIE) == "1"


def portal(request: HttpRequest) -> dict[str, object]:
    """Template context: ``customer_page`` (a customer's or a visitor's page, which offers
    the switch, read-aloud and "转人工"), ``elderly_mode`` and ``page_case`` (the number in
    the address, if any)."""
    user = getattr(request, "user", None)
    if user is None:
        return {"customer_page": False, "elderly_mode": False, "page_case": ""}
    customer_page = not is_staff_member(user)
    match = getattr(request, "resolver_match", None)
    number = match.kwargs.get("number", "") if match is not None else ""
    return {
        "customer_page": customer_page,
        "elderly_mode": customer_page and elderly_mode(request),
        "page_case": str(number)[:40],
    }


def _back(request: HttpRequest) -> str:
    """Where the switch sends the visitor back to: the page it was pressed on, if ours."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:home")


@require_POST
def elderly_mode_switch(request: HttpRequest) -> HttpResponse:
    """Turn elderly-friendly mode on or off: saved on a customer's account, and in a cookie
    (so the login page keeps it too)."""
    on = request.POST.get("elderly") == "on"
    if request.user.is_authenticated:
        try:
            elderly_mode_set(user=request.user, on=on, now=timezone.now())
        except CaseError as exc:
            messages.error(request, exc.message)
            return redirect(_back(request))
    messages.success(
        request,
        _("Large type is on.") if on else _("Large type is off."),
    )
    response = redirect(_back(request))
    response.set_cookie(
        ELDERLY_COOKIE,
        "1" if on else "0",
        max_age=COOKIE_SECONDS,
        samesite="Lax",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
