from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from claimdesk.staff.models import RoleGrant
from claimdesk.staff.services import token_issue, user_roles
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


@router.post("/token", auth=None, response={200: TokenOut, 401: Problem})
def token(request: HttpRequest, payload: Credentials):
    """Exchange a username and password for a bearer token (valid 30 days)."""
    issued = token_issue(username=payload.username, password=payload.password, now=timezone.now())
    if issued is None:
        return Status(401, {"detail": "invalid username or password"})
    return Status(200, {"token": issued})


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
