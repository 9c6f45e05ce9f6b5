"""Staff KPIs and the service-star board, checked against figures computed by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.test import Client

from claimdesk.feedback import rules, selectors, services
from claimdesk.feedback.models import Survey
from tests.conftest import PASSWORD, at
from tests.feedback.conftest import closed_ticket

DAY = date(2026, 10, 12)  # a Monday


def three_answered_tickets(agent, customer):
    """Tickets closed after 2 h, 4 h and 9 h; the last one replied to late (clock breached);
    answers (5, 10), (4, 9), (2, 3)."""
    opened = at("2026-10-12 10:00")
    for hours, late in ((2, False), (4, False), (9, True)):
        closed_ticket(
            customer=customer,
            agent=agent,
            opened=opened,
            closed=opened + timedelta(hours=hours),
            reply_after=timedelta(hours=3 if late else 0, minutes=30),
        )
    assert services.feedback_sweep(now=at("2026-10-12 20:00"))["surveys_sent"] == 3
    for survey, (csat, nps) in zip(
        Survey.objects.order_by("case__number"), ((5, 10), (4, 9), (2, 3)), strict=True
    ):
        services.survey_answer(token=survey.token, csat=csat, nps=nps, now=at("2026-10-13 09:00"))


def test_kpis_by_hand(agent1, agent2, customer1):
    three_answered_tickets(agent1, customer1)
    [row] = selectors.staff_kpis(user=agent1, start=DAY, end=DAY + timedelta(days=1))
    assert (row.answers, row.promoters, row.detractors) == (3, 2, 1)
    assert row.csat == Decimal("3.67")  # (5 + 4 + 2) / 3
    assert row.nps == Decimal("33.3")  # 2/3 promoters − 1/3 detractors
    assert row.closed_cases == 3 and row.median_cycle == timedelta(hours=4)
    assert (row.clocks_met, row.clocks_breached) == (2, 1)
    assert row.sla_compliance == Decimal("66.7")
    assert row.complaints == 0 and row.complaint_rate == Decimal("0.0")
    # 0.40 × (3.67 − 1) × 25 + 0.20 × (33.3 + 100) / 2 + 0.25 × 66.7 + 0.15 × 100
    assert row.star_score == Decimal("71.7")
    # A period before the answers: the closures count, the answers do not.
    [before] = selectors.staff_kpis(user=agent1, start=DAY, end=DAY)
    assert before.answers == 0 and before.csat is None and before.closed_cases == 3
    [other] = selectors.staff_kpis(user=agent2, start=DAY, end=DAY + timedelta(days=1))
    assert other.answers == 0 and other.star_score is None


def test_star_board_ranks_and_leaves_people_without_data_last(agent1, agent2, customer1):
    three_answered_tickets(agent1, customer1)
    board = selectors.star_board(selectors.staff_kpis(team="客服一组", start=DAY, end=DAY))
    assert [(r.username, r.rank) for r in board] == [("agent1", 1), ("agent2", None)]


def test_star_score_weights_rescale_without_missing_figures():
    assert rules.star_score(Decimal(5), None, None, None) == Decimal("100.0")
    assert rules.star_score(None, Decimal(-100), Decimal(100), None) == Decimal("55.6")
    assert rules.star_score(None, None, None, None) is None
    assert rules.nps_score(promoters=1, detractors=3, answers=4) == Decimal("-50.0")


def test_kpi_api_managers_see_all_others_themselves(
    agent1, agent2, manager1, customer1, claims_api, frozen
):
    three_answered_tickets(agent1, customer1)
    frozen.move_to(at("2026-10-14 10:00"))  # tokens are issued at T0 and last 30 days
    period = {"start": "2026-10-12", "end": "2026-10-13"}
    mine = claims_api(agent1).get("/staff/kpis", **period)
    assert mine.status_code == 200
    [row] = mine.json()
    assert row["username"] == "agent1" and row["csat"] == "3.67" and row["nps"] == "33.3"
    assert row["median_cycle_hours"] == "4.0"
    everyone = claims_api(manager1).get("/staff/kpis", **period)
    assert {"agent1", "agent2", "manager1"} <= {r["username"] for r in everyone.json()}
    assert everyone.json()[0]["username"] == "agent1"
    team = claims_api(manager1).get("/staff/kpis", team="客服一组", **period)
    assert {r["username"] for r in team.json()} == {"agent1", "agent2"}
    assert claims_api(customer1).get("/staff/kpis").status_code == 403
    backwards = claims_api(manager1).get("/staff/kpis", start="2026-10-13", end="2026-10-12")
    assert backwards.status_code == 400
    assert claims_api().get("/staff/kpis").status_code == 401


def test_star_board_page(agent1, agent2, manager1, customer1):
    three_answered_tickets(agent1, customer1)
    query = "?start=2026-10-12&end=2026-10-13"
    client = Client()
    assert client.get("/feedback/stars/").status_code == 302  # login first
    client.login(username="manager1", password=PASSWORD)
    page = client.get("/feedback/stars/" + query).content.decode()
    assert 'data-user="agent1"' in page and 'data-user="agent2"' in page
    assert "71.7" in page and str(rules.KPI_DEFINITIONS["nps"]) in page
    client.login(username="agent2", password=PASSWORD)
    page = client.get("/feedback/stars/" + query).content.decode()
    assert 'data-user="agent2"' in page and 'data-user="agent1"' not in page
    client.login(username="customer1", password=PASSWORD)
    assert client.get("/feedback/stars/").status_code == 403
