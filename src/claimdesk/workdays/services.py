"""Writes to the holiday calendar: loading a year's official schedule."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

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


def _parse_rows(text: str) -> list[tuple[date, bool, str]]:
    rows, errors = [], []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for lineno, raw in enumerate(reader, start=1):
        cells = [c.strip() for c in raw]
        if not cells or not cells[0] or cells[0].startswith("#"):
            continue
        if lineno == 1 and cells[0].lower() == "date":
            continue
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
        rows.append((day, _WORKING[kind], cells[2] if len(cells) > 2 else ""))
    if errors:
        raise ScheduleImportError(errors)
    if not rows:
        raise ScheduleImportError(["the file holds no dates"])
    return rows


def official_schedule_import(
    *, text: str, source: str = "", complete: bool = True
) -> ScheduleImport:
    """Load holidays and 调休 working days (CSV ``date,type,name``) as overrides.

    ``complete`` says the file is a year's whole official schedule: those years stop using
    the provisional statutory fallback. All or nothing: a bad row writes nothing.
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
            for year in result.years:
                OfficialScheduleYear.objects.update_or_create(
                    year=year, defaults={"source": source[:200]}
                )
    return result
