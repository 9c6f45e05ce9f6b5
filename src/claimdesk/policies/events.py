"""Events about a policy that apps above ``policies`` publish and others act on, so that
neither imports the other (``cases.events.publish`` / ``subscribe``). The handlers run in the
publishing transaction.

``PayoutDue``: a case owes money out of a policy (a surrender value, a policy loan, a
survival benefit) to an account. The servicing app publishes it when it approves such a
request; the payments app subscribes and puts the payment into its flow (instruction,
transfer, confirmation or failure, the finance queue, reconciliation). When the bank
confirms it, payments takes the case's ``confirm_payment`` step, so the case's own
workflow (its clock, its record of the payment) follows without payments knowing the kind.

``RiskChangeRequested`` / ``RiskDecided``: servicing and underwriting are sibling apps and may
not import each other: a servicing request that changes the risk (an increase of the sum
insured) asks underwriting for a decision, and underwriting answers with its decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class PayoutDue:
    case: Any  # cases.Case, locked by the publisher
    policy: Any  # policies.Policy
    purpose: str  # "surrender", "loan", "survival" (payments' purposes)
    amount: Decimal
    account: Any  # policies.BankAccount: the payee
    actor: Any  # who approved it: the instruction's signature
    now: datetime


@dataclass(frozen=True)
class RiskChangeRequested:
    """A servicing request (``case``) asks to underwrite ``policy`` on a larger sum insured:
    the new total, the standard premium of the added part, the insured's declaration."""

    case: Any
    policy: Any
    sum_insured: Decimal
    standard_premium: Decimal
    health_answers: Mapping[str, bool]
    health_details: str
    occupation: str
    occupation_class: int
    actor: Any
    now: datetime


@dataclass(frozen=True)
class RiskDecided:
    """Underwriting decided on a servicing request's risk. ``case`` is the servicing request;
    ``premium`` the decided premium of the added part (None unless accepted)."""

    case: Any
    application: str
    outcome: str
    accepted: bool
    text: str
    reason: str
    premium: Decimal | None
    actor: Any
    now: datetime
    signers: list[str] = field(default_factory=list)
