"""What an admin sees: the provisional-2027 warning, and loading the official schedule."""

from datetime import date, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claimdesk.workdays.models import HolidayOverride, OfficialScheduleYear
from tests.workdays.conftest import OFFICIAL_2027_CSV, SH

WARNING_EN = "2027 runs on a provisional calendar"
WARNING_ZH = "2027 年使用的是暂定日历"
CHANGELIST = "admin:workdays_holidayoverride_changelist"
IMPORT = "admin:workdays_holidayoverride_import"


def page(client, name: str, lang: str = "en") -> str:
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    return response.content.decode()


def upload(client, text: str | bytes, complete: bool = True, source: str = "国办通知"):
    data = text.encode() if isinstance(text, str) else text
    form = {"file": SimpleUploadedFile("2027.csv", data, "text/csv"), "source": source}
    if complete:
        form["complete"] = "on"
    return client.post(reverse(IMPORT), form, HTTP_ACCEPT_LANGUAGE="en")


def test_admin_index_warns_about_the_provisional_2027_calendar(admin_client):
    html = page(admin_client, "admin:index")
    assert 'data-testid="calendar-warnings"' in html
    assert html.count(WARNING_EN) == 1
    assert "2026 runs" not in html  # 2026 is official (chinese-calendar)


def test_the_warning_is_in_chinese_by_default(admin_client):
    assert WARNING_ZH in page(admin_client, "admin:index", lang="zh-hans")


def test_holiday_override_changelist_shows_the_warning_once(admin_client):
    html = page(admin_client, CHANGELIST)
    assert html.count(WARNING_EN) == 1
    assert reverse(IMPORT) in html  # the "Load official schedule (CSV)" button


def test_no_warning_when_this_year_and_the_next_are_official(client, superuser):
    with time_machine.travel(datetime(2025, 6, 1, 10, 0, tzinfo=SH), tick=False):
        client.force_login(superuser)
        html = page(client, "admin:index")
    assert "calendar-warnings" not in html
    assert "provisional calendar" not in html


def test_anonymous_login_page_does_not_show_the_calendar_state(client, db, late_december):
    html = page(client, "admin:login")
    assert "calendar-warnings" not in html
    assert "provisional calendar" not in html


def test_loading_the_official_schedule_in_the_admin_clears_the_warning(admin_client):
    response = upload(admin_client, OFFICIAL_2027_CSV)
    assert response.status_code == 302
    assert response.url == reverse(CHANGELIST)

    html = page(admin_client, CHANGELIST)
    assert "Loaded 33 new and 0 changed days for 2027." in html
    assert "provisional calendar" not in html
    assert "calendar-warnings" not in page(admin_client, "admin:index")

    assert OfficialScheduleYear.objects.get().source == "国办通知"
    assert HolidayOverride.objects.get(day=date(2027, 2, 14)).working is True


def test_a_partial_upload_keeps_the_warning(admin_client):
    assert upload(admin_client, "2027-02-07,班,春节调休\n", complete=False).status_code == 302
    assert HolidayOverride.objects.filter(day=date(2027, 2, 7), working=True).exists()
    assert not OfficialScheduleYear.objects.exists()
    assert WARNING_EN in page(admin_client, CHANGELIST)


def test_a_bad_upload_names_the_line_and_writes_nothing(admin_client):
    bad = OFFICIAL_2027_CSV + "2027-10-08,休息,国庆节\n"
    response = upload(admin_client, bad)
    assert response.status_code == 200
    html = response.content.decode()
    assert "line 35: type &#x27;休息&#x27; is not holiday or workday" in html
    assert not HolidayOverride.objects.exists()
    assert not OfficialScheduleYear.objects.exists()
    assert WARNING_EN in html  # still provisional


def test_a_gb18030_upload_is_read(admin_client):
    assert upload(admin_client, OFFICIAL_2027_CSV.encode("gb18030")).status_code == 302
    assert HolidayOverride.objects.get(day=date(2027, 1, 1)).name == "元旦"


def test_import_page_renders_for_a_superuser(admin_client):
    html = page(admin_client, IMPORT)
    assert 'type="file"' in html
    assert WARNING_EN in html


def test_staff_without_add_permission_cannot_import(client, db, late_december):
    clerk = get_user_model().objects.create_user("clerk", password=None, is_staff=True)
    client.force_login(clerk)
    response = upload(client, OFFICIAL_2027_CSV)
    assert response.status_code == 302
    assert response.url == reverse(CHANGELIST)
    assert not HolidayOverride.objects.exists()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "/api/v1/workdays/add?date=2026-09-30&n=1",
            {"date": "2026-09-30", "n": 1, "result": "2026-10-08", "provisional": False},
        ),
        (
            "/api/v1/workdays/add?date=2026-12-31&n=1",
            {"date": "2026-12-31", "n": 1, "result": "2027-01-04", "provisional": True},
        ),
    ],
)
def test_api_add_shows_the_provisional_flag(admin_client, path, expected):
    response = admin_client.get(path)
    assert response.status_code == 200, response.content
    assert response.json() == expected


def test_api_due_of_the_contact_rule(admin_client):
    response = admin_client.get("/api/v1/workdays/due?rule=contact&at=2026-09-30T10:00")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["unit"] == "working_days"
    assert datetime.fromisoformat(body["due_at"]) == datetime(2026, 10, 9, tzinfo=SH)


def test_api_due_of_a_statutory_period_follows_the_period_end_rule(admin_client):
    """The API answers what the CLI and the clocks do: 30 days from 1 Sept end in the
    National Day holiday, so the period ends with Thu 8 Oct."""
    response = admin_client.get(
        "/api/v1/workdays/due?rule=decision_statutory&at=2026-09-01T10:00:00%2B08:00"
    )
    assert response.status_code == 200, response.content
    assert datetime.fromisoformat(response.json()["due_at"]) == datetime(2026, 10, 9, tzinfo=SH)
    rules = {r["code"]: r for r in admin_client.get("/api/v1/sla-rules").json()}
    assert rules["decision_statutory"]["statutory"] is True
    assert rules["decision_statutory"]["escalation_percent"] == 90
    assert rules["contact"]["statutory"] is False
