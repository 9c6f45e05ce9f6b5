"""Pure rules about policies: cover at a date, waiting periods, masking of personal data."""

from __future__ import annotations

import re
import unicodedata
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


# A phone number as stored: digits only, from a short service number to a landline with
# its area code.
PHONE_DIGITS = re.compile(r"^[0-9]{5,14}$")
_PHONE_NOISE = re.compile(r"[\s\-()（）·.]")


def normalize_phone(value: str) -> str:
    """A phone number as typed or read out (``+86 138-0013-8000``, full-width digits) as
    the digits it is stored as (``13800138000``); anything that is not a phone stays as it
    is, so the caller can refuse it."""
    text = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", value or ""))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text
