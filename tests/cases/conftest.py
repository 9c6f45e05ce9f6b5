"""Helpers for the case-kernel tests: cases built through the real services."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from claimdesk.cases import services
from claimdesk.cases import workflow as kernel
from claimdesk.cases.models import Case, CaseEvent
from claimdesk.claims import workflow as claim_workflow
from claimdesk.notify.models import Notification
from claimdesk.staff.roles import Role
from claimdesk.staff.services import user_create
from tests.conftest import PASSWORD, at

# Wed 30 Sept 2026, the day before the National Day holiday (1–7 Oct; Sat 10 Oct is a
# 调休 working day).
T0 = at("2026-09-30 10:00")


def _payment_clock_from_data(case, data):
    return "payment_small" if data.get("small") else "payment"


@pytest.fixture(autouse=True)
def _kernel_only(monkeypatch):
    """These tests drive the claim table on bare cases (no claim row), to test the kernel's
    machinery with a real table. The claim's own checks (approve and reject only through an
    approved decision, materials before adjudication), its archiving effect and its choice
    of payment clock read the claim; they are tested with real claims in tests/claims. Here
    the payment clock is chosen from the step's data instead."""
    wf = claim_workflow.WORKFLOW
    rows = tuple(
        replace(
            t,
            starts=tuple(
                _payment_clock_from_data if s is claim_workflow.payment_clock else s
                for s in t.starts
            ),
        )
        for t in wf.transitions
    )
    monkeypatch.setitem(
        kernel._REGISTRY, wf.kind, replace(wf, checks=(), effects=(), transitions=rows)
    )


def step(case: Case, action: str, actor, now: datetime, **data) -> Case:
    return services.case_transition(case=case, action=action, actor=actor, now=now, data=data)


def open_claim(agent, customer, now: datetime = T0, title: str = "车险 追尾") -> Case:
    return services.case_open(kind="claim", title=title, actor=agent, customer=customer, now=now)


def claim_in_adjudication(agent, customer, adjuster, now: datetime = T0, small=False):
    """A claim handed to ``adjuster`` as a task and in adjudication: (case, task)."""
    case = open_claim(agent, customer, now)
    case = step(case, "contact", agent, now + timedelta(minutes=30))
    data = {"small": True} if small else {}
    case = step(case, "send_to_adjudication", agent, now + timedelta(hours=1), **data)
    task = services.task_assign(
        case=case,
        kind="adjudicate",
        title="核定",
        assignee=adjuster,
        actor=agent,
        now=now + timedelta(hours=1),
    )
    return case, task


def snapshot(case: Case) -> dict:
    """What a refused action must leave unchanged."""
    case = Case.objects.get(pk=case.pk)
    return {
        "status": case.status,
        "updated_at": case.updated_at,
        "next_due_at": case.next_due_at,
        "events": CaseEvent.objects.filter(case=case).count(),
        "notifications": Notification.objects.count(),
        "clocks": sorted(case.deadlines.values_list("rule__code", "state", "due_at")),
        "tasks": sorted(case.tasks.values_list("pk", "status")),
    }


@pytest.fixture
def underwriter1(db, manager1):
    return user_create(
        username="underwriter1", password=PASSWORD, role=Role.UNDERWRITER, manager=manager1
    )


@pytest.fixture
def loner(db):
    """An agent with no manager on file: escalations fall back to any manager."""
    return user_create(username="loner", password=PASSWORD, role=Role.AGENT)
