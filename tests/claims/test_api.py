"""Claims over HTTP: the report contract, idempotency, refusals that write nothing, who sees
what, the materials flow and the customer's progress view. Every answer is checked against
the published OpenAPI schema."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimdesk.claims.models import Claim
from claimdesk.claims.rules import EMERGENCY_GUIDANCE, RIGHTS_NOTICE
from tests.api.conftest import openapi
from tests.claims.conftest import T0, counts, report
from tests.conftest import at

pytestmark = pytest.mark.usefixtures("frozen")

AUTO_CHECKLIST = [
    ("claim_form", True),
    ("accident_report", True),
    ("repair_invoice", True),
    ("vehicle_license", True),
    ("driver_license", True),
    ("scene_photos", False),
    ("bank_card", True),
]


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def customer(claims_api, customer1, auto_policy, agent1):
    """customer1's client, with an agent on duty to own what they report."""
    return claims_api(customer1)


def reported(client, **extra) -> dict:
    r = client.post("/claims", report(**extra))
    assert r.status_code == 201, r.content
    return r.json()


# --- reporting ------------------------------------------------------------------------------


def test_a_report_answers_with_everything_the_customer_is_told_at_once(customer):
    r = customer.post("/claims", report(), key="first-try")
    assert r.status_code == 201
    body = r.json()
    assert body["claim_no"].startswith("CL20260930")
    assert (body["status"], body["owner"], body["channel"]) == ("reported", "agent1", "api")
    assert [(i["code"], i["core"]) for i in body["checklist"]] == AUTO_CHECKLIST
    assert {i["state"] for i in body["checklist"]} == {"missing"}
    assert all(i["name"] and i["reason"] == "" for i in body["checklist"])
    clocks = {d["rule"]: d for d in body["deadlines"]}
    assert set(clocks) == {"contact", "decision_statutory"}
    # Wed 30 Sept 10:00 → 1 working day: 1–7 Oct are holidays, Thu 8 Oct is the first
    # working day after, due at its end.
    assert clocks["contact"]["due_at"] == "2026-10-09T00:00:00+08:00"
    assert clocks["contact"]["state"] == "running" and clocks["contact"]["name"]
    assert body["notice"] == str(RIGHTS_NOTICE)
    assert body["emergency_guidance"] == str(EMERGENCY_GUIDANCE["auto"])
    assert body["flags"] == [] and body["possible_duplicates"] == []
    assert Decimal(body["estimated_amount"]) == Decimal("3200.00")
    assert body["loss_time"] == "2026-09-29T18:00:00+08:00"
    assert body["reported_at"] == "2026-09-30T10:00:00+08:00"


def test_illness_reports_get_their_own_checklist_and_no_emergency_guidance(
    claims_api, customer1, ci_policy, agent1
):
    body = reported(
        claims_api(customer1),
        policy_no="PCI0001",
        loss_type="critical_illness",
        loss_place="",
        loss_cause="确诊甲状腺癌",
        estimated_amount=None,
    )
    assert body["emergency_guidance"] is None
    codes = {i["code"]: i["core"] for i in body["checklist"]}
    assert codes["diagnosis"] and codes["pathology"] and not codes["discharge_summary"]


def test_a_time_without_offset_is_shanghai_time(customer):
    body = reported(customer, loss_time="2026-09-29T18:00:00")
    assert body["loss_time"] == "2026-09-29T18:00:00+08:00"
    assert Claim.objects.get().loss_time == at("2026-09-29 18:00")
    utc = reported(customer, loss_time="2026-09-20T01:00:00Z", loss_cause="刮擦")
    assert utc["loss_time"] == "2026-09-20T09:00:00+08:00"


def test_the_same_idempotency_key_twice_gives_one_claim(customer, claims_api, agent1):
    first = customer.post("/claims", report(), key="retry-7f3a")
    again = customer.post("/claims", report(), key="retry-7f3a")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["claim_no"] == first.json()["claim_no"]
    assert again.json()["checklist"] == first.json()["checklist"]
    assert Claim.objects.count() == 1
    # another key is another report; the same key from someone else is theirs alone
    other = customer.post(
        "/claims", report(loss_cause="刮擦", loss_time="2026-09-20T09:00:00"), key="k2"
    )
    assert other.status_code == 201 and other.json()["claim_no"] != first.json()["claim_no"]
    by_agent = claims_api(agent1).post("/claims", report(loss_cause="停车被撞"), key="retry-7f3a")
    assert by_agent.status_code == 201
    assert Claim.objects.count() == 3


@pytest.mark.parametrize("key", ["x" * 101, "键", "a\x00b"])
def test_an_unusable_idempotency_key_is_refused_clearly(customer, key):
    before = counts()
    r = customer.post("/claims", report(), key=key)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "Idempotency-Key"
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"policy_no": "PNOSUCH"}, {"policy_no"}),
        ({"policy_no": "PPROP0002"}, {"policy_no"}),  # customer2's: not a hint it exists
        ({"loss_time": "2026-10-01T09:00:00+08:00"}, {"loss_time"}),
        ({"loss_place": "", "description": "  "}, {"loss_place", "description"}),
        ({"insured_name": "王五"}, {"insured_name"}),
        ({"loss_type": "pet"}, {"loss_type"}),
        ({"contact_phone": "call me"}, {"contact_phone"}),
        ({"estimated_amount": "-1"}, {"estimated_amount"}),
    ],
)
def test_a_bad_report_names_each_field_and_writes_nothing(customer, other_policy, change, fields):
    before = counts()
    r = customer.post("/claims", report(**change), key="bad-1")
    assert r.status_code == 400
    body = r.json()
    assert set(body["errors"]) == fields
    assert all(body["errors"].values())
    assert all(f in body["detail"] for f in fields)
    assert counts() == before


def test_a_report_missing_everything_names_the_fields_its_loss_type_requires(customer):
    before = counts()
    r = customer.post("/claims", {"loss_type": "property"})
    assert r.status_code == 400
    assert set(r.json()["errors"]) == {
        "policy_no",
        "insured_name",
        "loss_time",
        "loss_cause",
        "contact_phone",
        "loss_place",
        "description",
        "estimated_amount",
    }
    assert counts() == before


@pytest.mark.parametrize(
    "body",
    [
        report(loss_time="yesterday"),
        report(estimated_amount="a lot"),
        report(estimated_amount=[1]),
        report(estimated_amount="NaN"),
        report(loss_cause="x" * 201),
        report(description={"text": "nested"}),
    ],
)
def test_wrong_types_are_a_clear_422_never_a_500(customer, body):
    before = counts()
    r = customer.post("/claims", body)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] in body
    assert counts() == before


def test_a_body_that_is_not_json_is_a_400(customer):
    r = customer.post("/claims", raw="{not json")
    assert r.status_code == 400
    assert r.json()["detail"]


def test_a_loss_before_the_policy_started_is_registered_and_flagged(customer):
    body = reported(customer, loss_time="2026-02-01T10:00:00+08:00")
    assert [f["code"] for f in body["flags"]] == ["loss_before_policy_start"]
    assert body["flags"][0]["label"] == "The loss happened before the policy started."


def test_a_duplicate_report_is_linked_both_ways_and_shown(customer):
    first = reported(customer)
    second = reported(
        customer, loss_time="2026-09-29T19:30:00+08:00", loss_cause="被追尾", confirm=True
    )
    assert second["possible_duplicates"] == [first["claim_no"]]
    assert "possible_duplicate" in [f["code"] for f in second["flags"]]
    again = customer.get(f"/claims/{first['claim_no']}").json()
    assert again["possible_duplicates"] == [second["claim_no"]]
    assert "possible_duplicate" in [f["code"] for f in again["flags"]]
    unrelated = reported(customer, loss_time="2026-09-20T09:00:00+08:00", loss_cause="暴雨泡水")
    assert unrelated["possible_duplicates"] == []
    assert Claim.objects.count() == 3  # shown, never merged


# --- reading: who sees what ---------------------------------------------------------------


def test_a_customer_reads_only_their_own_claims(customer, claims_api, customer2, other_policy):
    mine = reported(customer)["claim_no"]
    theirs = reported(
        claims_api(customer2),
        policy_no="PPROP0002",
        insured_name="李四",
        loss_type="property",
        loss_cause="水管爆裂",
        loss_place="上海市浦东新区世纪大道100号",
    )["claim_no"]
    stranger = claims_api(customer2)
    for path in (f"/claims/{mine}", f"/claims/{mine}/progress", "/claims/CL20990101000001"):
        r = stranger.get(path)
        assert r.status_code == 404, path
        assert r.json()["detail"].startswith("No claim")
    r = stranger.post(f"/claims/{mine}/items/claim_form", {"state": "received"})
    assert r.status_code == 404
    assert [c["claim_no"] for c in stranger.get("/claims").json()["items"]] == [theirs]
    assert [c["claim_no"] for c in customer.get("/claims").json()["items"]] == [mine]
    assert claims_api().get("/claims").status_code == 401


def test_a_customer_sees_the_public_timeline_and_staff_the_whole_of_it(
    customer, claims_api, agent1
):
    number = reported(customer)["claim_no"]
    mine = customer.get(f"/claims/{number}").json()["timeline"]
    assert [e["kind"] for e in mine] == ["opened"]
    assert mine[0]["text"] == f"We registered your claim {number}."
    assert mine[0]["actor"] is None and mine[0]["data"] == {}
    staff = claims_api(agent1).get(f"/claims/{number}").json()["timeline"]
    # the case reserve set at registration is staff's only
    assert [e["kind"] for e in staff] == [
        "opened",
        "deadline_started",
        "deadline_started",
        "reserve_changed",
    ]
    assert staff[1]["text"] == "Clock contact started." and staff[0]["actor"] == "customer1"


def test_staff_list_the_claims_they_may_see_by_status_and_page(
    customer, claims_api, agent1, agent2, manager1
):
    numbers = [
        reported(customer, loss_cause=cause, loss_time=f"2026-09-{day}T09:00:00")["claim_no"]
        for cause, day in (("追尾", 10), ("刮擦", 15), ("暴雨泡水", 20))
    ]
    # customer reports go to the least-loaded agent: agent1, agent2, agent1
    owners = [customer.get(f"/claims/{n}").json()["owner"] for n in numbers]
    assert owners == ["agent1", "agent2", "agent1"]
    agent = claims_api(agent1)
    r = agent.get("/claims")
    assert r.json()["count"] == 2
    assert [c["claim_no"] for c in r.json()["items"]] == [numbers[2], numbers[0]]
    assert [c["claim_no"] for c in claims_api(agent2).get("/claims").json()["items"]] == [
        numbers[1]
    ]
    assert claims_api(agent2).get(f"/claims/{numbers[0]}").status_code == 404
    manager = claims_api(manager1)
    assert manager.get("/claims", status="reported").json()["count"] == 3
    agent.post(f"/cases/{numbers[0]}/transitions", {"action": "contact"})
    assert [c["claim_no"] for c in manager.get("/claims", status="reviewing").json()["items"]] == [
        numbers[0]
    ]
    assert agent.get("/claims", status="paying").json() == {"items": [], "count": 0}
    assert agent.get("/claims", page=2).json()["items"] == []
    assert agent.get("/claims", page=0).status_code == 422


def test_the_list_reads_a_fixed_number_of_queries(customer, claims_api, manager1):
    manager = claims_api(manager1)
    reported(customer, loss_cause="追尾", loss_time="2026-09-10T09:00:00")
    with CaptureQueriesContext(connection) as one:
        manager.get("/claims")
    for day, cause in ((12, "刮擦"), (15, "暴雨泡水"), (20, "停车被撞")):
        reported(customer, loss_cause=cause, loss_time=f"2026-09-{day}T09:00:00")
    with CaptureQueriesContext(connection) as four:
        assert manager.get("/claims").json()["count"] == 4
    assert len(four.captured_queries) == len(one.captured_queries) <= 8


# --- materials --------------------------------------------------------------------------------


def test_materials_flow_to_complete_and_the_payment_clock_starts_from_that_moment(
    customer, claims_api, agent1, frozen
):
    body = reported(customer)  # auto, ¥3,200: a small claim
    number = body["claim_no"]
    core = [i["code"] for i in body["checklist"] if i["core"]]
    agent = claims_api(agent1)
    assert agent.post(f"/cases/{number}/transitions", {"action": "contact"}).status_code == 200
    refused = agent.post(f"/cases/{number}/transitions", {"action": "send_to_adjudication"})
    assert refused.status_code == 400 and "事故认定书" in refused.json()["detail"]

    frozen.shift(timedelta(hours=2))
    for code in core:
        r = customer.post(f"/claims/{number}/items/{code}", {"state": "received"})
        assert r.status_code == 200
    assert (
        customer.post(f"/claims/{number}/items/{core[0]}", {"state": "accepted"}).status_code == 403
    )
    for code in core[:-1]:
        r = agent.post(f"/claims/{number}/items/{code}", {"state": "accepted"})
        assert r.status_code == 200 and r.json()["materials_complete_at"] is None
    frozen.shift(timedelta(minutes=30))
    done = agent.post(f"/claims/{number}/items/{core[-1]}", {"state": "accepted"}).json()
    complete = when("2026-09-30T12:30:00+08:00")
    assert when(done["materials_complete_at"]) == complete
    payment = {d["rule"]: d for d in done["deadlines"]}["payment_small"]
    assert when(payment["due_at"]) == complete + timedelta(hours=24)
    # 容缺受理: the non-core photos are still missing, and the case may move on
    assert {i["code"]: i["state"] for i in done["checklist"]}["scene_photos"] == "missing"
    moved = agent.post(f"/cases/{number}/transitions", {"action": "send_to_adjudication"})
    assert moved.status_code == 200 and moved.json()["status"] == "adjudicating"
    progress = customer.get(f"/claims/{number}/progress").json()
    assert progress["materials_complete"] and progress["missing_core_items"] == []
    assert when(progress["payment_due"]) == complete + timedelta(hours=24)
    # no similar claims paid yet: the prediction says so rather than guess
    assert progress["expected_payment"]["median"] is None
    assert "Not enough history" in progress["expected_payment"]["basis"]


def test_a_larger_auto_claim_gets_five_working_days_to_pay(customer, claims_api, agent1):
    body = reported(customer, estimated_amount="5000")
    number = body["claim_no"]
    agent = claims_api(agent1)
    for item in body["checklist"]:
        if item["core"]:
            customer.post(f"/claims/{number}/items/{item['code']}", {"state": "received"})
            done = agent.post(f"/claims/{number}/items/{item['code']}", {"state": "accepted"})
    clocks = {d["rule"]: d["due_at"] for d in done.json()["deadlines"]}
    assert "payment_small" not in clocks
    # complete Wed 30 Sept 10:00 → 5 working days: 8, 9, 10 (调休 Sat), 12, 13 Oct
    assert clocks["payment"] == "2026-10-14T00:00:00+08:00"


def test_checklist_refusals_are_clear(customer, claims_api, agent1):
    number = reported(customer)["claim_no"]
    agent = claims_api(agent1)
    path = f"/claims/{number}/items/repair_invoice"
    r = agent.post(path, {"state": "accepted"})
    assert r.status_code == 409 and "维修发票" in r.json()["detail"]
    customer.post(path, {"state": "received"})
    r = agent.post(path, {"state": "returned", "reason": "  "})
    assert r.status_code == 400
    r = agent.post(path, {"state": "returned", "reason": "发票模糊，请重新拍照"})
    item = {i["code"]: i for i in r.json()["checklist"]}["repair_invoice"]
    assert (item["state"], item["reason"]) == ("returned", "发票模糊，请重新拍照")
    assert agent.post(path, {"state": "lost"}).status_code == 422
    assert (
        agent.post(f"/claims/{number}/items/no_such_item", {"state": "received"}).status_code == 404
    )
    r = customer.post(path, {"state": "received"})
    assert r.status_code == 200  # sent again after being returned


# --- progress -------------------------------------------------------------------------------


def test_progress_tells_the_customer_where_the_claim_stands_in_plain_words(
    customer, claims_api, agent1, frozen
):
    number = reported(customer)["claim_no"]
    agent = claims_api(agent1)
    p = customer.get(f"/claims/{number}/progress").json()
    assert (p["stage"], p["stage_label"]) == ("report", "Reported")
    assert [s["state"] for s in p["stages"]] == ["current"] + ["upcoming"] * 5
    assert p["payment_due"] is None and not p["materials_complete"]
    assert (
        "事故认定书" in p["missing_core_items"] and "现场及车损照片" not in p["missing_core_items"]
    )
    assert {d["rule"]: d["due_at"] for d in p["deadlines"]}["contact"] == (
        "2026-10-09T00:00:00+08:00"
    )

    frozen.shift(timedelta(hours=1))
    agent.post(f"/cases/{number}/transitions", {"action": "contact"})
    customer.post(f"/claims/{number}/items/repair_invoice", {"state": "received"})
    agent.post(
        f"/claims/{number}/items/repair_invoice",
        {"state": "returned", "reason": "发票模糊，请重新拍照"},
    )
    p = customer.get(f"/claims/{number}/progress").json()
    assert p["stage"] == "review"
    assert [s["state"] for s in p["stages"][:3]] == ["done", "current", "upcoming"]
    assert [e["text"] for e in p["timeline"]] == [
        f"We registered your claim {number}.",
        "Your claim handler contacted you and the review of materials began.",
        "We received: 维修发票.",
        "维修发票 was returned to you: 发票模糊，请重新拍照",
    ]
    assert "contact" not in {d["rule"] for d in p["deadlines"]}  # stopped: met
    assert when(p["timeline"][1]["at"]) == T0 + timedelta(hours=1)


def test_progress_speaks_the_customers_language(customer, claims_api, customer1):
    number = reported(customer)["claim_no"]
    zh = claims_api(customer1, language="zh-hans").get(f"/claims/{number}/progress").json()
    assert zh["stage_label"] == "已报案"
    assert number in zh["timeline"][0]["text"]


# --- schema -----------------------------------------------------------------------------------


def test_the_schema_declares_the_claims_contract():
    paths = openapi()["paths"]
    create = paths["/api/v1/claims"]["post"]
    assert {"200", "201", "400", "401", "403", "422"} <= set(create["responses"])
    problem = create["responses"]["400"]["content"]["application/json"]["schema"]
    assert problem["$ref"].endswith("/IntakeProblem")
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    assert {"get", "post"} <= set(paths["/api/v1/claims"])
    for path in (
        "/api/v1/claims/{claim_no}",
        "/api/v1/claims/{claim_no}/progress",
    ):
        assert "404" in paths[path]["get"]["responses"]
    items = paths["/api/v1/claims/{claim_no}/items/{code}"]["post"]["responses"]
    assert {"200", "400", "403", "404", "409", "422"} <= set(items)


# --- robustness -------------------------------------------------------------------------------

_json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["", " ", "auto", "2026-09-29T18:00:00", "1e999", "-0", "PAUTO0001"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.dictionaries(st.sampled_from(sorted(report())), _json_values, max_size=3))
def test_any_report_is_registered_or_refused_clearly(customer, changes):
    """Whatever a client sends, the answer is 201, 400 or 422 (never a 500), matches the
    schema, and a refusal writes nothing."""
    before = counts()
    r = customer.post("/claims", report(**changes))
    assert r.status_code in (201, 400, 422), r.content
    if r.status_code != 201:
        assert counts() == before


def test_the_contact_phone_is_masked_for_roles_that_do_not_call_the_customer(
    customer, claims_api, agent1, adjuster1, manager1
):
    number = reported(customer, contact_phone="13812345678")["claim_no"]
    assert customer.get(f"/claims/{number}").json()["contact_phone"] == "13812345678"
    assert claims_api(agent1).get(f"/claims/{number}").json()["contact_phone"] == "13812345678"
    claim = Claim.objects.get(case__number=number)
    from claimdesk.cases.services import task_assign

    task_assign(
        case=claim.case, kind="review", title="核赔", assignee=adjuster1, actor=agent1, now=T0
    )
    seen_by_adjuster = claims_api(adjuster1).get(f"/claims/{number}").json()["contact_phone"]
    assert seen_by_adjuster == "138****5678"
