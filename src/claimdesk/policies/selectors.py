"""Reads of policies for the portal, the API and staff search."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from claimdesk.policies.models import InsuredPerson, Policy
from claimdesk.policies.rules import mask_phone
from claimdesk.staff.services import is_staff_member
from claimdesk.types import Actor

# Roles that call customers (intake, survey) see their phone numbers whole.
CALLS_CUSTOMERS = ("claims.handle_intake", "claims.handle_survey")


def policies_visible_to(user: Actor) -> QuerySet[Policy]:
    """Customers see the policies they hold; staff see all (for intake and servicing)."""
    if not user.is_authenticated:
        return Policy.objects.none()
    base = Policy.objects.select_related("product")
    return base if is_staff_member(user) else base.filter(holder=user)


def phone_as_seen_by(user, phone: str, *, own: bool = False) -> str:
    """``phone`` whole for ``own`` (the customer's own, or a case the user owns) and for
    the roles that call customers; masked (138****5678) for every other role. The one rule
    for showing a customer's phone number."""
    if own or any(user.has_perm(p) for p in CALLS_CUSTOMERS):
        return phone
    return mask_phone(phone)


def policies_matching(
    user,
    *,
    number: str = "",
    phone: str = "",
    last4: str = "",
    id_number: str = "",
    plate: str = "",
    name: str = "",
) -> QuerySet[Policy]:
    """Policies a staff search finds among those ``user`` may see: by number (prefix), by
    vehicle plate, or by an insured person's name, phone (whole or last four digits) or ID
    number (whole or last four). Each term is an index look-up of its own."""
    insured = Q()
    if phone:
        insured |= Q(phone_last4=phone[-4:], phone=phone)
    if last4:
        insured |= Q(phone_last4=last4) | Q(id_last4=last4.upper())
    if id_number:
        insured |= Q(id_last4=id_number[-4:].upper(), id_number__iexact=id_number)
    if name:
        insured |= Q(name=name)
    found = Q()
    if insured:
        found |= Q(pk__in=InsuredPerson.objects.filter(insured).values("policy_id"))
    if number:
        found |= Q(number__startswith=number)
    if plate:
        found |= Q(vehicle_plate=plate)
    if not found:
        return Policy.objects.none()
    return policies_visible_to(user).filter(found)
