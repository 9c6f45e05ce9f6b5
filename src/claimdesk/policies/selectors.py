"""Reads of policies for the portal, the API and staff search, and the one reader of a
policy as it stood on a date (``policy_as_of``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet

from claimdesk.cache import ReferenceCache
from claimdesk.cases.timeline import action_memo
from claimdesk.policies.models import (
    BankAccount,
    Clause,
    Coverage,
    Endorsement,
    InsuredPerson,
    Policy,
)
from claimdesk.policies.rules import (
    BankDetails,
    BeneficiaryShare,
    PolicyAsOf,
    in_effect,
    mask_phone,
    terms_from_json,
)
from claimdesk.staff.services import is_staff_member
from claimdesk.types import Actor

# Roles that call customers (intake, survey) see their phone numbers whole.
CALLS_CUSTOMERS = ("claims.handle_intake", "claims.handle_survey")


@dataclass(frozen=True)
class Catalogue:
    """A product's clauses (by article) and coverages (by code, each with its clause): the
    wording every calculation, decision and letter cites. Shared, so read-only."""

    clauses: tuple[Clause, ...] = ()
    coverages: tuple[Coverage, ...] = ()  # in the order they were added
    _by_code: dict[str, Coverage] = field(default_factory=dict, compare=False)

    def coverage(self, code: str) -> Coverage | None:
        return self._by_code.get(code)

    def coverage_codes(self) -> tuple[str, ...]:
        return tuple(sorted(c.code for c in self.coverages))


def _load_catalogues() -> dict[int, Catalogue]:
    clauses: dict[int, list[Clause]] = {}
    for clause in Clause.objects.order_by("product_id", "article", "pk"):
        clauses.setdefault(clause.product_id, []).append(clause)
    coverages: dict[int, list[Coverage]] = {}
    for coverage in Coverage.objects.select_related("clause").order_by("product_id", "pk"):
        coverages.setdefault(coverage.product_id, []).append(coverage)
    return {
        pk: Catalogue(
            clauses=tuple(clauses.get(pk, ())),
            coverages=tuple(coverages.get(pk, ())),
            _by_code={c.code: c for c in coverages.get(pk, ())},
        )
        for pk in clauses.keys() | coverages.keys()
    }


# The product catalogue is admin reference data that nearly every claim step reads.
_catalogues = ReferenceCache(_load_catalogues, Clause, Coverage)


def product_catalogue(product_id: int) -> Catalogue:
    """The clauses and coverages of a product as the admin left them (cached, see
    ``ReferenceCache``: an edit in another process is seen within a minute)."""
    return _catalogues.get().get(product_id) or Catalogue()


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


# --- the policy on a date ------------------------------------------------------------------


def issued_terms(policy: Policy) -> PolicyAsOf:
    """Version 1 read from the policy's rows: the policy as issued, for a policy that no
    endorsement has changed yet (``endorsement_issue`` stores it before the first change)."""
    account = (
        BankAccount.objects.filter(owner_id=policy.holder_id).order_by("-is_default", "id").first()
    )
    return PolicyAsOf(
        version=1,
        endorsement=f"{policy.number}-001",
        effective_on=policy.start,
        start=policy.start,
        end=policy.end,
        status=policy.status,
        sum_insured=policy.sum_insured,
        premium=policy.premium,
        coverages=product_catalogue(policy.product_id).coverage_codes(),
        beneficiaries=tuple(
            BeneficiaryShare(b.name, b.share_percent, b.relation_to_insured, b.id_number)
            for b in policy.beneficiaries.order_by("id")
        ),
        contact_phone=policy.contact_phone,
        contact_address=policy.contact_address or policy.insured_address,
        bank=None
        if account is None
        else BankDetails(account.bank_name, account.account_name, account.account_number),
        loan_balance=policy.loan_balance,
    )


def _as_of(row: Endorsement) -> PolicyAsOf:
    return terms_from_json(
        row.terms, version=row.version, endorsement=row.number, effective_on=row.effective_on
    )


def policy_history(policy: Policy) -> list[PolicyAsOf]:
    """Every version of the policy, in issue order (version 1 first).

    Read once per business action: a decision's calculation, its letter and its payment all
    read the policy as it stood at the loss date. An endorsement issued in the action makes
    the next read fetch it again (``policy_history_forget``)."""
    memo = action_memo()
    key = ("policy_history", policy.pk)
    if memo is not None and key in memo:
        return list(memo[key])
    rows = list(Endorsement.objects.filter(policy=policy).order_by("version"))
    versions = [_as_of(r) for r in rows] if rows else [issued_terms(policy)]
    if memo is not None:
        memo[key] = tuple(versions)
    return versions


def policy_history_forget(policy: Policy) -> None:
    """The policy's versions change in this action: read them again next time."""
    memo = action_memo()
    if memo is not None:
        memo.pop(("policy_history", policy.pk), None)


def policy_as_of(policy: Policy, day: date) -> PolicyAsOf:
    """The policy as it stood on ``day``: the latest version in effect that day. Before the
    policy started, version 1 (whose dates then show the day was outside its term). The one
    reader of sum insured, status, beneficiaries, coverages and contact data by date."""
    versions = policy_history(policy)
    found = in_effect([v.effective_on for v in versions], day)
    return versions[found if found is not None else 0]


def cover_on(policy: Policy, day: date) -> tuple[date, date, str]:
    """Start, end and status of ``policy`` as they stood on ``day``, in one query: what
    intake needs to flag a loss outside cover (a lapse or a surrender dates from a day).
    The same answer as ``policy_as_of`` gives for those three."""
    row = (
        Endorsement.objects.filter(policy=policy, effective_on__lte=day)
        .order_by("-version")
        .values_list("terms", flat=True)
        .first()
    )
    if row is None:
        first = (
            Endorsement.objects.filter(policy=policy, version=1)
            .values_list("terms", flat=True)
            .first()
        )
        row = first
    if row is None:
        return policy.start, policy.end, policy.status
    return date.fromisoformat(row["start"]), date.fromisoformat(row["end"]), str(row["status"])
