"""Reads that assemble the working-day calendar from the database."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext

from claimdesk.cache import ReferenceCache
from claimdesk.workdays.calendar import Override, WorkCalendar
from claimdesk.workdays.clocks import SHANGHAI, BusinessHours, Clock, Unit
from claimdesk.workdays.models import HolidayOverride, OfficialScheduleYear


def _load_calendar() -> WorkCalendar:
    overrides = {
        o.day: Override(o.working, o.name)
        for o in HolidayOverride.objects.only("day", "working", "name")
    }
    official = frozenset(OfficialScheduleYear.objects.values_list("year", flat=True))
    return WorkCalendar(overrides=overrides, official_years=official)


_calendar_cache = ReferenceCache(_load_calendar, HolidayOverride, OfficialScheduleYear)


def work_calendar() -> WorkCalendar:
    """The calendar as the admin left it: two small queries, kept for a minute per process
    (see ``ReferenceCache``); an edit in this process is seen at once."""
    return _calendar_cache.get()


def business_hours() -> BusinessHours:
    return BusinessHours.parse(settings.CLAIMDESK_BUSINESS_HOURS)


def clock(unit: Unit | str, calendar: WorkCalendar | None = None) -> Clock:
    return Clock(Unit(unit), calendar or work_calendar(), business_hours())


def provisional_year_warnings(now: datetime) -> list[int]:
    """Years an SLA can reach soon (this one and the next) that still run on a guess."""
    year = now.astimezone(SHANGHAI).year
    return work_calendar().provisional_years([year, year + 1])


def provisional_message(year: int) -> str:
    return gettext(
        "%(year)d runs on a provisional calendar: statutory holidays by the 放假办法 without "
        "调休 working days. Load the State Council's official schedule for %(year)d."
    ) % {"year": year}
