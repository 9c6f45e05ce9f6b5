"""Login lockout: what a person is told when too many wrong passwords locked their login.

The counting and the refusal are django-axes' (settings: "Logins"); here is the one answer
both logins give, with ``Retry-After``: the API's token login a JSON 429, the login page
itself again with the reason as its form error (also 429).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class LoginLocked(Exception):
    """Raised by a login that axes refused because of a lockout."""

    def __init__(self) -> None:
        super().__init__(locked_message())
        self.retry_after = retry_after_seconds()


def retry_after_seconds() -> int:
    """How long to wait before trying again. Every attempt while locked starts the wait
    again (axes' AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so it is the whole cool-off."""
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def locked_message() -> str:
    minutes = math.ceil(retry_after_seconds() / 60)
    return _(
        "Too many failed logins: this login is locked. Try again in %(minutes)d minutes "
        "without trying in between, or ask an administrator to unlock it."
    ) % {"minutes": minutes}


def locked_out(request: HttpRequest) -> bool:
    """Whether axes refused this request's login because of a lockout."""
    return bool(getattr(request, "axes_locked_out", False))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """axes' AXES_LOCKOUT_CALLABLE: the answer to a login refused for a lockout."""
    if request.path.startswith("/api/"):
        if original_response is not None and original_response.status_code == 429:
            return original_response  # the API already answered (a declared 429)
        response: HttpResponse = JsonResponse({"detail": locked_message()}, status=429)
    else:
        form = AuthenticationForm(request, data=None)
        response = render(
            request,
            "web/login.html",
            {"form": form, "locked_message": locked_message(), "next": _next(request)},
            status=429,
        )
    response["Retry-After"] = str(retry_after_seconds())
    return response


def _next(request: HttpRequest) -> str:
    return request.POST.get("next", "") if request.method == "POST" else ""


def login_succeeded(request: HttpRequest, username: str) -> None:
    """A login that signs no session in (the API's token login) succeeded: forget this
    username and address's earlier failures, as axes does for the login page."""
    from axes.handlers.proxy import AxesProxyHandler
    from axes.helpers import get_credentials

    reset = getattr(AxesProxyHandler.get_implementation(), "reset_user_attempts", None)
    if settings.AXES_RESET_ON_SUCCESS and reset is not None:
        reset(request, get_credentials(username))


def login_unlock(username: str) -> int:
    """Lift every lockout and forget the failed logins of ``username`` (from any address);
    the number of records removed (0: nothing was counted against it)."""
    from axes.utils import reset

    return int(reset(username=username))


def username_known(username: str) -> bool:
    return get_user_model().objects.filter(username=username).exists()
