"""Which days are working days in mainland China, and where that knowledge comes from.

Pure Python, no ORM: the database-backed overrides are passed in (see ``selectors``).

Sources, strongest first:
1. admin overrides (``HolidayOverride``), e.g. a year's official schedule loaded from CSV;
2. chinese-calendar, which knows the State Council schedule (holidays *and* 调休 working
   Saturdays/Sundays) for the years it covers;
3. for a year nobody covers yet, the *provisional* statutory holidays fixed by the
   全国年节及纪念日放假办法 (2024 revision), with 补假 per its article 5 — but without 调休,
   which only the official schedule can say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import chinese_calendar
from lunar_python import Lunar, Solar

from claimdesk.bounds import EARLIEST, LATEST

# A calendar that says "no working day" for this long is broken, not merely festive.
MAX_SCAN_DAYS = 3660
# The days the calendar answers for: the product's date range. Beyond it the statutory
# holidays are a guess on a guess, and date arithmetic nears Python's year 9999.
FIRST_DAY = EARLIEST
LAST_DAY = LATEST


class DaySource(StrEnum):
    OVERRIDE = "override"
    OFFICIAL = "official"
    PROVISIONAL = "provisional"
    WEEKDAY = "weekday"


@dataclass(frozen=True)
class DayInfo:
    day: date
    working: bool
    name: str
    source: DaySource


@dataclass(frozen=True)
class Override:
    working: bool
    name: str = ""


class CalendarGap(Exception):
    """The calendar has no working day in a very long span: the overrides are wrong."""


class OutsideCalendar(ValueError):
    """A question about a day the calendar does not cover (before FIRST_DAY or after
    LAST_DAY): the asker's input is out of range, which an API answers with a 400."""

    def __init__(self, day: date) -> None:
        self.day = day
        super().__init__(f"{day} is outside the working-day calendar ({FIRST_DAY} … {LAST_DAY})")


@lru_cache(maxsize=64)
def library_covers(year: int) -> bool:
    """True when chinese-calendar knows the official schedule of ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _lunar_to_solar(year: int, month: int, day: int) -> date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    solar = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=64)
def provisional_holidays(year: int) -> Mapping[date, str]:
    """Statutory days off of ``year`` by the 2024 放假办法, including weekday 补假.

    春节 is 除夕 plus the first three days of the first lunar month. Article 5: a holiday
    day falling on a Saturday or Sunday is made up on the following weekday(s). Two holidays
    on the same day (中秋 on 1–3 October, e.g. 2028) are both owed: the later one is made up
    like a weekend day, so the year keeps all of its statutory days off.
    """
    spring = _lunar_to_solar(year, 1, 1)
    blocks: list[tuple[str, list[date]]] = [
        ("元旦", [date(year, 1, 1)]),
        ("春节", [spring + timedelta(days=i) for i in range(-1, 3)]),
        ("清明节", [_qingming(year)]),
        ("劳动节", [date(year, 5, 1), date(year, 5, 2)]),
        ("端午节", [_lunar_to_solar(year, 5, 5)]),
        ("中秋节", [_lunar_to_solar(year, 8, 15)]),
        ("国庆节", [date(year, 10, d) for d in (1, 2, 3)]),
    ]
    days: dict[date, str] = {}
    for name, block in blocks:
        for d in block:
            days.setdefault(d, name)
    for name, block in blocks:
        owed = sum(1 for d in block if d.weekday() >= 5 or days[d] != name)
        cursor = max(block)
        while owed:
            cursor += timedelta(days=1)
            if cursor.weekday() < 5 and cursor not in days:
                days[cursor] = f"{name}(补假)"
                owed -= 1
    return {d: n for d, n in days.items() if d.year == year}


@dataclass
class WorkCalendar:
    """Working-day calendar with admin overrides layered over the official schedule.

    ``official_years`` are years whose complete official schedule was loaded as overrides:
    for them the provisional fallback is never used.
    """

    overrides: Mapping[date, Override] = field(default_factory=dict)
    official_years: frozenset[int] = frozenset()

    def day_info(self, day: date) -> DayInfo:
        if not FIRST_DAY <= day <= LAST_DAY:
            raise OutsideCalendar(day)
        override = self.overrides.get(day)
        if override is not None:
            return DayInfo(day, override.working, override.name, DaySource.OVERRIDE)
        weekday_working = day.weekday() < 5
        if day.year in self.official_years:
            return DayInfo(day, weekday_working, "", DaySource.WEEKDAY)
        if library_covers(day.year):
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            return DayInfo(day, not on_holiday, name or "", DaySource.OFFICIAL)
        name = provisional_holidays(day.year).get(day)
        if name is not None:
            return DayInfo(day, False, name, DaySource.PROVISIONAL)
        return DayInfo(day, weekday_working, "", DaySource.PROVISIONAL)

    def is_working_day(self, day: date) -> bool:
        return self.day_info(day).working

    def is_provisional(self, year: int) -> bool:
        return year not in self.official_years and not library_covers(year)

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted).

        ``n == 0`` returns ``start`` unchanged.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        day = start
        rest = 0  # consecutive days off just scanned
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
                rest = 0
            else:
                rest += 1
                if rest > MAX_SCAN_DAYS:
                    raise CalendarGap(f"no working day found after {start}")
        return day

    def next_working_day(self, start: date) -> date:
        """``start`` if it is a working day, else the first working day after it."""
        day = start
        for _ in range(MAX_SCAN_DAYS):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise CalendarGap(f"no working day found from {start}")

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for d in _days(start + timedelta(days=1), end) if self.is_working_day(d))

    def provisional_years(self, years: Iterable[int]) -> list[int]:
        return [y for y in years if self.is_provisional(y)]


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
