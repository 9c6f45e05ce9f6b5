from django import template
from django.utils import timezone

from claimdesk.workdays.selectors import provisional_message, provisional_year_warnings

register = template.Library()


@register.simple_tag
def provisional_calendar_warnings() -> list[str]:
    """Warnings for admins while a near year still runs on the provisional calendar."""
    return [provisional_message(y) for y in provisional_year_warnings(timezone.now())]
