"""Input too large or too odd for the machinery is refused with a clear error, never a 500."""

from datetime import date

import pytest

from claimdesk.analytics.filters import FilterError, Filters, parse_period
from claimdesk.notices.rules import money
from claimdesk.payments.rules import bank_amount


@pytest.mark.parametrize("raw", ["1e30", "1E+26", "9" * 29])
def test_amounts_too_large_to_round_are_unreadable(raw):
    assert bank_amount(raw) is None
    assert money(raw) is None


@pytest.mark.parametrize("period", ["0000", "0000Q1", "0000-01"])
def test_periods_outside_the_calendar_are_refused(period):
    with pytest.raises(FilterError):
        parse_period(period)


def test_periods_too_close_to_the_calendars_ends_are_refused():
    with pytest.raises(FilterError):
        Filters(start=date(9999, 10, 1), end=date(9999, 12, 31))
    with pytest.raises(FilterError):
        Filters(start=date(1, 1, 1), end=date(1, 1, 31))
