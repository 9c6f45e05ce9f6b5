"""A small hand-made data set factory for the analytics tests (others may reuse it).

Rows are written directly with explicit timestamps so every duration is exact and a person
can redo the arithmetic: ``world.claim(stages=[("reported", at(...)), ("reviewing", at(...)),
…])`` writes the case, its claim, the "opened" event and one transition event per later stage,
and sets status / is_open / closed_at the way the kernel would (closed_at only when the last
stage is final). Timeline events are append-only, but ``CaseEvent.objects.create`` with an
explicit ``at`` is allowed; clocks (Deadline) are written with explicit states.

Rows written by hand are not actions, so no worker follows them: each builder derives the
analytics rows of what it wrote the way the backfill does (``rebuild``), and the cases'
timeline lines are handed to the after-commit readers as the worker would (``worker_ran``).

Usage in a test module::

    from tests.analytics.conftest import at  # noqa  (re-exported from tests.conftest)

    def test_x(world):
        a = world.staff("adj_a", team="理赔一组", branch="上海")
        claim = world.claim(owner=a, stages=[("reported", at("2026-07-01 09:00")), ...])
"""

from __future__ import annotations

import itertools
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from claimdesk.analytics import sla
from claimdesk.analytics.summaries import rebuild, rebuild_clauses
from claimdesk.cases.models import Case, Deadline, SlaRule
from claimdesk.cases.timeline import timeline_record
from claimdesk.cases.workflow import workflow
from claimdesk.claims.models import Claim
from claimdesk.policies.demo import demo_policy
from claimdesk.staff.roles import Role
from claimdesk.staff.services import user_create
from tests.conftest import PASSWORD, at, worker_ran

__all__ = ["World", "at", "world"]


class World:
    """Builds staff, customers, policies, claims, tickets, clocks and surveys by hand."""

    def __init__(self, products):
        self.products = products
        self._seq = itertools.count(1)

    def _n(self) -> int:
        return next(self._seq)

    # -- people and policies -----------------------------------------------------------------

    def staff(self, username: str, *, team: str = "", branch: str = "", role=Role.ADJUSTER):
        return user_create(
            username=username, password=PASSWORD, role=role, team=team, branch=branch
        )

    def customer(self, username: str):
        return user_create(username=username, password=PASSWORD, role=Role.CUSTOMER)

    def policy(self, holder, line: str, *, start: date = date(2026, 1, 1), end: date | None = None):
        policy = demo_policy(
            number=f"P{line[:3].upper()}{self._n():05d}",
            holder=holder,
            line=line,
            start=start,
            insured_name="张三",
            products=self.products,
        )
        if end is not None:
            policy.end = end
            policy.save(update_fields=["end"])
        return policy

    # -- cases -------------------------------------------------------------------------------

    def _case(self, *, kind: str, owner, customer, stages, title: str, category: str = ""):
        wf = workflow(kind)
        first_status, opened_at = stages[0]
        assert first_status == wf.initial, f"a {kind} starts in {wf.initial}"
        last_status, last_at = stages[-1]
        final = last_status in wf.final
        case = Case.objects.create(
            number=f"{kind[:2].upper()}{self._n():08d}",
            kind=kind,
            category=category,
            status=last_status,
            title=title,
            owner=owner,
            customer=customer,
            opened_at=opened_at,
            updated_at=last_at,
            closed_at=last_at if final else None,
            is_open=not final,
        )
        timeline_record(case, now=opened_at, actor=owner, kind="opened", to_status=first_status)
        for (before, _), (status, moment) in itertools.pairwise(stages):
            timeline_record(
                case,
                now=moment,
                actor=owner,
                kind="transition",
                action=f"to_{status}",
                from_status=before,
                to_status=status,
            )
        return case

    def claim(
        self,
        *,
        owner,
        policy,
        stages: list[tuple[str, datetime]],
        loss_type: str | None = None,
        loss_cause: str = "追尾",
        estimated: Decimal | str | None = "10000.00",
        channel: str = "portal",
        decision: str = "",
        approved: Decimal | str | None = None,
        decided_at: datetime | None = None,
    ) -> Claim:
        case = self._case(
            kind="claim",
            owner=owner,
            customer=policy.holder,
            stages=stages,
            title=loss_cause,
        )
        claim = Claim.objects.create(
            case=case,
            policy=policy,
            insured_name="张三",
            loss_time=stages[0][1] - timedelta(days=1),
            loss_cause=loss_cause,
            loss_type=loss_type or policy.product.line,
            estimated_amount=None if estimated is None else Decimal(estimated),
            contact_phone="13800000000",
            channel=channel,
            reporter=policy.holder,
            decision=decision,
            approved_amount=None if approved is None else Decimal(approved),
            decided_at=decided_at,
        )
        worker_ran()
        return claim

    def ticket(
        self,
        *,
        owner,
        customer,
        stages: list[tuple[str, datetime]],
        category: str = "inquiry",
        channel: str = "portal",
        claim: Claim | None = None,
        topic: str = "other",
    ):
        from claimdesk.service.models import Ticket

        case = self._case(
            kind="ticket",
            owner=owner,
            customer=customer,
            stages=stages,
            title=f"{category} ticket",
            category=category,
        )
        ticket = Ticket.objects.create(
            case=case, channel=channel, claim=claim, topic=topic, subject=case.title
        )
        worker_ran()
        return ticket

    def payment(self, claim: Claim, amount, *, at_: datetime, state: str = "confirmed"):
        """A payment of the claim (confirmed at ``at_`` unless another state is given)."""
        from claimdesk.payments.models import Payment
        from claimdesk.policies.models import BankAccount

        account, _ = BankAccount.objects.get_or_create(
            owner=claim.policy.holder,
            account_number="6222000000000000",
            defaults={"bank_name": "中国工商银行", "account_name": "张三", "is_default": True},
        )
        payment = Payment.objects.create(
            reference=f"PAY{self._n():08d}",
            claim=claim,
            case_id=claim.pk,
            amount=Decimal(amount),
            account=account,
            state=state,
            instructed_at=at_,
            instructed_by=claim.case.owner,
            confirmed_at=at_ if state == "confirmed" else None,
            updated_at=at_,
        )
        rebuild([claim.pk])
        return payment

    def decision(self, claim: Claim, *, decision: str, cites: list[str], at_: datetime):
        """The approved decision record of ``claim`` whose calculation cites ``cites``
        (clause articles) as exclusions — what rejection notices quote."""
        from claimdesk.claims.models import ClaimDecision

        decided = ClaimDecision.objects.create(
            claim=claim,
            decision=decision,
            amount=claim.approved_amount or Decimal(0),
            calculation={
                "decision": decision,
                "exclusions": [{"code": "x", "reason": "…", "clause": a} for a in cites],
            },
            approvals_required=1,
            status="approved",
            proposed_by=claim.case.owner,
            proposed_at=at_,
            closed_at=at_,
        )
        rebuild_clauses([claim.pk])
        return decided

    # -- clocks and surveys ------------------------------------------------------------------

    def deadline(
        self,
        case: Case,
        rule: str,
        *,
        state: str,
        started_at: datetime,
        due_at: datetime,
        stopped_at: datetime | None = None,
        assignee=None,
    ) -> Deadline:
        rule_obj = SlaRule.objects.get(code=rule)
        deadline = Deadline.objects.create(
            case=case,
            rule=rule_obj,
            unit=rule_obj.unit,
            assignee=assignee or case.owner,
            state=state,
            started_at=started_at,
            budget=due_at - started_at,
            segment_started_at=started_at,
            due_at=due_at,
            remind_at=due_at,
            escalate_at=due_at,
            stopped_at=stopped_at,
        )
        sla.rebuild()
        return deadline

    def survey(self, case: Case, *, csat: int | None, nps: int | None, answered_at, staff=None):
        from claimdesk.feedback.models import Survey

        survey = Survey.objects.create(
            case=case,
            customer=case.customer,
            staff=staff or case.owner,
            token=secrets.token_urlsafe(32),
            closed_at=answered_at - timedelta(days=1),
            sent_at=answered_at - timedelta(days=1),
            expires_at=answered_at + timedelta(days=29),
            answered_at=answered_at if csat is not None or nps is not None else None,
            csat=csat,
            nps=nps,
        )
        sla.rebuild()
        return survey


@pytest.fixture
def world(products) -> World:
    return World(products)
