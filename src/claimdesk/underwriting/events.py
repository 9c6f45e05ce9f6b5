"""The kinds of timeline line the underwriting app writes, each with its label (registered
with the kernel's timeline in ``apps.ready``)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class UnderwritingEventKind(TextChoices):
    APPLICATION_ROUTED = "uw_routed", _("Application routed by the underwriting rules")
    QUERY_RAISED = "uw_query_raised", _("Question to the applicant raised")
    QUERY_ANSWERED = "uw_query_answered", _("Applicant answered a question")
    DECISION_PROPOSED = "uw_decision_proposed", _("Underwriting decision proposed")
    DECISION_SIGNED = "uw_decision_signed", _("Underwriting decision signed")
    DECISION_ESCALATED = "uw_decision_escalated", _("Above authority: sent up for signature")
    DECIDED = "uw_decided", _("Underwriting decision")
    POLICY_ISSUED = "uw_policy_issued", _("Policy issued")


@dataclass(frozen=True)
class ApplicationDecided:
    """A signed decision became the application's (published at the end of the step, after
    the policy is issued on an acceptance): readers such as notices write its letter."""

    case: Any
    application: Any
    decision: Any
    actor: Any
    now: datetime
