"""The workflow of policy-service requests (保全): reviewed, then approved or declined; its
own kind, number prefix and permission, registered with the kernel like claims and tickets.
Underwriting applications (核保) are the underwriting app's (``underwriting/workflow.py``).
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from claimdesk.cases.workflow import Transition, Workflow, requires, withdrawals

POLICY_SERVICE = "policy_service"


class RequestState(TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    REVIEWING = "reviewing", _("Reviewing")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = RequestState
FINAL = frozenset({S.APPROVED, S.DECLINED, S.WITHDRAWN})


def _request_workflow(kind: str, label: object, prefix: str, permission: str) -> Workflow:
    return Workflow(
        kind=kind,
        label=label,
        number_prefix=prefix,
        states=RequestState,
        initial=S.SUBMITTED,
        final=FINAL,
        transitions=(
            Transition(S.SUBMITTED, "review", S.REVIEWING, permission, _("Start review")),
            Transition(S.REVIEWING, "approve", S.APPROVED, permission, _("Approve")),
            Transition(
                S.REVIEWING,
                "decline",
                S.DECLINED,
                permission,
                _("Decline"),
                guard=requires("reason"),
            ),
            *withdrawals(RequestState, FINAL, permission),
        ),
    )


POLICY_SERVICE_WORKFLOW = _request_workflow(
    POLICY_SERVICE, _("Policy service"), "PS", "policies.handle_policy_service"
)
