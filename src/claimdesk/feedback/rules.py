"""Survey, KPI and proactive-service rules: pure Python, no ORM, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from claimdesk.cases.workflow import SlaDefault
from claimdesk.workdays.clocks import Unit

CSAT_RANGE = (1, 5)
NPS_RANGE = (0, 10)
SURVEY_VALID_DAYS = 30
REMINDER_AFTER_WORKING_DAYS = 2
# How far back the sweep looks for closures it has not surveyed yet: closures older than
# this (e.g. data loaded before the feature existed) are not surveyed any more.
SURVEY_LOOKBACK_DAYS = 14
PROMOTER_MIN = 9
DETRACTOR_MAX = 6

ONE_DECIMAL = Decimal("0.1")


def answer_problems(csat: object, nps: object) -> dict[str, str]:
    """Field → what is wrong with it; empty when the answer may be stored."""
    problems: dict[str, str] = {}
    for field, value, (low, high) in (("csat", csat, CSAT_RANGE), ("nps", nps, NPS_RANGE)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems[field] = str(
                _("Choose a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
            )
    return problems


def nps_score(promoters: int, detractors: int, answers: int) -> Decimal | None:
    """Net promoter score: % promoters (9–10) minus % detractors (0–6), −100…100."""
    if not answers:
        return None
    return (Decimal(100 * (promoters - detractors)) / answers).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(ONE_DECIMAL, ROUND_HALF_UP)


# --- the service-star composite ------------------------------------------------------------

# Each component on a 0–100 scale and its weight. A component a person has no data for is
# left out and the remaining weights are rescaled, so nobody gains or loses by a missing
# figure; a person with no component at all is not ranked.
STAR_WEIGHTS: dict[str, Decimal] = {
    "csat": Decimal("0.40"),
    "nps": Decimal("0.20"),
    "sla": Decimal("0.25"),
    "complaints": Decimal("0.15"),
}
# Each figure's definition, shown beside it on the star board.
KPI_DEFINITIONS = {
    "csat": _(
        "CSAT: average satisfaction rating (1–5) of the surveys answered in the period "
        "about cases the person owns."
    ),
    "nps": _("NPS: share of answers rating 9–10 minus share rating 0–6, in points (−100 to 100)."),
    "answers": _("Answers: surveys answered in the period."),
    "cycle": _(
        "Cycle time: median time from opening to closing of the cases the person owns "
        "that closed in the period."
    ),
    "sla": _(
        "SLA compliance: clocks met ÷ (met + breached) on the person's cases, counted "
        "when the clock stopped in the period; cancelled clocks do not count."
    ),
    "complaints": _(
        "Complaint rate: complaint tickets opened in the period about claims the "
        "person owns, per 100 cases the person closed."
    ),
}
STAR_DEFINITION = _(
    "Service-star score (0–100) = 0.40 × satisfaction (CSAT 1–5 mapped to 0–100) + 0.20 × NPS "
    "(−100…100 mapped to 0–100) + 0.25 × SLA compliance + 0.15 × (100 − complaints per 100 "
    "closed cases, floored at 0). Figures without data are left out and the other weights "
    "rescaled."
)


def star_components(
    csat: Decimal | None, nps: Decimal | None, sla: Decimal | None, complaints: Decimal | None
) -> dict[str, Decimal]:
    parts: dict[str, Decimal] = {}
    if csat is not None:
        parts["csat"] = (Decimal(csat) - 1) * 25
    if nps is not None:
        parts["nps"] = (Decimal(nps) + 100) / 2
    if sla is not None:
        parts["sla"] = Decimal(sla)
    if complaints is not None:
        parts["complaints"] = max(Decimal(0), 100 - Decimal(complaints))
    return parts


def star_score(
    csat: Decimal | None, nps: Decimal | None, sla: Decimal | None, complaints: Decimal | None
) -> Decimal | None:
    parts = star_components(csat, nps, sla, complaints)
    if not parts:
        return None
    weight = sum((STAR_WEIGHTS[k] for k in parts), Decimal(0))
    total = sum((STAR_WEIGHTS[k] * v for k, v in parts.items()), Decimal(0))
    return (total / weight).quantize(ONE_DECIMAL, ROUND_HALF_UP)


# --- proactive service ---------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render_template(text: str, values: Mapping[str, object]) -> str:
    """Fill ``{name}`` placeholders; unknown ones stay visible rather than failing."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def city_of(place: str, cities: Iterable[str]) -> str | None:
    """The first known city named in a free-text place (上海市浦东新区… → 上海)."""
    place = place or ""
    for city in sorted(set(cities), key=len, reverse=True):
        if city and city in place:
            return city
    return None


def add_years(day: date, years: int) -> date:
    """Same calendar date ``years`` later; 29 Feb becomes 28 Feb in other years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def next_anniversary(start: date, today: date) -> date:
    """The first anniversary of ``start`` on or after ``today`` (never ``start`` itself)."""
    years = max(1, today.year - start.year)
    anniversary = add_years(start, years)
    while anniversary < today:
        years += 1
        anniversary = add_years(start, years)
    return anniversary


def anniversary_due(start: date, end: date, today: date, days_before: int) -> date | None:
    """The anniversary whose walkthrough is due today, if any.

    Due from ``days_before`` days ahead until the day itself, so a sweep that missed the
    exact day still sends it; the firing's key (policy + year) keeps it to once. The
    renewal of a one-year policy (end + 1 day) is its anniversary.
    """
    anniversary = next_anniversary(start, today)
    if anniversary > end + timedelta(days=1):
        return None
    if anniversary - timedelta(days=days_before) <= today <= anniversary:
        return anniversary
    return None


@dataclass(frozen=True)
class ShopLine:
    name: str
    address: str
    phone: str
    courtesy_car: bool


def shops_text(shops: Iterable[ShopLine], *, courtesy_label: str) -> str:
    return "\n".join(
        f"- {s.name}, {s.address}, {s.phone}" + (f" ({courtesy_label})" if s.courtesy_car else "")
        for s in shops
    )


# --- call-back after a dissatisfied answer ----------------------------------------------------

# A CSAT this low (of 5) or an NPS of a detractor (0–6) is a dissatisfied answer: the case owner
# calls the customer back within one working day and records what came of it.
DISSATISFIED_CSAT_MAX = 2
CALLBACK_TASK = "survey_callback"
CALLBACK_SLA = SlaDefault(
    "survey_callback",
    "不满意回电 Call back a dissatisfied customer",
    Unit.WORKING_DAYS,
    Decimal("1"),
    "回访不满意（满意度≤2分或推荐值0–6分）：1个工作日内回电",
)


def dissatisfied(csat: int | None, nps: int | None) -> bool:
    """Whether a survey answer asks for a call-back: low CSAT or an NPS detractor."""
    return (csat is not None and csat <= DISSATISFIED_CSAT_MAX) or (
        nps is not None and nps <= DETRACTOR_MAX
    )


def callback_problems(reached: object, agreed: str, note: str) -> dict[str, str]:
    """Field → what is missing from a call-back outcome; empty when it may be recorded.

    Reached: what was agreed with the customer is required. Not reached: a note (when and how
    it was tried) is."""
    problems: dict[str, str] = {}
    if reached not in (True, False):
        problems["reached"] = str(_("Say whether the customer was reached."))
    elif reached and not agreed.strip():
        problems["agreed"] = str(_("Write down what was agreed with the customer."))
    elif not reached and not note.strip():
        problems["note"] = str(_("Note when and how you tried to reach the customer."))
    return problems
