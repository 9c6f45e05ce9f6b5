from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from claimdesk.staff.services import token_issue, user_roles

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
        return 401, {"detail": "invalid username or password"}
    return 200, {"token": issued}


@router.get("/me", response=MeOut)
def me(request: HttpRequest):
    user = request.user
    return {
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "roles": sorted(user_roles(user)),
    }
