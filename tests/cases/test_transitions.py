"""Transition tables and ``case_transition``: tables are consistent, refusals are clean."""

from __future__ import annotations

from collections import deque
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db.models import TextChoices

from claimdesk.cases import services
from claimdesk.cases import workflow as kernel
from claimdesk.cases.models import Case, CaseEvent, Deadline, Task
from claimdesk.cases.services import GuardFailed, IllegalTransition, NotAllowed
from claimdesk.cases.workflow import Transition, Workflow, requires, resolve_clocks, workflows
from claimdesk.notify.models import Notification
from claimdesk.service import workflow as ticket_workflow
from tests.cases.conftest import T0, claim_in_adjudication, open_claim, snapshot, step
from tests.conftest import at

RULE_CODES = {rule.code for rule in kernel.sla_defaults()}
KINDS = [wf.kind for wf in workflows()]


TICKET_CATEGORIES = ("inquiry", "complex", "complaint", "objection", "appeal", "green", "")

# --- the tables as data -------------------------------------------------------------------


class _FakeCase:
    def __init__(self, category: str = ""):
        self.category = category


def _all_clock_codes(wf: Workflow) -> set[str]:
    """Every rule code a workflow can start, stop, cancel, pause or resume."""
    codes: set[str] = set()
    cases = [_FakeCase(c) for c in TICKET_CATEGORIES]
    datas = [{}, {"small": True}, {"small": False}]
    for specs in [wf.opening_clocks] + [t.starts for t in wf.transitions]:
        for case in cases:
            for data in datas:
                codes.update(resolve_clocks(specs, case, data))
    for t in wf.transitions:
        codes.update(t.stops, t.cancels, t.pauses, t.resumes)
    return codes


@pytest.mark.parametrize("kind", KINDS)
def test_every_table_is_consistent(kind):
    wf = kernel.workflow(kind)
    assert wf.kind == kind
    assert wf.initial in wf.state_codes()
    assert wf.final <= set(wf.state_codes())
    assert wf.initial not in wf.final
    for t in wf.transitions:
        assert t.source in wf.state_codes(), t
        assert t.target in wf.state_codes(), t
        assert not t.permission.startswith("cases."), t  # work permissions belong to the kind
        assert str(t.label), t
        assert wf.find(t.source, t.action) is t
    # final states are dead ends; every other state has a way on
    for state in wf.state_codes():
        outgoing = wf.available(state)
        if state in wf.final:
            assert outgoing == [], f"{kind}: final {state} has {outgoing}"
        else:
            assert outgoing, f"{kind}: {state} is a dead end but not final"


@pytest.mark.parametrize("kind", KINDS)
def test_every_state_is_reachable_and_can_finish(kind):
    wf = kernel.workflow(kind)
    seen, todo = {wf.initial}, deque([wf.initial])
    while todo:
        for t in wf.available(todo.popleft()):
            if t.target not in seen:
                seen.add(t.target)
                todo.append(t.target)
    assert seen == set(wf.state_codes())
    # from every state some final state can be reached
    for state in wf.state_codes():
        seen, todo = {state}, deque([state])
        while todo:
            for t in wf.available(todo.popleft()):
                if t.target not in seen:
                    seen.add(t.target)
                    todo.append(t.target)
        assert seen & wf.final, f"{kind}: no way to finish from {state}"


@pytest.mark.parametrize("kind", KINDS)
def test_every_clock_named_by_a_table_is_a_seeded_rule(kind):
    unknown = _all_clock_codes(kernel.workflow(kind)) - RULE_CODES
    assert not unknown


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_every_permission_named_by_a_table_exists(kind):
    for t in kernel.workflow(kind).transitions:
        app, codename = t.permission.split(".")
        assert Permission.objects.filter(content_type__app_label=app, codename=codename).exists(), (
            t.permission
        )


def test_withdraw_from_every_open_state_except_a_closed_claim():
    claim = kernel.workflow("claim")
    for state in claim.state_codes():
        t = claim.find(state, "withdraw")
        if state in claim.final or state == "closed":
            assert t is None, state
        else:
            assert t is not None and t.stop_all and t.target == "withdrawn", state
    # An approved surrender (paying) has ended the contract: it is paid, not withdrawn.
    for kind, settled in (("policy_service", {"paying"}), ("underwriting", set())):
        wf = kernel.workflow(kind)
        assert {t.source for t in wf.transitions if t.action == "withdraw"} == (
            set(wf.state_codes()) - wf.final - settled
        )


class _A(TextChoices):
    A = "a", "A"


class _AB(TextChoices):
    A = "a", "A"
    B = "b", "B"


def test_a_table_refuses_unknown_states_and_duplicate_rows():
    row = Transition("a", "go", "b", "claims.handle_intake", "Go")
    with pytest.raises(ValueError, match="unknown state"):
        Workflow("toy", "Toy", "TY", _A, "a", frozenset(), (row,))
    with pytest.raises(ValueError, match="two rows"):
        Workflow("toy", "Toy", "TY", _AB, "a", frozenset({"b"}), (row, row))


def test_the_registry_refuses_a_second_workflow_for_a_kind_or_prefix():
    row = Transition("a", "go", "b", "claims.handle_intake", "Go")
    claim = kernel.workflow("claim")
    with pytest.raises(ValueError, match="registered twice"):
        kernel.register(Workflow("claim", "Claim", "ZZ", _AB, "a", frozenset({"b"}), (row,)))
    with pytest.raises(ValueError, match="prefix"):
        kernel.register(Workflow("toy", "Toy", claim.number_prefix, _AB, "a", frozenset(), ()))
    kernel.register(claim)  # the same workflow again is harmless
    with pytest.raises(LookupError):
        kernel.workflow("toy")


def test_guard_requires_non_blank_values():
    guard = requires("reason", "items")
    assert guard(None, {"reason": "x", "items": ["发票"]}) is None
    problem = str(guard(None, {"reason": "   ", "items": None}))
    assert "reason" in problem and "items" in problem


def test_ticket_clocks_follow_the_category():
    assert ticket_workflow.opening_clock(_FakeCase("inquiry"), {}) == "inquiry_reply"
    assert ticket_workflow.opening_clock(_FakeCase("complaint"), {}) == "complaint"
    assert ticket_workflow.opening_clock(_FakeCase("appeal"), {}) == "complex_solution"
    assert ticket_workflow.opening_clock(_FakeCase("whatever"), {}) is None
    assert ticket_workflow.green_preapproval(_FakeCase("green"), {}) == "green_preapproval"
    assert ticket_workflow.green_preapproval(_FakeCase("inquiry"), {}) is None


# --- refusals leave nothing behind --------------------------------------------------------


def test_illegal_transition_names_the_allowed_actions_and_writes_nothing(agent1, customer1):
    case = open_claim(agent1, customer1)
    before = snapshot(case)
    with pytest.raises(IllegalTransition) as exc:
        step(case, "approve", agent1, T0 + timedelta(hours=1))
    assert exc.value.status == 409
    assert exc.value.details["allowed"] == ["contact", "withdraw"]
    assert "核准" in exc.value.message  # the action by its name, not its code
    assert snapshot(case) == before


def test_unknown_action_is_illegal_too(agent1, customer1):
    case = open_claim(agent1, customer1)
    with pytest.raises(IllegalTransition) as exc:
        step(case, "teleport", agent1, T0)
    assert exc.value.details["allowed"] == ["contact", "withdraw"]


def test_a_final_case_allows_nothing(agent1, customer1):
    case = open_claim(agent1, customer1)
    case = step(case, "withdraw", agent1, T0 + timedelta(hours=1), reason="客户撤案")
    before = snapshot(case)
    with pytest.raises(IllegalTransition) as exc:
        step(case, "contact", agent1, T0 + timedelta(hours=2))
    assert exc.value.details["allowed"] == []
    assert snapshot(case) == before


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reject_without_reason_fails_its_guard(agent1, customer1, adjuster1, reason):
    case, _ = claim_in_adjudication(agent1, customer1, adjuster1)
    before = snapshot(case)
    data = {} if reason is None else {"reason": reason}
    with pytest.raises(GuardFailed) as exc:
        step(case, "reject", adjuster1, T0 + timedelta(hours=3), **data)
    assert exc.value.status == 400
    assert "reason" in exc.value.message
    assert snapshot(case) == before


def test_request_materials_needs_the_items(agent1, customer1):
    case = step(open_claim(agent1, customer1), "contact", agent1, T0)
    with pytest.raises(GuardFailed, match="items"):
        step(case, "request_materials", agent1, T0)
    assert Case.objects.get(pk=case.pk).status == "reviewing"


def test_a_failure_after_the_event_rolls_everything_back(agent1, customer1, monkeypatch):
    case = open_claim(agent1, customer1)
    before = snapshot(case)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_apply_clocks", boom)
    with pytest.raises(RuntimeError):
        step(case, "contact", agent1, T0 + timedelta(hours=1))
    assert snapshot(case) == before


# --- who may act ---------------------------------------------------------------------------


def test_an_agent_cannot_approve(agent1, customer1, adjuster1):
    case, _ = claim_in_adjudication(agent1, customer1, adjuster1)
    before = snapshot(case)
    with pytest.raises(NotAllowed) as exc:
        step(case, "approve", agent1, T0 + timedelta(hours=3))
    assert exc.value.status == 403
    assert case.number in exc.value.message
    assert snapshot(case) == before


def test_an_adjuster_acts_only_while_holding_a_task_on_the_case(agent1, customer1, adjuster1):
    case = step(open_claim(agent1, customer1), "contact", agent1, T0)
    case = step(case, "send_to_adjudication", agent1, T0 + timedelta(hours=1))
    with pytest.raises(NotAllowed):
        step(case, "approve", adjuster1, T0 + timedelta(hours=2))
    task = services.task_assign(
        case=case, kind="adjudicate", title="核定", assignee=adjuster1, actor=agent1, now=T0
    )
    case = step(case, "approve", adjuster1, T0 + timedelta(hours=3))
    assert case.status == "paying"
    services.task_complete(task=task, actor=adjuster1, now=T0 + timedelta(hours=4))
    # the decision is back with the owner; the adjuster has no more reason to touch it
    with pytest.raises(NotAllowed):
        step(case, "withdraw", adjuster1, T0 + timedelta(hours=5), reason="x")


def test_a_manager_can_act_on_any_case_within_the_role(agent1, customer1, manager1):
    case = open_claim(agent1, customer1)
    case = step(case, "contact", manager1, T0 + timedelta(hours=1))
    assert case.status == "reviewing"
    assert case.events.last().actor == manager1
    case = step(case, "withdraw", manager1, T0 + timedelta(hours=2), reason="重复报案")
    assert case.status == "withdrawn"


def test_oversight_does_not_grant_a_permission_the_role_lacks(agent1, customer1, manager1):
    """Managers oversee; surveying stays with surveyors (role permission)."""
    case = step(open_claim(agent1, customer1), "contact", agent1, T0)
    case = step(case, "send_to_investigation", agent1, T0 + timedelta(hours=1))
    with pytest.raises(NotAllowed):
        step(case, "assessment_done", manager1, T0 + timedelta(hours=3))


def test_another_agent_cannot_touch_a_colleagues_case(agent1, agent2, customer1):
    case = open_claim(agent1, customer1)
    with pytest.raises(NotAllowed):
        step(case, "contact", agent2, T0)


def test_a_customer_cannot_move_their_own_case(agent1, customer1):
    case = open_claim(agent1, customer1)
    with pytest.raises(NotAllowed):
        step(case, "withdraw", customer1, T0, reason="不想理赔了")


def test_the_refusal_order_is_state_then_permission_then_guard(agent1, agent2, customer1):
    case = step(open_claim(agent1, customer1), "contact", agent1, T0)
    with pytest.raises(IllegalTransition):  # not possible now, whoever asks
        step(case, "contact", agent2, T0)
    with pytest.raises(NotAllowed):  # possible, but not for agent2, even without data
        step(case, "request_materials", agent2, T0)


# --- whole walks ---------------------------------------------------------------------------


def _clock_states(case) -> dict[str, str]:
    return dict(case.deadlines.filter(task__isnull=True).values_list("rule__code", "state"))


def test_a_claim_walks_from_report_to_follow_up(agent1, customer1, adjuster1, finance1):
    case, adj_task = claim_in_adjudication(agent1, customer1, adjuster1)
    assert _clock_states(case) == {
        "contact": "met",
        "decision_statutory": "running",
        "payment": "running",
        "interim_payment": "running",  # §25: 60 days from materials complete
        "decision_ordinary": "running",  # 5 working days from materials complete
    }
    case = step(case, "approve", adjuster1, T0 + timedelta(days=1))
    assert _clock_states(case)["interim_payment"] == "met"
    assert _clock_states(case)["decision_ordinary"] == "met"
    assert _clock_states(case)["payment_agreed"] == "running"  # §23: 10 days once agreed
    services.task_complete(task=adj_task, actor=adjuster1, now=T0 + timedelta(days=1))
    pay_task = services.task_assign(
        case=case, kind="pay", title="支付", assignee=finance1, actor=agent1, now=T0
    )
    case = step(case, "confirm_payment", finance1, T0 + timedelta(days=2))
    services.task_complete(task=pay_task, actor=finance1, now=T0 + timedelta(days=2))
    assert case.status == "closed" and case.is_open
    case = step(case, "follow_up", agent1, T0 + timedelta(days=3))
    assert case.status == "followed_up"
    assert not case.is_open
    assert case.closed_at == T0 + timedelta(days=3)
    assert case.next_due_at is None
    assert _clock_states(case) == {
        "contact": "met",
        "decision_statutory": "met",
        "payment": "met",
        "interim_payment": "met",
        "decision_ordinary": "met",
        "payment_agreed": "met",
        "followup": "met",
    }
    assert not Deadline.objects.filter(case=case, state__in=["running", "paused"]).exists()
    actions = list(case.events.filter(kind="transition").values_list("action", flat=True))
    assert actions == [
        "contact",
        "send_to_adjudication",
        "approve",
        "confirm_payment",
        "follow_up",
    ]


def test_a_rejection_cancels_the_payment_commitment(agent1, customer1, adjuster1):
    case, _ = claim_in_adjudication(agent1, customer1, adjuster1, small=True)
    assert _clock_states(case)["payment_small"] == "running"
    case = step(case, "reject", adjuster1, T0 + timedelta(hours=3), reason="免责条款第5条")
    states = _clock_states(case)
    assert states["payment_small"] == "cancelled"  # never counted as met or breached
    assert states["decision_statutory"] == "met"
    assert states["rejection_notice"] == "running"
    notice = case.deadlines.get(rule__code="rejection_notice")
    # 3 calendar days end on Sat 3 Oct, inside the National Day holiday: the period ends
    # with the next working day, Thu 8 Oct (民法典 §203)
    assert notice.due_at == at("2026-10-09 00:00")
    # two days later the 24-hour payment clock would be long overdue: nothing is raised
    assert services.deadline_sweep(now=T0 + timedelta(days=2)).overdue == 0
    case = step(case, "send_rejection_notice", adjuster1, T0 + timedelta(days=2))
    assert case.status == "closed"
    assert _clock_states(case)["rejection_notice"] == "met"
    assert _clock_states(case)["followup"] == "running"


def test_payment_clock_waits_with_the_case_for_materials(agent1, customer1, adjuster1):
    """Materials asked for again during adjudication: the payment clock does not run."""
    case, _ = claim_in_adjudication(agent1, customer1, adjuster1)
    pay = case.deadlines.get(rule__code="payment")
    due = pay.due_at
    t = T0 + timedelta(hours=3)
    case = step(case, "request_materials", adjuster1, t, items="病理报告")
    assert _clock_states(case)["payment"] == "paused"
    assert _clock_states(case)["decision_statutory"] == "paused"
    case = step(case, "materials_received", agent1, t + timedelta(days=14))
    pay.refresh_from_db()
    assert pay.state == "running"
    assert pay.due_at > due
    # sent on again: the same clock goes on, no second one starts
    case = step(case, "send_to_adjudication", agent1, t + timedelta(days=14, hours=1))
    assert case.deadlines.filter(rule__code="payment").count() == 1


def test_withdrawal_cancels_every_live_clock(agent1, customer1):
    case = open_claim(agent1, customer1)
    case = step(case, "withdraw", agent1, T0 + timedelta(hours=1), reason="客户撤案")
    assert _clock_states(case) == {"contact": "cancelled", "decision_statutory": "cancelled"}
    assert case.closed_at == T0 + timedelta(hours=1)
    assert case.next_due_at is None


def test_a_ticket_reply_stops_the_response_clock(agent1, customer1):
    t0 = T0
    case = services.case_open(
        kind="ticket",
        title="进度咨询",
        category="inquiry",
        actor=agent1,
        customer=customer1,
        now=t0,
    )
    reply = case.deadlines.get(rule__code="inquiry_reply")
    assert reply.due_at == at("2026-09-30 12:00")
    case = step(case, "reply", agent1, t0 + timedelta(hours=1), message="已在审核")
    reply.refresh_from_db()
    assert reply.state == "met"
    case = step(case, "resolve", agent1, t0 + timedelta(hours=2), resolution="已答复")
    case = step(case, "close", agent1, t0 + timedelta(hours=3))
    assert case.status == "closed" and not case.is_open


def test_green_channel_reply_starts_pre_approval(agent1, customer1):
    case = services.case_open(
        kind="ticket",
        title="重疾绿色通道",
        category="green",
        actor=agent1,
        customer=customer1,
        now=T0,
    )
    response = case.deadlines.get(rule__code="green_response")
    assert response.due_at == T0 + timedelta(minutes=30)
    case = step(case, "reply", agent1, T0 + timedelta(minutes=40), message="已受理")
    response.refresh_from_db()
    assert response.state == "breached"
    pre = case.deadlines.get(rule__code="green_preapproval")
    assert pre.due_at == T0 + timedelta(minutes=40, hours=24)


def test_a_complaint_clock_waits_for_the_customer(agent1, customer1):
    case = services.case_open(
        kind="ticket", title="投诉", category="complaint", actor=agent1, customer=customer1, now=T0
    )
    clock = case.deadlines.get(rule__code="complaint")
    assert clock.due_at == at("2026-10-16 00:00")  # 15 calendar days
    case = step(case, "reply", agent1, T0 + timedelta(hours=1), message="收到")
    case = step(case, "ask_customer", agent1, T0 + timedelta(days=1), message="请提供单据")
    case = step(case, "customer_replied", agent1, T0 + timedelta(days=4))
    clock.refresh_from_db()
    assert clock.state == "running"
    # three days later: Sun 18 Oct is the last day, so the period ends with Mon 19 Oct
    assert clock.due_at == at("2026-10-20 00:00")


# Underwriting decides only by applying a signed decision: tests/underwriting drives it.
@pytest.mark.parametrize("kind", ["policy_service"])
def test_requests_run_on_the_same_machinery(kind, underwriter1, customer1, agent1):
    case = services.case_open(
        kind=kind, title="变更受益人", actor=underwriter1, customer=customer1, now=T0
    )
    assert case.number.startswith(kernel.workflow(kind).number_prefix + "20260930")
    with pytest.raises(NotAllowed):
        step(case, "review", agent1, T0)
    case = step(case, "review", underwriter1, T0 + timedelta(hours=1))
    with pytest.raises(GuardFailed):
        step(case, "decline", underwriter1, T0 + timedelta(hours=2))
    case = step(case, "approve", underwriter1, T0 + timedelta(hours=2))
    assert case.status == "approved" and not case.is_open


# --- opening and reassigning ---------------------------------------------------------------


def test_numbers_count_per_kind_and_local_day(agent1, customer1):
    a = open_claim(agent1, customer1)
    b = open_claim(agent1, customer1)
    # 23:30 UTC on 30 Sept is already 1 Oct in Shanghai
    from datetime import UTC, datetime

    c = open_claim(agent1, customer1, now=datetime(2026, 9, 30, 16, 30, tzinfo=UTC))
    t = services.case_open(kind="ticket", title="咨询", actor=agent1, now=T0)
    assert [a.number, b.number, c.number, t.number] == [
        "CL20260930000001",
        "CL20260930000002",
        "CL20261001000001",
        "TK20260930000001",
    ]


def test_a_customer_report_goes_to_the_least_loaded_agent(agent1, agent2, customer1):
    open_claim(agent1, customer1)
    case = services.case_open(
        kind="claim", title="自助报案", actor=customer1, customer=customer1, now=T0
    )
    assert case.owner == agent2
    note = Notification.objects.get(kind="case_assigned")
    assert note.recipient == agent2 and case.number in note.subject
    opened = case.events.get(kind="opened")
    assert opened.customer_visible and opened.actor == customer1


def test_a_customer_opens_cases_only_for_themselves(agent1, customer1, customer2):
    with pytest.raises(NotAllowed):
        services.case_open(kind="claim", title="x", actor=customer1, customer=customer2, now=T0)
    with pytest.raises(NotAllowed):
        services.case_open(kind="claim", title="x", actor=customer1, now=T0)
    assert not Case.objects.exists()


def test_only_staff_can_be_given_a_case(agent1, customer1):
    with pytest.raises(GuardFailed):
        services.case_open(kind="claim", title="x", actor=agent1, owner=customer1, now=T0)
    assert not Case.objects.exists()


def test_a_case_needs_a_title(agent1):
    with pytest.raises(GuardFailed):
        services.case_open(kind="ticket", title="   ", actor=agent1, now=T0)


def test_no_agent_no_owner_for_a_customer_report(customer1):
    with pytest.raises(services.CaseError):
        services.case_open(kind="claim", title="x", actor=customer1, customer=customer1, now=T0)
    assert not Case.objects.exists()


def test_reassigning_moves_clocks_and_returning_work(
    agent1, agent2, customer1, manager1, surveyor1
):
    case = open_claim(agent1, customer1)
    task = services.task_assign(
        case=case,
        kind="survey",
        title="查勘",
        assignee=surveyor1,
        actor=agent1,
        now=T0,
        rule_code="survey_onsite",
    )
    with pytest.raises(NotAllowed):
        services.case_reassign(case=case, new_owner=agent2, actor=agent1, now=T0, reason="x")
    with pytest.raises(GuardFailed):
        services.case_reassign(case=case, new_owner=agent2, actor=manager1, now=T0, reason=" ")
    with pytest.raises(GuardFailed):
        services.case_reassign(case=case, new_owner=customer1, actor=manager1, now=T0, reason="x")
    case = services.case_reassign(
        case=case, new_owner=agent2, actor=manager1, now=T0 + timedelta(hours=1), reason="离职"
    )
    assert case.owner == agent2
    live = case.deadlines.filter(state="running")
    assert {d.assignee for d in live if d.task_id is None} == {agent2}
    assert live.get(task=task).assignee == surveyor1  # the task's clock stays with its holder
    task.refresh_from_db()
    assert task.returns_to == agent2
    services.task_complete(task=task, actor=surveyor1, now=T0 + timedelta(hours=5), result="ok")
    assert Notification.objects.filter(kind="task_returned", recipient=agent2).exists()
    assert not Notification.objects.filter(kind="task_returned", recipient=agent1).exists()
    event = case.events.get(kind="owner_changed")
    assert event.data == {"from": "agent1", "to": "agent2", "reason": "离职"}
    # reassigning to the same owner changes nothing
    n = CaseEvent.objects.count()
    services.case_reassign(case=case, new_owner=agent2, actor=manager1, now=T0, reason="x")
    assert CaseEvent.objects.count() == n
    assert Task.objects.get(pk=task.pk).returns_to == agent2
