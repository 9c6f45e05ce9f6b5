"""Writes to the holiday calendar: loading a year's official schedule."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import CharField

from claimdesk.workdays.models import HolidayOverride, OfficialScheduleYear

_WORKING = {
    "workday": True,
    "working": True,
    "班": True,
    "上班": True,
    "调休上班": True,
    "holiday": False,
    "off": False,
    "休": False,
    "放假": False,
}


class ScheduleImportError(ValueError):
    """The file has rows that cannot be read; nothing was written."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class ScheduleImport:
    created: int = 0
    updated: int = 0
    years: list[int] = field(default_factory=list)
    official_years: list[int] = field(default_factory=list)


_NAME = HolidayOverride._meta.get_field("name")
assert isinstance(_NAME, CharField) and _NAME.max_length is not None
NAME_MAX: int = _NAME.max_length


def _parse_rows(text: str) -> list[tuple[date, bool, str]]:
    rows: list[tuple[date, bool, str]] = []
    errors: list[str] = []
    seen: dict[date, int] = {}
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for lineno, raw in enumerate(reader, start=1):
        cells = [c.strip() for c in raw]
        if not cells or not cells[0] or cells[0].startswith("#"):
            continue
        if not rows and not errors and cells[0].lower() == "date":
            continue  # the header, possibly after comment lines
        if len(cells) < 2:
            errors.append(f"line {lineno}: expected date,type[,name]")
            continue
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            errors.append(f"line {lineno}: {cells[0]!r} is not a date like 2027-02-06")
            continue
        kind = cells[1].lower()
        if kind not in _WORKING:
            errors.append(f"line {lineno}: type {cells[1]!r} is not holiday or workday")
            continue
        name = cells[2] if len(cells) > 2 else ""
        if len(name) > NAME_MAX:
            errors.append(f"line {lineno}: name is longer than {NAME_MAX} characters")
            continue
        if day in seen:
            errors.append(f"line {lineno}: {day} is already given on line {seen[day]}")
            continue
        seen[day] = lineno
        rows.append((day, _WORKING[kind], name))
    if errors:
        raise ScheduleImportError(errors)
    if not rows:
        raise ScheduleImportError(["the file holds no dates"])
    return rows


def _schedule_years(days: set[date]) -> list[int]:
    """The years a schedule file is *about*.

    A State Council notice for year Y may carry a few days of its neighbour, e.g. the 元旦
    break or a 调休 Saturday late in December of Y-1 (the 2019 notice: 2018-12-29 working,
    2018-12-30/31 off). Such a spill-over year is loaded as overrides but is not a complete
    schedule: marking it official would drop its library or provisional holidays.
    """
    years = {d.year for d in days}

    def spill_over(year: int) -> bool:
        months = {d.month for d in days if d.year == year}
        return (months == {12} and year + 1 in years) or (months == {1} and year - 1 in years)

    return sorted({y for y in years if not spill_over(y)} or years)


def official_schedule_import(
    *, text: str, source: str = "", complete: bool = True
) -> ScheduleImport:
    """Load holidays and 调休 working days (CSV ``date,type,name``) as overrides.

    ``complete`` says the file is a year's whole official schedule: that year stops using
    the provisional statutory fallback (a neighbour year's spill-over days do not make that
    year official). All or nothing: a bad row writes nothing.
    """
    rows = _parse_rows(text)
    result = ScheduleImport()
    with transaction.atomic():
        for day, working, name in rows:
            _, created = HolidayOverride.objects.update_or_create(
                day=day, defaults={"working": working, "name": name, "note": source[:200]}
            )
            if created:
                result.created += 1
            else:
                result.updated += 1
        result.years = sorted({day.year for day, _, _ in rows})
        if complete:
            result.official_years = _schedule_years({day for day, _, _ in rows})
            for year in result.official_years:
                OfficialScheduleYear.objects.update_or_create(
                    year=year, defaults={"source": source[:200]}
                )
    return result
