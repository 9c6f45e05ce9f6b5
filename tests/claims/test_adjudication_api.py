"""The adjudication API: the calculation preview's contract, and every way round the
authority rules a client might try — each refused with a clear answer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from claimdesk.cases.services import task_assign
from claimdesk.claims.models import ClaimDecision
from claimdesk.claims.services import loss_item_add
from tests.claims.conftest import T0, claim_in_adjudication

pytestmark = pytest.mark.usefixtures("accident_policy", "frozen")


@pytest.fixture
def claim(agent1, adjuster1, adjuster2):
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    loss_item_add(
        claim=claim,
        actor=adjuster1,
        now=T0,
        coverage="accident-medical",
        label="住院费用",
        amount="31250.50",
    )
    return claim


def test_calculation_contract(claims_api, claim, adjuster1):
    r = claims_api(adjuster1).get(f"/claims/{claim.number}/calculation")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["decision"] == "approve"
    assert Decimal(body["total"]) == Decimal("24920.40")
    assert [(line["label"], line["amount"], line["clause"]) for line in body["lines"]] == [
        ("住院费用", "31250.50", "2.4"),
        ("Deductible of 意外医疗", "-100.00", "2.4"),
        ("Reimbursement ratio 80% of 意外医疗", "-6230.10", "2.4"),
    ]
    assert sum(Decimal(line["amount"]) for line in body["lines"]) == Decimal(body["total"])
    assert isinstance(body["flags"], list)
    assert all({"code", "reason"} <= set(flag) for flag in body["flags"])


def test_customer_cannot_see_the_calculation(claims_api, claim, customer1):
    assert claims_api(customer1).get(f"/claims/{claim.number}/calculation").status_code == 404


def test_no_way_round_the_four_eyes(claims_api, claim, adjuster1):
    api = claims_api(adjuster1)
    # the plain kernel transition is refused for approve, whatever data is sent
    r = api.post(f"/cases/{claim.number}/transitions", {"action": "approve", "data": {}})
    assert r.status_code == 400
    assert "proposing a decision" in r.json()["detail"]
    r = api.post(
        f"/cases/{claim.number}/transitions", {"action": "approve", "data": {"decision": 1}}
    )
    assert r.status_code == 400
    # nothing proposed yet
    r = api.post(f"/claims/{claim.number}/actions/approve")
    assert r.status_code == 409
    # the proposer approving their own proposal
    r = api.post(f"/claims/{claim.number}/decisions", {"note": ""})
    assert r.status_code == 201, r.content
    decision_id = r.json()["id"]
    r = api.post(f"/claims/{claim.number}/decisions/{decision_id}/approve")
    assert r.status_code == 403
    assert "own proposal" in r.json()["detail"]
    r = api.post(f"/claims/{claim.number}/actions/approve")
    assert r.status_code == 403
    assert ClaimDecision.objects.get(pk=decision_id).status == "pending"
    claim.case.refresh_from_db()
    assert claim.case.status == "adjudicating"


def test_no_approval_above_the_limit(claims_api, agent1, adjuster1, adjuster2):
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    task_assign(
        case=claim.case, kind="review", title="复核", assignee=adjuster2, actor=agent1, now=T0
    )
    loss_item_add(
        claim=claim,
        actor=adjuster2,
        now=T0,
        coverage="death-disability",
        label="伤残保险金",
        amount="60000",
    )
    r = claims_api(adjuster2).post(f"/claims/{claim.number}/decisions")
    assert r.status_code == 201
    r = claims_api(adjuster1).post(f"/claims/{claim.number}/actions/approve")
    assert r.status_code == 403
    assert r.json()["escalated_to"] == "manager1"
    claim.case.refresh_from_db()
    assert claim.case.status == "adjudicating"


def test_actions_walk_the_table_with_clear_refusals(claims_api, agent1, customer1):
    from claimdesk.claims.services import claim_report
    from tests.conftest import at

    claim = claim_report(
        reporter=agent1,
        report={
            "policy_no": "PACC0001",
            "insured_name": "张三",
            "loss_time": at("2026-09-28 09:00"),
            "loss_place": "上海",
            "loss_cause": "摔伤",
            "description": "摔伤",
            "loss_type": "accident",
            "contact_phone": "13812345678",
        },
        channel="hotline",
        now=T0,
    ).claim
    r = claims_api(customer1).post(f"/claims/{claim.number}/actions/contact")
    assert r.status_code == 403
    r = claims_api(agent1).post(f"/claims/{claim.number}/actions/confirm_payment")
    assert r.status_code == 409
    r = claims_api(agent1).post(f"/claims/{claim.number}/actions/contact")
    assert r.status_code == 200
    assert r.json()["status"] == "reviewing"
    r = claims_api(agent1).post(f"/claims/{claim.number}/actions/send_to_adjudication")
    assert r.status_code == 400
    assert "Core materials" in r.json()["detail"]
