"""Tickets on the case kernel: clocks per category, replies through the compliance gate,
hand-offs, customer messages, complaint PDCA and objections."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import translation

from claimdesk.cases.models import Deadline, TaskStatus
from claimdesk.cases.services import (
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    case_transition,
    task_assign,
    task_complete,
)
from claimdesk.cases.timeline import timeline_record
from claimdesk.claims.services import claim_item_set_state
from claimdesk.compliance.models import OverrideLog
from claimdesk.notify.models import Notification
from claimdesk.service import selectors
from claimdesk.service.models import CorrectiveAction, TicketMessage
from claimdesk.service.services import (
    corrective_action_done,
    objection_open,
    rca_save,
    ticket_act,
    ticket_customer_message,
    ticket_handoff,
    ticket_open,
    ticket_reply,
)
from tests.conftest import at
from tests.service.conftest import T0, claim_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched on their English wording (the catalog translates them)."""
    with translation.override("en"):
        yield


def clock(ticket, rule: str) -> Deadline:
    return ticket.case.deadlines.get(rule__code=rule, task__isnull=True)


# --- inquiry ------------------------------------------------------------------------------


def test_an_inquiry_is_replied_resolved_and_closed_with_its_two_hour_clock_met(
    open_ticket, agent1, customer1
):
    ticket = open_ticket("inquiry")
    assert ticket.case.owner == agent1  # first-contact ownership: who took the call
    assert ticket.case.kind == "ticket" and ticket.case.status == "new"
    reply_clock = clock(ticket, "inquiry_reply")
    assert reply_clock.unit == "business_hours"
    assert reply_clock.due_at == at("2026-09-30 12:00")

    message = ticket_reply(
        ticket=ticket,
        actor=agent1,
        now=T0 + timedelta(hours=1, minutes=30),
        body="您好，您的案件正在审核中，预计3个工作日内完成。",
    )
    assert not message.internal
    ticket.case.refresh_from_db()
    assert ticket.case.status == "in_progress"
    assert clock(ticket, "inquiry_reply").state == "met"
    assert Notification.objects.filter(
        recipient=customer1, kind="ticket_reply", body=message.body
    ).exists()

    # A second reply is a message, not a second transition.
    ticket_reply(ticket=ticket, actor=agent1, now=T0 + timedelta(hours=2), body="如有疑问请来电。")
    assert ticket.case.events.filter(kind="transition", action="reply").count() == 1

    ticket = ticket_act(
        ticket=ticket,
        action="resolve",
        actor=agent1,
        now=T0 + timedelta(hours=3),
        data={"resolution": "已告知客户当前进度。"},
    )
    assert ticket.case.status == "resolved"
    ticket = ticket_act(ticket=ticket, action="close", actor=agent1, now=T0 + timedelta(hours=4))
    assert ticket.case.status == "closed" and not ticket.case.is_open
    assert ticket.messages.filter(from_customer=False, internal=False).count() == 3


def test_a_late_first_reply_breaches_the_inquiry_clock(open_ticket, agent1):
    ticket = open_ticket("inquiry")
    ticket_reply(ticket=ticket, actor=agent1, now=at("2026-09-30 12:30"), body="您好，已收到。")
    assert clock(ticket, "inquiry_reply").state == "breached"


def test_opening_refuses_bad_input_and_a_claim_of_another_customer(
    open_ticket, agent1, customer2, auto_policy
):
    claim = claim_for(agent1)
    with pytest.raises(GuardFailed, match="customer's own claims"):
        open_ticket("inquiry", customer=customer2, claim=claim)
    with pytest.raises(GuardFailed, match="gossip"):
        open_ticket("gossip")
    with pytest.raises(GuardFailed, match="fax"):
        open_ticket("inquiry", channel="fax")
    with pytest.raises(GuardFailed):
        open_ticket("inquiry", subject="  ")
    with pytest.raises(NotAllowed):
        ticket_open(
            customer=customer2,
            actor=claim.case.customer,
            category="inquiry",
            subject="s",
            body="b",
            channel="portal",
            now=T0,
        )
    linked = open_ticket("inquiry", claim=claim, topic="timeliness")
    assert linked.claim == claim and linked.topic == "timeliness"


def test_a_customers_own_ticket_goes_to_the_least_loaded_agent(agent1, agent2, customer1):
    open_busy = ticket_open(
        customer=customer1,
        actor=agent1,
        category="inquiry",
        subject="a",
        body="b",
        channel="hotline",
        now=T0,
    )
    assert open_busy.case.owner == agent1
    mine = ticket_open(
        customer=customer1,
        actor=customer1,
        category="inquiry",
        subject="进度",
        body="到哪一步了",
        channel="portal",
        now=T0,
    )
    assert mine.case.owner == agent2


# --- compliance gate ----------------------------------------------------------------------


def test_a_reply_with_a_forbidden_promise_is_refused_naming_the_words(open_ticket, agent1):
    ticket = open_ticket("inquiry")
    with pytest.raises(GuardFailed) as refused:
        ticket_reply(ticket=ticket, actor=agent1, now=T0, body="放心，我们保证１００％赔付！")
    text = refused.value.message
    assert "保证" in text and "100%赔付" in text
    assert {v["rule"] for v in refused.value.details["violations"]} >= {
        "guarantee",
        "pay_100_percent",
    }
    ticket.case.refresh_from_db()
    assert ticket.case.status == "new"  # nothing was sent, the clock still runs
    assert not TicketMessage.objects.filter(ticket=ticket, from_customer=False).exists()
    assert clock(ticket, "inquiry_reply").state == "running"


def test_only_a_manager_override_lets_a_blocked_reply_go_and_it_is_logged(
    open_ticket, agent1, manager1
):
    ticket = open_ticket("inquiry")
    with pytest.raises(GuardFailed):
        ticket_reply(ticket=ticket, actor=agent1, now=T0, body="保证赔付", override_by=agent1)
    message = ticket_reply(
        ticket=ticket, actor=agent1, now=T0, body="保证赔付", override_by=manager1
    )
    assert message.override_by == manager1
    assert OverrideLog.objects.count() == 1


def test_internal_notes_skip_the_gate_and_stay_internal(open_ticket, agent1, customer1):
    ticket = open_ticket("inquiry")
    note = ticket_reply(
        ticket=ticket, actor=agent1, now=T0, body="客户情绪激动，别保证时效", internal=True
    )
    assert note.internal
    ticket.case.refresh_from_db()
    assert ticket.case.status == "new"  # a note is no reply: the response clock runs on
    assert note not in selectors.ticket_messages(ticket, customer1)
    assert note in selectors.ticket_messages(ticket, agent1)


def test_customer_facing_ticket_steps_only_run_through_the_service_desk(open_ticket, agent1):
    ticket = open_ticket("inquiry")
    with pytest.raises(GuardFailed, match="service desk"):
        case_transition(
            case=ticket.case, action="reply", actor=agent1, now=T0, data={"message": "保证赔"}
        )


# --- waiting on the customer, hand-offs ---------------------------------------------------


def test_a_customer_message_resumes_a_ticket_waiting_on_them(open_ticket, agent1, customer1):
    ticket = open_ticket("complex", subject="申诉", body="对拒赔结果有疑问")
    ticket_reply(ticket=ticket, actor=agent1, now=T0, body="已收到，正在核实。")
    ticket_act(
        ticket=ticket,
        action="ask_customer",
        actor=agent1,
        now=T0 + timedelta(hours=1),
        data={"message": "请提供医院的诊断证明。"},
    )
    solution = clock(ticket, "complex_solution")
    assert solution.state == "paused"
    with pytest.raises(NotAllowed):
        ticket_customer_message(
            ticket=ticket, customer=agent1, now=T0 + timedelta(hours=5), body="x"
        )
    ticket_customer_message(
        ticket=ticket, customer=customer1, now=T0 + timedelta(hours=5), body="已上传诊断证明"
    )
    ticket.case.refresh_from_db()
    assert ticket.case.status == "in_progress"
    solution.refresh_from_db()
    assert solution.state == "running"
    # paused four hours: due four hours later than the 24 hours from opening
    assert solution.due_at == T0 + timedelta(hours=28)
    assert Notification.objects.filter(recipient=agent1, kind="ticket_customer_message").exists()


def test_a_hand_off_comes_back_to_the_owner(open_ticket, agent1, surveyor1):
    ticket = open_ticket("complex")
    task = ticket_handoff(
        ticket=ticket, to=surveyor1, actor=agent1, now=T0, note="请核实查勘定损金额"
    )
    assert task.assignee == surveyor1 and task.returns_to == agent1
    assert ticket.case.owner == agent1
    task_complete(task=task, actor=surveyor1, now=T0 + timedelta(hours=2), result="金额无误")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert Notification.objects.filter(recipient=agent1, kind="task_returned").exists()
    ticket.case.refresh_from_db()
    assert ticket.case.owner == agent1
    assert ticket.messages.filter(internal=True, body__contains="surveyor1").exists()


# --- green channel ------------------------------------------------------------------------


def test_green_channel_runs_30_minute_response_and_24_hour_preapproval(open_ticket, agent1):
    with pytest.raises(GuardFailed, match="critical illness"):
        open_ticket("green")
    ticket = open_ticket("green", subject="重疾绿色通道", green_reason="critical_illness")
    response = clock(ticket, "green_response")
    assert response.due_at == T0 + timedelta(minutes=30)
    ticket_reply(
        ticket=ticket, actor=agent1, now=T0 + timedelta(minutes=20), body="已为您开通绿色通道。"
    )
    response.refresh_from_db()
    assert response.state == "met"
    pre = clock(ticket, "green_preapproval")
    assert pre.state == "running"
    assert pre.due_at == T0 + timedelta(minutes=20, hours=24)


def test_green_channel_follows_a_critical_illness_claim(open_ticket, agent1, ci_policy):
    claim = claim_for(
        agent1,
        policy_no="PCI0001",
        loss_type="critical_illness",
        loss_cause="确诊恶性肿瘤",
        estimated_amount="300000.00",
    )
    ticket = open_ticket("green", claim=claim)
    assert ticket.case.category == "green"


# --- complaint PDCA -----------------------------------------------------------------------


def _rca(ticket, actor, **extra):
    fields = {
        "category": "timeliness",
        "department": "理赔部",
        "root_cause": "补充材料通知未及时发出",
        "corrective_action": "材料缺失时系统自动通知客户",
        "owner": actor,
        "due_date": date(2026, 10, 30),
        "verification": "抽查下月案件的通知时间",
        **extra,
    }
    return rca_save(ticket=ticket, actor=actor, now=T0 + timedelta(days=1), **fields)


def test_a_complaint_cannot_close_without_a_root_cause_report(open_ticket, agent1, customer1):
    ticket = open_ticket("complaint", subject="理赔太慢", topic="timeliness")
    assert clock(ticket, "complaint").due_at == at(
        "2026-10-16 00:00"
    )  # 15 calendar days, to the end of the day
    ticket_reply(ticket=ticket, actor=agent1, now=T0, body="您的投诉已受理。")
    with pytest.raises(GuardFailed, match="root-cause report"):
        ticket_act(
            ticket=ticket,
            action="resolve",
            actor=agent1,
            now=T0 + timedelta(days=2),
            data={"resolution": "已加急处理"},
        )
    with pytest.raises(GuardFailed, match="verification"):
        _rca(ticket, agent1, verification=" ")
    report_ = _rca(ticket, agent1)
    assert selectors.rca_recurrence(report_) == 1
    assert report_.actions.count() == 1
    ticket = ticket_act(
        ticket=ticket,
        action="resolve",
        actor=agent1,
        now=T0 + timedelta(days=2),
        data={"resolution": "已加急处理并致歉"},
    )
    ticket = ticket_act(ticket=ticket, action="close", actor=agent1, now=T0 + timedelta(days=3))
    assert ticket.case.status == "closed"
    assert clock(ticket, "complaint").state == "met"

    # The same root cause, spelt differently, on another complaint: counted as a recurrence.
    again = open_ticket("complaint", subject="又是太慢", topic="timeliness")
    second = _rca(again, agent1, root_cause="补充材料通知 未及时发出！")
    assert second.cause_key == report_.cause_key
    assert selectors.rca_recurrence(second) == 2
    assert selectors.recurring_root_causes()[0]["count"] == 2

    action = CorrectiveAction.objects.filter(report=report_).get()
    with pytest.raises(GuardFailed):
        corrective_action_done(action=action, actor=agent1, now=T0, result="")
    corrective_action_done(action=action, actor=agent1, now=T0, result="已上线自动通知")
    action.refresh_from_db()
    assert action.is_done
    with pytest.raises(IllegalTransition):
        corrective_action_done(action=action, actor=agent1, now=T0, result="again")


# --- objections ---------------------------------------------------------------------------


@pytest.fixture
def surveyed_claim(agent1, manager1, auto_policy):
    """customer1's auto claim whose loss manager1 assessed on a survey task (first decider)."""
    claim = claim_for(agent1)
    case_transition(case=claim.case, action="contact", actor=agent1, now=T0)
    for item in claim.items.filter(core=True):
        for state in ("received", "accepted"):
            claim_item_set_state(item=item, state=state, actor=agent1, now=T0)
    case_transition(case=claim.case, action="send_to_investigation", actor=agent1, now=T0)
    task = task_assign(
        case=claim.case, kind="survey", title="查勘定损", assignee=manager1, actor=agent1, now=T0
    )
    task_complete(task=task, actor=manager1, now=T0 + timedelta(hours=3), result="定损3000元")
    claim.case.refresh_from_db()
    return claim


def test_the_first_decider_is_read_from_the_claims_timeline(surveyed_claim, manager1, agent1):
    assert selectors.first_deciders(surveyed_claim) == {manager1.pk}
    # Calling the customer back after a satisfaction survey decides nothing.
    task_assign(
        case=surveyed_claim.case,
        kind="survey_callback",
        title="回访不满意客户",
        assignee=agent1,
        actor=agent1,
        now=T0,
    )
    assert selectors.first_deciders(surveyed_claim) == {manager1.pk}
    # An approve/reject step on the claim's timeline names its actor too.
    timeline_record(
        surveyed_claim.case,
        now=T0,
        actor=agent1,
        kind="transition",
        action="reject",
        from_status="adjudicating",
        to_status="rejected",
    )
    assert selectors.first_deciders(surveyed_claim) == {manager1.pk, agent1.pk}


def test_an_objection_is_re_reviewed_by_someone_other_than_the_first_decider(
    surveyed_claim, customer1, customer2, manager1, agent1
):
    with pytest.raises(NotAllowed):
        objection_open(claim=surveyed_claim, customer=customer2, now=T0, text="不服")
    ticket = objection_open(
        claim=surveyed_claim, customer=customer1, now=T0 + timedelta(hours=4), text="定损金额偏低"
    )
    assert ticket.case.category == "objection" and ticket.claim == surveyed_claim
    assert ticket.case.owner == agent1
    answer_clock = clock(ticket, "objection_reply")
    assert answer_clock.unit == "working_days"
    with pytest.raises(IllegalTransition):  # one objection under review at a time
        objection_open(claim=surveyed_claim, customer=customer1, now=T0, text="再次")

    with pytest.raises(GuardFailed, match="someone else"):
        ticket_reply(ticket=ticket, actor=manager1, now=T0 + timedelta(hours=5), body="已复核")
    with pytest.raises(GuardFailed, match="someone else"):
        ticket_act(
            ticket=ticket,
            action="resolve",
            actor=manager1,
            now=T0 + timedelta(hours=5),
            data={"resolution": "维持原定损金额"},
        )
    ticket.case.refresh_from_db()
    assert ticket.case.is_open
    ticket_reply(ticket=ticket, actor=agent1, now=T0 + timedelta(hours=5), body="已收到异议")
    with pytest.raises(GuardFailed, match="someone else"):
        ticket_act(
            ticket=ticket,
            action="ask_customer",
            actor=manager1,
            now=T0 + timedelta(hours=5),
            data={"message": "请提供维修报价单"},
        )

    # The owner re-reviews: the written answer is issued as a notice, the clock is met.
    ticket = ticket_act(
        ticket=ticket,
        action="resolve",
        actor=agent1,
        now=T0 + timedelta(hours=6),
        data={"resolution": "经另行复核，定损金额符合维修报价，维持原结果。"},
    )
    assert ticket.case.status == "resolved"
    assert clock(ticket, "objection_reply").state == "met"
    notice = ticket.case.notices.get(kind="objection_reply")
    assert notice is not None
