"""Pure rules about policies: cover at a date, waiting periods, masking of personal data."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class LossType(StrEnum):
    AUTO = "auto"
    MEDICAL = "medical"
    CRITICAL_ILLNESS = "critical_illness"
    ACCIDENT = "accident"
    PROPERTY = "property"


def in_force(start: date, end: date, day: date) -> bool:
    """Cover runs from the start date to the end date, both inclusive."""
    return start <= day <= end


def waiting_period_ends(start: date, waiting_days: int) -> date:
    """The first day the cover of a waiting-period coverage applies."""
    return start + timedelta(days=waiting_days)


def mask(value: str, keep_start: int, keep_end: int) -> str:
    """Keep the ends of a personal identifier, star the middle (e.g. 310***********1234)."""
    value = value or ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end :]


def mask_id_number(value: str) -> str:
    return mask(value, 3, 4)


def mask_phone(value: str) -> str:
    return mask(value, 3, 4)


def mask_account(value: str) -> str:
    return mask(value, 0, 4)
