"""The period-end rule (民法典 §203) over a decade of dates, 2018–2027.

A statutory period counted in calendar days whose last day is a rest day or a holiday ends at
the end of the next working day (调休 working days count as working); every other rule keeps
the due time its wording gives. Checked through ``sla_due_at``, the one computation that
clocks, the API and the CLI read, on unsaved rules (no database), on the official calendar and
on calendars with random admin overrides.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimdesk.cases.models import SlaRule
from claimdesk.cases.services import sla_due_at
from claimdesk.workdays.calendar import Override, WorkCalendar
from claimdesk.workdays.clocks import SHANGHAI, Clock, Unit

FIRST, LAST = date(2018, 1, 1), date(2027, 12, 31)
OFFICIAL = WorkCalendar()
EPSILON = timedelta(microseconds=1)

decade = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

days = st.dates(min_value=FIRST, max_value=LAST)
# The seeded statutory periods (3, 10, 15, 30, 60 days) and any other whole number of days.
day_amounts = st.one_of(st.sampled_from([3, 10, 15, 30, 60]), st.integers(0, 120))


@st.composite
def moments(draw):
    """Aware Shanghai instants in the decade, to the minute."""
    day = draw(days)
    minute = draw(st.integers(min_value=0, max_value=24 * 60 - 1))
    return datetime.combine(day, time(0), tzinfo=SHANGHAI) + timedelta(minutes=minute)


@st.composite
def calendars(draw):
    """The official calendar, or one with up to 30 random admin overrides."""
    overrides = draw(st.dictionaries(days, st.builds(Override, working=st.booleans()), max_size=30))
    return WorkCalendar(overrides=overrides)


def rule(unit: Unit, amount: int, *, statutory: bool) -> SlaRule:
    return SlaRule(code="r", name="r", unit=unit, amount=Decimal(amount), statutory=statutory)


def last_day(due: datetime) -> date:
    """The last day of a period that ends at ``due`` (00:00 ends the day before)."""
    return (due.astimezone(SHANGHAI) - EPSILON).date()


@decade
@given(cal=calendars(), start=moments(), n=day_amounts)
def test_a_statutory_period_never_ends_on_a_day_off(cal, start, n):
    due = sla_due_at(rule(Unit.CALENDAR_DAYS, n, statutory=True), start, cal)
    assert cal.is_working_day(last_day(due))
    assert due.astimezone(SHANGHAI).time() == time(0)  # at the end (24:00) of that day


@decade
@given(cal=calendars(), start=moments(), n=day_amounts)
def test_it_ends_no_earlier_than_the_plain_period_and_on_the_first_working_day(cal, start, n):
    due = sla_due_at(rule(Unit.CALENDAR_DAYS, n, statutory=True), start, cal)
    plain = Clock(Unit.CALENDAR_DAYS, cal).due_at(start, Decimal(n))
    assert due >= plain
    # every day between the plain last day and the moved one is a day off: the first
    # working day, never a later one
    day = last_day(plain)
    while day < last_day(due):
        assert not cal.is_working_day(day)
        day += timedelta(days=1)


@decade
@given(cal=calendars(), start=moments(), n=day_amounts)
def test_a_plain_last_day_that_is_a_working_day_keeps_the_due_time(cal, start, n):
    plain = Clock(Unit.CALENDAR_DAYS, cal).due_at(start, Decimal(n))
    due = sla_due_at(rule(Unit.CALENDAR_DAYS, n, statutory=True), start, cal)
    assert (due == plain) == cal.is_working_day(last_day(plain))


@decade
@given(
    cal=calendars(),
    start=moments(),
    n=st.integers(0, 60),
    unit=st.sampled_from(list(Unit)),
    statutory=st.booleans(),
)
def test_unflagged_rules_and_other_units_are_unchanged(cal, start, n, unit, statutory):
    """Only a statutory rule in calendar days moves: a working-day or hour-based clock (even
    one marked statutory) and a non-statutory calendar-day rule keep their wording's due."""
    if statutory and unit is Unit.CALENDAR_DAYS:
        return
    due = sla_due_at(rule(unit, n, statutory=statutory), start, cal)
    assert due == Clock(unit, cal).due_at(start, Decimal(n))


def test_national_day_2026_by_hand():
    """30 days from 1 Sept end on Thu 1 Oct, inside the holiday (1–7 Oct): the period ends
    with Thu 8 Oct. 3 days from Mon 28 Sept end on 1 Oct too; 10 days end on 8 Oct itself."""
    statutory = rule(Unit.CALENDAR_DAYS, 30, statutory=True)
    start = datetime(2026, 9, 1, 10, tzinfo=SHANGHAI)
    assert sla_due_at(statutory, start, OFFICIAL) == datetime(2026, 10, 9, tzinfo=SHANGHAI)
    notice = rule(Unit.CALENDAR_DAYS, 3, statutory=True)
    sept28 = datetime(2026, 9, 28, 10, tzinfo=SHANGHAI)
    assert sla_due_at(notice, sept28, OFFICIAL) == datetime(2026, 10, 9, tzinfo=SHANGHAI)
    agreed = rule(Unit.CALENDAR_DAYS, 10, statutory=True)
    assert sla_due_at(agreed, sept28, OFFICIAL) == datetime(2026, 10, 9, tzinfo=SHANGHAI)
    # the same 30 days, not statutory: 24:00 of 1 Oct
    plain = rule(Unit.CALENDAR_DAYS, 30, statutory=False)
    assert sla_due_at(plain, start, OFFICIAL) == datetime(2026, 10, 2, tzinfo=SHANGHAI)


def test_a_tiaoxiu_saturday_is_a_working_last_day():
    """Sat 10 Oct 2026 is a 调休 working day: a period ending on it stays put, while one
    ending on Sun 11 Oct moves to Mon 12 Oct."""
    statutory = rule(Unit.CALENDAR_DAYS, 10, statutory=True)
    sept30 = datetime(2026, 9, 30, 10, tzinfo=SHANGHAI)
    assert sla_due_at(statutory, sept30, OFFICIAL) == datetime(2026, 10, 11, tzinfo=SHANGHAI)
    oct1 = datetime(2026, 10, 1, 10, tzinfo=SHANGHAI)
    assert sla_due_at(statutory, oct1, OFFICIAL) == datetime(2026, 10, 13, tzinfo=SHANGHAI)


@decade
@given(cal=calendars(), end=moments())
def test_a_period_end_at_any_instant_moves_only_off_a_day_off(cal, end):
    """A resumed clock's period can end at any instant (not only at 24:00): it stays where it
    is on a working day, else moves to 24:00 of the first working day after."""
    moved = Clock(Unit.CALENDAR_DAYS, cal).period_end(end)
    if cal.is_working_day(last_day(end)):
        assert moved == end
    else:
        assert moved > end
        assert moved.astimezone(SHANGHAI).time() == time(0)
        assert cal.is_working_day(last_day(moved))
        assert cal.next_working_day(last_day(end)) == last_day(moved)
