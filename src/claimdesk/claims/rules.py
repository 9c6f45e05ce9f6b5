"""Pure intake rules: what a report must say, what flags it, which reports look like the
same event, and what the customer is told at once. No ORM, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from difflib import SequenceMatcher
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from claimdesk.policies.rules import LossType, split_by_shares
from claimdesk.seeddata import seed_data

# Fields a report of each loss type cannot do without (beyond the common ones).
COMMON_REQUIRED = (
    "policy_no",
    "insured_name",
    "loss_time",
    "loss_cause",
    "loss_type",
    "contact_phone",
)
REQUIRED_BY_TYPE: Mapping[LossType, tuple[str, ...]] = {
    LossType.AUTO: ("loss_place", "description"),
    LossType.PROPERTY: ("loss_place", "description", "estimated_amount"),
    LossType.ACCIDENT: ("loss_place", "description"),
    LossType.MEDICAL: ("description",),
    LossType.CRITICAL_ILLNESS: ("description",),
}

FIELD_LABELS = {
    "policy_no": _("policy number"),
    "insured_name": _("insured person"),
    "loss_time": _("time of loss"),
    "loss_place": _("place of loss"),
    "loss_cause": _("cause"),
    "description": _("course of events"),
    "loss_type": _("loss type"),
    "estimated_amount": _("estimated amount"),
    "contact_phone": _("contact phone"),
}

DUPLICATE_WINDOW = timedelta(days=1)
# The earliest loss a report may name (UTC): older losses are typing mistakes, not claims,
# and the API's date range (1900 … 2200) would otherwise let them through.
LOSS_TIME_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
DUPLICATE_SIMILARITY = 0.5
SMALL_AUTO_CLAIM = Decimal("5000")


class Flag:
    """Reasons a registered report needs a closer look; shown to staff with the claim."""

    BEFORE_POLICY_START = "loss_before_policy_start"
    AFTER_POLICY_END = "loss_after_policy_end"
    POLICY_NOT_IN_FORCE = "policy_not_in_force"
    LOSS_TYPE_MISMATCH = "loss_type_not_covered_by_product"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    LIMITATION = "reported_after_limitation"  # §26, see claims.limitation


FLAG_LABELS = {
    Flag.BEFORE_POLICY_START: _("The loss happened before the policy started."),
    Flag.AFTER_POLICY_END: _("The loss happened after the policy ended."),
    Flag.POLICY_NOT_IN_FORCE: _("The policy is not in force."),
    Flag.LOSS_TYPE_MISMATCH: _("The product does not cover this type of loss."),
    Flag.POSSIBLE_DUPLICATE: _("Another report looks like the same event."),
    Flag.LIMITATION: _("Reported after the §26 limitation period; not a rejection."),
}


def missing_fields(report: Mapping[str, object]) -> list[str]:
    """Required fields that are empty, in a stable order."""
    try:
        needed = COMMON_REQUIRED + REQUIRED_BY_TYPE[LossType(str(report.get("loss_type")))]
    except ValueError:
        needed = COMMON_REQUIRED
    return [f for f in needed if report.get(f) in (None, "") or str(report.get(f)).strip() == ""]


def cover_flags(
    *, loss_day: date, start: date, end: date, in_force: bool, product_line: str, loss_type: str
) -> list[str]:
    """Flags about the policy at the loss date; the claim is still registered."""
    flags = []
    if loss_day < start:
        flags.append(Flag.BEFORE_POLICY_START)
    elif loss_day > end:
        flags.append(Flag.AFTER_POLICY_END)
    elif not in_force:
        flags.append(Flag.POLICY_NOT_IN_FORCE)
    if not loss_type_covered(product_line=product_line, loss_type=loss_type):
        flags.append(Flag.LOSS_TYPE_MISMATCH)
    return flags


def loss_type_covered(*, product_line: str, loss_type: str) -> bool:
    """A product covers losses of its own line; accident cover also pays medical costs."""
    return product_line == loss_type or (
        product_line == LossType.ACCIDENT and loss_type == LossType.MEDICAL
    )


def similar_cause(a: str, b: str) -> bool:
    """Two descriptions of a cause read like the same event (character-level similarity)."""
    a, b = "".join(a.split()), "".join(b.split())
    if not a or not b:
        return False
    return a in b or b in a or SequenceMatcher(None, a, b).ratio() >= DUPLICATE_SIMILARITY


def looks_duplicate(
    *, loss_time: datetime, cause: str, other_time: datetime, other_cause: str
) -> bool:
    return abs(loss_time - other_time) <= DUPLICATE_WINDOW and similar_cause(cause, other_cause)


# --- questions asked before a report is registered ------------------------------------------
#
# Nothing is refused and nothing merged on these grounds: the reporter is told in plain words
# and registers the report only once they confirm it (portal and hotline: a confirm step;
# API: a field error until ``confirm`` is sent).

# A closed claim still counts as "the same event" this long after it closed.
RECENTLY_CLOSED = timedelta(days=30)


class Caution:
    """What a reporter is asked to confirm before the claim is registered."""

    SAME_EVENT = "same_event"
    ABOVE_SUM_INSURED = "above_remaining_sum_insured"
    LOSS_TYPE_NOT_COVERED = "loss_type_not_covered"


def remaining_sum_insured(sum_insured: Decimal, paid: Decimal) -> Decimal:
    """What a policy can still pay: its sum insured less what it has paid, never below 0."""
    return max(sum_insured - paid, Decimal(0))


def above_remaining(estimate: Decimal | None, remaining: Decimal) -> bool:
    return estimate is not None and estimate > remaining


def still_current(closed_at: datetime | None, now: datetime) -> bool:
    """An open claim, or one closed recently enough that a new report may be the same event."""
    return closed_at is None or now - closed_at <= RECENTLY_CLOSED


def is_small_claim(loss_type: str, estimated_amount: Decimal | None) -> bool:
    """Small auto cases are assessed online and paid on the 24-hour commitment."""
    return (
        loss_type == LossType.AUTO
        and estimated_amount is not None
        and estimated_amount < SMALL_AUTO_CLAIM
    )


EMERGENCY_GUIDANCE: Mapping[str, Promise] = {
    LossType.AUTO: _(
        "Switch on the hazard lights and place the warning triangle 50–150 m behind the car. "
        "If anyone is hurt call 120 and 122. Take photos of the scene, the vehicles and the "
        "plates before moving the cars; move them off the road if nobody is hurt."
    ),
    LossType.ACCIDENT: _(
        "Get medical help first (120). Keep all medical records, invoices and the police or "
        "accident report; go to a public hospital of level two or above where you can."
    ),
    LossType.PROPERTY: _(
        "Make sure everyone is safe; cut off water, power and gas where it is safe to do so. "
        "Take photos of the damage and keep damaged items for the surveyor; take reasonable "
        "steps to stop the loss growing — those costs are covered."
    ),
}

RIGHTS_NOTICE = _(
    "Your rights: we will contact you within 1 working day and tell you at once everything we "
    "need (Insurance Law, art. 22). We decide within 30 days of receiving your claim (time "
    "waiting for materials we asked you for does not count; a period ending on a rest day or "
    "holiday runs to the next working day), and pay within 10 days of agreeing the amount "
    "(art. 23). If you disagree with a review or "
    "assessment result you may object: we answer in writing within 3 working days. You may "
    "also complain to us (hotline 95500), to the regulator (12378), or go to arbitration or "
    "court. Privacy: your personal data is used only to handle this claim, masked for staff "
    "who do not need it, and never sold."
)


@dataclass(frozen=True)
class ChecklistItemSpec:
    code: str
    name: str
    core: bool
    lasting: bool = False  # an identity or bank document reused on later claims


@dataclass(frozen=True)
class ChecklistSpec:
    loss_type: LossType
    items: tuple[ChecklistItemSpec, ...] = field(default_factory=tuple)


# The one-time checklist per loss type (data/checklists.json), seeded into
# ChecklistTemplateItem; admins edit there.
DEFAULT_CHECKLISTS: tuple[ChecklistSpec, ...] = tuple(
    ChecklistSpec(LossType(spec["loss_type"]), tuple(ChecklistItemSpec(**i) for i in spec["items"]))
    for spec in seed_data("claimdesk.claims", "checklists.json")
)


# --- adjudication --------------------------------------------------------------------------
#
# The calculator is a pure function of the contract and the accepted loss items. Every line
# it writes is signed money, so the lines always add up to the total, and each one names the
# clause it rests on. Amounts are rounded once per line: to the fen, half up.

FEN = Decimal("0.01")
ROUNDING_NOTE = _("Each amount is rounded to the fen (0.01), half up, once per line.")


def fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def percent(ratio: Decimal) -> str:
    """0.8 → "80", 0.755 → "75.5"."""
    return format(fen(ratio * 100).normalize(), "f")


@dataclass(frozen=True)
class ClauseRef:
    article: str
    title: str
    text: str


@dataclass(frozen=True)
class CoverageTerms:
    """A coverage as the calculator needs it, with what the policy year has already used.

    ``deductible_used`` / ``used``: the part of the deductible already borne and of the
    limit already taken by other claims of the same insured in the same period (the
    accumulators); a per-claim deductible has nothing borne before. ``event_limit``: a
    sub-limit per claim (event). Each step cites its own clause, else the coverage's.
    """

    code: str
    name: str
    limit: Decimal
    deductible: Decimal = Decimal(0)
    ratio: Decimal = Decimal(1)
    waiting_days: int = 0
    clause: ClauseRef | None = None
    used: Decimal = Decimal(0)
    deductible_used: Decimal = Decimal(0)
    annual_deductible: bool = False
    annual_limit: bool = True
    event_limit: Decimal | None = None
    day_limit: Decimal | None = None
    deductible_clause: ClauseRef | None = None
    ratio_clause: ClauseRef | None = None
    limit_clause: ClauseRef | None = None

    def cites(self, step: str) -> ClauseRef | None:
        """The clause a step of the calculation rests on (deductible, ratio or limit)."""
        own = {
            "deductible": self.deductible_clause,
            "ratio": self.ratio_clause,
            "limit": self.limit_clause,
        }.get(step)
        return own or self.clause


@dataclass(frozen=True)
class PolicyTerms:
    start: date
    end: date
    in_force: bool  # the policy's status allowed cover (not lapsed or surrendered)
    sum_insured: Decimal
    paid: Decimal = Decimal(0)  # already paid on this policy by other claims
    term_clause: ClauseRef | None = None
    waiting_clause: ClauseRef | None = None
    # The version of the policy decided against (as it stood at the loss date) and its
    # beneficiaries (name, share %): the calculation records both.
    version: int = 0
    endorsement: str = ""
    effective_on: date | None = None
    beneficiaries: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class LossLine:
    """One accepted loss item: what is claimed under which coverage.

    ``liability`` is the insured side's share of responsibility (auto, 事故责任比例);
    ``exclusion`` is an exclusion clause an adjuster applied, with ``exclusion_reason``.
    """

    coverage: str
    label: str
    amount: Decimal
    liability: Decimal = Decimal(1)
    illness: bool = False  # illness is subject to waiting periods; accidents are not
    exclusion: ClauseRef | None = None
    days: int | None = None  # days the item covers, for a coverage's limit per day
    exclusion_reason: str = ""


@dataclass(frozen=True)
class CalcLine:
    label: str
    amount: Decimal
    kind: str  # claimed, liability, excluded, day_limit, deductible, ratio, limit, sum_insured
    coverage: str = ""
    clause: ClauseRef | None = None


@dataclass(frozen=True)
class Exclusion:
    code: str
    reason: str
    clause: ClauseRef | None = None


@dataclass(frozen=True)
class Calculation:
    decision: str  # approve / partial / reject
    claimed: Decimal
    total: Decimal
    lines: tuple[CalcLine, ...]
    exclusions: tuple[Exclusion, ...]
    by_coverage: Mapping[str, Decimal]
    policy_version: Mapping[str, Any] = field(default_factory=dict)
    # The deductible this claim bears per coverage: what it adds to the policy year's.
    deductible_by_coverage: Mapping[str, Decimal] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data: stored with the decision, sent to notices and the API."""

        def clause(ref: ClauseRef | None) -> dict[str, str]:
            if ref is None:
                return {"clause": "", "clause_title": "", "clause_text": ""}
            return {"clause": ref.article, "clause_title": ref.title, "clause_text": ref.text}

        return {
            "decision": self.decision,
            "claimed": str(self.claimed),
            "total": str(self.total),
            "currency": "CNY",
            "rounding": str(ROUNDING_NOTE),
            "lines": [
                {
                    "label": str(line.label),
                    "amount": str(line.amount),
                    "kind": line.kind,
                    "coverage": line.coverage,
                    **clause(line.clause),
                }
                for line in self.lines
            ],
            "exclusions": [
                {"code": e.code, "reason": str(e.reason), **clause(e.clause)}
                for e in self.exclusions
            ],
            "by_coverage": {code: str(amount) for code, amount in self.by_coverage.items()},
            "deductible_by_coverage": {
                code: str(amount) for code, amount in self.deductible_by_coverage.items()
            },
            "policy_version": dict(self.policy_version),
        }


def _exclusion_of(
    item: LossLine, cover: CoverageTerms | None, policy: PolicyTerms, loss_day: date
) -> Exclusion | None:
    """Why an item is not covered at all, or None."""
    if not policy.in_force or not (policy.start <= loss_day <= policy.end):
        return Exclusion(
            "not_in_force",
            _("The policy was not in force on %(day)s.") % {"day": loss_day.isoformat()},
            policy.term_clause,
        )
    if cover is None:
        return Exclusion(
            "no_coverage",
            _("The policy has no coverage for %(item)s.") % {"item": item.label},
        )
    if item.illness and loss_day < policy.start + timedelta(days=cover.waiting_days):
        return Exclusion(
            "waiting_period",
            _("Illness within the %(days)s-day waiting period (until %(until)s).")
            % {
                "days": cover.waiting_days,
                "until": (policy.start + timedelta(days=cover.waiting_days)).isoformat(),
            },
            policy.waiting_clause or cover.clause,
        )
    if item.exclusion is not None:
        return Exclusion("exclusion", item.exclusion_reason or item.exclusion.title, item.exclusion)
    return None


def adjudicate(
    *,
    policy: PolicyTerms,
    coverages: Mapping[str, CoverageTerms],
    loss_day: date,
    items: Sequence[LossLine],
) -> Calculation:
    """Decide approve / partial / reject with a line-by-line calculation.

    Per item: the claimed amount, less what an exclusion, the waiting period, a missing
    coverage or the policy term removes, less the third party's share (liability ratio).
    Per coverage: less the deductible, times the reimbursement ratio, capped at the
    coverage's remaining limit. Finally capped at the policy's remaining sum insured.
    """
    lines: list[CalcLine] = []
    exclusions: list[Exclusion] = []
    covered: dict[str, Decimal] = {}
    claimed = Decimal(0)
    partial = False
    for item in items:
        amount = fen(item.amount)
        claimed += amount
        cover = coverages.get(item.coverage)
        clause = cover.clause if cover else None
        lines.append(CalcLine(item.label, amount, "claimed", item.coverage, clause))
        if (why := _exclusion_of(item, cover, policy, loss_day)) is not None:
            exclusions.append(why)
            lines.append(CalcLine(why.reason, -amount, "excluded", item.coverage, why.clause))
            partial = True
            continue
        kept = fen(amount * item.liability)
        if kept != amount:
            lines.append(
                CalcLine(
                    _("Third party's share: liability %(ratio)s%%")
                    % {"ratio": percent(item.liability)},
                    kept - amount,
                    "liability",
                    item.coverage,
                    clause,
                )
            )
        assert cover is not None  # no coverage is an exclusion above
        if item.days and cover.day_limit is not None and kept > item.days * cover.day_limit:
            capped = fen(item.days * cover.day_limit)
            lines.append(
                CalcLine(
                    _("Limit per day of %(name)s: %(limit)s × %(days)s days")
                    % {"name": cover.name, "limit": cover.day_limit, "days": item.days},
                    capped - kept,
                    "day_limit",
                    item.coverage,
                    cover.cites("limit"),
                )
            )
            kept = capped
            partial = True
        covered[item.coverage] = covered.get(item.coverage, Decimal(0)) + kept
    by_coverage: dict[str, Decimal] = {}
    deductible_by_coverage: dict[str, Decimal] = {}
    for code, amount in covered.items():
        cover = coverages[code]
        lines.extend(_deductible_lines(cover, amount))
        borne = min(amount, max(cover.deductible - cover.deductible_used, Decimal(0)))
        after_deductible = amount - borne
        if borne:
            deductible_by_coverage[code] = borne
        after_ratio = fen(after_deductible * cover.ratio)
        if after_ratio != after_deductible:
            lines.append(
                CalcLine(
                    _("Reimbursement ratio %(ratio)s%% of %(name)s")
                    % {"ratio": percent(cover.ratio), "name": cover.name},
                    after_ratio - after_deductible,
                    "ratio",
                    code,
                    cover.cites("ratio"),
                )
            )
        room = max(cover.limit - cover.used, Decimal(0))
        if cover.event_limit is not None and cover.event_limit < room:
            room = cover.event_limit
        payable = min(after_ratio, room)
        if payable != after_ratio:
            partial = True
            lines.append(CalcLine(_limit_text(cover, room), payable - after_ratio, "limit", code,
                                  cover.cites("limit")))  # fmt: skip
        by_coverage[code] = payable
    subtotal = sum(by_coverage.values(), Decimal(0))
    room = remaining_sum_insured(policy.sum_insured, policy.paid)
    if subtotal > room:
        partial = True
        lines.append(
            CalcLine(
                _("Remaining sum insured: %(left)s") % {"left": room},
                room - subtotal,
                "sum_insured",
                "",
                policy.term_clause,
            )
        )
        by_coverage = _shrink(by_coverage, room)
    total = sum(by_coverage.values(), Decimal(0))
    # The codes of models.Decision.
    decision = "reject" if total <= 0 else "partial" if partial else "approve"
    return Calculation(
        decision,
        claimed,
        total,
        tuple(lines),
        tuple(exclusions),
        by_coverage,
        policy_version=_version_basis(policy, total),
        deductible_by_coverage=deductible_by_coverage,
    )


def _deductible_lines(cover: CoverageTerms, amount: Decimal) -> list[CalcLine]:
    """The deductible's line: per claim, or what is left of the policy year's."""
    left = max(cover.deductible - cover.deductible_used, Decimal(0))
    borne = min(amount, left)
    if cover.annual_deductible and cover.deductible and not left:
        # Said, with its clause, so the customer sees why nothing is deducted this time.
        label = _(
            "Annual deductible of %(name)s: %(deductible)s a policy year, already borne in "
            "full on earlier claims"
        ) % {"name": cover.name, "deductible": cover.deductible}
        return [
            CalcLine(label, Decimal("0.00"), "deductible", cover.code, cover.cites("deductible"))
        ]
    if not borne:
        return []
    if cover.annual_deductible:
        label = _(
            "Annual deductible of %(name)s: %(deductible)s a policy year, %(used)s already "
            "borne on earlier claims, %(left)s left"
        ) % {
            "name": cover.name,
            "deductible": cover.deductible,
            "used": cover.deductible_used,
            "left": left,
        }
    else:
        label = _("Deductible of %(name)s") % {"name": cover.name}
    return [CalcLine(label, -borne, "deductible", cover.code, cover.cites("deductible"))]


def _limit_text(cover: CoverageTerms, room: Decimal) -> str:
    if cover.event_limit is not None and room == cover.event_limit:
        return str(
            _("Limit per event of %(name)s: %(limit)s") % {"name": cover.name, "limit": room}
        )
    if cover.annual_limit:
        return str(
            _("Annual limit of %(name)s: %(limit)s a policy year, %(used)s already used, "
              "%(left)s left")
            % {"name": cover.name, "limit": cover.limit, "used": cover.used, "left": room}
        )  # fmt: skip
    return str(
        _("Limit of %(name)s: %(limit)s, %(left)s left")
        % {"name": cover.name, "limit": cover.limit, "left": room}
    )


def _version_basis(policy: PolicyTerms, total: Decimal) -> dict[str, Any]:
    """Which version of the policy the calculation used, and its beneficiaries with their
    part of the total (a benefit paid to beneficiaries is split by their shares)."""
    if not policy.version:
        return {}
    parts = split_by_shares(total, [share for _name, share in policy.beneficiaries])
    return {
        "version": policy.version,
        "endorsement": policy.endorsement,
        "effective_on": policy.effective_on.isoformat() if policy.effective_on else "",
        "beneficiaries": [
            {"name": name, "share": str(share), "amount": str(part)}
            for (name, share), part in zip(policy.beneficiaries, parts, strict=True)
        ],
    }


def _shrink(by_coverage: Mapping[str, Decimal], room: Decimal) -> dict[str, Decimal]:
    """Spread a sum-insured cap over the coverages in order, so their parts add up to it."""
    left = room
    shrunk = {}
    for code, amount in by_coverage.items():
        shrunk[code] = min(amount, left)
        left -= shrunk[code]
    return shrunk


# --- authority -----------------------------------------------------------------------------

# Default multi-level approval thresholds: from this amount on, this many approvals
# (each by a different person, none the proposer). Admins edit them (ApprovalRule).
DEFAULT_APPROVAL_STEPS: tuple[tuple[Decimal, int], ...] = (
    (Decimal(0), 1),
    (Decimal(100_000), 2),
    (Decimal(500_000), 3),
)


def approvals_required(amount: Decimal, steps: Sequence[tuple[Decimal, int]]) -> int:
    """How many approvals a decision of ``amount`` needs (at least one)."""
    needed = 1
    for threshold, count in sorted(steps):
        if amount >= threshold:
            needed = max(needed, count)
    return needed


@dataclass(frozen=True)
class Refusal:
    """Why someone may not sign; ``above_limit``: their authority is too low, so the last
    signature goes up a level instead."""

    reason: str
    above_limit: bool = False

    def __str__(self) -> str:
        return self.reason


def approval_refusal(
    *,
    amount: Decimal,
    approver: str,
    proposer: str,
    limit: Decimal | None,
    already: Sequence[str],
    final: bool = True,
) -> Refusal | None:
    """Why ``approver`` may not approve this decision, or None.

    Four eyes: never the proposer, never the same person twice. Multi-level: the approvals
    before the last are the lower levels' signatures; the last one, which applies the
    decision, needs an approval limit that covers the amount (核赔权限).
    """
    if approver == proposer:
        return Refusal(str(_("Nobody may approve their own proposal.")))
    if approver in already:
        return Refusal(
            str(_("You have already approved this decision; another person must approve."))
        )
    if limit is None or (final and amount > limit):
        reason = _("%(amount)s is above your approval limit (%(limit)s).") % {
            "amount": amount,
            "limit": limit if limit is not None else _("none"),
        }
        return Refusal(str(reason), above_limit=final)
    return None


# --- policy years ----------------------------------------------------------------------------

# Coverages whose deductible and limit apply per policy year, as first seeded (admins edit
# ``CoverageBasis``): (product, coverage, the clause each step cites). 百万医疗's 1万
# deductible is a 年免赔额.
DEFAULT_COVERAGE_BASES: tuple[tuple[str, str, str], ...] = (("medical-plus", "inpatient", "2.3"),)


def _add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def policy_year(start: date, end: date, day: date) -> tuple[date, date]:
    """The policy year ``day`` falls in: from the policy's start or an anniversary of it to
    the day before the next anniversary (never past the policy's end). A day outside the
    term falls in the first or last year."""
    years = max(day.year - start.year + 1, 0)
    while years > 0 and _add_years(start, years) > day:
        years -= 1
    first = _add_years(start, years)
    last = _add_years(start, years + 1) - timedelta(days=1)
    if end >= first:
        last = min(last, end)
    return first, last


# --- case reserves (未决赔款准备金) -------------------------------------------------------------

# The first reserve of a loss type while its history is too thin and no admin rule says
# otherwise: roughly the demo book's average decided amount per line.
DEFAULT_RESERVE_AVERAGES: Mapping[str, Decimal] = {
    LossType.AUTO: Decimal("6000.00"),
    LossType.MEDICAL: Decimal("3000.00"),
    LossType.CRITICAL_ILLNESS: Decimal("200000.00"),
    LossType.ACCIDENT: Decimal("10000.00"),
    LossType.PROPERTY: Decimal("15000.00"),
}
DEFAULT_RESERVE_SAMPLE = 20

# Adequacy (准备金充足性): what makes a reserve worth a second look.
RESERVE_RAISE_SHARE = Decimal("0.5")  # raised by more than half …
RESERVE_RAISE_DAYS = 30  # … within 30 days
RESERVE_LIMIT_SHARE = Decimal("0.8")  # above 80 % of what is left of the limit
RESERVE_STALE_DAYS = 90  # open and unchanged for more than 90 days


def reserve_first(
    *,
    method: str,
    estimate: Decimal | None,
    history: Sequence[Decimal],
    min_sample: int,
    average: Decimal,
) -> tuple[Decimal, str]:
    """The first reserve of a claim and the basis it rests on (``estimate``,
    ``history`` or ``average``): the reporter's estimate when the rule says so and there
    is one; else the average of the product's decided claims of the loss type when there
    are enough of them; else the admin's average."""
    if method == "estimate" and estimate is not None and estimate > 0:
        return estimate.quantize(FEN, rounding=ROUND_HALF_UP), "estimate"
    if history and len(history) >= max(min_sample, 1):
        mean = sum(history, Decimal(0)) / len(history)
        return mean.quantize(FEN, rounding=ROUND_HALF_UP), "history"
    return average.quantize(FEN, rounding=ROUND_HALF_UP), "average"


def reserve_outstanding(decided: Decimal, paid: Decimal, recovered: Decimal) -> Decimal:
    """What is still expected to be paid on a decided claim: the decided amount less what
    has been paid, less what was recovered from a third party or salvage; never below 0."""
    return max(decided - paid - recovered, Decimal(0))


def reserve_authority_refusal(amount: Decimal, limit: Decimal | None) -> str | None:
    """Why a member of staff may not set a reserve of ``amount`` alone, or None: the
    reserve must be within their reserve authority (未决赔款准备金权限)."""
    if limit is None or amount > limit:
        return str(
            _("A reserve of %(amount)s is above your reserve authority (%(limit)s).")
            % {"amount": amount, "limit": limit if limit is not None else _("none")}
        )
    return None


@dataclass(frozen=True)
class ReserveFlag:
    code: str
    label: str


def reserve_flags(
    *,
    history: Sequence[tuple[datetime, Decimal]],
    now: datetime,
    is_open: bool,
    remaining_limit: Decimal | None,
) -> list[ReserveFlag]:
    """Adequacy flags of an open claim's reserve, from its history ((when, reserve) in
    time order): raised by more than half within 30 days; above 80 % of what is left of
    the policy's limit; unchanged for more than 90 days."""
    if not is_open or not history:
        return []
    flags: list[ReserveFlag] = []
    current = history[-1][1]
    since = now - timedelta(days=RESERVE_RAISE_DAYS)
    before = [amount for at, amount in history if at <= since]
    base = before[-1] if before else history[0][1]
    if base > 0 and current > base * (1 + RESERVE_RAISE_SHARE):
        flags.append(
            ReserveFlag(
                "raised_fast",
                str(
                    _("Reserve raised by %(share)s %% within %(days)s days (from %(base)s).")
                    % {
                        "share": ((current - base) / base * 100).quantize(Decimal(1)),
                        "days": RESERVE_RAISE_DAYS,
                        "base": base,
                    }
                ),
            )
        )
    if remaining_limit is not None and current > remaining_limit * RESERVE_LIMIT_SHARE:
        flags.append(
            ReserveFlag(
                "near_limit",
                str(
                    _("Reserve %(amount)s is above 80 %% of the limit left (%(left)s).")
                    % {"amount": current, "left": remaining_limit}
                ),
            )
        )
    if now - history[-1][0] > timedelta(days=RESERVE_STALE_DAYS):
        flags.append(
            ReserveFlag(
                "stale",
                str(
                    _("Reserve unchanged for %(days)s days while the claim is open.")
                    % {"days": (now - history[-1][0]).days}
                ),
            )
        )
    return flags
