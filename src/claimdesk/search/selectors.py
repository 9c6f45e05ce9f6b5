"""Staff search: one query across claims, tickets, policies and the other cases, each found
by its own app's selector and seen only as far as the user's role allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from claimdesk.cases.models import Case
from claimdesk.cases.selectors import cases_visible_to
from claimdesk.cases.workflow import workflow
from claimdesk.claims.models import Claim
from claimdesk.claims.selectors import claims_matching, contact_phone_for
from claimdesk.claims.workflow import KIND as CLAIM
from claimdesk.policies.models import Policy
from claimdesk.policies.rules import mask_id_number
from claimdesk.policies.selectors import phone_as_seen_by, policies_matching
from claimdesk.search.rules import Terms
from claimdesk.service.models import Ticket
from claimdesk.service.selectors import tickets_matching
from claimdesk.service.workflow import KIND as TICKET
from claimdesk.servicing.workflow import KIND as POLICY_SERVICE
from claimdesk.staff.services import is_staff_member
from claimdesk.underwriting.workflow import UNDERWRITING
from claimdesk.workdays.clocks import SHANGHAI

LIMIT = 50
POLICY = "policy"


@dataclass(frozen=True)
class Hit:
    """One search result: what it is, its number and title, where to open it, and a line
    of detail with personal data masked for the user's role."""

    kind: str
    kind_label: str
    number: str
    title: str
    detail: str
    status: str
    link: str
    is_open: bool
    at: datetime


def may_search(user) -> bool:
    """Search is a staff tool: customers follow their own cases from their pages."""
    return is_staff_member(user)


def search(*, user, terms: Terms, limit: int = LIMIT) -> list[Hit]:
    """Everything ``terms`` finds that ``user`` may see: an exact number first, then open
    before closed (a policy in force counts as open), then the most recent; at most
    ``limit``."""
    if not may_search(user):
        return []
    policies = policies_matching(
        user,
        number=terms.number,
        phone=terms.phone,
        last4=terms.last4,
        id_number=terms.id_number,
        plate=terms.plate,
        name=terms.name,
    )
    claims = claims_matching(
        user,
        number=terms.number,
        phone=terms.phone,
        last4=terms.last4,
        name=terms.name,
        policies=policies,
    )
    customers = policies.values("holder_id")
    tickets = tickets_matching(user, number=terms.number, claims=claims, customers=customers)
    others = Q(customer__in=customers)
    if terms.number:
        others |= Q(number__startswith=terms.number)
    other_cases = cases_visible_to(user).filter(others, kind__in=(POLICY_SERVICE, UNDERWRITING))
    open_first = ("-case__is_open", "-case__opened_at")
    hits = [
        *(
            _claim_hit(c, user)
            for c in claims.select_related("case", "policy").order_by(*open_first)[:limit]
        ),
        *(
            _ticket_hit(t)
            for t in tickets.select_related("case__customer").order_by(*open_first)[:limit]
        ),
        *(_case_hit(c) for c in other_cases.order_by("-is_open", "-opened_at")[:limit]),
        *(
            _policy_hit(p, user, terms)
            for p in policies.prefetch_related("insured").order_by("-start", "number")[:limit]
        ),
    ]
    hits.sort(key=lambda h: (h.number != terms.number, not h.is_open, -h.at.timestamp()))
    return hits[:limit]


def _join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def _claim_hit(claim: Claim, user) -> Hit:
    case = claim.case
    return Hit(
        kind=CLAIM,
        kind_label=str(workflow(CLAIM).label),
        number=case.number,
        title=case.title,
        detail=_join(
            claim.insured_name,
            claim.policy.number,
            claim.policy.vehicle_plate,
            contact_phone_for(claim, user),
        ),
        status=case.status_label(),
        link=reverse("web:claim_detail", args=[case.number]),
        is_open=case.is_open,
        at=case.opened_at,
    )


def _ticket_hit(ticket: Ticket) -> Hit:
    case = ticket.case
    customer = case.customer
    return Hit(
        kind=TICKET,
        kind_label=str(workflow(TICKET).label),
        number=case.number,
        title=ticket.subject or case.title,
        detail=_join(customer.get_full_name() or customer.username) if customer else "",
        status=case.status_label(),
        link=reverse("service:ticket", args=[case.number]),
        is_open=case.is_open,
        at=case.opened_at,
    )


def _case_hit(case: Case) -> Hit:
    return Hit(
        kind=case.kind,
        kind_label=case.kind_label(),
        number=case.number,
        title=case.title,
        detail="",
        status=case.status_label(),
        link=reverse("web:case_detail", args=[case.number]),
        is_open=case.is_open,
        at=case.opened_at,
    )


def _policy_hit(policy: Policy, user, terms: Terms) -> Hit:
    insured = list(policy.insured.all())
    parts = [policy.product.name, policy.vehicle_plate]
    for person in insured:
        parts.append(person.name)
        if person.phone:
            parts.append(phone_as_seen_by(user, person.phone))
        if person.id_number and (terms.id_number or terms.last4):
            parts.append(mask_id_number(person.id_number))  # nobody needs it whole here
    return Hit(
        kind=POLICY,
        kind_label=_("Policy"),
        number=policy.number,
        title=_("%(product)s, %(start)s to %(end)s")
        % {"product": policy.product.name, "start": policy.start, "end": policy.end},
        detail=_join(*parts[1:]),
        status=policy.get_status_display(),
        link=policy_link(policy.number),
        is_open=policy.status == Policy.Status.ACTIVE,
        at=datetime.combine(policy.start, time.min, tzinfo=SHANGHAI),
    )


def policy_link(number: str) -> str:
    """A policy has no page of its own: its search lists the policy, its claims and its
    holder's tickets."""
    return reverse("search:results") + "?" + urlencode({"q": number})
