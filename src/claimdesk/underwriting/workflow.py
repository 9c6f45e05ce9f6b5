"""The underwriting application's workflow (核保): submitted → reviewing ⇄ 问题件 → decided.

The ``uw_decision`` clock runs from submission (3 working days of complete information); the
services pause it while a 问题件 is open and resume it on the last answer (cases' clock
services). Every deciding step applies a decision that has its signatures, so the plain
transition endpoint cannot skip the authority or the four eyes.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from claimdesk.cases.workflow import SlaDefault, Transition, Workflow, withdrawals
from claimdesk.underwriting.models import DecisionStatus, UnderwritingDecision, UnderwritingQuery
from claimdesk.underwriting.rules import Outcome
from claimdesk.workdays.clocks import Unit

UNDERWRITING = "underwriting"
KIND = UNDERWRITING
DECIDE = "policies.decide_underwriting"


class ApplicationState(TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    REVIEWING = "reviewing", _("Underwriting review")
    AWAITING_ANSWER = "awaiting_answer", _("Waiting for the applicant's answer")
    ACCEPTED = "accepted", _("Accepted")
    POSTPONED = "postponed", _("Postponed")
    DECLINED = "declined", pgettext_lazy("underwriting", "Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = ApplicationState
FINAL = frozenset({S.ACCEPTED, S.POSTPONED, S.DECLINED, S.WITHDRAWN})
OPEN_FOR_DECISION = (S.SUBMITTED, S.REVIEWING)
# Each decision's step and the state it leads to.
DECISION_TARGETS: Mapping[str, str] = {
    Outcome.ACCEPT: S.ACCEPTED,
    Outcome.ACCEPT_RATED: S.ACCEPTED,
    Outcome.ACCEPT_EXCLUSION: S.ACCEPTED,
    Outcome.POSTPONE: S.POSTPONED,
    Outcome.DECLINE: S.DECLINED,
}
DECISION_LABELS: Mapping[str, Any] = {
    Outcome.ACCEPT: _("Accept"),
    Outcome.ACCEPT_RATED: _("Accept with an extra premium"),
    Outcome.ACCEPT_EXCLUSION: _("Accept with an exclusion"),
    Outcome.POSTPONE: _("Postpone"),
    Outcome.DECLINE: pgettext_lazy("underwriting", "Decline"),
}
UW_CLOCK = "uw_decision"


def decided_by_signed_decision(
    case: Any, transition: Transition, data: Mapping[str, Any]
) -> str | None:
    """A deciding step applies a decision of its outcome that has every signature it needs."""
    if transition.action not in DECISION_TARGETS:
        return None
    ref = str(data.get("decision", ""))
    decision = (
        UnderwritingDecision.objects.filter(
            pk=ref, application_id=case.pk, outcome=transition.action, status=DecisionStatus.PENDING
        ).first()
        if ref.isdigit()
        else None
    )
    signed = decision is not None and (
        decision.automatic or decision.signatures.count() >= decision.signatures_required
    )
    if not signed:
        return gettext("Applications are decided through the decision form, within authority.")
    return None


def queries_step_with_their_record(
    case: Any, transition: Transition, data: Mapping[str, Any]
) -> str | None:
    """Raising or answering a 问题件 is done with its record (and its clock), never bare."""
    if transition.action not in ("raise_query", "answered"):
        return None
    ref = str(data.get("query", ""))
    if (
        not ref.isdigit()
        or not UnderwritingQuery.objects.filter(pk=ref, application_id=case.pk).exists()
    ):
        return gettext("A question to the applicant is raised and answered on its own form.")
    return None


SLA_RULES = (
    SlaDefault(
        UW_CLOCK,
        _("Underwriting decision"),
        Unit.WORKING_DAYS,
        Decimal(3),
        "资料齐全后3个工作日内作出核保结论（问题件待回复期间暂停）",
    ),
)

WORKFLOW = Workflow(
    kind=UNDERWRITING,
    label=_("Underwriting"),
    number_prefix="UW",
    states=ApplicationState,
    initial=S.SUBMITTED,
    final=FINAL,
    opening_clocks=(UW_CLOCK,),
    checks=(decided_by_signed_decision, queries_step_with_their_record),
    sla_rules=SLA_RULES,
    transitions=(
        Transition(S.SUBMITTED, "review", S.REVIEWING, DECIDE, _("Start review")),
        Transition(S.SUBMITTED, "raise_query", S.AWAITING_ANSWER, DECIDE,
                   _("Ask the applicant a question")),
        Transition(S.REVIEWING, "raise_query", S.AWAITING_ANSWER, DECIDE,
                   _("Ask the applicant a question")),
        # The row is for staff: the owner's clock resumes on the applicant's word.
        Transition(S.AWAITING_ANSWER, "answered", S.REVIEWING, DECIDE,
                   _("Applicant answered")),
        *(
            Transition(source, outcome, target, DECIDE, DECISION_LABELS[outcome],
                       stops=(UW_CLOCK,))
            for source in OPEN_FOR_DECISION
            for outcome, target in DECISION_TARGETS.items()
        ),
        *withdrawals(ApplicationState, FINAL, DECIDE),
    ),
)  # fmt: skip
