"""Which days are working days: the 2026 official schedule, 2027 provisional, overrides.

Pure calendar tests: no database. Every 2026 date below was checked against chinese-calendar
1.11 (which carries the State Council's 2026 schedule); the tests also assert it directly.
"""

from datetime import date, timedelta

import chinese_calendar
import pytest

from claimdesk.workdays.calendar import (
    CalendarGap,
    DaySource,
    Override,
    WorkCalendar,
    library_covers,
    provisional_holidays,
)

CAL = WorkCalendar()
D = date.fromisoformat

# (day, working?) around the three long 2026 holidays, 调休 days included.
OFFICIAL_2026 = [
    # Spring Festival: 02-15..02-23 off; Saturdays 02-14 and 02-28 are working days.
    ("2026-02-13", True),
    ("2026-02-14", True),  # Saturday, 调休
    ("2026-02-15", False),
    ("2026-02-16", False),
    ("2026-02-17", False),  # 春节 (正月初一)
    ("2026-02-20", False),
    ("2026-02-23", False),  # Monday, still off
    ("2026-02-24", True),
    ("2026-02-28", True),  # Saturday, 调休
    ("2026-03-01", False),  # plain Sunday
    # Labour Day: 05-01..05-05 off; Saturday 05-09 is a working day.
    ("2026-04-30", True),
    ("2026-05-01", False),
    ("2026-05-04", False),
    ("2026-05-05", False),  # Tuesday, still off
    ("2026-05-06", True),
    ("2026-05-09", True),  # Saturday, 调休
    ("2026-05-10", False),
    # Mid-autumn + National Day: 09-25 (Fri) off, 10-01..10-07 off;
    # Sunday 09-20 and Saturday 10-10 are working days.
    ("2026-09-19", False),  # plain Saturday
    ("2026-09-20", True),  # Sunday, 调休
    ("2026-09-24", True),
    ("2026-09-25", False),  # 中秋
    ("2026-09-28", True),
    ("2026-09-30", True),
    ("2026-10-01", False),
    ("2026-10-05", False),  # Monday, still off
    ("2026-10-07", False),  # Wednesday, still off
    ("2026-10-08", True),
    ("2026-10-10", True),  # Saturday, 调休
    ("2026-10-11", False),
]


@pytest.mark.parametrize(("day", "working"), OFFICIAL_2026)
def test_2026_official_schedule_with_adjusted_working_days(day, working):
    assert chinese_calendar.is_workday(D(day)) is working  # the library agrees...
    info = CAL.day_info(D(day))
    assert info.working is working  # ...and so does ClaimDesk
    assert info.source is DaySource.OFFICIAL


def test_holiday_and_adjusted_days_carry_the_festival_name():
    assert CAL.day_info(D("2026-10-01")).name == "National Day"
    assert CAL.day_info(D("2026-09-25")).name == "Mid-autumn Festival"
    saturday = CAL.day_info(D("2026-02-14"))
    assert saturday.working and saturday.name == "Spring Festival"


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # The acceptance example: reported Wed 30 Sept, 1 working day -> Thu 8 Oct.
        ("2026-09-30", 1, "2026-10-08"),
        ("2026-09-30", 2, "2026-10-09"),
        ("2026-09-30", 3, "2026-10-10"),  # the 调休 Saturday counts
        ("2026-09-30", 4, "2026-10-12"),
        ("2026-09-24", 1, "2026-09-28"),  # over the Mid-autumn long weekend
        ("2026-09-19", 1, "2026-09-20"),  # the 调休 Sunday is the next working day
        ("2026-10-03", 1, "2026-10-08"),  # an event during the holiday
        ("2026-02-13", 1, "2026-02-14"),  # Saturday 调休 before Spring Festival
        ("2026-02-14", 1, "2026-02-24"),  # nine days off
        ("2026-02-27", 1, "2026-02-28"),
        ("2026-02-28", 1, "2026-03-02"),
        ("2026-04-30", 1, "2026-05-06"),
        ("2026-05-08", 1, "2026-05-09"),
        ("2026-05-09", 1, "2026-05-11"),
        ("2026-09-30", 0, "2026-09-30"),  # zero working days: the day itself
        ("2026-10-01", 0, "2026-10-01"),
    ],
)
def test_add_working_days_over_2026_holidays(start, n, expected):
    assert CAL.add_working_days(D(start), n) == D(expected)


def test_add_working_days_rejects_negative_n():
    with pytest.raises(ValueError, match=">= 0"):
        CAL.add_working_days(D("2026-09-30"), -1)


def test_next_working_day_and_working_days_between():
    assert CAL.next_working_day(D("2026-10-01")) == D("2026-10-08")
    assert CAL.next_working_day(D("2026-10-08")) == D("2026-10-08")
    assert CAL.next_working_day(D("2026-09-19")) == D("2026-09-20")
    # (30 Sept, 12 Oct] holds 8, 9, 10 and 12 October.
    assert CAL.working_days_between(D("2026-09-30"), D("2026-10-12")) == 4
    assert CAL.working_days_between(D("2026-10-12"), D("2026-09-30")) == -4
    assert CAL.working_days_between(D("2026-10-01"), D("2026-10-07")) == 0
    assert CAL.working_days_between(D("2026-09-30"), D("2026-09-30")) == 0


# --- 2027: nobody publishes the schedule yet -> provisional statutory holidays ----------


def test_2027_is_not_covered_by_the_library_and_runs_provisional():
    assert library_covers(2026)
    assert not library_covers(2027)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D("2027-01-01"))
    assert not CAL.is_provisional(2026)
    assert CAL.is_provisional(2027)
    assert CAL.provisional_years([2025, 2026, 2027, 2028]) == [2027, 2028]


@pytest.mark.parametrize(
    ("day", "working", "name"),
    [
        ("2027-01-01", False, "元旦"),  # Friday
        ("2027-01-04", True, ""),
        ("2027-02-04", True, ""),
        ("2027-02-05", False, "春节"),  # 除夕, Friday
        ("2027-02-06", False, "春节"),  # 正月初一, Saturday
        ("2027-02-07", False, "春节"),
        ("2027-02-08", False, "春节"),
        ("2027-02-09", False, "春节(补假)"),  # made up for Saturday 02-06
        ("2027-02-10", False, "春节(补假)"),  # made up for Sunday 02-07
        ("2027-02-11", True, ""),
        ("2027-02-20", False, ""),  # a Saturday: no 调休 without the official schedule
        ("2027-04-05", False, "清明节"),
        ("2027-05-03", False, "劳动节(补假)"),  # 05-01/02 are a weekend
        ("2027-05-04", False, "劳动节(补假)"),
        ("2027-05-05", True, ""),
        ("2027-06-09", False, "端午节"),
        ("2027-09-15", False, "中秋节"),
        ("2027-10-01", False, "国庆节"),
        ("2027-10-04", False, "国庆节(补假)"),
        ("2027-10-05", False, "国庆节(补假)"),
        ("2027-10-06", True, ""),
    ],
)
def test_2027_provisional_statutory_holidays(day, working, name):
    info = CAL.day_info(D(day))
    assert (info.working, info.name, info.source) == (working, name, DaySource.PROVISIONAL)


def test_late_december_2026_deadline_lands_after_2027_new_year():
    # Reported Thu 31 Dec 2026: 1 Jan 2027 (Friday) is off, then a weekend.
    assert CAL.add_working_days(D("2026-12-31"), 1) == D("2027-01-04")
    # Wed 30 Dec, 3 working days: 31 Dec, 4 Jan, 5 Jan.
    assert CAL.add_working_days(D("2026-12-30"), 3) == D("2027-01-05")
    # Wed 3 Feb 2027, 5 working days: 4 Feb, then 11, 12, 15, 16 Feb.
    assert CAL.add_working_days(D("2027-02-03"), 5) == D("2027-02-16")


@pytest.mark.parametrize("year", range(2025, 2061))
def test_provisional_year_keeps_all_13_statutory_days_off(year):
    """元旦1 + 春节4 + 清明1 + 劳动2 + 端午1 + 中秋1 + 国庆3 = 13 weekdays off, every year.

    A holiday on a weekend is made up on a weekday (补假); 中秋 on 1–3 October (2028,
    2031, ...) must not swallow a National Day.
    """
    days = provisional_holidays(year)
    assert all(d.year == year for d in days)
    assert sum(1 for d in days if d.weekday() < 5) == 13


def test_mid_autumn_on_national_day_is_made_up():
    # 2028: 中秋 is Tue 3 Oct, inside 国庆 (Sun 1 – Tue 3 Oct).
    days = provisional_holidays(2028)
    off = sorted(d for d in days if D("2028-09-30") <= d <= D("2028-10-10"))
    assert off == [date(2028, 10, i) for i in range(1, 6)]
    assert days[D("2028-10-03")] == "中秋节"
    assert WorkCalendar().add_working_days(D("2028-09-29"), 1) == D("2028-10-06")


# --- overrides win ----------------------------------------------------------------------


def test_overrides_win_over_weekdays_library_and_provisional_days():
    cal = WorkCalendar(
        overrides={
            D("2026-09-29"): Override(False, "台风停工"),  # a Tuesday made a day off
            D("2026-10-17"): Override(True, "补班"),  # a plain Saturday made a working day
            D("2026-10-08"): Override(False, "延长假期"),  # an official working day
            D("2027-02-07"): Override(True, "春节调休"),  # a provisional holiday (Sunday)
        }
    )
    tuesday = cal.day_info(D("2026-09-29"))
    assert (tuesday.working, tuesday.name, tuesday.source) == (
        False,
        "台风停工",
        DaySource.OVERRIDE,
    )
    assert cal.add_working_days(D("2026-09-28"), 1) == D("2026-09-30")
    assert cal.is_working_day(D("2026-10-17"))
    assert cal.add_working_days(D("2026-10-16"), 1) == D("2026-10-17")
    assert cal.add_working_days(D("2026-09-30"), 1) == D("2026-10-09")
    assert cal.is_working_day(D("2027-02-07"))
    # Overrides do not make a year official: the rest of 2027 stays provisional.
    assert cal.is_provisional(2027)
    assert not cal.is_working_day(D("2027-02-08"))


def test_official_year_uses_only_its_overrides_then_plain_weekdays():
    cal = WorkCalendar(
        overrides={D("2027-02-07"): Override(True, "春节调休")},
        official_years=frozenset({2027}),
    )
    assert not cal.is_provisional(2027)
    sunday = cal.day_info(D("2027-02-07"))
    assert sunday.working and sunday.source is DaySource.OVERRIDE
    # No provisional 元旦 any more: the loaded schedule is the whole truth for 2027.
    new_year = cal.day_info(D("2027-01-01"))
    assert new_year.working and new_year.source is DaySource.WEEKDAY
    assert not cal.is_working_day(D("2027-01-02"))  # Saturday


def test_a_calendar_without_working_days_is_an_error_not_a_hang():
    start = D("2026-01-01")
    everything_off = {start + timedelta(days=i): Override(False) for i in range(4000)}
    cal = WorkCalendar(overrides=everything_off)
    with pytest.raises(CalendarGap):
        cal.add_working_days(start, 1)
    with pytest.raises(CalendarGap):
        cal.next_working_day(start)
