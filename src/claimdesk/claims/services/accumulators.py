"""Policy-year accumulators: what a policy year has used of each coverage's deductible and
limit for each insured person, and of the policy's sum insured.

When does a claim use them? **At approval** (the last signature of a decision, interim or
final): the decided amount is *reserved* then, so two claims can never both be approved
over a limit. A failed transfer gives its amount back (``release``); sending it again takes
it again (``retake``), refused when another claim has used the room in between. The
deductible a decision bears stays borne: the insured bore that loss whatever happens to
the transfer.

Lock order (docs/architecture.md): the claim's case first, then the accumulator rows in
key order, so two claims of one policy approved at once are serialised on the rows and
the second one's calculation sees the first one's reservation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from claimdesk.cache import ReferenceCache
from claimdesk.cases.services import IllegalTransition
from claimdesk.claims.models import (
    Accumulator,
    AccumulatorMovement,
    Claim,
    ClaimDecision,
    CoverageBasis,
    MovementKind,
    Period,
)
from claimdesk.claims.rules import policy_year
from claimdesk.policies.models import Coverage
from claimdesk.workdays.clocks import to_local

SUM_INSURED = ""  # the coverage code of a policy's sum-insured accumulator


class LimitsChanged(IllegalTransition):
    """Another claim used the room this one counted on (409): decide it again."""


@dataclass(frozen=True)
class Key:
    """Which accumulator row: (insured, coverage, period)."""

    insured_name: str
    coverage: str
    period_start: date
    period_end: date


@dataclass(frozen=True)
class Used:
    deductible: Decimal = Decimal(0)
    limit: Decimal = Decimal(0)


def _load_bases() -> dict[str, dict[str, CoverageBasis]]:
    bases: dict[str, dict[str, CoverageBasis]] = {}
    for basis in CoverageBasis.objects.all():
        bases.setdefault(basis.product_code, {})[basis.coverage_code] = basis
    return bases


# How each coverage counts over a policy year: admin reference data every calculation reads.
_bases = ReferenceCache(_load_bases, CoverageBasis)


def coverage_bases(product_code: str) -> dict[str, CoverageBasis]:
    return dict(_bases.get().get(product_code, {}))


def accumulator_keys(claim: Claim, codes: Iterable[str]) -> dict[str, Key]:
    """The rows a claim draws on: its insured's policy year of each coverage (by the loss
    date), and the policy's sum insured over the whole term."""
    policy = claim.policy
    first, last = policy_year(policy.start, policy.end, to_local(claim.loss_time).date())
    keys = {code: Key(claim.insured_name, code, first, last) for code in codes}
    keys[SUM_INSURED] = Key("", SUM_INSURED, policy.start, policy.end)
    return keys


def _filter(claim: Claim, keys: Mapping[str, Key]) -> QuerySet[Accumulator]:
    match = Q(pk__in=[])
    for k in keys.values():
        match |= Q(insured_name=k.insured_name, coverage=k.coverage, period_start=k.period_start)
    return Accumulator.objects.filter(match, policy_id=claim.policy_id)


def accumulators_lock(claim: Claim, keys: Mapping[str, Key]) -> dict[str, Accumulator]:
    """Make the rows if missing and lock them in key order (the case is locked already)."""
    Accumulator.objects.bulk_create(
        [
            Accumulator(
                policy_id=claim.policy_id,
                insured_name=k.insured_name,
                coverage=k.coverage,
                period_start=k.period_start,
                period_end=k.period_end,
            )
            for k in keys.values()
        ],
        ignore_conflicts=True,
    )
    rows = list(_filter(claim, keys).order_by("pk").select_for_update(of=("self",)))
    return {row.coverage: row for row in rows}


# Amounts held against a policy year before any claim is decided (a partner's
# pre-authorisation): a reader per app, registered from its ``ready``, answering per
# coverage code what is held for the claim's keys, not counting what the claim itself uses.
HoldReader = Callable[[Claim, Mapping[str, Key]], Mapping[str, Decimal]]
_HOLD_READERS: list[HoldReader] = []


def register_holds(reader: HoldReader) -> None:
    """Let a higher app add its holds to what the calculation sees as used."""
    if reader not in _HOLD_READERS:
        _HOLD_READERS.append(reader)


def held_for(claim: Claim, keys: Mapping[str, Key]) -> dict[str, Decimal]:
    """What the registered holds keep of each row (the sum insured carries them all)."""
    held: dict[str, Decimal] = {}
    for reader in _HOLD_READERS:
        for code, amount in reader(claim, keys).items():
            held[code] = held.get(code, Decimal(0)) + amount
            if code != SUM_INSURED:
                held[SUM_INSURED] = held.get(SUM_INSURED, Decimal(0)) + amount
    return held


def _own(claim: Claim, rows: Iterable[Accumulator]) -> dict[int, Used]:
    """The claim's own net movements per accumulator row (none for a claim not yet
    registered: an eligibility check's calculation)."""
    if claim.pk is None:
        return {}
    sums = (
        AccumulatorMovement.objects.filter(claim=claim, accumulator__in=list(rows))
        .values("accumulator_id")
        .annotate(d=Sum("deductible"), a=Sum("amount"))
    )
    return {s["accumulator_id"]: Used(s["d"] or Decimal(0), s["a"] or Decimal(0)) for s in sums}


def used_by_others(claim: Claim, keys: Mapping[str, Key]) -> dict[str, Used]:
    """What other claims have used of each row: the row's totals less the claim's own (an
    interim decision's reservation is not counted against its own final decision), plus
    what is held for others (``register_holds``)."""
    rows = list(_filter(claim, keys))
    own = _own(claim, rows)
    used = {
        row.coverage: Used(
            row.deductible_used - own.get(row.pk, Used()).deductible,
            row.limit_used - own.get(row.pk, Used()).limit,
        )
        for row in rows
    }
    for code, amount in held_for(claim, keys).items():
        before = used.get(code, Used())
        used[code] = Used(before.deductible, before.limit + amount)
    return used


def _move(
    row: Accumulator,
    *,
    claim: Claim,
    kind: str,
    deductible: Decimal,
    amount: Decimal,
    now: datetime,
    decision: ClaimDecision | None = None,
    payment_reference: str = "",
) -> None:
    if not deductible and not amount:
        return
    AccumulatorMovement.objects.create(
        accumulator=row,
        claim=claim,
        decision=decision,
        payment_reference=payment_reference,
        kind=kind,
        deductible=deductible,
        amount=amount,
        at=now,
    )
    row.deductible_used += deductible
    row.limit_used += amount
    row.save(update_fields=["deductible_used", "limit_used"])


def accumulators_reserve(
    *,
    claim: Claim,
    decision: ClaimDecision,
    rows: Mapping[str, Accumulator],
    now: datetime,
) -> None:
    """Bring the claim's reservation to what ``decision`` decided, per coverage and on the
    sum insured (an interim decision's part stays; the final one adds the rest)."""
    calculation = decision.calculation
    paid = {c: Decimal(v) for c, v in (calculation.get("by_coverage") or {}).items()}
    borne = {c: Decimal(v) for c, v in (calculation.get("deductible_by_coverage") or {}).items()}
    own = _own(claim, rows.values())
    for code, row in rows.items():
        before = own.get(row.pk, Used())
        if code == SUM_INSURED:
            target = Used(Decimal(0), sum(paid.values(), Decimal(0)))
        else:
            target = Used(borne.get(code, Decimal(0)), paid.get(code, Decimal(0)))
        _move(
            row,
            claim=claim,
            decision=decision,
            kind=MovementKind.RESERVE,
            deductible=target.deductible - before.deductible,
            amount=target.limit - before.limit,
            now=now,
        )


def _payment_rows(
    claim: Claim, by_coverage: Mapping[str, str]
) -> list[tuple[str, Accumulator, Decimal]]:
    """A payment's rows, locked, each with the part of the payment it carries (the sum
    insured carries the whole payment)."""
    rows = accumulators_lock(claim, accumulator_keys(claim, [c for c in by_coverage if c]))
    total = sum((Decimal(v) for v in by_coverage.values()), Decimal(0))
    return [
        (code, row, total if code == SUM_INSURED else Decimal(by_coverage.get(code, 0)))
        for code, row in rows.items()
    ]


def accumulators_release(
    *, claim: Claim, payment_reference: str, by_coverage: Mapping[str, str], now: datetime
) -> None:
    """A failed transfer gives its amount back to the limits and the sum insured."""
    for _code, row, amount in _payment_rows(claim, by_coverage):
        _move(
            row,
            claim=claim,
            kind=MovementKind.RELEASE,
            deductible=Decimal(0),
            amount=-amount,
            now=now,
            payment_reference=payment_reference,
        )


def accumulators_retake(
    *, claim: Claim, payment_reference: str, by_coverage: Mapping[str, str], now: datetime
) -> None:
    """Sending a failed transfer again takes its amount again; refused (409) when another
    claim has used the room meanwhile, so a limit is never spent twice."""
    bases = coverage_bases(claim.policy.product.code)
    limits = dict(
        Coverage.objects.filter(product_id=claim.policy.product_id).values_list("code", "limit")
    )
    for code, row, amount in _payment_rows(claim, by_coverage):
        if code == SUM_INSURED:
            cap: Decimal | None = claim.policy.sum_insured
        else:
            basis = bases.get(code)
            per_year = basis is None or basis.limit_period == Period.POLICY_YEAR
            cap = limits.get(code) if per_year else None
        if amount > 0 and cap is not None and row.limit_used + amount > cap:
            raise LimitsChanged(
                _(
                    "Another claim has used the limit this payment gave back when it failed: "
                    "the claim must be decided again before it is paid."
                )
            )
        _move(
            row,
            claim=claim,
            kind=MovementKind.RETAKE,
            deductible=Decimal(0),
            amount=amount,
            now=now,
            payment_reference=payment_reference,
        )


def accumulators_of(claim: Claim) -> list[Accumulator]:
    """The rows a claim draws on, as they stand (for the case page and the API)."""
    codes = claim.loss_items.values_list("coverage", flat=True).distinct()
    return list(_filter(claim, accumulator_keys(claim, codes)).order_by("coverage"))


def accumulators_release_unpaid(
    *, claim: Claim, kept: Mapping[str, Decimal], now: datetime, reason: str
) -> None:
    """A claim that ends without being paid in full (withdrawn) gives back what it still
    holds beyond ``kept`` (per coverage: what its payments hold); with nothing paid, its
    deductible too — the loss is no longer claimed."""
    held = AccumulatorMovement.objects.filter(claim=claim).values_list("accumulator", flat=True)
    rows = list(
        Accumulator.objects.filter(pk__in=held).order_by("pk").select_for_update(of=("self",))
    )
    own = _own(claim, rows)
    total_kept = sum(kept.values(), Decimal(0))
    for row in rows:
        keep = total_kept if row.coverage == SUM_INSURED else kept.get(row.coverage, Decimal(0))
        held_now = own.get(row.pk, Used())
        extra = max(held_now.limit - keep, Decimal(0))
        borne = held_now.deductible if not kept else Decimal(0)
        if extra or borne:
            _move(
                row,
                claim=claim,
                kind=MovementKind.RELEASE,
                deductible=-borne,
                amount=-extra,
                now=now,
                payment_reference=reason[:32],
            )
