"""Issue 5's "done when", through the API: a complaint runs through its RCA to closed with
its clock met, the satisfaction survey arrives after closure, and the customer's answer
shows in the agent's KPIs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from claimdesk.feedback.models import Survey
from claimdesk.feedback.services import feedback_sweep
from claimdesk.service.models import Ticket
from tests.claims.conftest import T0

pytestmark = pytest.mark.django_db


def test_complaint_to_closed_then_survey_then_kpis(claims_api, agent1, manager1, customer1, frozen):
    agent, customer = claims_api(agent1), claims_api(customer1)
    r = agent.post(
        "/tickets",
        {
            "category": "complaint",
            "subject": "理赔时效过长",
            "body": "报案一周还没有人联系我。",
            "channel": "hotline",
            "customer": "customer1",
            "topic": "timeliness",
        },
    )
    assert r.status_code == 201, r.content
    number = r.json()["ticket_no"]
    frozen.shift(timedelta(hours=1))
    assert (
        agent.post(f"/tickets/{number}/replies", {"body": "您好，已为您加急处理。"}).status_code
        == 201
    )
    rca = {
        "category": "timeliness",
        "department": "理赔部",
        "root_cause": "报案分配规则遗漏夜间报案",
        "corrective_action": "夜间报案次日9点前自动分派",
        "owner": "agent1",
        "due_date": "2026-10-30",
        "verification": "下月抽查夜间报案",
    }
    assert agent.post(f"/tickets/{number}/rca", rca).status_code == 200
    frozen.shift(timedelta(days=2))
    r = agent.post(
        f"/tickets/{number}/actions/resolve", {"data": {"resolution": "已联系并完成理赔"}}
    )
    assert r.status_code == 200, r.content
    r = agent.post(f"/tickets/{number}/actions/close", {"data": {}})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    ticket = Ticket.objects.get(case__number=number)
    assert ticket.case.deadlines.get(rule__code="complaint").state == "met"  # 15 days

    # The survey goes out after closure (within 3 working days), to the customer only.
    feedback_sweep(now=T0 + timedelta(days=3))
    survey = Survey.objects.get(case=ticket.case)
    assert survey.staff == agent1
    r = customer.client.post(
        f"/api/v1/feedback/surveys/{survey.token}",
        data={"csat": 4, "nps": 9, "comment": "处理及时"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content

    kpis = claims_api(manager1).get("/staff/kpis", start="2026-09-01", end="2026-12-31").json()
    mine = next(row for row in kpis if row["username"] == "agent1")
    assert mine["answers"] == 1
    assert float(mine["csat"]) == 4.0
    assert float(mine["nps"]) == 100.0
