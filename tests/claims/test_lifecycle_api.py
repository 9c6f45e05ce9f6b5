"""Issue 4's "done when", through the API only: a claim goes from report to paid and
surveyed, every clock met; each role does its own step and nothing else."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from claimdesk.cases.models import Deadline
from claimdesk.claims.models import Claim
from claimdesk.feedback.models import Survey
from claimdesk.feedback.services import feedback_sweep
from claimdesk.policies.demo import demo_bank_account
from tests.claims.conftest import T0

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("accident_policy")]


def test_report_to_paid_and_surveyed_through_the_api(
    claims_api, frozen, customer1, agent1, adjuster1, adjuster2, finance1, manager1
):
    demo_bank_account(customer1, "张三", "6222021001000012345")
    customer, agent = claims_api(customer1), claims_api(agent1)
    r = customer.post(
        "/claims",
        {
            "policy_no": "PACC0001",
            "insured_name": "张三",
            "loss_time": "2026-09-29T18:00:00+08:00",
            "loss_place": "上海市徐汇区",
            "loss_cause": "骑车摔伤",
            "description": "下班骑车摔倒，右腕骨折住院",
            "loss_type": "accident",
            "estimated_amount": "8100",
            "contact_phone": "13812345678",
        },
    )
    assert r.status_code == 201, r.content
    number = r.json()["claim_no"]
    owner = Claim.objects.get(case__number=number).case.owner
    assert owner == agent1
    frozen.shift(timedelta(hours=1))
    assert agent.post(f"/claims/{number}/actions/contact").status_code == 200
    core = [i["code"] for i in r.json()["checklist"] if i["core"]]
    for code in core:
        assert (
            customer.post(f"/claims/{number}/items/{code}", {"state": "received"}).status_code
            == 200
        )
        assert (
            agent.post(f"/claims/{number}/items/{code}", {"state": "accepted"}).status_code == 200
        )
    assert agent.post(f"/claims/{number}/actions/send_to_adjudication").status_code == 200
    task = {"kind": "review", "title": "核定", "assignee": "adjuster1"}
    assert agent.post(f"/cases/{number}/tasks", task).status_code == 201

    adjuster = claims_api(adjuster1)
    item = {"coverage": "accident-medical", "label": "住院医疗费用", "amount": "8100.00"}
    assert adjuster.post(f"/claims/{number}/loss-items", item).status_code == 201
    calc = adjuster.get(f"/claims/{number}/calculation").json()
    assert Decimal(calc["total"]) == Decimal("6400.00")  # (8,100 − 100) × 80 %
    assert adjuster.post(f"/claims/{number}/decisions").status_code == 201
    # the approval went to adjuster2 (the lowest limit that covers it, not the proposer)
    r = claims_api(adjuster2).post(f"/claims/{number}/actions/approve")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "paying"

    finance = claims_api(finance1)
    r = finance.post(f"/claims/{number}/payment")
    assert r.status_code == 201, r.content
    reference = r.json()["reference"]
    assert Decimal(r.json()["amount"]) == Decimal("6400.00")
    for action in ("send", "confirm"):
        r = finance.post(f"/payments/{reference}/actions/{action}", {"bank_ref": "B001"})
        assert r.status_code == 200, r.content
    assert finance.post(f"/claims/{number}/payment").status_code == 409  # never twice

    frozen.shift(timedelta(hours=2))
    feedback_sweep(now=T0 + timedelta(hours=3))
    survey = Survey.objects.get(case__number=number)
    r = customer.client.post(
        f"/api/v1/feedback/surveys/{survey.token}",
        data={"csat": 5, "nps": 10, "comment": "很快"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content

    progress = customer.get(f"/claims/{number}/progress").json()
    assert progress["status"] == "followed_up"
    notices = customer.get(f"/claims/{number}/notices").json()
    assert [n["kind"] for n in notices] == ["claim_report"]
    clocks = Deadline.objects.filter(case__number=number, task__isnull=True)
    assert {d.rule.code: d.state for d in clocks} == {
        "contact": "met",
        "decision_statutory": "met",
        "payment": "met",
        "interim_payment": "met",
        "decision_ordinary": "met",
        "payment_agreed": "met",
        "followup": "met",
    }
