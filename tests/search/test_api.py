"""``GET /api/v1/search``: typed results, declared refusals, staff only."""

import pytest

from claimdesk.staff.services import token_issue
from tests.api.conftest import Api, openapi
from tests.conftest import PASSWORD
from tests.search.conftest import NOW


@pytest.fixture
def api(db):
    def make(user=None) -> Api:
        if user is None:
            return Api()
        return Api(token_issue(username=user.username, password=PASSWORD, now=NOW))

    return make


def test_the_schema_declares_results_and_refusals(db):
    op = openapi()["paths"]["/api/v1/search"]["get"]
    assert {"200", "400", "401", "403"} <= set(op["responses"])
    assert [p["name"] for p in op["parameters"]] == ["q"]


def test_agent_finds_a_claim_by_the_customers_phone(api, agent1, zhang_claim):
    r = api(agent1).get("/search", q="13800138000")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == len(body["results"]) == 2
    claim = next(h for h in body["results"] if h["kind"] == "claim")
    assert claim["number"] == zhang_claim.number
    assert claim["link"] == f"/claims/{zhang_claim.number}/"
    assert claim["title"] and claim["is_open"] is True


@pytest.mark.parametrize("q", ["", "1", "12"])
def test_an_empty_or_too_short_query_is_a_clear_400(api, agent1, q):
    r = api(agent1).get("/search", q=q)
    assert r.status_code == 400
    assert "4" in r.json()["detail"] or "2" in r.json()["detail"]


def test_a_customer_gets_403_and_nobody_401(api, customer1, zhang_claim):
    assert api(customer1).get("/search", q=zhang_claim.number).status_code == 403
    assert api().get("/search", q=zhang_claim.number).status_code == 401
