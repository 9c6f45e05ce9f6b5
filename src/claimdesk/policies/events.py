"""Events about a policy that apps above ``policies`` publish and others act on, so that
neither imports the other (``cases.events.publish`` / ``subscribe``).

``PayoutDue``: a case owes money out of a policy (a surrender value, a policy loan, a
survival benefit) to an account. The servicing app publishes it when it approves such a
request; the payments app subscribes and puts the payment into its flow (instruction,
transfer, confirmation or failure, the finance queue, reconciliation). When the bank
confirms it, payments takes the case's ``confirm_payment`` step, so the case's own
workflow (its clock, its record of the payment) follows without payments knowing the kind.
"""

from __future__ import annotations

from dataclasses import dataclass
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
