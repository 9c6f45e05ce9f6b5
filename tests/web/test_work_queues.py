"""Every role's queue says what is due: the adjuster's approvals, finance's payments, the
surveyor's reports, the owner's cases and the manager's overdue team work, each row with the
clock that drives it. Claims are built through the real services."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from claimdesk.cases import services, worklist
from claimdesk.cases.models import Deadline, DeadlineState
from claimdesk.claims.models import Claim
from claimdesk.claims.services import (
    claim_item_set_state,
    claim_report,
    decision_approve,
    decision_propose,
    loss_item_add,
)
from claimdesk.investigation.services import survey_assign, survey_report_submit
from claimdesk.payments.services import payment_confirm, payment_instruct, payment_send
from claimdesk.policies.models import BankAccount
from tests.claims import conftest as claims_conftest
from tests.claims.conftest import T0, claim_in_adjudication, report
from tests.payments.conftest import ACCOUNT, claim_in_paying

auto_policy = claims_conftest.auto_policy
H = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _zh():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def account(auto_policy, customer1):
    return BankAccount.objects.create(
        owner=customer1,
        bank_name="中国工商银行",
        account_name="张三",
        account_number=ACCOUNT,
        is_default=True,
    )


def _auto_claim_in_adjudication(agent, adjuster, now=T0) -> Claim:
    return claim_in_adjudication(
        owner=agent,
        adjuster=adjuster,
        now=now,
        policy_no="PAUTO0001",
        loss_type="auto",
        loss_cause="追尾",
        description="等红灯时被后车追尾",
        estimated_amount="3200",
    )


def _proposed_by(adjuster, claim: Claim, now):
    loss_item_add(
        claim=claim, actor=adjuster, now=now, coverage="vehicle-damage", label="维修", amount="3000"
    )
    return decision_propose(claim=claim, actor=adjuster, now=now)


def _report() -> dict:
    data = report()
    data["loss_time"] = T0 - 16 * H
    return data


def _live_case_clock(claim: Claim, codes=("payment", "payment_small")) -> Deadline:
    return Deadline.objects.get(
        case=claim.case, rule__code__in=codes, state=DeadlineState.RUNNING, task__isnull=True
    )


def test_an_adjuster_approves_what_someone_else_proposed_on_the_claims_payment_clock(
    auto_policy, agent1, adjuster1, adjuster2
):
    claim = _auto_claim_in_adjudication(agent1, adjuster2)
    decision = _proposed_by(adjuster2, claim, T0 + H)
    clock = _live_case_clock(claim)

    [row] = worklist.my_work(adjuster1, now=T0 + H)
    assert (row.kind, row.number) == ("approve_decision", claim.number)
    assert row.what == f"审批理赔决定（¥{decision.amount}）"
    assert row.due_at == clock.due_at and row.rule == "小额快赔"  # not "无计时"
    assert row.link == reverse("web:claim_detail", args=[claim.number])

    # The proposer waits; they are never asked to approve their own proposal.
    [mine] = worklist.my_work(adjuster2, now=T0 + H)
    assert (mine.kind, mine.what) == ("review", "理赔决定待他人审批")
    # The owner follows the adjudication on the same clock.
    [owned] = worklist.my_work(agent1, now=T0 + H)
    assert (owned.kind, owned.what, owned.due_at) == ("claim", "跟进理赔核定", clock.due_at)

    # Approved: the approval is done and leaves the adjuster's queue.
    decision_approve(decision=decision, actor=adjuster1, now=T0 + 2 * H)
    assert worklist.my_work(adjuster1, now=T0 + 2 * H) == []


def test_a_rejection_waiting_for_a_signature_says_so(auto_policy, agent1, adjuster1, adjuster2):
    from claimdesk.claims.services import loss_item_exclude
    from claimdesk.policies.models import Clause

    claim = _auto_claim_in_adjudication(agent1, adjuster2)
    item = loss_item_add(
        claim=claim, actor=adjuster2, now=T0, coverage="vehicle-damage", label="维修", amount="3000"
    )
    clause = Clause.objects.filter(product=claim.policy.product, kind="exclusion").first()
    loss_item_exclude(item=item, clause=clause, reason="酒后驾驶", actor=adjuster2, now=T0)
    decision = decision_propose(claim=claim, actor=adjuster2, now=T0)
    assert decision.decision == "reject"
    [row] = [r for r in worklist.my_work(adjuster1, now=T0) if r.kind == "approve_decision"]
    assert row.what == "审批拒赔决定"  # not "审批理赔决定（¥0.00）"


def test_an_approval_above_the_approvers_limit_says_it_goes_up(
    auto_policy, agent1, adjuster1, adjuster2, manager1
):
    claim = _auto_claim_in_adjudication(agent1, adjuster1)
    loss_item_add(
        claim=claim, actor=adjuster1, now=T0, coverage="vehicle-damage", label="维修", amount="3000"
    )
    decision = decision_propose(claim=claim, actor=adjuster1, now=T0)
    [approval] = [r for r in worklist.my_work(adjuster2, now=T0) if r.kind == "approve_decision"]
    assert approval.what.startswith("审批理赔决定")
    # adjuster1 proposed: no approval row for them, only their review waiting on others.
    assert {r.kind for r in worklist.my_work(adjuster1, now=T0)} == {"review"}
    assert decision.proposed_by == adjuster1


def test_finance_sees_the_next_payment_step_and_closed_payments_leave(
    auto_policy, account, agent1, adjuster1, adjuster2, finance1
):
    claim = claim_in_paying(
        owner=agent1, adjuster=adjuster2, approver=adjuster1, finance=finance1, now=T0
    )
    clock = _live_case_clock(claim)

    def what() -> list[str]:
        return [r.what for r in worklist.my_work(finance1, now=T0 + 2 * H)]

    [row] = worklist.my_work(finance1, now=T0 + 2 * H)
    assert (row.kind, row.what, row.due_at) == ("payment", "发出付款指令", clock.due_at)
    assert row.link == f"{reverse('payments:workbench')}#pay-{claim.number}"
    payment = payment_instruct(claim=claim, actor=finance1, now=T0 + 2 * H)
    assert what() == ["发送付款"]
    payment = payment_send(payment=payment, actor=finance1, now=T0 + 2 * H)
    assert what() == ["确认赔款到账"]
    payment_confirm(payment=payment, actor=finance1, now=T0 + 3 * H)
    assert what() == []


def test_the_payment_list_carries_each_claims_clock_nearest_due_first(
    client, auto_policy, account, agent1, adjuster1, adjuster2, finance1
):
    later = claim_in_paying(
        owner=agent1, adjuster=adjuster2, approver=adjuster1, finance=finance1, now=T0 + 5 * H
    )
    sooner = claim_in_paying(
        owner=agent1,
        adjuster=adjuster2,
        approver=adjuster1,
        finance=finance1,
        now=T0,
        estimated="3300",
    )
    client.force_login(finance1)
    with time_machine.travel(_live_case_clock(sooner).due_at + H, tick=False):
        html = client.get(reverse("payments:workbench")).content.decode()
    rows = re.findall(r'<tr id="pay-(\w+)" class="([\w ]*)" data-testid="pay-row"', html)
    assert [n for n, _ in rows] == [sooner.number, later.number]
    assert rows[0][1].split()[0] == "overdue" and rows[1][1].split()[0] != "overdue"
    assert "小额快赔" in html and "已超时" in html


def test_the_surveyor_is_asked_for_the_report_on_the_survey_page(
    auto_policy, agent1, surveyor1, customer1
):
    claim = claim_report(reporter=agent1, report=_report(), channel="hotline", now=T0).claim
    services.case_transition(case=claim.case, action="contact", actor=agent1, now=T0)
    for item in claim.items.filter(core=True):
        claim_item_set_state(item=item, state="received", actor=agent1, now=T0)
        claim_item_set_state(item=item, state="accepted", actor=agent1, now=T0)
    claim.case = services.case_transition(
        case=claim.case, action="send_to_investigation", actor=agent1, now=T0
    )
    survey = survey_assign(claim=claim, actor=agent1, now=T0, surveyor=surveyor1)

    [row] = worklist.my_work(surveyor1, now=T0)
    assert (row.kind, row.what, row.rule) == ("survey", "填写查勘报告", "现场查勘")
    assert row.due_at == survey.task.due_at == T0 + 48 * H
    assert row.link == reverse("investigation:survey_report", args=[survey.pk])
    assert not worklist.my_work(surveyor1, now=T0)[0].overdue(T0)
    assert worklist.my_work(surveyor1, now=T0 + 49 * H)[0].overdue(T0 + 49 * H)
    # Someone else's work is not the surveyor's, nor the survey the agent's.
    assert all(r.kind != "survey" for r in worklist.my_work(agent1, now=T0))

    services.case_transition(case=claim.case, action="assessment_done", actor=surveyor1, now=T0)
    survey_report_submit(
        survey=survey,
        actor=surveyor1,
        now=T0 + H,
        findings="属实",
        assessed_loss=Decimal("3000"),
        method="按维修单",
    )
    assert worklist.my_work(surveyor1, now=T0 + H) == []


def test_my_work_page_names_what_is_due_with_its_rule_and_marks_overdue(
    client, auto_policy, agent1, adjuster1, adjuster2
):
    claim = _auto_claim_in_adjudication(agent1, adjuster2)
    _proposed_by(adjuster2, claim, T0)
    due = _live_case_clock(claim).due_at
    client.force_login(adjuster1)
    with time_machine.travel(due + 3 * H, tick=False):
        html = client.get("/work/").content.decode()
    row = re.search(r'<tr class="overdue[^"]*" data-testid="work-row".*?</tr>', html, re.S)
    assert row is not None, html
    text = re.sub(r"<[^>]+>", " ", row.group(0))
    assert "审批理赔决定" in text and "小额快赔" in text and "已超时 03:00:00" in text
    assert claim.case.title not in re.search(r'<td class="what">.*?</td>', row.group(0)).group(0)
    assert "无计时" not in html


def test_a_manager_sees_the_teams_overdue_and_escalated_work(
    client, auto_policy, agent1, agent2, manager1, adjuster1, customer1
):
    late = services.case_open(
        kind="claim", title="逾期未联系", actor=agent1, customer=customer1, now=T0 - 8 * 24 * H
    )
    services.case_open(kind="claim", title="刚报案", actor=agent2, customer=customer1, now=T0)
    services.deadline_sweep(now=T0)  # the contact clock a week over: escalated to manager1

    [row] = worklist.team_alerts(manager1, now=T0)
    assert (row.number, row.holder_name, row.escalated) == (late.number, "agent1", True)
    assert row.overdue(T0) and row.rule == "联系客户"
    # Not a team lead: no team view.
    assert worklist.team_of(adjuster1) is None
    client.force_login(manager1)
    html = client.get("/work/").content.decode()
    assert 'data-testid="team-alerts"' in html and late.number in html and "已升级" in html
    client.force_login(agent1)
    assert 'data-testid="team-alerts"' not in client.get("/work/").content.decode()


def test_closed_cases_and_another_roles_work_never_appear(
    auto_policy, agent1, adjuster1, adjuster2, finance1, surveyor1
):
    claim = _auto_claim_in_adjudication(agent1, adjuster2)
    _proposed_by(adjuster2, claim, T0)
    assert worklist.my_work(finance1, now=T0) == worklist.my_work(surveyor1, now=T0) == []
    services.case_transition(
        case=claim.case, action="withdraw", actor=agent1, now=T0 + H, data={"reason": "撤案"}
    )
    for user in (agent1, adjuster1, adjuster2):
        assert worklist.my_work(user, now=T0 + H) == [], user
