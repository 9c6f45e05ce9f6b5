"""Reads of policies for the portal and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from claimdesk.policies.models import Policy
from claimdesk.staff.services import is_staff_member
from claimdesk.types import Actor


def policies_visible_to(user: Actor) -> QuerySet[Policy]:
    """Customers see the policies they hold; staff see all (for intake and servicing)."""
    if not user.is_authenticated:
        return Policy.objects.none()
    base = Policy.objects.select_related("product")
    return base if is_staff_member(user) else base.filter(holder=user)
