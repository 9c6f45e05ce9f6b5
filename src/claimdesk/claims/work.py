"""What is due on a claim, for the work queues (``cases.worklist``).

The owner of a claim is told the next step of its stage; an adjuster's review task asks for a
decision to propose; an approval task asks for a signature only from someone who may give
it: never the proposer, and the last signature only within the approver's limit (else the
row says it goes up). One query for all the task rows, however many; none for owned claims.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claimdesk.cases.worklist import CASE, WorkRow, register_describer, row_link
from claimdesk.claims.models import ClaimDecision, Decision, DecisionStage, DecisionStatus
from claimdesk.claims.rules import approval_refusal
from claimdesk.claims.services.decisions import approval_limit
from claimdesk.claims.workflow import KIND, ClaimState

REVIEW_TASK = "review"
APPROVAL_TASK = "approve_decision"
INTERIM_TASK = "interim_payment"

S = ClaimState
# What the owner of a claim does next, by its stage.
OWNER_NEXT = {
    S.REPORTED: gettext_lazy("Contact the customer"),
    S.REVIEWING: gettext_lazy("Review the materials"),
    S.AWAITING_MATERIALS: gettext_lazy("Wait for the supplementary materials"),
    S.INVESTIGATING: gettext_lazy("Follow the survey"),
    S.ADJUDICATING: gettext_lazy("Follow the adjudication"),
    S.PAYING: gettext_lazy("Follow the payment"),
    S.REJECTED: gettext_lazy("Send the rejection notice"),
    S.CLOSED: gettext_lazy("Follow up with the customer"),
}


def _link(row: WorkRow) -> str:
    """The owner works the claim's steps on the case page (as before); the adjuster's
    review and approvals are on the claim's page (calculation, red flags, decision)."""
    page = "web:case_detail" if row.source == CASE else "web:claim_detail"
    return row_link(page, row.number)


def claim_work(rows: list[WorkRow], user: Any) -> list[WorkRow]:
    """Fill what is due on claim rows; drop approvals this ``user`` may not give."""
    tasks = {r.case_id for r in rows if r.source != CASE}
    pending = (
        {
            d.claim_id: d
            for d in ClaimDecision.objects.filter(claim_id__in=tasks, status=DecisionStatus.PENDING)
            .select_related("proposed_by")
            .prefetch_related("approvals")
        }
        if tasks  # the owner's own claims need no decision: no query, no queryset built
        else {}
    )
    approvals = any(r.kind == APPROVAL_TASK for r in rows)
    limit = approval_limit(user) if approvals and user is not None else None
    owner_next = {str(state): str(label) for state, label in OWNER_NEXT.items()}  # once a list
    kept = []
    for row in rows:
        row.link = _link(row)
        decision = pending.get(row.case_id)
        if row.source == CASE:
            row.what = owner_next.get(row.status) or row.case_status_label
        elif row.kind == REVIEW_TASK:
            if decision is not None:
                row.what = _("Decision awaiting approval")
            else:
                row.what = _("Propose the claim decision")
        elif row.kind == APPROVAL_TASK:
            if decision is None:
                continue  # nothing left to sign (withdrawn or applied meanwhile)
            row.escalated = row.escalated or decision.escalated_to_id is not None
            if user is not None and decision.proposed_by_id == user.pk:
                continue  # four eyes: nobody approves their own proposal
            already = [str(a.approver_id) for a in decision.approvals.all()]
            refusal = user is not None and approval_refusal(
                amount=decision.amount,
                approver=str(user.pk),
                proposer=str(decision.proposed_by_id),
                limit=limit,
                already=already,
                final=len(already) + 1 >= decision.approvals_required,
            )
            amount = {"amount": decision.amount}
            if refusal and refusal.above_limit:
                row.what = _("Above your limit: pass on the decision (¥%(amount)s)") % amount
            elif refusal:
                continue
            elif decision.stage == DecisionStage.INTERIM:
                row.what = _("Approve the interim payment (¥%(amount)s)") % amount
            elif decision.decision == Decision.REJECT:
                row.what = _("Approve the rejection")
            else:
                row.what = _("Approve the claim decision (¥%(amount)s)") % amount
        elif row.kind == INTERIM_TASK:
            row.what = _("Propose the interim payment of the amount already fixed")
        kept.append(row)
    return kept


def register() -> None:
    register_describer(
        claim_work, case_kinds=(KIND,), task_kinds=(REVIEW_TASK, APPROVAL_TASK, INTERIM_TASK)
    )
