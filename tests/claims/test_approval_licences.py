"""A claim decision's approval is a licensed act: every signer holds a valid adjuster
certificate, the final signature one of the grade of the amount's band — on top of the
approval limit, which still decides who may sign alone. An expired certificate stops the
approval with a clear error and tells the manager."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from claimdesk.cases.licences import LicenceLapsed
from claimdesk.cases.models import Task
from claimdesk.cases.services import task_assign
from claimdesk.claims.models import DecisionStatus
from claimdesk.claims.services import decision_approve, decision_propose, loss_item_add
from claimdesk.notify.models import Notification
from claimdesk.staff.licences import adjuster_grade_for
from claimdesk.staff.roles import Role
from claimdesk.staff.services import certification_grant, user_create
from tests.claims.conftest import T0, claim_in_adjudication
from tests.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("accident_policy")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("amount", "grade"),
    [
        ("0.01", 1),
        ("50000", 1),
        ("50000.01", 2),
        ("500000", 2),
        ("500000.01", 3),
    ],
)
def test_grade_bands(amount, grade):
    assert adjuster_grade_for(Decimal(amount)) == grade


def adjuster(name: str, manager, *, grade: int | None, expires=date(2030, 12, 31)):
    """A decider with a 100,000 approval limit and, if ``grade``, that adjuster grade."""
    user = user_create(
        username=name,
        password=PASSWORD,
        role=Role.ADJUSTER,
        manager=manager,
        approval_limit=Decimal("100000"),
    )
    if grade is not None:
        certification_grant(
            user=user,
            code="adjuster",
            name="理赔师",
            grade=grade,
            issued_on=date(2022, 1, 1),
            expires_on=expires,
        )
    return user


@pytest.fixture
def disability_decision(agent1, adjuster1, adjuster2):
    """A 60,000 disability benefit proposed by adjuster1: band 2."""
    claim = claim_in_adjudication(owner=agent1, adjuster=adjuster1)
    loss_item_add(
        claim=claim,
        actor=adjuster1,
        now=T0,
        coverage="death-disability",
        label="伤残保险金（十级）",
        amount="60000",
    )
    decision = decision_propose(claim=claim, actor=adjuster1, now=T0)
    assert decision.amount == Decimal("60000.00") and decision.approvals_required == 1
    return decision


def give_task(decision, person, owner):
    task_assign(
        case=decision.claim.case, kind="review", title="复核", assignee=person, actor=owner, now=T0
    )


def test_routing_skips_a_limit_without_the_grade(disability_decision, manager1):
    adjuster("grade1", manager1, grade=1)  # limit 100,000 but grade 1
    task = Task.objects.get(case=disability_decision.claim.case, kind="approve_decision")
    assert task.assignee.username == "adjuster2"  # limit 200,000 and grade 2


def test_final_signature_below_the_band_grade_is_refused(
    disability_decision, manager1, agent1, adjuster2
):
    low = adjuster("grade1", manager1, grade=1)
    give_task(disability_decision, low, agent1)
    with pytest.raises(LicenceLapsed, match=r"holds no valid adjuster \(grade 2\) certificate"):
        decision_approve(decision=disability_decision, actor=low, now=T0)
    disability_decision.refresh_from_db()
    assert disability_decision.status == DecisionStatus.PENDING
    assert not disability_decision.approvals.exists()
    assert not Notification.objects.filter(kind="licence_expired").exists()
    # The graded adjuster approves it.
    decision_approve(decision=disability_decision, actor=adjuster2, now=T0)
    disability_decision.refresh_from_db()
    assert disability_decision.status == DecisionStatus.APPROVED


def test_no_certificate_no_approval(disability_decision, manager1, agent1):
    bare = adjuster("nocert", manager1, grade=None)
    give_task(disability_decision, bare, agent1)
    with pytest.raises(LicenceLapsed, match="holds no valid adjuster"):
        decision_approve(decision=disability_decision, actor=bare, now=T0)
    assert not disability_decision.approvals.exists()


def test_expired_grade_stops_the_approval_and_tells_the_manager(
    disability_decision, manager1, agent1
):
    lapsed = adjuster("lapsed", manager1, grade=2, expires=date(2026, 9, 1))
    give_task(disability_decision, lapsed, agent1)
    with pytest.raises(LicenceLapsed, match="expired on 2026-09-01") as refused:
        decision_approve(decision=disability_decision, actor=lapsed, now=T0)
    assert refused.value.details["manager_told"] == "manager1"
    note = Notification.objects.get(recipient=manager1, kind="licence_expired")
    assert "lapsed" in note.subject and disability_decision.claim.number in note.body
    disability_decision.refresh_from_db()
    assert disability_decision.status == DecisionStatus.PENDING
