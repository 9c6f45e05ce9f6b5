"""The range of input the product accepts at its edges, in one place.

A date or a number from a client is refused with a clear 422 when it lies outside what the
product can reason about, instead of failing deep inside (an ``OverflowError`` in date
arithmetic, a SQLite integer overflow, a calendar asked about the year 9999):

- dates and times: 1900-01-01 … 2200-12-31, written as ISO 8601 text (``2026-09-30``,
  ``2026-09-30T10:00:00+08:00``); a bare number such as ``0`` is not a date;
- paging: a page size of 1…``PAGE_SIZE_MAX``, an offset or a page number below
  ``OFFSET_MAX``;
- any other integer beyond a 64-bit column is a 400 (``api.overflow_error``).

Narrower business ranges (a loss time not before 1970, working days no further than the
calendar reaches) are the apps' rules and are checked there.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from ninja import Schema
from ninja.pagination import LimitOffsetPagination, PageNumberPagination
from pydantic import AfterValidator, BeforeValidator, Field

EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)
PAGE_SIZE_MAX = 500
OFFSET_MAX = 1_000_000

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def _text_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        return value.strip()
    raise ValueError("a date is written as YYYY-MM-DD, e.g. 2026-09-30")


def _text_moment(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_MOMENT.match(value.strip()):
        return value.strip()
    raise ValueError("a time is written as ISO 8601, e.g. 2026-09-30T10:00:00+08:00")


def in_range(day: date) -> bool:
    """Is ``day`` inside the range the product accepts?"""
    return EARLIEST <= day <= LATEST


def _range_message() -> str:
    return f"must lie between {EARLIEST.isoformat()} and {LATEST.isoformat()}"


def _date_in_range(value: date) -> date:
    if not in_range(value):
        raise ValueError(f"the date {_range_message()}")
    return value


def _moment_in_range(value: datetime) -> datetime:
    # The day as written (its own offset), so a day's edge does not depend on the server's zone.
    if not in_range(value.date()):
        raise ValueError(f"the time {_range_message()}")
    # An offset of a whole minute within ±18 h, as RFC 3339 can write it.
    offset = value.utcoffset()
    if offset is not None and (offset % timedelta(minutes=1) or abs(offset) > timedelta(hours=18)):
        raise ValueError("the time's offset must be whole minutes within ±18:00")
    return value


# An ISO 8601 date between EARLIEST and LATEST.
Day = Annotated[date, BeforeValidator(_text_date), AfterValidator(_date_in_range)]
# An ISO 8601 date and time whose day lies between EARLIEST and LATEST.
Moment = Annotated[datetime, BeforeValidator(_text_moment), AfterValidator(_moment_in_range)]


class LimitOffsetInput(Schema):
    limit: int = Field(100, ge=1, le=PAGE_SIZE_MAX)
    offset: int = Field(0, ge=0, le=OFFSET_MAX)


class PageNumberInput(Schema):
    page: int = Field(1, ge=1, le=OFFSET_MAX)
    page_size: int | None = Field(None, ge=1, le=PAGE_SIZE_MAX)


class LimitOffset(LimitOffsetPagination):
    """``?limit=&offset=`` paging with both numbers bounded (a clear 422 beyond them)."""

    Input = LimitOffsetInput  # type: ignore[assignment]


class PageNumber(PageNumberPagination):
    """``?page=&page_size=`` paging with both numbers bounded (a clear 422 beyond them)."""

    Input = PageNumberInput  # type: ignore[assignment]
