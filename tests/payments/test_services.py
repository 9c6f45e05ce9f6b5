"""The payment state machine through the services: amounts from the claim, the holder's
account, one payment per claim, who may act, the clock, the timeline and the customer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from claimdesk.cases.models import CaseEvent, Task
from claimdesk.cases.services import GuardFailed, IllegalTransition, NotAllowed
from claimdesk.claims.models import Claim
from claimdesk.notify.models import Notification
from claimdesk.payments import rules
from claimdesk.payments.models import Payment
from claimdesk.payments.services import (
    PaymentExists,
    finance_assignee,
    payment_act,
    payment_confirm,
    payment_escalate,
    payment_fail,
    payment_handover,
    payment_instruct,
    payment_retry,
    payment_send,
)
from claimdesk.policies.models import BankAccount
from claimdesk.staff.roles import Role
from claimdesk.staff.services import user_create
from tests.claims.conftest import T0
from tests.payments.conftest import claim_in_adjudication, claim_in_paying

T1 = T0 + timedelta(hours=2)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def instruct(claim, finance, **kw) -> Payment:
    return payment_instruct(claim=claim, actor=finance, now=T1, **kw)


def clock(claim, code):
    return claim.case.deadlines.get(rule__code=code, task__isnull=True)


# --- rules ------------------------------------------------------------------------------------


def test_the_state_table():
    s, a = rules.PaymentState, rules.PaymentAction
    assert rules.next_state(s.INSTRUCTED, a.SEND) == s.SENT
    assert rules.next_state(s.SENT, a.CONFIRM) == s.CONFIRMED
    assert rules.next_state(s.SENT, a.FAIL) == s.FAILED
    assert rules.next_state(s.FAILED, a.RETRY) == s.SENT
    assert rules.next_state(s.FAILED, a.ESCALATE) == s.ESCALATED
    assert rules.next_state(s.ESCALATED, a.RETRY) == s.SENT
    assert rules.next_state(s.INSTRUCTED, a.CONFIRM) is None
    assert rules.next_state(s.CONFIRMED, a.FAIL) is None
    assert rules.next_state("nonsense", "send") is None
    assert rules.actions_from(s.CONFIRMED) == []
    assert rules.actions_from(s.FAILED) == [a.RETRY, a.ESCALATE]


def test_bank_words_and_amounts():
    assert rules.bank_outcome(" 成功 ") == rules.PaymentState.CONFIRMED
    assert rules.bank_outcome("SUCCESS") == rules.PaymentState.CONFIRMED
    assert rules.bank_outcome("失败") == rules.PaymentState.FAILED
    assert rules.bank_outcome("pending") is None
    assert rules.bank_amount("¥1,234.50") == Decimal("1234.50")
    assert rules.bank_amount("3000") == Decimal("3000.00")
    assert rules.bank_amount("12.345") is None
    assert rules.bank_amount("abc") is None
    assert rules.bank_amount("NaN") is None
    assert rules.payment_reference("CL20260930000001") == "PY20260930000001"


# --- instruct -----------------------------------------------------------------------------------


def test_instruct_takes_the_approved_amount_and_the_designated_account(paying, finance1, account):
    p = instruct(paying, finance1)
    assert p.amount == Decimal("3000.00") == paying.approved_amount
    assert p.account == account and p.masked_account == "*" * 15 + "3445"
    assert p.state == "instructed" and p.attempts == 0
    assert p.reference == "PY" + paying.number[2:]
    assert p.instructed_by == finance1 and p.instructed_at == T1
    ev = CaseEvent.objects.get(case=paying.case, kind="payment_instructed")
    assert not ev.customer_visible and ev.data["amount"] == "3000.00"


def test_a_claim_is_never_instructed_twice(paying, finance1):
    instruct(paying, finance1)
    with pytest.raises(PaymentExists) as err:
        instruct(paying, finance1)
    assert err.value.status == 409
    assert "already has its payment" in err.value.message
    assert Payment.objects.filter(claim=paying).count() == 1


def test_only_finance_with_the_task_may_instruct(
    paying, agent1, adjuster1, manager1, customer1, finance1
):
    for actor in (agent1, adjuster1, manager1, customer1):
        with pytest.raises(NotAllowed):
            instruct(paying, actor)
    other = user_create(username="finance9", password="x", role=Role.FINANCE)
    with pytest.raises(NotAllowed):
        instruct(paying, other)
    assert not Payment.objects.exists()


def test_instruct_needs_an_approved_amount(paying, finance1):
    for amount in (None, Decimal("0.00")):
        Claim.objects.filter(pk=paying.pk).update(approved_amount=amount)
        with pytest.raises(GuardFailed, match="no approved amount"):
            instruct(paying, finance1)
    Claim.objects.filter(pk=paying.pk).update(approved_amount=Decimal("3000"), decision="reject")
    with pytest.raises(GuardFailed, match="no approved amount"):
        instruct(paying, finance1)
    assert not Payment.objects.exists()


def test_instruct_refuses_a_claim_not_yet_approved(
    auto_policy, account, agent1, adjuster1, finance1
):
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1, policy_no="PAUTO0001")
    with pytest.raises(NotAllowed):  # finance has no reason to touch it yet
        instruct(claim, finance1)
    payment_handover(claim=claim, actor=agent1, now=T0, assignee=finance1)
    Claim.objects.filter(pk=claim.pk).update(decision="approve", approved_amount=100)
    with pytest.raises(IllegalTransition, match="not awaiting payment"):
        instruct(claim, finance1)
    assert not Payment.objects.exists()


def test_another_account_must_be_the_holders(paying, finance1, customer1, customer2):
    theirs = BankAccount.objects.create(
        owner=customer2, bank_name="建设银行", account_name="李四", account_number="62170001"
    )
    with pytest.raises(GuardFailed, match="policy holder"):
        instruct(paying, finance1, account=theirs)
    second = BankAccount.objects.create(
        owner=customer1, bank_name="招商银行", account_name="张三", account_number="62259999"
    )
    assert instruct(paying, finance1, account=second).account == second


def test_no_account_on_file_is_a_clear_refusal(
    auto_policy, customer1, agent1, adjuster1, adjuster2, finance1
):
    claim = claim_in_paying(owner=agent1, adjuster=adjuster1, approver=adjuster2, finance=finance1)
    with pytest.raises(GuardFailed, match="no bank account"):
        instruct(claim, finance1)
    for n in ("6222000011", "6222000022"):
        BankAccount.objects.create(
            owner=customer1, bank_name="工行", account_name="张三", account_number=n
        )
    with pytest.raises(GuardFailed, match="no designated account"):
        instruct(claim, finance1)


# --- the state machine ----------------------------------------------------------------------


def test_send_confirm_closes_the_claim_and_stops_the_clock_as_met(paying, finance1, customer1):
    assert clock(paying, "payment_small").state == "running"
    p = instruct(paying, finance1)
    p = payment_send(payment=p, actor=finance1, now=T1, bank_ref="B-1")
    assert p.state == "sent" and p.attempts == 1 and p.sent_at == T1
    t = p.transfers.get()
    assert (t.number, t.outcome, t.bank_ref, t.amount) == (1, "pending", "B-1", p.amount)
    done = T1 + timedelta(hours=3)
    p = payment_confirm(payment=p, actor=finance1, now=done)
    assert p.state == "confirmed" and p.confirmed_at == done and p.confirmed_by == finance1
    assert p.transfers.get().outcome == "confirmed"
    paying.refresh_from_db()
    paying.case.refresh_from_db()
    assert paying.case.status == "closed"
    assert clock(paying, "payment_small").state == "met"
    assert clock(paying, "followup").state == "running"
    # the payment task came back to the owner
    task = Task.objects.get(case=paying.case, kind="payment")
    assert task.status == "done"
    # the customer is told the amount and the masked account, never the whole number
    note = Notification.objects.filter(recipient=customer1, kind="payment_confirmed").first()
    assert note is not None
    assert "3,000.00" in note.subject and "3445" in note.subject
    assert "6222020200112233445" not in note.subject + note.body
    visible = set(
        CaseEvent.objects.filter(case=paying.case, customer_visible=True).values_list(
            "kind", flat=True
        )
    )
    assert {"payment_sent", "payment_confirmed"} <= visible


def test_a_late_confirmation_is_recorded_as_breached(paying, finance1):
    p = payment_send(payment=instruct(paying, finance1), actor=finance1, now=T1)
    payment_confirm(payment=p, actor=finance1, now=T0 + timedelta(days=3))
    assert clock(paying, "payment_small").state == "breached"


def test_the_five_working_day_clock_for_larger_claims(
    auto_policy, account, agent1, adjuster1, adjuster2, finance1
):
    claim = claim_in_paying(
        owner=agent1,
        adjuster=adjuster1,
        approver=adjuster2,
        finance=finance1,
        estimated="12800",
        loss="12000",
    )
    assert claim.approved_amount == Decimal("12000.00")
    assert clock(claim, "payment").state == "running"
    p = payment_send(payment=instruct(claim, finance1), actor=finance1, now=T1)
    # National Day week: 5 working days after 30 Sept end on 13 Oct; 12 Oct is in time
    payment_confirm(payment=p, actor=finance1, now=T0 + timedelta(days=12))
    assert clock(claim, "payment").state == "met"


def test_failure_retry_to_another_account_then_confirm(paying, finance1, customer1):
    p = payment_send(payment=instruct(paying, finance1), actor=finance1, now=T1, bank_ref="B-1")
    with pytest.raises(GuardFailed, match="why"):
        payment_fail(payment=p, actor=finance1, now=T1, reason="  ")
    p = payment_fail(payment=p, actor=finance1, now=T1, reason="账户已销户")
    assert p.state == "failed" and p.failure_reason == "账户已销户"
    with pytest.raises(IllegalTransition) as err:
        payment_confirm(payment=p, actor=finance1, now=T1)
    assert err.value.details["allowed"] == ["retry", "escalate"]
    new = BankAccount.objects.create(
        owner=customer1,
        bank_name="招商银行",
        account_name="张三",
        account_number="6225888877776666",
    )
    p = payment_retry(payment=p, actor=finance1, now=T1, account=new)
    assert p.state == "sent" and p.attempts == 2 and p.account == new
    first, second = p.transfers.order_by("number")
    assert (first.outcome, first.failure_reason, first.account.account_number) == (
        "failed",
        "账户已销户",
        "6222020200112233445",
    )
    assert (second.outcome, second.account) == ("pending", new)
    retried = CaseEvent.objects.get(case=paying.case, kind="payment_retried")
    assert retried.customer_visible and retried.data["account"].endswith("6666")
    assert not CaseEvent.objects.get(case=paying.case, kind="payment_failed").customer_visible
    p = payment_confirm(payment=p, actor=finance1, now=T1)
    assert p.state == "confirmed"
    assert Payment.objects.get(pk=p.pk).amount == Decimal("3000.00")


def test_escalation_goes_to_the_finance_persons_manager(paying, finance1, manager1):
    p = payment_send(payment=instruct(paying, finance1), actor=finance1, now=T1)
    with pytest.raises(IllegalTransition):
        payment_escalate(payment=p, actor=finance1, now=T1)
    p = payment_fail(payment=p, actor=finance1, now=T1, reason="户名不符")
    p = payment_escalate(payment=p, actor=finance1, now=T1, note="请联系客户")
    assert p.state == "escalated" and p.escalated_to == manager1
    note = Notification.objects.get(recipient=manager1, kind="payment_escalated")
    assert p.reference in note.subject and "户名不符" in note.body
    ev = CaseEvent.objects.get(case=paying.case, kind="payment_escalated")
    assert ev.data["to"] == "manager1" and not ev.customer_visible
    p = payment_retry(payment=p, actor=finance1, now=T1)
    assert p.state == "sent" and p.attempts == 2


def test_refused_actions_change_nothing(paying, finance1, agent1):
    p = instruct(paying, finance1)
    events = CaseEvent.objects.count()
    for action in ("confirm", "fail", "retry", "escalate"):
        with pytest.raises(IllegalTransition):
            payment_act(payment=p, action=action, actor=finance1, now=T1, data={"reason": "x"})
    with pytest.raises(NotAllowed):
        payment_act(payment=p, action="send", actor=agent1, now=T1)
    with pytest.raises(GuardFailed):
        payment_act(payment=p, action="pay-twice", actor=finance1, now=T1)
    assert CaseEvent.objects.count() == events
    assert Payment.objects.get(pk=p.pk).state == "instructed"


def test_a_withdrawn_claim_is_not_sent(paying, finance1, agent1):
    from claimdesk.cases.services import case_transition

    p = instruct(paying, finance1)
    case_transition(
        case=paying.case, action="withdraw", actor=agent1, now=T1, data={"reason": "客户撤案"}
    )
    # the withdrawal cancelled the payment task: finance has nothing left to do on it
    assert Task.objects.get(case=paying.case, kind="payment").status == "cancelled"
    with pytest.raises(NotAllowed):
        payment_send(payment=p, actor=finance1, now=T1)
    assert Payment.objects.get(pk=p.pk).state == "instructed"


# --- handing over -----------------------------------------------------------------------------


def test_handover_picks_the_least_loaded_finance_person_and_is_idempotent(
    auto_policy, account, agent1, adjuster1, adjuster2, finance1
):
    finance2 = user_create(username="finance2", password="x", role=Role.FINANCE)
    people = {"owner": agent1, "adjuster": adjuster1, "approver": adjuster2}
    first = claim_in_paying(**people, finance=finance1)
    second = claim_in_paying(**people, finance=None)
    task = Task.objects.get(case=second.case, kind="payment", status="open")
    assert task.assignee == finance2  # finance1 already holds a payment task
    assert task.returns_to == agent1
    assert payment_handover(claim=second, actor=adjuster1, now=T1) == task
    assert Task.objects.filter(case=first.case, kind="payment").get().assignee == finance1
    undecided = claim_in_adjudication(owner=agent1, adjuster=adjuster1, policy_no="PAUTO0001")
    with pytest.raises(GuardFailed, match="members of finance"):
        payment_handover(claim=undecided, actor=agent1, now=T1, assignee=agent1)


def test_messages_are_in_chinese_first(paying, finance1):
    p = instruct(paying, finance1)
    with translation.override("zh-hans"):
        with pytest.raises(PaymentExists) as err:
            instruct(paying, finance1)
        assert err.value.message == f"理赔案件 {paying.number} 已有支付单，不会重复支付。"
        with pytest.raises(IllegalTransition) as err:
            payment_confirm(payment=p, actor=finance1, now=T1)
        assert "不能执行“确认到账”" in err.value.message


def test_payment_events_in_words(paying, finance1):
    from claimdesk.payments.selectors import payment_event_text

    p = payment_send(payment=instruct(paying, finance1), actor=finance1, now=T1)
    p = payment_fail(payment=p, actor=finance1, now=T1, reason="销户")
    payment_retry(payment=p, actor=finance1, now=T1)
    texts = {
        e.kind: payment_event_text(e)
        for e in CaseEvent.objects.filter(case=paying.case, kind__startswith="payment_")
    }
    masked = "*" * 15 + "3445"
    assert texts["payment_sent"] == f"We sent ¥3000.00 to your account {masked}."
    assert texts["payment_failed"] == f"Transfer 1 of payment {p.reference} failed: 销户"
    assert texts["payment_retried"].startswith("The transfer did not go through")
    opened = CaseEvent.objects.filter(case=paying.case, kind="opened").first()
    assert payment_event_text(opened) is None


def test_after_payment_a_new_instruction_is_still_a_409(paying, finance1):
    p = payment_send(payment=instruct(paying, finance1), actor=finance1, now=T1)
    payment_confirm(payment=p, actor=finance1, now=T1)
    with pytest.raises(PaymentExists):
        instruct(paying, finance1)
    with pytest.raises(IllegalTransition, match="is not possible while payment"):
        payment_send(payment=p, actor=finance1, now=T1)


def test_the_finance_person_of_the_owners_region_comes_first(paying, agent1, finance1):
    from claimdesk.staff.models import StaffProfile

    StaffProfile.objects.filter(user=agent1).update(region="上海")
    StaffProfile.objects.filter(user=finance1).update(region="上海")
    beijing = user_create(username="finance2", password="x", role=Role.FINANCE, region="北京")
    claim = Claim.objects.select_related("case__owner__staff_profile").get(pk=paying.pk)
    # finance1 holds this claim's payment task already, yet is the local one
    assert finance_assignee(claim) == finance1
    StaffProfile.objects.filter(user=agent1).update(region="广州")
    claim = Claim.objects.select_related("case__owner__staff_profile").get(pk=paying.pk)
    assert finance_assignee(claim) == beijing  # nobody local: the least loaded
