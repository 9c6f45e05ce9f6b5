"""§26 limitation: a claim reported more than two years (five for life insurance) after
the insured event is flagged for the adjuster with the clause, never rejected. Boundary
days: the last day of the period is within it, the day after is late; 29 February and a
last day in a holiday move as the 民法典 (§202, §203) reads."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.test import Client
from django.utils import translation

from claimdesk.claims.limitation import limitation
from claimdesk.claims.rules import Flag
from claimdesk.claims.services import claim_report
from claimdesk.policies.demo import demo_policy
from claimdesk.workdays.selectors import work_calendar
from tests.claims.conftest import report
from tests.conftest import PASSWORD, at


def late(line: str, event: date, reported: date, calendar: bool = False) -> bool:
    found = limitation(
        product_line=line,
        event_day=event,
        reported_day=reported,
        is_working_day=work_calendar().is_working_day if calendar else None,
    )
    return found.late


@pytest.mark.parametrize(
    ("line", "event", "reported", "flagged"),
    [
        # Non-life: two years, the corresponding day is the last day within.
        ("auto", date(2024, 3, 11), date(2026, 3, 11), False),
        ("auto", date(2024, 3, 11), date(2026, 3, 12), True),
        ("medical", date(2024, 3, 11), date(2025, 3, 11), False),
        # Critical illness and accident are not life insurance: two years.
        ("critical_illness", date(2024, 3, 11), date(2026, 3, 12), True),
        ("accident", date(2024, 3, 11), date(2026, 3, 12), True),
        # Life: five years.
        ("life", date(2021, 3, 10), date(2026, 3, 10), False),
        ("life", date(2021, 3, 10), date(2026, 3, 11), True),
        ("life", date(2021, 3, 10), date(2024, 3, 11), False),
        # No corresponding day: the month's last day (§202).
        ("auto", date(2024, 2, 29), date(2026, 2, 28), False),
        ("auto", date(2024, 2, 29), date(2026, 3, 1), True),
    ],
)
def test_period_boundaries(line, event, reported, flagged):
    assert late(line, event, reported) is flagged


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("event", "reported", "flagged"),
    [
        # Saturday 7 March 2026: the period ends Monday 9 March (§203).
        (date(2024, 3, 7), date(2026, 3, 9), False),
        (date(2024, 3, 7), date(2026, 3, 10), True),
        # Saturday 28 February 2026 is a 调休 working day: the period ends on it.
        (date(2024, 2, 29), date(2026, 2, 28), False),
        (date(2024, 2, 29), date(2026, 3, 1), True),
        # 1 October 2026 lies in the National Day holiday (1–7 Oct): last day 8 October.
        (date(2024, 10, 1), date(2026, 10, 8), False),
        (date(2024, 10, 1), date(2026, 10, 9), True),
    ],
)
def test_last_day_on_a_rest_day_moves_to_the_next_working_day(event, reported, flagged):
    assert late("auto", event, reported, calendar=True) is flagged


@pytest.fixture
def old_policy(products, customer1):
    return demo_policy(
        number="POLD0001",
        holder=customer1,
        line="auto",
        start=date(2024, 9, 1),
        insured_name="张三",
        plate="沪A54321",
        products=products,
    )


def report_old(customer, now: datetime):
    data = report(policy_no="POLD0001", loss_time="2024-10-01T18:00:00+08:00")
    data["loss_time"] = datetime.fromisoformat(data["loss_time"])
    return claim_report(reporter=customer, report=data, channel="portal", now=now).claim


def test_report_on_the_last_day_is_not_flagged(old_policy, customer1, agent1):
    claim = report_old(customer1, at("2026-10-08 17:00"))
    assert Flag.LIMITATION not in claim.flags


def test_late_report_is_flagged_with_the_clause_and_not_rejected(old_policy, customer1, agent1):
    claim = report_old(customer1, at("2026-10-09 09:00"))
    assert Flag.LIMITATION in claim.flags
    # Registered like any other: waiting for its handler, nothing decided.
    assert claim.case.status == claim.case.workflow.initial and claim.decision == ""
    assert claim.case.is_open

    owner = Client()
    assert owner.login(username=claim.case.owner.username, password=PASSWORD)
    with translation.override("zh-hans"):
        html = owner.get(f"/claims/{claim.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = html.content.decode()
    row = text[text.index(f'data-flag="{Flag.LIMITATION}"') :]
    row = row[: row.index("</li>")]
    assert "2024-10-01" in row and "2026-10-08" in row and "第二十六条" in row

    customer = Client()
    assert customer.login(username=customer1.username, password=PASSWORD)
    page = customer.get(f"/claims/{claim.number}/").content.decode()
    assert Flag.LIMITATION not in page and "第二十六条" not in page
