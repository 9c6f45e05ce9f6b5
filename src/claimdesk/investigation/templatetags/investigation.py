"""The link from a surveyor's task to their field report, for the case and claim pages."""

from __future__ import annotations

from django import template

from claimdesk.investigation.models import Survey
from claimdesk.investigation.selectors import open_survey_for

register = template.Library()


@register.simple_tag(takes_context=True)
def open_survey(context: template.Context, case) -> Survey | None:
    """The survey on ``case`` the signed-in user is to report now, if any
    (``{% open_survey case as field_survey %}``)."""
    user = context.get("user")
    if user is None or case is None:
        return None
    return open_survey_for(user, case.pk)
