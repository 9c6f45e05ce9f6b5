"""Figures of elderly-friendly mode and call-backs (转人工), from states built through the
services: the share of active customers in elderly-friendly mode, the call-backs asked for,
and how long customers waited to be called (the call-back's inquiry clock), on the
dashboard."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import METRICS, cases_behind
from claimdesk.service.services import callback_request, elderly_mode_set, ticket_reply
from tests.conftest import PASSWORD, at

pytestmark = pytest.mark.django_db

SEPTEMBER = Filters(start=date(2026, 9, 1), end=date(2026, 9, 30))


@pytest.fixture
def calls(customer1, customer2, agent1):
    """customer1 (elderly-friendly mode) is called back after 30 minutes; customer2 after 3
    hours, an hour late on the 2-business-hour clock; both on 30 September."""
    elderly_mode_set(user=customer1, on=True, now=at("2026-09-29 09:00"))
    first = callback_request(customer=customer1, now=at("2026-09-30 10:00"), page="/cases/")
    second = callback_request(customer=customer2, now=at("2026-09-30 11:00"), page="/cases/")
    ticket_reply(ticket=first.ticket, actor=agent1, now=at("2026-09-30 10:30"), body="已回电。")
    ticket_reply(ticket=second.ticket, actor=agent1, now=at("2026-09-30 14:00"), body="已回电。")
    return first.ticket, second.ticket


def test_the_share_of_active_customers_in_elderly_mode_and_their_call_backs(calls):
    m = METRICS["elderly_mode_use"](SEPTEMBER)
    assert m.value == Decimal("50.0") and m.sample == 2  # customer1 of the two
    counts = {r["measure"]: r["count"] for r in m.rows}
    assert counts == {"active": 2, "elderly": 1, "callbacks": 2, "callbacks_elderly": 1}
    elderly_row = next(r for r in m.rows if r["measure"] == "callbacks_elderly")
    behind = cases_behind({**m.drill, **elderly_row["drill"]}, SEPTEMBER)
    assert list(behind) == [calls[0].case]


def test_call_back_response_times_from_the_clock(calls):
    m = METRICS["callback_response"](SEPTEMBER)
    rows = {r["mode"]: r for r in m.rows}
    assert m.value == Decimal("1.8")  # median of 0.5 h and 3 h: 1.75 h
    assert (rows[""]["answered"], rows[""]["within_2h"]) == (2, Decimal("50.0"))
    assert (rows["elderly"]["median_h"], rows["elderly"]["within_2h"]) == (
        Decimal("0.5"),
        Decimal("100.0"),
    )
    assert (rows["standard"]["median_h"], rows["standard"]["within_2h"]) == (
        Decimal("3.0"),
        Decimal("0.0"),
    )
    assert set(cases_behind(m.drill, SEPTEMBER)) == {calls[0].case, calls[1].case}


def test_a_call_back_not_answered_yet_has_no_response_time(customer1, agent1):
    callback_request(customer=customer1, now=at("2026-09-30 10:00"), page="/cases/")
    m = METRICS["callback_response"](SEPTEMBER)
    assert m.value is None and m.rows[0]["answered"] == 0


def test_the_dashboard_has_the_section(calls, manager1):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username="manager1", password=PASSWORD)
    page = client.get("/analytics/", {"start": "2026-09-01", "end": "2026-09-30"})
    html = page.content.decode()
    assert page.status_code == 200
    section = html[html.index('data-testid="elderly"') :]
    assert "Elderly-friendly mode use" in section and "Call-back response time" in section
    assert 'data-testid="elderly-elderly_mode_use"' in section
