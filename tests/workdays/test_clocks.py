"""Due times and counted time per unit (SPEC "Clock semantics"), on real 2026/2027 dates."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from claimdesk.cases.models import SlaRule
from claimdesk.workdays.calendar import Override, WorkCalendar
from claimdesk.workdays.clocks import BusinessHours, Clock, Unit
from claimdesk.workdays.selectors import clock
from tests.conftest import at

CAL = WorkCalendar()
WORKING_DAYS = Clock(Unit.WORKING_DAYS, CAL)
BUSINESS_HOURS = Clock(Unit.BUSINESS_HOURS, CAL)
HOURS = Clock(Unit.HOURS, CAL)
CALENDAR_DAYS = Clock(Unit.CALENDAR_DAYS, CAL)
H = timedelta(hours=1)


# --- working days: due at the end (24:00) of the Nth working day after the event day ----


@pytest.mark.parametrize(
    ("event", "days", "due"),
    [
        # SPEC example: reported Wed 30 Sept 10:00, contact within 1 working day.
        ("2026-09-30 10:00", 1, "2026-10-09 00:00"),
        ("2026-09-30 23:59", 1, "2026-10-09 00:00"),
        ("2026-09-30 00:00", 1, "2026-10-09 00:00"),
        ("2026-10-03 15:00", 1, "2026-10-09 00:00"),  # reported during the holiday
        ("2026-09-30 10:00", 3, "2026-10-11 00:00"),  # objection: 8, 9, 10 (Sat 调休) Oct
        ("2026-09-30 10:00", 5, "2026-10-14 00:00"),  # payment: 8, 9, 10, 12, 13 Oct
        ("2026-09-24 16:00", 1, "2026-09-29 00:00"),  # over Mid-autumn (25–27 Sept)
        ("2026-02-13 10:00", 1, "2026-02-15 00:00"),  # Sat 14 Feb is a 调休 working day
        ("2026-02-14 10:00", 1, "2026-02-25 00:00"),  # then Spring Festival
        ("2026-04-30 18:00", 1, "2026-05-07 00:00"),  # Labour Day 1–5 May
        ("2026-05-08 09:00", 1, "2026-05-10 00:00"),  # Sat 9 May is a 调休 working day
        # Late December 2026, deadline in provisional 2027: 1 Jan (Fri) off, then a weekend.
        ("2026-12-31 10:00", 1, "2027-01-05 00:00"),
        ("2026-12-30 10:00", 3, "2027-01-06 00:00"),
        ("2027-02-03 10:00", 5, "2027-02-17 00:00"),  # 5–10 Feb off incl. 补假
    ],
)
def test_working_days_due_at_end_of_nth_working_day(event, days, due):
    assert WORKING_DAYS.due_at(at(event), Decimal(days)) == at(due)


def test_working_day_budget_and_reminder_skip_the_holiday():
    start = at("2026-09-30 10:00")
    due = WORKING_DAYS.due_at(start, Decimal(1))
    # What the clock counts: the rest of 30 Sept (14 h) and all of 8 Oct (24 h).
    budget = WORKING_DAYS.counted(start, due)
    assert budget == 38 * H
    assert WORKING_DAYS.advance(start, budget) == due
    # The 75 % reminder lands on the first working day after the holiday, not on 1 Oct.
    assert WORKING_DAYS.advance(start, budget * 75 / 100) == at("2026-10-08 14:30")
    # Nothing is counted during the holiday.
    assert WORKING_DAYS.counted(at("2026-10-01 00:00"), at("2026-10-08 00:00")) == timedelta(0)


def test_day_based_rules_need_whole_non_negative_days():
    with pytest.raises(ValueError, match="whole"):
        WORKING_DAYS.due_at(at("2026-09-30 10:00"), Decimal("1.5"))
    with pytest.raises(ValueError, match="whole"):
        CALENDAR_DAYS.due_at(at("2026-09-30 10:00"), Decimal(-1))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        WORKING_DAYS.due_at(datetime(2026, 9, 30, 10, 0), Decimal(1))


def test_utc_input_is_read_in_shanghai_time():
    # 2026-09-30 20:00 UTC is already 1 Oct 04:00 in Shanghai: a holiday event.
    late = datetime(2026, 9, 30, 20, 0, tzinfo=UTC)
    assert WORKING_DAYS.due_at(late, Decimal(1)) == at("2026-10-09 00:00")
    assert CALENDAR_DAYS.due_at(late, Decimal(1)) == at("2026-10-03 00:00")
    early = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert BUSINESS_HOURS.due_at(early, Decimal(2)) == at("2026-09-30 12:00")


# --- business hours: only 09:00–18:00 of working days count -----------------------------


@pytest.mark.parametrize(
    ("event", "hours", "due"),
    [
        ("2026-09-28 17:00", 2, "2026-09-29 10:00"),  # 1 h today, 1 h tomorrow
        ("2026-09-30 17:00", 2, "2026-10-08 10:00"),  # across National Day
        ("2026-09-28 16:00", 2, "2026-09-28 18:00"),  # ends exactly at closing
        ("2026-09-28 18:00", 2, "2026-09-29 11:00"),  # after closing
        ("2026-09-28 07:30", 2, "2026-09-28 11:00"),  # before opening
        ("2026-10-17 11:00", 2, "2026-10-19 11:00"),  # plain Saturday -> Monday 09:00
        ("2026-10-10 11:00", 2, "2026-10-10 13:00"),  # 调休 Saturday is a working day
        ("2026-09-20 17:30", 2, "2026-09-21 10:30"),  # 调休 Sunday
        ("2026-10-03 11:00", 2, "2026-10-08 11:00"),  # holiday -> first working day 09:00
        ("2026-09-28 10:00", Decimal("0.5"), "2026-09-28 10:30"),
        ("2026-09-28 10:00", 9, "2026-09-29 10:00"),  # a whole business day
        ("2026-12-31 17:00", 2, "2027-01-04 10:00"),  # provisional 元旦 2027
    ],
)
def test_business_hours_due(event, hours, due):
    assert BUSINESS_HOURS.due_at(at(event), Decimal(hours)) == at(due)


def test_business_hours_counted_inside_the_window_only():
    assert BUSINESS_HOURS.counted(at("2026-09-30 17:00"), at("2026-10-08 10:00")) == 2 * H
    assert BUSINESS_HOURS.counted(at("2026-10-17 08:00"), at("2026-10-18 23:00")) == timedelta(0)
    assert BUSINESS_HOURS.counted(at("2026-09-28 08:00"), at("2026-09-28 20:00")) == 9 * H
    assert BUSINESS_HOURS.counted(at("2026-09-28 12:00"), at("2026-09-28 11:00")) == timedelta(0)


def test_custom_business_hours():
    short = Clock(Unit.BUSINESS_HOURS, CAL, BusinessHours.parse("08:30 - 17:30"))
    assert short.due_at(at("2026-09-28 17:00"), Decimal(2)) == at("2026-09-29 10:00")
    for bad in ("9-18", "18:00-09:00", "09:00", "nine to six"):
        with pytest.raises(ValueError, match="business hours"):
            BusinessHours.parse(bad)


@pytest.mark.django_db
def test_selector_clock_uses_configured_business_hours(settings):
    settings.CLAIMDESK_BUSINESS_HOURS = "08:00-12:00"
    assert clock("business_hours").due_at(at("2026-09-28 11:00"), Decimal(2)) == at(
        "2026-09-29 09:00"
    )


# --- wall-clock hours and calendar days ignore holidays ---------------------------------


def test_wall_clock_hours_ignore_holidays():
    start = at("2026-09-30 10:00")
    assert HOURS.due_at(start, Decimal(48)) == at("2026-10-02 10:00")  # on-site survey
    assert HOURS.due_at(start, Decimal(24)) == at("2026-10-01 10:00")
    assert HOURS.due_at(start, Decimal("0.5")) == at("2026-09-30 10:30")  # green channel
    assert HOURS.counted(start, at("2026-10-02 10:00")) == 48 * H
    assert HOURS.advance(start, 48 * H) == at("2026-10-02 10:00")


@pytest.mark.parametrize(
    ("event", "days", "due"),
    [
        ("2026-09-30 10:00", 15, "2026-10-16 00:00"),  # complaint: end of 15 Oct
        ("2026-09-30 23:30", 15, "2026-10-16 00:00"),
        ("2026-09-30 10:00", 30, "2026-10-31 00:00"),  # statutory decision
        ("2026-09-30 10:00", 3, "2026-10-04 00:00"),  # rejection notice, in the holiday
        ("2026-12-20 10:00", 15, "2027-01-05 00:00"),
    ],
)
def test_calendar_days_due_at_end_of_nth_day(event, days, due):
    assert CALENDAR_DAYS.due_at(at(event), Decimal(days)) == at(due)


# --- the seeded SLA rules, end to end through the database calendar ----------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "event", "due"),
    [
        ("contact", "2026-09-30 10:00", "2026-10-09 00:00"),
        ("objection_reply", "2026-09-30 10:00", "2026-10-11 00:00"),
        ("payment", "2026-09-30 10:00", "2026-10-14 00:00"),
        ("followup", "2026-12-30 10:00", "2027-01-06 00:00"),
        ("inquiry_reply", "2026-09-30 17:00", "2026-10-08 10:00"),
        ("survey_onsite", "2026-09-30 10:00", "2026-10-02 10:00"),
        ("payment_small", "2026-09-30 10:00", "2026-10-01 10:00"),
        ("green_response", "2026-10-01 03:00", "2026-10-01 03:30"),
        ("complaint", "2026-09-30 10:00", "2026-10-16 00:00"),
        ("decision_statutory", "2026-09-30 10:00", "2026-10-31 00:00"),
    ],
)
def test_seeded_rules_due(code, event, due):
    rule = SlaRule.objects.get(code=code)
    assert clock(rule.unit).due_at(at(event), rule.amount) == at(due)


def test_overrides_move_due_times():
    cal = WorkCalendar(
        overrides={
            at("2026-10-08 00:00").date(): Override(False, "延长假期"),
            at("2026-10-17 00:00").date(): Override(True, "补班"),
        }
    )
    assert Clock(Unit.WORKING_DAYS, cal).due_at(at("2026-09-30 10:00"), Decimal(1)) == at(
        "2026-10-10 00:00"
    )
    business = Clock(Unit.BUSINESS_HOURS, cal)
    assert business.due_at(at("2026-10-17 17:00"), Decimal(2)) == at("2026-10-19 10:00")
    assert business.due_at(at("2026-10-16 17:30"), Decimal(1)) == at("2026-10-17 09:30")


# --- counted/advance round trips on concrete dates ---------------------------------------


@pytest.mark.parametrize("unit", [Unit.WORKING_DAYS, Unit.BUSINESS_HOURS])
@pytest.mark.parametrize(
    "start", ["2026-09-30 10:00", "2026-10-03 12:00", "2026-02-13 17:45", "2026-12-31 20:00"]
)
@pytest.mark.parametrize(
    "amount", [timedelta(minutes=1), 2 * H, 9 * H, 38 * H, timedelta(days=10, minutes=7)]
)
def test_counted_undoes_advance(unit, start, amount):
    clk = Clock(unit, CAL)
    end = clk.advance(at(start), amount)
    assert end > at(start)
    assert clk.counted(at(start), end) == amount


def test_advance_by_nothing_stays_put():
    start = at("2026-10-03 12:00")
    assert BUSINESS_HOURS.advance(start, timedelta(0)) == start
    assert WORKING_DAYS.advance(start, -H) == start
