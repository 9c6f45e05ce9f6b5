"""Edge input is refused with a clear 4xx that the schema declares, never a 500.

Dates outside 1900-01-01 … 2200-12-31 (and a loss time before 1970), a bare number for a
date, working-day arithmetic past what the calendar covers, paging numbers beyond int64,
and a time stored before 1901 rendered as RFC 3339 (whole-minute offset).
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from claimdesk.policies.demo import demo_policy
from tests.claims.conftest import report

I64 = str(2**63)  # one past the largest signed 64-bit integer
HUGE = "1123" + "0" * 30 + "808"


@pytest.fixture
def auto_policy(products, customer1):
    return demo_policy(
        number="PAUTO0001",
        holder=customer1,
        line="auto",
        start=date(2026, 3, 1),
        insured_name="张三",
        plate="沪A12345",
        products=products,
    )


@pytest.mark.parametrize(
    "loss_time",
    ["9999-12-31T23:59:59+08:00", "0001-01-01T00:00:00+08:00", "2201-01-01T00:00:00Z"],
)
def test_a_loss_time_outside_the_calendar_is_a_422(api, customer1, auto_policy, loss_time):
    r = api(customer1).post("/claims", report(loss_time=loss_time))
    assert r.status_code == 422, r.content
    assert "loss_time" in r.content.decode()


def test_a_loss_time_before_1970_is_refused_with_the_field_named(api, customer1, auto_policy):
    r = api(customer1).post("/claims", report(loss_time="1900-01-01T00:00:00+08:00"))
    assert r.status_code == 400, r.content
    assert "loss_time" in r.json()["errors"], r.json()


def test_a_loss_time_later_than_now_is_still_refused(api, customer1, auto_policy):
    r = api(customer1).post("/claims", report(loss_time="2026-09-30T12:00:00+08:00"))
    assert r.status_code == 400
    assert "loss_time" in r.json()["errors"], r.json()


@pytest.mark.parametrize("value", ["0", "1700000000", "2026-13-01", "20260101"])
def test_a_date_parameter_must_be_an_iso_date(api, agent1, value):
    r = api(agent1).get("/workdays/add", date=value, n=1)
    assert r.status_code == 422, r.content


def test_the_working_days_the_documented_range_allows_are_answered(api, agent1):
    r = api(agent1).get("/workdays/add", date="2026-01-01", n=3650)
    assert r.status_code == 200, r.content
    assert r.json()["result"] > "2039-01-01"


def test_working_days_past_the_calendars_end_are_a_clear_400(api, agent1):
    r = api(agent1).get("/workdays/add", date="2200-06-01", n=3650)
    assert r.status_code == 400
    assert "2200-12-31" in r.json()["detail"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01"])
def test_a_working_day_question_outside_the_calendar_is_a_422(api, agent1, day):
    assert api(agent1).get("/workdays/add", date=day, n=1).status_code == 422


@pytest.mark.parametrize("moment", ["9999-12-31T10:00:00+08:00", "0001-01-01T00:00:00"])
def test_a_due_time_question_outside_the_calendar_is_a_422(api, agent1, moment):
    assert api(agent1).get("/workdays/due", rule="contact", at=moment).status_code == 422


def test_a_due_time_near_the_calendars_end_is_a_clear_400(api, agent1):
    r = api(agent1).get("/workdays/due", rule="decision_statutory", at="2200-12-30T10:00:00+08:00")
    assert r.status_code == 400, r.content
    assert "2200-12-31" in r.json()["detail"]


def test_an_old_due_time_is_written_with_a_whole_minute_offset(api, agent1):
    r = api(agent1).get("/workdays/due", rule="contact", at="1900-01-01T10:00:00")
    assert r.status_code == 200, r.content
    for key in ("event_at", "due_at"):
        assert re.search(r"(Z|[+-]\d{2}:\d{2})$", r.json()[key]), r.json()


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/policies", {"limit": HUGE}),
        ("/policies", {"offset": I64}),
        ("/cases", {"limit": I64}),
        ("/cases", {"offset": HUGE}),
        ("/claims", {"page": I64}),
        ("/tickets", {"page": HUGE}),
        ("/tickets", {"page_size": I64}),
        ("/policies", {"limit": "0"}),
    ],
)
def test_paging_beyond_its_bounds_is_a_422(api, customer1, path, params):
    assert api(customer1).get(path, **params).status_code == 422


def test_paging_within_its_bounds_answers(api, customer1, auto_policy):
    r = api(customer1).get("/policies", limit=500, offset=1_000_000)
    assert r.status_code == 200
    assert r.json() == {"items": [], "count": 1}


def test_an_integer_beyond_int64_in_a_path_is_a_clear_4xx(api, customer1, auto_policy):
    r = api(customer1).post(f"/policies/PAUTO0001/premiums/{I64}/payment", {})
    assert 400 <= r.status_code < 500
