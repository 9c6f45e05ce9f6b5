"""``{% case_notices case %}``: the written notices of a case, for pages of apps that sit
below notices (a policy-service request, an underwriting application), which may show them
but not import this app. Who sees which letter follows who may see the case."""

from __future__ import annotations

from typing import Any

from django import template

from claimdesk.notices.selectors import notices_for, notices_of_policy

register = template.Library()


@register.inclusion_tag("notices/_list.html", takes_context=True)
def case_notices(context: dict[str, Any], case: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    notices = list(notices_for(case, user)) if user is not None and user.is_authenticated else []
    return {"notices": notices}


@register.inclusion_tag("notices/_list.html", takes_context=True)
def policy_notices(context: dict[str, Any], policy: Any) -> dict[str, Any]:
    """The letters of the requests about a policy (its 批单 first of all)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notices": []}
    return {"notices": list(notices_of_policy(policy, user)), "with_case": True}
