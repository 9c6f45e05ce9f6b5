"""The recovery's workflow: 立案 → 发函追偿 → 追回 / 结案.

Its own kind of case, registered with the kernel like claims and tickets: a recovery has its
own owner, clocks, tasks and timeline and often outlives the claim it recovers for (the
claim is paid and closed; the third party's insurer pays months later). The first demand
letter is due within 10 working days of opening (``recovery_demand``); the recovery as a
whole within 180 days (``recovery``); admins tune both as SLA rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Sum, TextChoices
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from claimdesk.cases.workflow import SlaDefault, Transition, Workflow, requires
from claimdesk.workdays.clocks import Unit

KIND = "recovery"
PERMISSION = "recoveries.handle_recovery"
DEMAND_RULE = "recovery_demand"
RECOVERY_RULE = "recovery"


class RecoveryState(TextChoices):
    OPEN = "open", _("Awaiting the demand letter")
    DEMANDED = "demanded", _("Demand sent")
    RECOVERED = "recovered", _("Recovered in full")
    CLOSED = "closed", _("Closed")


S = RecoveryState
FINAL = frozenset({S.RECOVERED, S.CLOSED})
CLOCKS = (DEMAND_RULE, RECOVERY_RULE)


def received_in_full(case: Any, transition: Transition, data: Mapping[str, Any]) -> str | None:
    """A recovery is settled only when what was received reaches what was expected (else
    it is closed, with a reason, for what it brought)."""
    if transition.action != "settle":
        return None
    recovery = getattr(case, "recovery", None)
    if recovery is None:
        return None
    received = recovery.receipts.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    if received < recovery.expected_amount:
        return gettext("%(received)s received of %(expected)s: not yet in full.") % {
            "received": received,
            "expected": recovery.expected_amount,
        }
    return None


def letter_issued(case: Any, transition: Transition, data: Mapping[str, Any]) -> str | None:
    """The demand step is taken by issuing a demand letter (through the compliance gate)."""
    if transition.action != "demand":
        return None
    recovery = getattr(case, "recovery", None)
    letter = str(data.get("letter", ""))
    if recovery is None or (letter.isdigit() and recovery.letters.filter(pk=letter).exists()):
        return None
    return gettext("A demand is made by issuing its letter.")


SLA_RULES = (
    SlaDefault(
        DEMAND_RULE,
        _("First demand letter of a recovery"),
        Unit.WORKING_DAYS,
        Decimal(10),
        "立案后10个工作日内向责任方发出追偿函",
    ),
    SlaDefault(
        RECOVERY_RULE,
        _("Conclude a recovery"),
        Unit.CALENDAR_DAYS,
        Decimal(180),
        "追偿案件立案后180日内追回或结案",
    ),
)

WORKFLOW = Workflow(
    kind=KIND,
    label=_("Recovery"),
    number_prefix="RC",
    states=RecoveryState,
    initial=S.OPEN,
    final=FINAL,
    opening_clocks=CLOCKS,
    checks=(received_in_full, letter_issued),
    sla_rules=SLA_RULES,
    transitions=(
        Transition(S.OPEN, "demand", S.DEMANDED, PERMISSION, _("Send the demand letter"),
                   stops=(DEMAND_RULE,), customer_visible=False),
        Transition(S.OPEN, "settle", S.RECOVERED, PERMISSION, _("Recovered in full"),
                   stops=CLOCKS, customer_visible=False),
        Transition(S.DEMANDED, "settle", S.RECOVERED, PERMISSION, _("Recovered in full"),
                   stops=CLOCKS, customer_visible=False),
        Transition(S.OPEN, "close", S.CLOSED, PERMISSION, _("Close the recovery"),
                   guard=requires("reason"), stops=CLOCKS, customer_visible=False),
        Transition(S.DEMANDED, "close", S.CLOSED, PERMISSION, _("Close the recovery"),
                   guard=requires("reason"), stops=CLOCKS, customer_visible=False),
    ),
)  # fmt: skip
