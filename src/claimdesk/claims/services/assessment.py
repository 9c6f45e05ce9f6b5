"""Loss assessment for adjudication: the loss items and the clause-cited calculation.

Nobody types an amount: adjusters and surveyors change loss items or apply an exclusion with a
reason, and the calculator (``rules.adjudicate``) derives the amount from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from claimdesk.cases.models import Case
from claimdesk.cases.services import (
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    can_act,
    case_lock,
)
from claimdesk.cases.timeline import case_action, timeline_record
from claimdesk.claims.models import Claim, LossItem, Period
from claimdesk.claims.rules import (
    Calculation,
    ClauseRef,
    CoverageTerms,
    LossLine,
    PolicyTerms,
    adjudicate,
)
from claimdesk.claims.services.accumulators import (
    SUM_INSURED,
    Used,
    accumulator_keys,
    coverage_bases,
    used_by_others,
)
from claimdesk.claims.workflow import ClaimState
from claimdesk.policies.models import Clause, Coverage, Policy
from claimdesk.policies.selectors import policy_as_of, product_catalogue
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local

DECIDING = frozenset(
    {
        ClaimState.REVIEWING,
        ClaimState.AWAITING_MATERIALS,
        ClaimState.INVESTIGATING,
        ClaimState.ADJUDICATING,
    }
)
ASSESSORS = ("claims.decide_claim", "claims.handle_survey")


def _clause_ref(clause: Clause | None) -> ClauseRef | None:
    if clause is None:
        return None
    return ClauseRef(article=clause.article, title=clause.title, text=clause.text)


def _general_clause(clauses: list[Clause], word: str) -> Clause | None:
    """The first general clause (by article) whose title names ``word``."""
    return next(
        (c for c in clauses if c.kind == Clause.Kind.GENERAL and word in c.title),
        None,
    )


@dataclass(frozen=True)
class ClaimTerms:
    """What the calculator decides a claim against: the policy as it stood at the loss
    date, each coverage with what the policy year has used, and the loss day."""

    policy: PolicyTerms
    coverages: dict[str, CoverageTerms]
    loss_day: date


def claim_calculation(claim: Claim, items: list[LossLine] | None = None) -> Calculation:
    """The calculator's answer for the claim's accepted loss items, against its contract as
    it stood at the loss date (``policy_as_of``: sum insured, status, coverages,
    beneficiaries) and what other claims have used of the insured's policy year (the
    accumulators); the answer names the version it used. ``items`` instead of the claim's
    loss items: what a reviewer finds the invoices support (an automatic decision reopened).
    An unsaved claim (policy, insured, loss time) is a quote: an eligibility check."""
    terms = claim_terms(claim)
    items = (
        items
        if items is not None
        else [
            LossLine(
                coverage=i.coverage,
                label=i.label,
                amount=i.amount,
                liability=i.liability,
                illness=i.illness,
                days=i.days,
                exclusion=_clause_ref(i.exclusion),
                exclusion_reason=i.exclusion_reason,
            )
            for i in claim.loss_items.select_related("exclusion")
        ]
    )
    return adjudicate(
        policy=terms.policy, coverages=terms.coverages, loss_day=terms.loss_day, items=items
    )


def claim_terms(claim: Claim) -> ClaimTerms:
    """The policy and coverage terms of ``claim`` with the policy year's accumulators."""
    policy = claim.policy
    loss_day = to_local(claim.loss_time).date()
    as_of = policy_as_of(policy, loss_day)
    bases = coverage_bases(policy.product.code)
    keys = accumulator_keys(claim, as_of.coverages)
    used = used_by_others(claim, keys)
    catalogue = product_catalogue(policy.product_id)
    product_clauses = list(catalogue.clauses)
    clauses = {c.article: _clause_ref(c) for c in product_clauses}

    def terms_of(c: Coverage) -> CoverageTerms:
        basis = bases.get(c.code)
        annual_deductible = basis is not None and basis.deductible_period == Period.POLICY_YEAR
        annual_limit = basis is None or basis.limit_period == Period.POLICY_YEAR
        so_far = used.get(c.code, Used())
        return CoverageTerms(
            code=c.code,
            name=c.name,
            limit=c.limit,
            deductible=c.deductible,
            ratio=c.reimbursement_ratio,
            waiting_days=c.waiting_days,
            clause=_clause_ref(c.clause),
            used=so_far.limit if annual_limit else Decimal(0),
            deductible_used=so_far.deductible if annual_deductible else Decimal(0),
            annual_deductible=annual_deductible,
            annual_limit=annual_limit,
            event_limit=basis.event_limit if basis is not None else None,
            day_limit=basis.day_limit if basis is not None else None,
            deductible_clause=clauses.get(basis.deductible_article) if basis else None,
            ratio_clause=clauses.get(basis.ratio_article) if basis else None,
            limit_clause=clauses.get(basis.limit_article) if basis else None,
        )

    in_force = set(as_of.coverages)
    coverages = {c.code: terms_of(c) for c in catalogue.coverages if c.code in in_force}
    paid = used.get(SUM_INSURED, Used()).limit
    terms = PolicyTerms(
        start=as_of.start,
        end=as_of.end,
        in_force=as_of.status == Policy.Status.ACTIVE,
        sum_insured=as_of.sum_insured,
        paid=paid,
        term_clause=_clause_ref(_general_clause(product_clauses, "保险期间")),
        waiting_clause=_clause_ref(_general_clause(product_clauses, "等待期")),
        version=as_of.version,
        endorsement=as_of.endorsement,
        effective_on=as_of.effective_on,
        beneficiaries=tuple((b.name, b.share) for b in as_of.beneficiaries),
    )
    return ClaimTerms(policy=terms, coverages=coverages, loss_day=loss_day)


def _assessing(claim: Claim, actor: Actor) -> Case:
    """Lock the claim's case for a change to its loss items; refuse when not allowed."""
    case = case_lock(claim.pk)
    if not any(can_act(actor, case, p) for p in ASSESSORS):
        raise NotAllowed(
            _("You may not assess the loss of claim %(number)s.") % {"number": case.number}
        )
    if case.status not in DECIDING:
        raise IllegalTransition(
            _("Claim %(number)s is %(status)s: its loss can no longer change.")
            % {"number": case.number, "status": case.status_label()}
        )
    return case


def _money(raw: Any, field_name: str, *, low: Decimal, high: Decimal | None = None) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise GuardFailed(_("%(field)s must be a number.") % {"field": field_name}) from None
    if not value.is_finite() or value < low or (high is not None and value > high):
        raise GuardFailed(_("%(field)s is out of range.") % {"field": field_name})
    return value


def loss_item_add(
    *,
    claim: Claim,
    actor: Actor,
    now: datetime,
    coverage: str,
    label: str,
    amount: Any,
    liability: Any = 1,
    illness: bool = False,
    days: int | None = None,
) -> LossItem:
    """Record an accepted loss item under one of the product's coverages."""
    with case_action():
        case = _assessing(claim, actor)
        if product_catalogue(claim.policy.product_id).coverage(coverage) is None:
            raise GuardFailed(_("The product has no coverage %(code)s.") % {"code": coverage})
        if not label.strip():
            raise GuardFailed(_("Name the loss item."))
        value = _money(amount, _("amount"), low=Decimal(0), high=Decimal("999999999999"))
        share = _money(liability, _("liability ratio"), low=Decimal(0), high=Decimal(1))
        if days is not None and (not isinstance(days, int) or not 0 < days <= 3660):
            raise GuardFailed(_("%(field)s is out of range.") % {"field": _("days")})
        item = LossItem.objects.create(
            claim=claim,
            coverage=coverage,
            label=label.strip()[:120],
            amount=value.quantize(Decimal("0.01")),
            liability=share.quantize(Decimal("0.001")),
            illness=illness,
            days=days,
            added_by=actor,
            added_at=now,
        )
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="loss_item_added",
            data={"item": item.pk, "label": item.label, "amount": str(item.amount)},
        )
    return item


def loss_item_exclude(
    *, item: LossItem, clause: Clause | None, reason: str, actor: Actor, now: datetime
) -> LossItem:
    """Apply an exclusion clause of the product to an item (or lift it with ``None``)."""
    with case_action():
        case = _assessing(item.claim, actor)
        item = LossItem.objects.select_for_update().get(pk=item.pk)
        if clause is not None:
            if clause.product_id != item.claim.policy.product_id:
                raise GuardFailed(_("The clause belongs to another product."))
            if not reason.strip():
                raise GuardFailed(_("Say why the exclusion applies."))
        item.exclusion = clause
        item.exclusion_reason = reason.strip()[:300] if clause else ""
        item.save(update_fields=["exclusion", "exclusion_reason"])
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="loss_item_excluded" if clause else "loss_item_included",
            data={"item": item.pk, "clause": clause.article if clause else "", "reason": reason},
        )
    return item


def loss_item_remove(*, item: LossItem, actor: Actor, now: datetime) -> None:
    with case_action():
        case = _assessing(item.claim, actor)
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="loss_item_removed",
            data={"item": item.pk, "label": item.label, "amount": str(item.amount)},
        )
        item.delete()
