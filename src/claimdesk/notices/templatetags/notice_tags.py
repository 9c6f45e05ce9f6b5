"""``{% case_notices case %}``: the written notices of a case, for pages of apps that sit
below notices (a policy-service request, an underwriting application), which may show them
but not import this app. Who sees which letter follows who may see the case."""

from __future__ import annotations

from typing import Any

from django import template

from claimdesk.notices.selectors import notices_for

register = template.Library()


@register.inclusion_tag("notices/_list.html", takes_context=True)
def case_notices(context: dict[str, Any], case: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    notices = list(notices_for(case, user)) if user is not None and user.is_authenticated else []
    return {"notices": notices}
