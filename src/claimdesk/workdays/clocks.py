"""SLA clock arithmetic: due times, and the time a clock counts, per unit (SPEC "Clock semantics").

Each unit defines which instants a clock *counts*:
- working days: every instant of a working day (00:00–24:00);
- business hours: the business window (default 09:00–18:00) of a working day;
- wall-clock hours and calendar days: every instant (7×24).

``due_at`` applies the rule's own wording ("end of the Nth working day after the day of the
event"); ``counted`` and ``advance`` measure and spend counted time, which is what lets a
paused clock resume with exactly the time it had left.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from claimdesk.workdays.calendar import MAX_SCAN_DAYS, CalendarGap, WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZERO = timedelta(0)


class Unit(StrEnum):
    WORKING_DAYS = "working_days"
    BUSINESS_HOURS = "business_hours"
    HOURS = "hours"
    CALENDAR_DAYS = "calendar_days"


@dataclass(frozen=True)
class BusinessHours:
    opens: time = time(9, 0)
    closes: time = time(18, 0)

    @classmethod
    def parse(cls, text: str) -> BusinessHours:
        """Parse ``"09:00-18:00"``."""
        try:
            start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError as exc:
            raise ValueError(f"business hours {text!r} are not like 09:00-18:00") from exc
        if end <= start:
            raise ValueError(f"business hours {text!r} close before they open")
        return cls(start, end)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: SLA arithmetic needs aware datetimes")
    return moment.astimezone(SHANGHAI)


@dataclass(frozen=True)
class Clock:
    """Counts time for one unit on one calendar."""

    unit: Unit
    calendar: WorkCalendar
    hours: BusinessHours = BusinessHours()

    def due_at(self, start: datetime, amount: Decimal) -> datetime:
        """When a rule of ``amount`` units, started by an event at ``start``, falls due."""
        local = to_local(start)
        if self.unit is Unit.WORKING_DAYS:
            day = self.calendar.add_working_days(local.date(), _whole(amount))
            return local_midnight(day + timedelta(days=1))
        if self.unit is Unit.CALENDAR_DAYS:
            return local_midnight(local.date() + timedelta(days=_whole(amount) + 1))
        span = timedelta(seconds=int(Decimal(amount) * 3600))
        if self.unit is Unit.HOURS:
            return local + span
        return self.advance(local, span)

    def period_end(self, due: datetime) -> datetime:
        """民法典 §203: a period whose last day is a rest day or a holiday ends at the end
        of the next working day (调休 working days count as working).

        ``due`` is the period's plain end; its last day is the day of the last instant
        before it (a due at 00:00 ends the day before). A last day that is a working day
        leaves ``due`` unchanged.
        """
        due = to_local(due)
        last_day = (due - timedelta(microseconds=1)).date()
        if self.calendar.is_working_day(last_day):
            return due
        return local_midnight(self.calendar.next_working_day(last_day) + timedelta(days=1))

    def counted(self, start: datetime, end: datetime) -> timedelta:
        """Counted time between two instants (zero when ``end`` is not after ``start``)."""
        start, end = to_local(start), to_local(end)
        if end <= start:
            return ZERO
        if not self._uses_calendar:
            return end - start
        total = ZERO
        for lo, hi in self._windows(start.date()):
            if lo >= end:
                break
            total += max(ZERO, min(hi, end) - max(lo, start))
        return total

    def advance(self, start: datetime, amount: timedelta) -> datetime:
        """The instant at which ``amount`` of counted time has passed since ``start``."""
        start = to_local(start)
        if amount <= ZERO:
            return start
        if not self._uses_calendar:
            return start + amount
        left = amount
        for lo, hi in self._windows(start.date()):
            begin = max(lo, start)
            if begin >= hi:
                continue
            if begin + left <= hi:
                return begin + left
            left -= hi - begin
        raise CalendarGap("clock ran past the calendar")  # pragma: no cover - _windows raises

    @property
    def _uses_calendar(self) -> bool:
        return self.unit in (Unit.WORKING_DAYS, Unit.BUSINESS_HOURS)

    def _windows(self, first: date) -> Iterator[tuple[datetime, datetime]]:
        """Counted windows, day by day from ``first``; working days only."""
        day, idle = first, 0
        while True:
            if self.calendar.is_working_day(day):
                idle = 0
                if self.unit is Unit.WORKING_DAYS:
                    yield local_midnight(day), local_midnight(day + timedelta(days=1))
                else:
                    yield (
                        datetime.combine(day, self.hours.opens, tzinfo=SHANGHAI),
                        datetime.combine(day, self.hours.closes, tzinfo=SHANGHAI),
                    )
            else:
                idle += 1
                if idle > MAX_SCAN_DAYS:
                    raise CalendarGap(f"no working day for {MAX_SCAN_DAYS} days after {first}")
            day += timedelta(days=1)


def _whole(amount: Decimal) -> int:
    if amount != amount.to_integral_value() or amount < 0:
        raise ValueError(f"day-based rules need a whole, non-negative number of days: {amount}")
    return int(amount)
