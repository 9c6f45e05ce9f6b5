"""The staff search page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from claimdesk.search import selectors
from claimdesk.search.rules import QueryInvalid, parse_query
from claimdesk.types import AuthedRequest


@login_required
def results(request: AuthedRequest) -> HttpResponse:
    """Results of the search box; a query it cannot answer says what to type (400)."""
    if not selectors.may_search(request.user):
        raise PermissionDenied(_("Search is for staff."))
    q = request.GET.get("q", "")
    context: dict = {"q": q, "hits": None, "error": ""}
    status = 200
    if q.strip():
        try:
            terms = parse_query(q=q)
        except QueryInvalid as exc:
            context["error"], status = exc.message, 400
        else:
            context["hits"] = selectors.search(user=request.user, terms=terms)
            context["limit"] = selectors.LIMIT
    return render(request, "search/results.html", context, status=status)
