"""``GET /api/v1/search?q=…``: the staff search box for API clients."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from claimdesk.search import selectors
from claimdesk.search.rules import QueryInvalid, parse_query
from claimdesk.types import AuthedRequest

router = Router(tags=["search"])


class SearchProblem(Schema):
    detail: str


class HitOut(Schema):
    kind: str = Field(..., description="claim, ticket, policy, policy_service or underwriting")
    kind_label: str
    number: str
    title: str
    detail: str = Field(..., description="Names, plate, phone/ID masked for the caller's role")
    status: str
    is_open: bool
    link: str = Field(..., description="The page that opens it")


class SearchOut(Schema):
    query: str
    count: int
    results: list[HitOut]


@router.get(
    "/search",
    response={200: SearchOut, 400: SearchProblem, 403: SearchProblem},
    summary="Search claims, tickets and policies",
)
def search(request: AuthedRequest, q: str = ""):
    """A claim, ticket or policy number; a customer's name; a phone (whole or last 4); an
    ID number (last 4); a licence plate. Staff only; results are what the caller's role
    may see, open ones first, at most 50."""
    if not selectors.may_search(request.user):
        return Status(403, {"detail": _("Search is for staff.")})
    try:
        terms = parse_query(q=q)
    except QueryInvalid as exc:
        return Status(400, {"detail": exc.message})
    hits = selectors.search(user=request.user, terms=terms)
    return Status(
        200,
        {
            "query": terms.text,
            "count": len(hits),
            "results": [
                {
                    "kind": h.kind,
                    "kind_label": h.kind_label,
                    "number": h.number,
                    "title": h.title,
                    "detail": h.detail,
                    "status": h.status,
                    "is_open": h.is_open,
                    "link": h.link,
                }
                for h in hits
            ],
        },
    )
