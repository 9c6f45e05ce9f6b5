"""Properties of working-day arithmetic over 2025–2027 (official, official, provisional).

Also run on calendars with random admin overrides, since overrides win over every source.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimdesk.workdays.calendar import Override, WorkCalendar
from claimdesk.workdays.clocks import SHANGHAI, Clock, Unit

FIRST, LAST = date(2025, 1, 1), date(2027, 12, 31)
PLAIN = WorkCalendar()

fast = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

days = st.dates(min_value=FIRST, max_value=LAST)
counts = st.integers(min_value=1, max_value=30)


@st.composite
def calendars(draw):
    """The plain calendar, or one with up to 20 random overrides (days off / working days)."""
    overrides = draw(
        st.dictionaries(
            days,
            st.builds(Override, working=st.booleans()),
            max_size=20,
        )
    )
    official = draw(st.sets(st.sampled_from([2025, 2026, 2027]), max_size=1))
    return WorkCalendar(overrides=overrides, official_years=frozenset(official))


@st.composite
def moments(draw):
    """Aware Shanghai instants in 2025–2027, to the minute."""
    day = draw(days)
    minute = draw(st.integers(min_value=0, max_value=24 * 60 - 1))
    return datetime.combine(day, time(0), tzinfo=SHANGHAI) + timedelta(minutes=minute)


@fast
@given(cal=calendars(), start=days, n=counts)
def test_add_working_days_lands_on_a_working_day(cal, start, n):
    assert cal.is_working_day(cal.add_working_days(start, n))


@fast
@given(cal=calendars(), start=days, n=counts)
def test_add_working_days_is_strictly_monotonic(cal, start, n):
    assert start < cal.add_working_days(start, n) < cal.add_working_days(start, n + 1)


@fast
@given(cal=calendars(), start=days, n=counts)
def test_working_days_between_undoes_add(cal, start, n):
    end = cal.add_working_days(start, n)
    assert cal.working_days_between(start, end) == n
    assert cal.working_days_between(end, start) == -n
    # No working day is skipped: the day before the n-th has only n-1 behind it.
    assert cal.working_days_between(start, end - timedelta(days=1)) == n - 1


@fast
@given(cal=calendars(), start=days, n=counts)
def test_add_is_n_single_steps(cal, start, n):
    step = start
    for _ in range(n):
        step = cal.add_working_days(step, 1)
    assert step == cal.add_working_days(start, n)


@fast
@given(start=moments(), n=counts)
def test_working_days_due_is_midnight_after_a_working_day(start, n):
    due = Clock(Unit.WORKING_DAYS, PLAIN).due_at(start, Decimal(n))
    assert due.time() == time(0)
    last_day = due.date() - timedelta(days=1)
    assert PLAIN.is_working_day(last_day)
    assert PLAIN.working_days_between(start.date(), last_day) == n


@fast
@given(
    cal=calendars(),
    unit=st.sampled_from([Unit.WORKING_DAYS, Unit.BUSINESS_HOURS]),
    start=moments(),
    minutes=st.integers(min_value=1, max_value=20 * 24 * 60),
)
def test_counted_undoes_advance(cal, unit, start, minutes):
    clk = Clock(unit, cal)
    amount = timedelta(minutes=minutes)
    end = clk.advance(start, amount)
    assert end > start
    assert clk.counted(start, end) == amount
    # The clock ends inside counted time, i.e. on a working day (within business hours).
    local = end.astimezone(SHANGHAI)
    if unit is Unit.BUSINESS_HOURS:
        assert time(9) < local.time() <= time(18)
        assert cal.is_working_day(local.date())
    else:
        assert cal.is_working_day((local - timedelta(microseconds=1)).date())


@fast
@given(
    unit=st.sampled_from([Unit.WORKING_DAYS, Unit.BUSINESS_HOURS]),
    start=moments(),
    a=st.integers(min_value=1, max_value=5 * 24 * 60),
    b=st.integers(min_value=1, max_value=5 * 24 * 60),
)
def test_counted_time_adds_up(unit, start, a, b):
    """Spending a then b equals spending a + b (what lets a paused clock resume intact)."""
    clk = Clock(unit, PLAIN)
    middle = clk.advance(start, timedelta(minutes=a))
    end = clk.advance(middle, timedelta(minutes=b))
    assert end == clk.advance(start, timedelta(minutes=a + b))
    assert clk.counted(start, middle) + clk.counted(middle, end) == clk.counted(start, end)
