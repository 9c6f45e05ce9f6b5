"""Events between servicing and underwriting, which are sibling apps and may not import each
other: a servicing request that changes the risk (an increase of the sum insured) asks
underwriting for a decision, and underwriting answers with its decision. Both publish through
the kernel's ``cases.events.publish`` and subscribe in their app's ``ready``; the handlers
run in the publishing transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


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
