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
