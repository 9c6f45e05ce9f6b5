"""The investigation API: staff-only review, survey assignment and report, repair-shop
objections; every answer checked against the OpenAPI schema."""

from __future__ import annotations

import pytest

from claimdesk.investigation.models import RepairObjection, Survey
from tests.investigation.conftest import make_document

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def claim(auto_policy, customer1, make_claim):
    return make_claim(customer1, description="驾驶人醉酒后追尾")


def test_review_for_staff(claim, agent1, claims_api):
    r = claims_api(agent1).get(f"/claims/{claim.number}/review")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["path"] == "online" and body["flags"] == []
    (hit,) = body["text_hits"]
    assert hit["term"] == "醉酒" and hit["kind"] == "exclusion" and hit["source"] == "description"
    assert hit["clause"]["article"] == "10" and "饮酒" in hit["clause"]["text"]


def test_review_refused_to_customers(claim, customer1, customer2, claims_api):
    assert claims_api(customer1).get(f"/claims/{claim.number}/review").status_code == 403
    assert claims_api(customer2).get(f"/claims/{claim.number}/review").status_code == 404
    assert claims_api().get(f"/claims/{claim.number}/review").status_code == 401


def test_review_hidden_from_unrelated_staff(claim, agent2, claims_api):
    assert claims_api(agent2).get(f"/claims/{claim.number}/review").status_code == 404


def test_survey_flow(claim, agent1, surveyor, claims_api, customer1):
    s1 = surveyor("s1")
    api = claims_api(agent1)
    r = api.post(f"/claims/{claim.number}/surveys", {})
    assert r.status_code == 201, r.content
    survey = r.json()
    assert survey["surveyor"] == "s1" and survey["status"] == "assigned" and survey["due_at"]
    assert api.post(f"/claims/{claim.number}/surveys", {}).status_code == 409

    photo = make_document(claim, n=3, kind="photo")
    body = {
        "findings": "后保险杠破损",
        "assessed_loss": "2860.50",
        "method": "更换保险杠",
        "photos": [photo.pk],
    }
    # Only the assigned surveyor reports.
    assert api.post(f"/surveys/{survey['id']}/report", body).status_code == 403
    assert claims_api(customer1).post(f"/surveys/{survey['id']}/report", body).status_code == 404
    r = claims_api(s1).post(f"/surveys/{survey['id']}/report", body)
    assert r.status_code == 200, r.content
    assert r.json()["assessed_loss"] == "2860.50" and r.json()["photos"] == [photo.pk]

    r = api.post(
        f"/surveys/{survey['id']}/objections",
        {"shop": "浦东汽修厂", "text": "配件价格偏低", "amount_claimed": "3500.00"},
    )
    assert r.status_code == 201, r.content
    objection = r.json()
    assert objection["due_at"] and objection["status"] == "open"
    r = api.post(
        f"/objections/{objection['id']}/resolve",
        {"resolution": "复核维持原定损", "rechecked_amount": "2860.50"},
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "resolved"
    assert (
        api.post(f"/objections/{objection['id']}/resolve", {"resolution": "again"}).status_code
        == 409
    )
    assert RepairObjection.objects.get().deadline.state == "met"


def test_named_surveyor(claim, agent1, surveyor, claims_api):
    surveyor("s1")
    s2 = surveyor("s2", region="北京")
    api = claims_api(agent1)
    assert api.post(f"/claims/{claim.number}/surveys", {"surveyor": "nobody"}).status_code == 404
    r = api.post(f"/claims/{claim.number}/surveys", {"surveyor": "s2"})
    assert r.status_code == 201 and Survey.objects.get().surveyor == s2


def test_nev_survey_to_uncertified_refused(
    nev_policy, customer1, make_claim, agent1, surveyor, claims_api
):
    claim = make_claim(customer1, policy_no="PNEV0001")
    surveyor("s1", nev="expired")
    r = claims_api(agent1).post(f"/claims/{claim.number}/surveys", {"surveyor": "s1"})
    assert r.status_code == 400
    assert "new-energy vehicle" in r.json()["detail"] and "2026-09-29" in r.json()["detail"]
    assert not Survey.objects.exists()


def test_assignment_needs_permission(claim, surveyor, claims_api, finance1, manager1):
    surveyor("s1")
    # finance1 cannot see the claim; the manager sees all but may assign too.
    assert claims_api(finance1).post(f"/claims/{claim.number}/surveys", {}).status_code == 404
    assert claims_api(manager1).post(f"/claims/{claim.number}/surveys", {}).status_code == 201


def test_bad_input_is_4xx(claim, agent1, surveyor, claims_api):
    s1 = surveyor("s1")
    api = claims_api(agent1)
    sid = api.post(f"/claims/{claim.number}/surveys", {}).json()["id"]
    r = claims_api(s1).post(
        f"/surveys/{sid}/report", {"findings": "x", "assessed_loss": "-1", "method": "y"}
    )
    assert r.status_code == 422
    assert (
        claims_api(s1)
        .post("/surveys/999999/report", {"findings": "x", "assessed_loss": "1", "method": "y"})
        .status_code
        == 404
    )
    assert (
        api.post(
            f"/surveys/{sid}/objections", {"shop": "店", "text": "x", "amount_claimed": "1"}
        ).status_code
        == 409
    )
