from django import template
from django.utils import timezone

from claimdesk.workdays.selectors import provisional_message, provisional_year_warnings

register = template.Library()


@register.simple_tag(takes_context=True)
def provisional_calendar_warnings(context) -> list[str]:
    """Warnings for admins while a near year still runs on the provisional calendar.

    Staff only: admin/base_site.html also renders the login page, where an anonymous
    visitor has no use for (and no business reading) the state of the calendar.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.is_active and user.is_staff):
        return []
    return [provisional_message(y) for y in provisional_year_warnings(timezone.now())]
