"""Case kernel over HTTP: who sees what, transitions and their refusals, tasks, my work."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from claimdesk.cases import services
from claimdesk.cases.models import Case, CaseEvent, Task
from claimdesk.cases.workflow import sla_defaults
from tests.cases.conftest import T0, open_claim, step
from tests.conftest import at

H = timedelta(hours=1)


@pytest.fixture
def claim(agent1, customer1):
    return open_claim(agent1, customer1)


@pytest.fixture
def other_claim(agent1, customer2):
    return open_claim(agent1, customer2, title="家财险 水管爆裂")


@pytest.fixture
def staff_ticket(agent1):
    return services.case_open(
        kind="ticket", title="内部工单", category="complex", actor=agent1, now=T0
    )


# --- reading -------------------------------------------------------------------------------


def test_a_customer_sees_their_own_case_and_its_public_timeline(api, claim, agent1, customer1):
    step(claim, "contact", agent1, T0, note="内部备注也在数据里")
    r = api(customer1).get(f"/cases/{claim.number}")
    assert r.status_code == 200
    body = r.json()
    assert body["number"] == claim.number
    assert (body["status"], body["owner"], body["customer"]) == ("reviewing", "agent1", "customer1")
    assert body["allowed_actions"] == []  # customers act through their own channels
    assert {c["rule"] for c in body["clocks"]} == {"contact", "decision_statutory"}
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds == ["opened", "transition"]
    visible = set(
        CaseEvent.objects.filter(case=claim, customer_visible=True).values_list("kind", flat=True)
    )
    assert set(kinds) == visible
    assert CaseEvent.objects.filter(case=claim, customer_visible=False).exists()


def test_staff_see_the_whole_timeline_and_what_they_may_do(api, claim, agent1, manager1):
    body = api(agent1).get(f"/cases/{claim.number}").json()
    assert body["allowed_actions"] == ["contact", "withdraw"]
    assert "deadline_started" in [e["kind"] for e in body["timeline"]]
    contact = next(c for c in body["clocks"] if c["rule"] == "contact")
    assert datetime.fromisoformat(contact["due_at"]) == at("2026-10-09 00:00")
    assert contact["state"] == "running" and contact["task"] is None
    assert api(manager1).get(f"/cases/{claim.number}").json()["allowed_actions"] == [
        "contact",
        "withdraw",
    ]


def test_nobody_sees_a_case_that_is_not_theirs(
    api, claim, other_claim, staff_ticket, customer1, agent2, surveyor1
):
    c1 = api(customer1)
    for number in (other_claim.number, staff_ticket.number, "CL20990101000001"):
        r = c1.get(f"/cases/{number}")
        assert r.status_code == 404
        assert r.json()["detail"] == f"no case {number}"
    assert api(agent2).get(f"/cases/{claim.number}").status_code == 404
    assert api(surveyor1).get(f"/cases/{claim.number}").status_code == 404
    assert api().get(f"/cases/{claim.number}").status_code == 401


def test_the_listing_shows_each_their_own(
    api, claim, other_claim, staff_ticket, customer1, agent1, agent2, manager1
):
    def numbers(client, **params):
        r = client.get("/cases", **params)
        assert r.status_code == 200
        return [c["number"] for c in r.json()["items"]], r.json()["count"]

    assert numbers(api(customer1)) == ([claim.number], 1)
    assert numbers(api(agent2)) == ([], 0)
    everything = {claim.number, other_claim.number, staff_ticket.number}
    assert set(numbers(api(manager1))[0]) == everything
    a1 = api(agent1)
    assert set(numbers(a1)[0]) == everything
    assert numbers(a1, kind="ticket") == ([staff_ticket.number], 1)
    assert numbers(a1, status="new") == ([staff_ticket.number], 1)
    assert numbers(a1, open="false") == ([], 0)
    page = a1.get("/cases", limit=2, offset=0).json()
    assert len(page["items"]) == 2 and page["count"] == 3


def test_my_work_over_the_api(api, claim, agent1, surveyor1, _frozen):
    step(claim, "contact", agent1, T0)
    task = services.task_assign(
        case=claim,
        kind="survey",
        title="查勘",
        assignee=surveyor1,
        actor=agent1,
        now=T0,
        rule_code="survey_onsite",
    )
    r = api(surveyor1).get("/my-work")
    assert r.status_code == 200
    [item] = r.json()
    assert item["number"] == claim.number and item["kind"] == "survey"
    assert item["task"] == task.pk and item["what"] == "查勘"  # a task no kind describes
    assert (item["rule_code"], item["clock"]) == ("survey_onsite", "running")
    assert item["rule"] and item["link"].endswith(f"/{claim.number}/")
    assert item["seconds_left"] == 48 * 3600
    assert (item["overdue"], item["escalated"]) == (False, False)
    _frozen.move_to(T0 + 50 * H)
    late = api(surveyor1).get("/my-work").json()[0]
    assert late["seconds_left"] == -2 * 3600 and late["overdue"] is True
    mine = api(agent1).get("/my-work", limit=0).json()  # clamped to at least one
    assert len(mine) == 1 and mine[0]["task"] is None and mine[0]["kind"] == "claim"
    assert api(agent1).get("/my-work", limit="x").status_code == 422


def test_my_work_over_the_api_takes_a_fixed_number_of_queries(
    api, agent1, customer1, django_assert_max_num_queries
):
    client = api(agent1)

    def add(n):
        for _ in range(n):
            case = open_claim(agent1, customer1)
            services.task_assign(
                case=case, kind="callback", title="回电", assignee=agent1, actor=agent1, now=T0
            )

    add(1)
    with django_assert_max_num_queries(12) as few:
        assert len(client.get("/my-work").json()) == 2
    add(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/my-work").json()) == 18


def test_sla_rules_are_listed(api, agent1):
    rules = {r["code"]: r for r in api(agent1).get("/sla-rules").json()}
    # the SPEC's fourteen, plus the apps' own (e.g. the 24-hour repair-shop re-check)
    assert {rule.code for rule in sla_defaults()} <= set(rules)
    assert rules["repair_recheck"]["amount"] == "24.00"
    assert rules["contact"]["unit"] == "working_days"
    assert rules["survey_onsite"]["amount"] == "48.00"
    assert rules["green_response"]["amount"] == "0.50"


# --- transitions -----------------------------------------------------------------------------


def test_a_transition_answers_with_the_case(api, claim, agent1):
    r = api(agent1).post(f"/cases/{claim.number}/transitions", {"action": "contact"})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "reviewing"
    assert body["status_label"]
    assert "request_materials" in body["allowed_actions"]
    assert {c["rule"]: c["state"] for c in body["clocks"]}["contact"] == "met"
    assert body["timeline"][-1]["kind"] in ("deadline_stopped", "transition")


def test_refusals_are_clear_4xx_answers(api, claim, agent1, adjuster1, customer1):
    a1 = api(agent1)
    url = f"/cases/{claim.number}/transitions"
    r = a1.post(url, {"action": "approve"})
    assert r.status_code == 409
    assert r.json()["allowed"] == ["contact", "withdraw"]
    assert "核准" in r.json()["detail"]
    r = a1.post(url, {"action": "withdraw"})
    assert r.status_code == 400
    assert "reason" in r.json()["detail"]
    r = api(customer1).post(url, {"action": "withdraw", "data": {"reason": "不赔了"}})
    assert r.status_code == 403
    assert claim.number in r.json()["detail"]
    # adjudication: an agent may not decide
    step(claim, "contact", agent1, T0)
    step(claim, "send_to_adjudication", agent1, T0)
    r = a1.post(url, {"action": "approve"})
    assert r.status_code == 403
    assert api(adjuster1).post(url, {"action": "approve"}).status_code == 404  # no task yet
    assert Case.objects.get(pk=claim.pk).status == "adjudicating"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("{not json", 400),
        ("", 422),
        ("[]", 422),
        ('{"action": ""}', 422),
        ('{"action": 5}', 422),
        ('{"action": "' + "x" * 41 + '"}', 422),
        ('{"action": "contact", "data": "reason"}', 422),
        ('{"action": "contact", "data": []}', 422),
        ('{"action": "teleport"}', 409),
        ('{"action": "withdraw", "data": {"reason": null}}', 400),
        ('{"action": "withdraw", "data": {"reason": {"nested": [1, 2]}}}', 200),
    ],
)
def test_bad_bodies_never_make_a_500(api, claim, agent1, raw, status):
    r = api(agent1).post(f"/cases/{claim.number}/transitions", raw=raw)
    assert r.status_code == status, r.content
    assert "detail" in r.json() or status == 200


def test_odd_text_is_refused_or_stored_never_a_500(api, claim, agent1):
    """NUL cannot be stored in PostgreSQL text: refused up front on every database."""
    a1 = api(agent1)
    url = f"/cases/{claim.number}/transitions"
    for body in (
        {"action": "con\x00tact"},
        {"action": "contact", "data": {"note": "a\x00b"}},
        {"action": "contact", "data": {"k\x00": 1}},
        {"action": "contact", "data": {"list": [["\x00"]]}},
    ):
        r = a1.post(url, body)
        assert r.status_code == 400, body
        assert r.json() == {"detail": "Cannot parse request body"}
    assert Case.objects.get(pk=claim.pk).status == "reported"
    r = a1.post(url, {"action": "contact", "data": {"note": "撤案" * 5000, "emoji": "🙂"}})
    assert r.status_code == 200
    assert a1.get(f"/cases/{claim.number}%00").status_code == 404
    assert a1.get("/cases/%00").status_code == 404
    r = a1.get("/cases", kind="claim\x00")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "kind"]
    assert api().post("/auth/token", {"username": "a\x00", "password": "x"}).status_code == 400


def test_unknown_case_in_a_transition_is_404(api, agent1, agent2, claim):
    r = api(agent2).post(f"/cases/{claim.number}/transitions", {"action": "contact"})
    assert r.status_code == 404
    assert api(agent1).post("/cases/NOPE/transitions", {"action": "contact"}).status_code == 404


# --- tasks -----------------------------------------------------------------------------------


def test_tasks_over_the_api(api, claim, agent1, surveyor1, agent2):
    step(claim, "contact", agent1, T0)
    a1 = api(agent1)
    r = a1.post(
        f"/cases/{claim.number}/tasks",
        {"kind": "survey", "title": "现场查勘", "assignee": "surveyor1", "rule": "survey_onsite"},
    )
    assert r.status_code == 201
    task = r.json()
    assert (task["case"], task["assignee"], task["returns_to"], task["status"]) == (
        claim.number,
        "surveyor1",
        "agent1",
        "open",
    )
    assert datetime.fromisoformat(task["due_at"]) == T0 + 48 * H
    # the surveyor now sees the case; a colleague without a task still does not
    assert api(surveyor1).get(f"/cases/{claim.number}").status_code == 200
    assert api(agent2).post(f"/tasks/{task['id']}/complete", {}).status_code == 404
    assert a1.post(f"/tasks/{task['id']}/complete", {"result": "x"}).status_code == 403
    s1 = api(surveyor1)
    r = s1.post(f"/tasks/{task['id']}/complete", {"result": "已定损"})
    assert r.status_code == 200
    assert r.json()["status"] == "done" and r.json()["completed_at"]
    r = s1.post(f"/tasks/{task['id']}/complete", {})
    assert r.status_code == 409 and r.json()["detail"]
    assert s1.post("/tasks/999999/complete", {}).status_code == 404


def test_completing_needs_no_body(api, claim, agent1, surveyor1):
    task = services.task_assign(
        case=claim, kind="survey", title="查勘", assignee=surveyor1, actor=agent1, now=T0
    )
    r = api(surveyor1).post(f"/tasks/{task.pk}/complete")
    assert r.status_code == 200
    assert Task.objects.get(pk=task.pk).result == ""


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"kind": "survey", "title": "t", "assignee": "ghost"}, 400, "unknown user ghost"),
        ({"kind": "survey", "title": "t", "assignee": "surveyor1", "rule": "x"}, 400, "x"),
        ({"kind": "survey", "title": "t", "assignee": "customer1"}, 400, None),
        ({"kind": "", "title": "t", "assignee": "surveyor1"}, 422, None),
        ({"kind": "survey", "title": "t" * 201, "assignee": "surveyor1"}, 422, None),
        ({"kind": "survey", "title": "t"}, 422, None),
    ],
)
def test_task_assignment_refusals(api, claim, agent1, surveyor1, customer1, body, status, detail):
    r = api(agent1).post(f"/cases/{claim.number}/tasks", body)
    assert r.status_code == status, r.content
    if detail:
        assert detail in r.json()["detail"]
    assert not Task.objects.exists()


def test_who_may_hand_out_tasks(api, claim, agent1, agent2, customer1, surveyor1):
    body = {"kind": "survey", "title": "查勘", "assignee": "surveyor1"}
    ghost = {**body, "assignee": "ghost"}
    c1, a2 = api(customer1), api(agent2)
    url = f"/cases/{claim.number}/tasks"
    # refusals come before looking at the assignee: nobody can probe usernames
    assert c1.post(url, body).status_code == c1.post(url, ghost).status_code == 403
    assert a2.post(url, body).status_code == a2.post(url, ghost).status_code == 404
    step(claim, "withdraw", agent1, T0, reason="撤案")
    r = api(agent1).post(f"/cases/{claim.number}/tasks", body)
    assert r.status_code == 409
