"""A case's planned history: timed steps bound to the real services, run later interleaved with
every other case's steps.

While a story is planned it follows its kind's workflow (``planned``): every action moves the
planned state along the workflow's transition table, and an action the workflow does not
allow from there fails at planning time. The demo keeps no list of states of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from claimdesk.cases import services
from claimdesk.cases.models import Case, Task, TaskStatus
from claimdesk.cases.workflow import Workflow, workflow
from claimdesk.claims.models import Claim, DecisionStatus
from claimdesk.claims.services import (
    AboveReserveAuthority,
    claim_item_set_state,
    claim_report,
    decision_approve,
    decision_propose,
    loss_item_add,
    loss_item_exclude,
    reserve_adjust,
    reserve_pending,
    reserve_request_sign,
    reserve_totals,
)
from claimdesk.demo.content import DEMO_COVERAGE, EXCLUSION_ARTICLE
from claimdesk.demo.documents import item_scan
from claimdesk.documents.services import document_upload
from claimdesk.feedback.services import survey_answer, survey_send
from claimdesk.investigation.services import survey_assign, survey_report_submit
from claimdesk.payments.services import payment_confirm, payment_instruct, payment_send
from claimdesk.policies.models import Clause
from claimdesk.service.models import Ticket
from claimdesk.service.services import (
    rca_save,
    ticket_act,
    ticket_customer_message,
    ticket_open,
    ticket_reply,
)

Action = Callable[[datetime], None]


def kind_workflow(kind: str) -> Workflow:
    """The workflow of a case kind (the one place the demo asks the kernel for it)."""
    return workflow(kind)


def action_target(kind: str, action: str) -> str:
    """Where ``action`` leads in ``kind``'s workflow (the same from every source state)."""
    (target,) = {t.target for t in kind_workflow(kind).transitions if t.action == action}
    return target


@dataclass
class Step:
    at: datetime
    label: str  # what the step does, for the progress and timing report
    run: Action


@dataclass
class Story:
    """A case's planned history. Steps run later, interleaved with every other case's."""

    t: datetime
    kind: str
    steps: list[Step] = field(default_factory=list)
    planned: str = ""
    case: Case | None = None
    tasks: dict[str, Task] = field(default_factory=dict)
    claim: Claim | None = None

    def __post_init__(self) -> None:
        self.planned = self.planned or kind_workflow(self.kind).initial

    def wait(self, hours: float) -> Story:
        self.t += timedelta(hours=hours)
        return self

    def do(self, label: str, action: Action, *moves: str) -> Story:
        """Plan ``action`` at the story's time; ``moves`` are the workflow actions it makes."""
        self.steps.append(Step(self.t, label, action))
        wf = kind_workflow(self.kind)
        for move in moves:
            transition = wf.find(self.planned, move)
            if transition is None:
                raise ValueError(f"{self.kind}: no {move!r} from {self.planned!r}")
            self.planned = transition.target
        return self

    # -- the kernel --

    def open(self, *, actor, customer, title: str, **extra) -> Story:
        category = extra.pop("category", "")

        def run(now: datetime) -> None:
            self.case = services.case_open(
                kind=self.kind,
                title=title,
                actor=actor,
                customer=customer,
                category=category,
                now=now,
                data=extra,
            )

        return self.do("open", run)

    def act(self, action: str, actor=None, **data) -> Story:
        """``actor`` None means the case's owner (known only once the case is open)."""

        def run(now: datetime) -> None:
            assert self.case is not None
            self.case = services.case_transition(
                case=self.case, action=action, actor=actor or self.case.owner, now=now, data=data
            )

        return self.do(action, run, action)

    def assign(self, key: str, *, kind: str, title: str, assignee, rule: str | None = None):
        def run(now: datetime) -> None:
            assert self.case is not None
            self.tasks[key] = services.task_assign(
                case=self.case,
                kind=kind,
                title=title,
                assignee=assignee,
                actor=self.case.owner,
                now=now,
                rule_code=rule,
            )

        return self.do("assign", run)

    def complete(self, key: str, result: str) -> Story:
        def run(now: datetime) -> None:
            task = self.tasks[key]
            services.task_complete(task=task, actor=task.assignee, now=now, result=result)

        return self.do("complete", run)

    # -- claims --

    def report(self, *, reporter, channel: str, report: dict, loss_hours_ago: float) -> Story:
        """Report a real claim through ``claim_report`` (portal, API or hotline)."""

        def run(now: datetime) -> None:
            loss = {**report, "loss_time": now - timedelta(hours=loss_hours_ago)}
            result = claim_report(reporter=reporter, report=loss, channel=channel, now=now)
            self.claim, self.case = result.claim, result.claim.case

        return self.do("report", run)

    def items(
        self,
        state: str,
        *,
        by: str,
        states: tuple[str, ...],
        core_only: bool = False,
        limit: int | None = None,
        reason: str = "",
        documents: bool = False,
    ) -> Story:
        """Move the claim's checklist items now in ``states`` to ``state``; ``by`` is
        "customer" (an upload) or "owner" (the handler's review). With ``documents`` the
        customer hands each item in as a file (``document_upload``), so it is on file for
        the staff who accept it. No-op without a claim."""

        def run(now: datetime) -> None:
            if self.claim is None:
                return
            assert self.case is not None
            actor = self.case.customer if by == "customer" else self.case.owner
            assert actor is not None  # every demo claim has its customer
            chosen = [
                i for i in self.claim.items.all() if i.state in states and (i.core or not core_only)
            ]
            for n, item in enumerate(chosen[:limit]):
                # One scan per hand-in: OCR reads each at the commit, ~1-3 s a page.
                if documents and by == "customer" and n == 0:
                    document_upload(
                        claim=self.claim,
                        file=item_scan(self.claim, item.name, now),
                        actor=actor,
                        now=now,
                        item_code=item.code,
                    )
                else:
                    claim_item_set_state(
                        item=item, state=state, actor=actor, now=now, reason=reason
                    )

        return self.do(f"items:{state}", run)

    def survey(self, surveyor) -> Story:
        """The owner sends a surveyor (investigation's assignment: region, load, licence)."""

        def run(now: datetime) -> None:
            assert self.claim is not None and self.case is not None
            self.tasks["survey"] = survey_assign(
                claim=self.claim, actor=self.case.owner, now=now, surveyor=surveyor
            ).task

        return self.do("survey", run)

    def survey_report(self, amount: int) -> Story:
        """The surveyor closes the investigation and files the written result."""

        def run(now: datetime) -> None:
            assert self.claim is not None and self.case is not None
            task = self.tasks["survey"]
            self.case = services.case_transition(
                case=self.case, action="assessment_done", actor=task.assignee, now=now
            )
            survey_report_submit(
                survey=task.survey,
                actor=task.assignee,
                now=now,
                findings="现场查勘属实，损失与报案描述一致。",
                assessed_loss=Decimal(amount),
                method="按维修/医疗票据逐项核定，扣除残值。",
            )

        return self.do("survey_report", run, "assessment_done")

    def reserve_review(self, share: str, reason: str) -> Story:
        """The handler reviews the case reserve after the survey and sets it to ``share`` of
        the reserve in force, saying why; above their reserve authority the change waits for
        their manager, who signs it (the history then names whose authority covers it)."""

        def run(now: datetime) -> None:
            assert self.claim is not None and self.case is not None
            current = reserve_totals(self.claim).reserve
            if current is None or not self.case.is_open:
                return
            amount = (current * Decimal(share)).quantize(Decimal(100))
            try:
                reserve_adjust(
                    claim=self.claim, amount=amount, reason=reason, actor=self.case.owner, now=now
                )
            except AboveReserveAuthority:
                pending = reserve_pending(self.claim)
                assert pending is not None and pending.escalated_to is not None
                reserve_request_sign(request=pending, actor=pending.escalated_to, now=now)

        return self.do("reserve_review", run)

    def decide(
        self, adjuster, *, product: str, amount: int, reject: str = "", sign: bool = True
    ) -> Story:
        """The adjuster enters the loss, proposes the calculator's decision (a rejection
        rests on an exclusion clause) and the approvers sign it, lowest level first. A signed
        rejection sends its notice at once (the claims service does)."""

        def run(now: datetime) -> None:
            assert self.claim is not None and self.case is not None
            self._loss_item(adjuster, now, product=product, amount=amount, reject=reject)
            decision = decision_propose(claim=self.claim, actor=adjuster, now=now)
            while sign and decision.status == DecisionStatus.PENDING:
                task = self.case.tasks.get(kind="approve_decision", status=TaskStatus.OPEN)
                decision = decision_approve(decision=decision, actor=task.assignee, now=now)
            self.case.refresh_from_db()

        moves = () if not sign else ("reject", "send_rejection_notice") if reject else ("approve",)
        return self.do("decide" if sign else "propose", run, *moves)

    def _loss_item(self, adjuster, now: datetime, *, product: str, amount: int, reject: str):
        assert self.claim is not None
        coverage, illness = DEMO_COVERAGE[product](amount)
        item = loss_item_add(
            claim=self.claim,
            actor=adjuster,
            now=now,
            coverage=coverage,
            label=self.claim.loss_cause,
            amount=amount,
            illness=illness,
        )
        if reject:
            clause = Clause.objects.get(
                product=self.claim.policy.product, article=EXCLUSION_ARTICLE[product]
            )
            loss_item_exclude(item=item, clause=clause, reason=reject, actor=adjuster, now=now)
        return item

    def pay(self, upto: str) -> Story:
        """Finance pays the approved amount: instructed, sent, then confirmed."""

        def run(now: datetime) -> None:
            assert self.claim is not None and self.case is not None
            if self.case.workflow.find(self.case.status, "confirm_payment") is None:
                return  # nothing payable after all (e.g. the deductible took it all)
            task = self.case.tasks.get(kind="payment", status=TaskStatus.OPEN)
            payment = payment_instruct(claim=self.claim, actor=task.assignee, now=now)
            if upto == "instructed":
                return
            payment = payment_send(payment=payment, actor=task.assignee, now=now)
            if upto == "sent":
                return
            payment_confirm(payment=payment, actor=task.assignee, now=now)
            self.case.refresh_from_db()

        return self.do(f"pay:{upto}", run, *(("confirm_payment",) if upto == "confirmed" else ()))

    def survey_customer(self, answer: tuple[int, int, str] | None) -> Story:
        """The satisfaction survey is the follow-up (sending it does the ``follow_up``
        transition); some customers answer it."""

        def run(now: datetime) -> None:
            assert self.case is not None
            sent = survey_send(case=self.case, now=now)
            if sent is not None and answer is not None:
                csat, nps, comment = answer
                survey_answer(
                    token=sent.token,
                    csat=csat,
                    nps=nps,
                    comment=comment,
                    now=now + timedelta(hours=2),
                )

        return self.do("follow_up", run, "follow_up")

    # -- the service desk --

    def ticket_open(self, *, customer, actor, category: str, pick: float, **fields) -> Story:
        """A service-desk ticket; an objection is about one of the customer's decided
        claims (the objecting customer is the holder of a claim decided by then)."""

        def run(now: datetime) -> None:
            claim, who = None, customer
            if category == "objection":
                decided = list(
                    Claim.objects.filter(decided_at__lte=now).order_by("pk").select_related("case")
                )
                if not decided:
                    return
                claim = decided[int(pick * len(decided))]
                who = claim.case.customer
            ticket = ticket_open(
                customer=who,
                actor=who if actor.pk == customer.pk else actor,
                category=category,
                body=fields["subject"],
                now=now,
                claim=claim,
                **fields,
            )
            self.case = ticket.case

        return self.do(f"ticket:{category}", run)

    def ticket_step(self, step: str, **data) -> Story:
        """Work a ticket through the service desk (replies pass the compliance gate)."""
        moves = {"reply": "reply", "customer": "customer_replied", "rca": None}.get(step, step)

        def run(now: datetime) -> None:
            if self.case is None:  # an objection with no decided claim to object to
                return
            ticket = Ticket.objects.get(pk=self.case.pk)
            owner = self.case.owner
            if step == "reply":
                ticket_reply(ticket=ticket, actor=owner, now=now, body=data["message"])
            elif step == "customer":
                ticket_customer_message(
                    ticket=ticket, customer=self.case.customer, now=now, body=data["message"]
                )
            elif step == "rca":
                due = (now + timedelta(days=30)).date()
                rca_save(ticket=ticket, actor=owner, now=now, owner=owner, due_date=due, **data)
            else:
                ticket_act(ticket=ticket, action=step, actor=owner, now=now, data=data)
            self.case.refresh_from_db()

        return self.do(f"ticket:{step}", run, *((moves,) if moves else ()))
