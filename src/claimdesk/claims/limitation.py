"""§26 limitation (保险法第二十六条): a claim reported after the limitation period of its
line is flagged for the adjuster, with the clause. Never a rejection: the period is a
defence the insurer may raise, and an acknowledged or interrupted period runs anew, so a
person decides. The rules are pure; ``claim_limitation`` adds the working-day calendar.

The period is two years for every insurance but life insurance (人寿保险), five years for
life insurance, counted from the insured event (the day the insured knew of it; the
reported loss day stands for it). Years count as the 民法典 reads them: from the next day
(§201), ending on the corresponding day, the month's last day when there is none (§202),
and a last day that is a rest day or holiday moves to the next working day (§203)."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from claimdesk.workdays.selectors import work_calendar

# Product lines that are life insurance (人寿保险). Critical-illness, medical and accident
# cover are health and accident insurance: "人寿保险以外的其他保险", two years.
LIFE_LINES = frozenset({"life"})
NON_LIFE_YEARS = 2
LIFE_YEARS = 5

CLAUSE = gettext_noop(
    "Insurance Law art. 26: for insurance other than life insurance, the limitation period "
    "for the insured or the beneficiary to claim compensation or benefits from the insurer "
    "is two years; for life insurance it is five years; both counted from the day they knew "
    "or should have known of the insured event."
)


def limitation_years(product_line: str) -> int:
    return LIFE_YEARS if product_line in LIFE_LINES else NON_LIFE_YEARS


def add_years(day: date, years: int) -> date:
    """The corresponding day ``years`` later; 29 February → 28 February (§202)."""
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


@dataclass(frozen=True)
class Limitation:
    years: int
    event_day: date
    last_day: date  # the last day a report is within the period
    reported_day: date

    @property
    def late(self) -> bool:
        return self.reported_day > self.last_day

    @property
    def days_late(self) -> int:
        return max(0, (self.reported_day - self.last_day).days)


def limitation(
    *,
    product_line: str,
    event_day: date,
    reported_day: date,
    is_working_day: Callable[[date], bool] | None = None,
) -> Limitation:
    """Where a report stands against the §26 period of its line."""
    years = limitation_years(product_line)
    last = add_years(event_day, years)
    if is_working_day is not None:
        for _step in range(60):  # the longest holiday run is well within
            if is_working_day(last):
                break
            last = date.fromordinal(last.toordinal() + 1)
    return Limitation(years, event_day, last, reported_day)


def limitation_reason(found: Limitation) -> str:
    """What the adjuster reads: the dates, the period, the clause, and that it decides
    nothing."""
    return (
        _(
            "Reported on %(reported)s, %(late)s days after the %(years)s-year limitation "
            "period from the insured event on %(event)s ended on %(last)s. Weigh it when "
            "deciding; it is not a rejection."
        )
        % {
            "reported": found.reported_day.isoformat(),
            "late": found.days_late,
            "years": found.years,
            "event": found.event_day.isoformat(),
            "last": found.last_day.isoformat(),
        }
        + " "
        + _(CLAUSE)
    )


def claim_limitation(product_line: str, loss_day: date, reported_day: date) -> Limitation:
    """The §26 period of a report on the admin's working-day calendar."""
    return limitation(
        product_line=product_line,
        event_day=loss_day,
        reported_day=reported_day,
        is_working_day=work_calendar().is_working_day,
    )
