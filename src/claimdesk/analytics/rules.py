"""Analytics formulas and constants: pure Python, no ORM, no I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")
NEAR_DUE = timedelta(hours=24)
PROMOTER_MIN = 9
DETRACTOR_MAX = 6
SATISFIED_MIN = 4


@dataclass(frozen=True)
class AgeBucket:
    """Ages ``low`` … ``high`` whole days inclusive (``high`` None: and older)."""

    code: str
    low: int
    high: int | None
    label: object


AGE_BUCKETS = (
    AgeBucket("0-3", 0, 3, _("0–3 days")),
    AgeBucket("4-7", 4, 7, _("4–7 days")),
    AgeBucket("8-15", 8, 15, _("8–15 days")),
    AgeBucket("16-30", 16, 30, _("16–30 days")),
    AgeBucket("31+", 31, None, _("over 30 days")),
)


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, one decimal, half up; None when nothing to count."""
    if not whole:
        return None
    return (Decimal(100) * Decimal(part) / Decimal(whole)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def ratio_percent(paid: Decimal | None, claimed: Decimal | None) -> Decimal | None:
    """Money ratio in percent (paid ÷ claimed), one decimal; None without a claimed amount."""
    if not claimed:
        return None
    return percent(paid or Decimal(0), claimed)


def per_10000(part: int, whole: int) -> Decimal | None:
    """Events per 10,000 (complaints per 10,000 claims), one decimal."""
    if not whole:
        return None
    return (Decimal(10000 * part) / whole).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def nps_score(promoters: int, detractors: int, answers: int) -> Decimal | None:
    """Net promoter score: % promoters (9–10) minus % detractors (0–6), −100…100."""
    if not answers:
        return None
    return (Decimal(100 * (promoters - detractors)) / answers).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def mean(total: int | Decimal | None, count: int) -> Decimal | None:
    if not count or total is None:
        return None
    return (Decimal(total) / count).quantize(TWO_DECIMALS, ROUND_HALF_UP)


def percentile_cont(sorted_values: list[float], p: float) -> float | None:
    """``percentile_cont`` of already sorted numbers: rank p·(n−1), linear between neighbours.

    The same formula the SQL helper uses (``analytics.sql``); here for the prediction's
    arithmetic on a handful of per-stage figures and for tests.
    """
    if not sorted_values:
        return None
    h = (len(sorted_values) - 1) * p
    low = math.floor(h)
    if low + 1 >= len(sorted_values):
        return float(sorted_values[low])
    return sorted_values[low] + (h - low) * (sorted_values[low + 1] - sorted_values[low])


# --- expected payment ---------------------------------------------------------------------------

MIN_SIMILAR_CLAIMS = 20
# Amount bands (yuan) for "similar": claims compare with claims of the same order of size.
AMOUNT_BANDS = (
    Decimal("0"),
    Decimal("2000"),
    Decimal("10000"),
    Decimal("50000"),
    Decimal("200000"),
)


def amount_band(amount: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    """``[low, high)`` of the band ``amount`` falls in; (None, None) without an amount."""
    if amount is None:
        return None, None
    low = max(b for b in AMOUNT_BANDS if b <= max(amount, Decimal(0)))
    higher = [b for b in AMOUNT_BANDS if b > low]
    return low, (higher[0] if higher else None)


# Claim statuses on the way to a payment: only these get an expected payment date.
PATH_TO_PAYMENT_STATUSES = frozenset(
    {"reported", "reviewing", "awaiting_materials", "investigating", "adjudicating", "paying"}
)


# --- KPI targets --------------------------------------------------------------------------------


class Direction:
    """Which way is better for a KPI."""

    HIGHER = "higher"
    LOWER = "lower"


class KpiStatus:
    """How a KPI stands against its target; the page colours by these codes."""

    GOOD = "good"  # meets the target
    WARN = "warn"  # misses the target but not the warning line
    BAD = "bad"  # beyond the warning line (or misses the target when there is none)
    TOO_FEW = "too_few"  # fewer cases behind it than the KPI's minimum sample
    NO_DATA = "no_data"  # nothing to count
    NO_TARGET = "no_target"  # no target set: shown without a colour


KPI_STATUS_LABELS = {
    KpiStatus.GOOD: _("on target"),
    KpiStatus.WARN: _("near target"),
    KpiStatus.BAD: _("off target"),
    KpiStatus.TOO_FEW: _("Too few to judge"),
    KpiStatus.NO_DATA: _("no data"),
    KpiStatus.NO_TARGET: _("no target set"),
}


@dataclass(frozen=True)
class KpiRule:
    """The target of one KPI: ``target`` met → good; up to ``warning`` → near; beyond → off.
    Below ``min_sample`` cases behind the figure it is too few to judge either way."""

    code: str
    target: Decimal
    direction: str
    min_sample: int
    warning: Decimal | None = None
    basis: str = ""


# The targets as first seeded (admins tune them in the Django admin: ``analytics.KpiTarget``).
# Where a rule of the SPEC fixes the level (every clock met, every complaint traced to its
# root cause, every corrective action done) the target is that level; the rest are the usual
# targets of a Chinese claims service centre.
DEFAULT_KPI_RULES: tuple[KpiRule, ...] = (
    KpiRule(
        "sla_compliance",
        Decimal("95"),
        Direction.HIGHER,
        20,
        Decimal("90"),
        "SPEC：每个时限都应按时完成",
    ),
    KpiRule(
        "cycle_time",
        Decimal("10"),
        Direction.LOWER,
        20,
        Decimal("15"),
        "SPEC：资料齐全后5个工作日内核定、5个工作日内支付",
    ),
    KpiRule("csat", Decimal("4.5"), Direction.HIGHER, 30, Decimal("4.0"), "满意度（1–5）"),
    KpiRule("nps", Decimal("30"), Direction.HIGHER, 30, Decimal("0"), "净推荐值"),
    KpiRule(
        "complaint_rate",
        Decimal("20"),
        Direction.LOWER,
        100,
        Decimal("50"),
        "每万件理赔的投诉件数（银行业保险业消费投诉处理管理办法）",
    ),
    KpiRule(
        "root_causes",
        Decimal("100"),
        Direction.HIGHER,
        5,
        Decimal("90"),
        "SPEC：每件投诉都有问题根因分析报告",
    ),
    KpiRule(
        "corrective_actions_done",
        Decimal("100"),
        Direction.HIGHER,
        5,
        Decimal("80"),
        "SPEC：整改措施跟踪至完成",
    ),
    KpiRule("first_contact_resolution", Decimal("80"), Direction.HIGHER, 20, Decimal("70")),
    KpiRule("self_service_rate", Decimal("60"), Direction.HIGHER, 50, Decimal("40")),
    KpiRule("renewal_rate", Decimal("80"), Direction.HIGHER, 20, Decimal("70")),
)


def kpi_status(
    value: Decimal | int | float | None, sample: int | None, rule: KpiRule | None
) -> str:
    """The one rule that colours a KPI: no data, too few to judge, then against the target."""
    if value is None:
        return KpiStatus.NO_DATA
    if rule is None:
        return KpiStatus.NO_TARGET
    if sample is not None and sample < rule.min_sample:
        return KpiStatus.TOO_FEW
    number = Decimal(str(value))
    higher = rule.direction == Direction.HIGHER

    def meets(line: Decimal) -> bool:
        return number >= line if higher else number <= line

    if meets(rule.target):
        return KpiStatus.GOOD
    if rule.warning is not None and meets(rule.warning):
        return KpiStatus.WARN
    return KpiStatus.BAD


def kpi_change(
    before: Decimal | int | float | None, after: Decimal | int | float | None, direction: str
) -> int:
    """+1 when ``after`` is better than ``before`` for a KPI going ``direction``, −1 when it
    is worse, 0 when equal or either is missing."""
    if before is None or after is None or Decimal(str(before)) == Decimal(str(after)):
        return 0
    up = Decimal(str(after)) > Decimal(str(before))
    return 1 if up == (direction == Direction.HIGHER) else -1


# The KPIs a target can be set for, with their names (the metric codes of ``analytics.metrics``).
KPI_CHOICES = (
    ("sla_compliance", _("SLA compliance (%)")),
    ("cycle_time", _("Cycle time (median days)")),
    ("csat", _("CSAT (1–5)")),
    ("nps", _("NPS (points)")),
    ("complaint_rate", _("Complaint rate (per 10,000 claims)")),
    ("root_causes", _("Complaints traced to a root cause (%)")),
    ("corrective_actions_done", _("Corrective actions done (%)")),
    ("first_contact_resolution", _("First-contact resolution (%)")),
    ("self_service_rate", _("Self-service rate (%)")),
    ("renewal_rate", _("Renewal rate (%)")),
    ("cross_sell_rate", _("Cross-sell rate (%)")),
    ("payout_ratio", _("Payout ratio (%)")),
    ("investigation_pass_rate", _("Investigation pass rate (%)")),
    ("rejection_rate", _("Rejection rate (%)")),
)
DIRECTION_CHOICES = (
    (Direction.HIGHER, _("higher is better")),
    (Direction.LOWER, _("lower is better")),
)
