"""Loading an official schedule (service and CLI) and the `claimdesk workdays` command."""

import os
import subprocess
import sys
from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from claimdesk.workdays.models import HolidayOverride, OfficialScheduleYear
from claimdesk.workdays.selectors import provisional_message, work_calendar
from claimdesk.workdays.services import ScheduleImportError, official_schedule_import
from tests.workdays.conftest import OFFICIAL_2027_CSV, SH

pytestmark = pytest.mark.django_db

D = date.fromisoformat


def run(*args: str) -> str:
    out = StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue().strip()


def nothing_written():
    return not HolidayOverride.objects.exists() and not OfficialScheduleYear.objects.exists()


# --- the service ------------------------------------------------------------------------


def test_official_2027_schedule_switches_2027_off_provisional():
    assert work_calendar().is_provisional(2027)
    assert not work_calendar().is_working_day(D("2027-02-09"))  # provisional 补假

    result = official_schedule_import(text=OFFICIAL_2027_CSV, source="国办发明电〔2026〕X号")

    assert (result.created, result.updated, result.years) == (33, 0, [2027])
    assert result.official_years == [2027]
    cal = work_calendar()
    assert not cal.is_provisional(2027)
    assert cal.is_working_day(D("2027-02-14"))  # 调休 Sunday from the file
    assert cal.is_working_day(D("2027-02-20"))  # 调休 Saturday from the file
    assert not cal.is_working_day(D("2027-02-12"))  # holiday from the file
    assert not cal.is_working_day(D("2027-01-01"))
    # Days the file does not mention follow Monday–Friday, not the provisional guess:
    # the guessed 补假 for Labour Day is replaced by the official 1–5 May block.
    assert cal.is_working_day(D("2027-05-06"))
    assert not cal.is_working_day(D("2027-05-08"))  # Saturday
    # Late-December claim: 1 working day from 31 Dec 2026 is still Mon 4 Jan 2027 (the
    # official 元旦 break is Fri–Sun), and from Thu 4 Feb 2027 the official Spring Festival
    # runs to 12 Feb, so the next working day is the 调休 Sunday 14 Feb.
    assert cal.add_working_days(D("2026-12-31"), 1) == D("2027-01-04")
    assert cal.add_working_days(D("2027-02-04"), 1) == D("2027-02-14")
    assert cal.add_working_days(D("2027-02-04"), 3) == D("2027-02-16")
    assert HolidayOverride.objects.get(day=D("2027-02-14")).note == "国办发明电〔2026〕X号"


def test_reimport_updates_instead_of_duplicating():
    official_schedule_import(text=OFFICIAL_2027_CSV)
    again = official_schedule_import(text=OFFICIAL_2027_CSV.replace("元旦", "New Year"))
    assert (again.created, again.updated) == (0, 33)
    assert HolidayOverride.objects.count() == 33
    assert HolidayOverride.objects.get(day=D("2027-01-01")).name == "New Year"
    assert OfficialScheduleYear.objects.count() == 1


def test_partial_import_keeps_the_provisional_fallback():
    result = official_schedule_import(text="2027-02-14,workday,春节调休\n", complete=False)
    assert result.official_years == []
    cal = work_calendar()
    assert cal.is_provisional(2027)
    assert cal.is_working_day(D("2027-02-14"))  # the override applies...
    assert not cal.is_working_day(D("2027-01-01"))  # ...and the provisional 元旦 stays


def test_spill_over_days_of_the_previous_year_do_not_make_it_official():
    """A year's notice may start in late December (e.g. the 2019 notice: 2018-12-29 to
    12-31). Loading it must not switch the previous year off chinese-calendar."""
    text = OFFICIAL_2027_CSV + "2026-12-31,holiday,元旦\n"
    result = official_schedule_import(text=text)
    assert result.years == [2026, 2027]
    assert result.official_years == [2027]
    assert list(OfficialScheduleYear.objects.values_list("year", flat=True)) == [2027]
    cal = work_calendar()
    assert not cal.is_working_day(D("2026-12-31"))  # the override applies
    assert not cal.is_working_day(D("2026-10-01"))  # 2026 National Day still off
    assert cal.is_working_day(D("2026-10-10"))  # and its 调休 Saturday still on


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "date,type,name\n2027-01-01,holiday,元旦\n2027-13-01,holiday,x\n",
            "line 3: '2027-13-01' is not a date",
            id="bad-date",
        ),
        pytest.param(
            "2027-01-01,holiday,元旦\n\n2027-02-07,maybe,春节\n",
            "line 3: type 'maybe'",
            id="bad-type-after-blank-line",
        ),
        pytest.param(
            "2027-01-01,holiday,元旦\n2027-01-02\n", "line 2: expected date,type", id="no-type"
        ),
        pytest.param(
            "2027-01-01,holiday,元旦\n2027-01-01,workday,元旦\n",
            "line 2: 2027-01-01 is already given on line 1",
            id="duplicate-date",
        ),
        pytest.param(
            "2027-01-01,holiday," + "长" * 61 + "\n",
            "line 1: name is longer than 60",
            id="name-too-long",
        ),
        pytest.param("date,type,name\n# nothing yet\n", "no dates", id="empty"),
    ],
)
def test_a_bad_row_writes_nothing_and_names_the_line(text, message):
    with pytest.raises(ScheduleImportError, match=message):
        official_schedule_import(text=text)
    assert nothing_written()


def test_import_accepts_bom_comments_and_chinese_types():
    text = "\ufeff# 2027 春节\ndate,type,name\n2027-02-07 , 班 , 春节调休\n2027-02-11,休,春节\n"
    result = official_schedule_import(text=text, complete=False)
    assert result.created == 2
    assert HolidayOverride.objects.get(day=D("2027-02-07")).working is True
    assert HolidayOverride.objects.get(day=D("2027-02-11")).working is False


# --- the CLI through call_command -------------------------------------------------------


def test_cli_add_acceptance_example():
    assert run("add", "2026-09-30", "1") == "2026-10-08"
    assert run("add", "2026-09-30", "3") == "2026-10-10"
    assert run("add", "2026-12-31", "1") == "2027-01-04"


def test_cli_add_respects_overrides():
    HolidayOverride.objects.create(day=D("2026-10-08"), working=False, name="延长假期")
    assert run("add", "2026-09-30", "1") == "2026-10-09"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "2026-09-31", "1"), "not a date"),
        (("add", "2026-09-30", "-1"), "N must be 0 or more"),
        (("due", "contact", "tomorrow"), "not a datetime"),
        (("due", "nope", "2026-09-30T10:00"), "unknown rule 'nope'; known: .*contact"),
    ],
)
def test_cli_errors_are_explained(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


@pytest.mark.parametrize(
    ("rule", "event", "due"),
    [
        ("contact", "2026-09-30T10:00", "2026-10-09T00:00:00+08:00"),
        ("contact", "2026-09-30T02:00:00+00:00", "2026-10-09T00:00:00+08:00"),
        ("inquiry_reply", "2026-09-30T17:00", "2026-10-08T10:00:00+08:00"),
        ("inquiry_reply", "2026-10-17T11:00", "2026-10-19T11:00:00+08:00"),
        ("survey_onsite", "2026-09-30T10:00", "2026-10-02T10:00:00+08:00"),
        ("complaint", "2026-09-30T10:00", "2026-10-16T00:00:00+08:00"),
        ("contact", "2026-12-31T10:00", "2027-01-05T00:00:00+08:00"),
        # statutory periods in calendar days: a last day in the National Day holiday
        # (1–7 Oct) moves to the end of Thu 8 Oct (民法典 §203)
        ("decision_statutory", "2026-09-01T10:00:00+08:00", "2026-10-09T00:00:00+08:00"),
        ("rejection_notice", "2026-09-28T10:00", "2026-10-09T00:00:00+08:00"),
        ("payment_agreed", "2026-09-28T10:00", "2026-10-09T00:00:00+08:00"),
        ("payment_agreed", "2026-09-18T10:00", "2026-09-29T00:00:00+08:00"),  # Mon 28 Sept
        ("interim_payment", "2026-08-02T10:00", "2026-10-09T00:00:00+08:00"),
        ("complaint_complex", "2026-09-01T10:00", "2026-10-09T00:00:00+08:00"),
        ("complaint_extended", "2026-09-01T10:00", "2026-10-09T00:00:00+08:00"),
        # 5 working days: 29, 30 Sept, 8, 9 Oct and the 调休 Saturday 10 Oct
        ("decision_ordinary", "2026-09-28T10:00", "2026-10-11T00:00:00+08:00"),
    ],
)
def test_cli_due(rule, event, due):
    assert run("due", rule, event) == due


def test_cli_due_follows_an_admin_holiday_into_the_period_end():
    """The calendar an admin corrects is the one the period-end rule reads."""
    HolidayOverride.objects.create(day=D("2026-10-08"), working=False, name="延长假期")
    assert run("due", "decision_statutory", "2026-09-01T10:00") == "2026-10-10T00:00:00+08:00"


def test_cli_status_warns_about_2027_until_its_schedule_is_loaded(tmp_path, late_december):
    assert run("status") == provisional_message(2027)
    assert "2027" in run("status")

    csv_file = tmp_path / "2027.csv"
    csv_file.write_text(OFFICIAL_2027_CSV, encoding="utf-8")
    assert run("import", str(csv_file)) == "created=33 updated=0 years=2027 official=2027"
    assert OfficialScheduleYear.objects.get().source == "2027.csv"

    assert run("status") == "official schedules cover this year and the next"
    assert run("add", "2027-02-04", "1") == "2027-02-14"


def test_cli_status_looks_at_this_year_and_the_next():
    with time_machine.travel(datetime(2026, 3, 1, tzinfo=SH), tick=False):
        assert run("status") == provisional_message(2027)
    with time_machine.travel(datetime(2027, 12, 20, tzinfo=SH), tick=False):
        assert run("status").splitlines() == [provisional_message(2027), provisional_message(2028)]
    with time_machine.travel(datetime(2025, 6, 1, tzinfo=SH), tick=False):
        assert run("status") == "official schedules cover this year and the next"


def test_cli_partial_import_keeps_the_warning(tmp_path, late_december):
    csv_file = tmp_path / "tiaoxiu.csv"
    csv_file.write_text("2027-02-07,workday,春节调休\n", encoding="utf-8")
    out = run("import", str(csv_file), "--partial", "--source", "草案")
    assert out == "created=1 updated=0 years=2027 official=-"
    assert run("status") == provisional_message(2027)


def test_cli_import_bad_file_names_the_line_and_writes_nothing(tmp_path):
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(OFFICIAL_2027_CSV + "2027-02-30,holiday,春节\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 35: '2027-02-30' is not a date"):
        run("import", str(csv_file))
    assert nothing_written()
    with pytest.raises(CommandError, match="no file"):
        run("import", str(tmp_path / "missing.csv"))


def test_cli_import_reads_a_gb18030_file_as_excel_saves_it(tmp_path):
    csv_file = tmp_path / "gbk.csv"
    csv_file.write_bytes(OFFICIAL_2027_CSV.encode("gb18030"))
    assert run("import", str(csv_file)).startswith("created=33 ")
    assert HolidayOverride.objects.get(day=D("2027-02-14")).name == "春节调休"


# --- the real command line --------------------------------------------------------------


def test_claimdesk_command_in_a_subprocess(tmp_path):
    exe = Path(sys.executable).with_name("claimdesk")
    if not exe.exists():
        pytest.skip(f"no console script at {exe}")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def claimdesk(*args: str) -> str:
        done = subprocess.run(
            [str(exe), *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    claimdesk("migrate", "-v", "0")
    assert claimdesk("workdays", "add", "2026-09-30", "1") == "2026-10-08"
    assert claimdesk("workdays", "due", "contact", "2026-09-30T10:00") == (
        "2026-10-09T00:00:00+08:00"
    )
    # issue 14's acceptance: the 30th day is 1 October; the holiday ends 7 October
    assert claimdesk("workdays", "due", "decision_statutory", "2026-09-01T10:00:00+08:00") == (
        "2026-10-09T00:00:00+08:00"
    )
