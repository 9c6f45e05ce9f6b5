"""Transition tables per case kind: data, not code paths. Pure Python, no ORM.

A row says: in ``source``, ``action`` leads to ``target`` for someone holding
``permission``, if ``guard`` finds nothing wrong; and which SLA clocks it starts, stops,
pauses and resumes. ``case_transition`` (services) is the only code that applies a row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class Kind(StrEnum):
    CLAIM = "claim"
    TICKET = "ticket"
    POLICY_SERVICE = "policy_service"
    UNDERWRITING = "underwriting"


KIND_LABELS = {
    Kind.CLAIM: _("Claim"),
    Kind.TICKET: _("Ticket"),
    Kind.POLICY_SERVICE: _("Policy service"),
    Kind.UNDERWRITING: _("Underwriting"),
}

NUMBER_PREFIX = {
    Kind.CLAIM: "CL",
    Kind.TICKET: "TK",
    Kind.POLICY_SERVICE: "PS",
    Kind.UNDERWRITING: "UW",
}

# A guard returns None when the transition may go ahead, else the reason it may not.
Guard = Callable[[Any, Mapping[str, Any]], str | None]
# A clock is named by its rule code, or chosen from the case and the action's data.
ClockSpec = str | Callable[[Any, Mapping[str, Any]], str | None]


def requires(*fields: str) -> Guard:
    """Guard: the action's data must carry non-empty values for ``fields``."""

    def guard(case: Any, data: Mapping[str, Any]) -> str | None:
        missing = [f for f in fields if not str(data.get(f) or "").strip()]
        return _("missing: %(fields)s") % {"fields": ", ".join(missing)} if missing else None

    return guard


def small_claim_payment(case: Any, data: Mapping[str, Any]) -> str:
    """Small cases get the 24-hour payment commitment, others 5 working days."""
    return "payment_small" if data.get("small") else "payment"


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    permission: str
    label: Any
    guard: Guard | None = None
    starts: tuple[ClockSpec, ...] = ()
    stops: tuple[str, ...] = ()
    # Clocks whose commitment no longer applies (e.g. payment on a rejected claim): they
    # end as "cancelled", counted neither met nor breached.
    cancels: tuple[str, ...] = ()
    pauses: tuple[str, ...] = ()
    resumes: tuple[str, ...] = ()
    stop_all: bool = False
    customer_visible: bool = True


@dataclass(frozen=True)
class Workflow:
    kind: Kind
    initial: str
    states: Mapping[str, Any]
    final: frozenset[str]
    transitions: tuple[Transition, ...]
    # Clocks started when a case of this kind is opened (per category where it matters).
    opening_clocks: tuple[ClockSpec, ...] = ()
    _index: dict[tuple[str, str], Transition] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for t in self.transitions:
            if t.source not in self.states or t.target not in self.states:
                raise ValueError(f"{self.kind}: unknown state in {t}")
            key = (t.source, t.action)
            if key in self._index:
                raise ValueError(f"{self.kind}: two rows for {key}")
            self._index[key] = t

    def find(self, state: str, action: str) -> Transition | None:
        return self._index.get((state, action))

    def available(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if t.source == state]

    def action_label(self, action: str) -> str:
        """The readable name of an action code (the code itself when unknown)."""
        return next((str(t.label) for t in self.transitions if t.action == action), action)

    def actions(self) -> set[str]:
        return {t.action for t in self.transitions}


def _withdrawals(states: Mapping[str, Any], final: frozenset[str], permission: str) -> tuple:
    return tuple(
        Transition(
            s,
            "withdraw",
            "withdrawn",
            permission,
            _("Withdraw"),
            guard=requires("reason"),
            stop_all=True,
        )
        for s in states
        if s not in final
    )


CLAIM_STATES = {
    "reported": _("Reported"),
    "reviewing": _("Reviewing materials"),
    "awaiting_materials": _("Awaiting supplementary materials"),
    "investigating": _("Investigation and loss assessment"),
    "adjudicating": _("Adjudication"),
    "paying": _("Payment"),
    "rejected": _("Rejected"),
    "closed": _("Closed"),
    "followed_up": _("Followed up"),
    "withdrawn": _("Withdrawn"),
}
CLAIM_FINAL = frozenset({"followed_up", "withdrawn"})
# While the case waits on the customer for materials, neither the statutory decision clock
# nor a payment commitment already running ("N days after materials complete") counts.
WAITING_ON_MATERIALS = ("decision_statutory", "payment", "payment_small")

CLAIM = Workflow(
    kind=Kind.CLAIM,
    initial="reported",
    states=CLAIM_STATES,
    final=CLAIM_FINAL,
    opening_clocks=("contact", "decision_statutory"),
    transitions=(
        Transition(
            "reported",
            "contact",
            "reviewing",
            "cases.handle_intake",
            _("Contact the customer"),
            stops=("contact",),
        ),
        Transition(
            "reviewing",
            "request_materials",
            "awaiting_materials",
            "cases.handle_intake",
            _("Request supplementary materials"),
            guard=requires("items"),
            pauses=WAITING_ON_MATERIALS,
        ),
        Transition(
            "adjudicating",
            "request_materials",
            "awaiting_materials",
            "cases.decide_claim",
            _("Request supplementary materials"),
            guard=requires("items"),
            pauses=WAITING_ON_MATERIALS,
        ),
        Transition(
            "awaiting_materials",
            "materials_received",
            "reviewing",
            "cases.handle_intake",
            _("Supplementary materials received"),
            resumes=WAITING_ON_MATERIALS,
        ),
        Transition(
            "reviewing",
            "send_to_investigation",
            "investigating",
            "cases.handle_intake",
            _("Materials complete: investigate"),
            starts=(small_claim_payment, "interim_payment"),
        ),
        Transition(
            "reviewing",
            "send_to_adjudication",
            "adjudicating",
            "cases.handle_intake",
            _("Materials complete: adjudicate"),
            starts=(small_claim_payment, "interim_payment"),
        ),
        Transition(
            "investigating",
            "assessment_done",
            "adjudicating",
            "cases.handle_survey",
            _("Loss assessment done"),
        ),
        Transition(
            "adjudicating",
            "approve",
            "paying",
            "cases.decide_claim",
            _("Approve"),
            stops=("decision_statutory", "interim_payment"),
        ),
        Transition(
            "adjudicating",
            "reject",
            "rejected",
            "cases.decide_claim",
            _("Reject"),
            guard=requires("reason"),
            stops=("decision_statutory", "interim_payment"),
            cancels=("payment", "payment_small"),
            starts=("rejection_notice",),
        ),
        Transition(
            "rejected",
            "send_rejection_notice",
            "closed",
            "cases.decide_claim",
            _("Send rejection notice"),
            stops=("rejection_notice",),
            starts=("followup",),
        ),
        Transition(
            "paying",
            "confirm_payment",
            "closed",
            "cases.handle_payment",
            _("Payment confirmed"),
            stops=("payment", "payment_small"),
            starts=("followup",),
        ),
        Transition(
            "closed",
            "follow_up",
            "followed_up",
            "cases.handle_followup",
            _("Follow-up done"),
            stops=("followup",),
        ),
        *_withdrawals(CLAIM_STATES, CLAIM_FINAL | {"closed"}, "cases.handle_intake"),
    ),
)


def ticket_opening_clock(case: Any, data: Mapping[str, Any]) -> str | None:
    """Which response commitment a new ticket carries, by its category (a complex
    complaint has 30 days instead of 15)."""
    if case.category == "complaint" and data.get("complex"):
        return "complaint_complex"
    return {
        "inquiry": "inquiry_reply",
        "complex": "complex_solution",
        "complaint": "complaint",
        "objection": "objection_reply",
        "appeal": "complex_solution",
        "green": "green_response",
    }.get(case.category)


def green_preapproval(case: Any, data: Mapping[str, Any]) -> str | None:
    return "green_preapproval" if case.category == "green" else None


TICKET_STATES = {
    "new": _("New"),
    "in_progress": _("In progress"),
    "waiting_customer": _("Waiting for the customer"),
    "resolved": _("Resolved"),
    "closed": _("Closed"),
}
TICKET_FINAL = frozenset({"closed"})
RESPONSE_CLOCKS = ("inquiry_reply", "green_response")
SOLUTION_CLOCKS = (
    "complex_solution",
    "complaint",
    "complaint_complex",
    "objection_reply",
    "green_preapproval",
)

TICKET = Workflow(
    kind=Kind.TICKET,
    initial="new",
    states=TICKET_STATES,
    final=TICKET_FINAL,
    opening_clocks=(ticket_opening_clock,),
    transitions=(
        Transition(
            "new",
            "reply",
            "in_progress",
            "cases.handle_ticket",
            _("Reply"),
            guard=requires("message"),
            stops=RESPONSE_CLOCKS,
            starts=(green_preapproval,),
        ),
        Transition(
            "in_progress",
            "ask_customer",
            "waiting_customer",
            "cases.handle_ticket",
            _("Ask the customer"),
            guard=requires("message"),
            pauses=SOLUTION_CLOCKS,
        ),
        Transition(
            "waiting_customer",
            "customer_replied",
            "in_progress",
            "cases.handle_ticket",
            _("Customer replied"),
            resumes=SOLUTION_CLOCKS,
        ),
        Transition(
            "new",
            "resolve",
            "resolved",
            "cases.handle_ticket",
            _("Resolve"),
            guard=requires("resolution"),
            stops=RESPONSE_CLOCKS + SOLUTION_CLOCKS,
        ),
        Transition(
            "in_progress",
            "resolve",
            "resolved",
            "cases.handle_ticket",
            _("Resolve"),
            guard=requires("resolution"),
            stops=RESPONSE_CLOCKS + SOLUTION_CLOCKS,
        ),
        Transition("resolved", "reopen", "in_progress", "cases.handle_ticket", _("Reopen")),
        Transition("resolved", "close", "closed", "cases.handle_ticket", _("Close")),
    ),
)

REQUEST_STATES = {
    "submitted": _("Submitted"),
    "reviewing": _("Reviewing"),
    "approved": _("Approved"),
    "declined": _("Declined"),
    "withdrawn": _("Withdrawn"),
}
REQUEST_FINAL = frozenset({"approved", "declined", "withdrawn"})


def _request_workflow(kind: Kind, permission: str) -> Workflow:
    return Workflow(
        kind=kind,
        initial="submitted",
        states=REQUEST_STATES,
        final=REQUEST_FINAL,
        transitions=(
            Transition("submitted", "review", "reviewing", permission, _("Start review")),
            Transition("reviewing", "approve", "approved", permission, _("Approve")),
            Transition(
                "reviewing",
                "decline",
                "declined",
                permission,
                _("Decline"),
                guard=requires("reason"),
            ),
            *_withdrawals(REQUEST_STATES, REQUEST_FINAL, permission),
        ),
    )


WORKFLOWS: dict[Kind, Workflow] = {
    Kind.CLAIM: CLAIM,
    Kind.TICKET: TICKET,
    Kind.POLICY_SERVICE: _request_workflow(Kind.POLICY_SERVICE, "cases.handle_policy_service"),
    Kind.UNDERWRITING: _request_workflow(Kind.UNDERWRITING, "cases.decide_underwriting"),
}


def workflow(kind: str) -> Workflow:
    return WORKFLOWS[Kind(kind)]


def resolve_clocks(specs: tuple[ClockSpec, ...], case: Any, data: Mapping[str, Any]) -> list[str]:
    """Rule codes named by ``specs`` for this case and action (choosers may name none)."""
    codes = []
    for spec in specs:
        code = spec if isinstance(spec, str) else spec(case, data)
        if code:
            codes.append(code)
    return codes


# --- clock milestones -----------------------------------------------------------------------


def milestone_offset(budget_fraction_percent: int, budget, consumed):
    """Counted time still to run, from now, until ``percent`` of ``budget`` is used.

    Negative when the milestone has already passed.
    """
    return budget * budget_fraction_percent / 100 - consumed
