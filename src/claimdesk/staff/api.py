from datetime import datetime

from django.contrib.auth import logout as session_logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status

from claimdesk.staff.lockout import LoginLocked
from claimdesk.staff.models import ApiToken, RoleGrant, TokenRevoked
from claimdesk.staff.services import (
    token_issue,
    tokens_revoke,
    user_roles,
    user_tokens_revoke,
)
from claimdesk.types import AuthedRequest

router = Router(tags=["auth"])


class Credentials(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class Problem(Schema):
    detail: str


class MeOut(Schema):
    username: str
    name: str
    roles: list[str]


class RevokedOut(Schema):
    revoked: int


@router.post("/token", auth=None, response={200: TokenOut, 401: Problem, 429: Problem})
def token(request: HttpRequest, response: HttpResponse, payload: Credentials):
    """Exchange a username and password for a bearer token (valid 30 days unless the
    operator set CLAIMDESK_TOKEN_LIFETIME_HOURS).

    Wrong passwords count towards a lockout shared with the login page: after 20 (by
    default) from one address the login is locked, even for the right password, and the
    answer is 429 with `Retry-After` (seconds).
    """
    try:
        issued = token_issue(
            request=request,
            username=payload.username,
            password=payload.password,
            now=timezone.now(),
        )
    except LoginLocked as locked:
        response["Retry-After"] = str(locked.retry_after)
        return Status(429, {"detail": str(locked)})
    if issued is None:
        return Status(401, {"detail": "invalid username or password"})
    return Status(200, {"token": issued})


def _bearer_token_id(request: HttpRequest) -> int | None:
    return getattr(request, "api_token_id", None)


@router.post("/revoke", response={200: RevokedOut, 400: Problem})
def revoke(request: AuthedRequest):
    """Revoke the bearer token this request is made with; it is refused (401) from now on.

    A browser session has no token to revoke here (400): use `POST /api/v1/auth/logout`.
    """
    token_id = _bearer_token_id(request)
    if token_id is None:
        return Status(400, {"detail": "this request carries no bearer token to revoke"})
    count = tokens_revoke(
        ApiToken.objects.filter(pk=token_id),
        reason=TokenRevoked.BY_HOLDER,
        now=timezone.now(),
    )
    return Status(200, {"revoked": count})


@router.post("/logout", response={200: RevokedOut})
def logout(request: AuthedRequest):
    """Log out everywhere: revoke every bearer token of the caller and end this browser
    session if there is one."""
    count = user_tokens_revoke(request.user.pk, reason=TokenRevoked.LOGOUT, now=timezone.now())
    if _bearer_token_id(request) is None:
        session_logout(request)
    return Status(200, {"revoked": count})


# "Who am I" is about the caller, not about authenticating: it lives at /api/v1/me. The old
# address under /auth stays as a hidden alias for clients that already use it.
me_router = Router(tags=["auth"])


@me_router.get("/me", response=MeOut)
def me(request: AuthedRequest):
    """The authenticated caller: username, display name and roles."""
    user = request.user
    return {
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "roles": sorted(user_roles(user)),
    }


@router.get("/me", response=MeOut, include_in_schema=False)
def me_alias(request: AuthedRequest):
    return me(request)


class RoleGrantOut(Schema):
    at: datetime
    user: str
    role: str
    granted: bool
    business: bool
    by: str | None


@me_router.get(
    "/staff/role-grants",
    response={200: list[RoleGrantOut], 403: Problem},
    tags=["staff"],
)
def role_grants(request: AuthedRequest, user: str | None = None, business: bool | None = None):
    """Who was given or lost which role, by whom and when, newest first (managers and
    admins audit it; ``business``: only the roles that decide, approve, pay or release)."""
    if not request.user.has_perm("staff.view_rolegrant"):
        return Status(403, {"detail": "only managers and administrators see role grants"})
    rows = RoleGrant.objects.all()
    if user:
        rows = rows.filter(username=user)
    if business is not None:
        rows = rows.filter(business=business)
    return Status(
        200,
        [
            {
                "at": r.at,
                "user": r.username,
                "role": r.role,
                "granted": r.granted,
                "business": r.business,
                "by": r.by_username or None,
            }
            for r in rows[:500]
        ],
    )
