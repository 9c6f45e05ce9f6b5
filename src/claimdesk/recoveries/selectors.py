"""Reading recoveries: a claim's, with what each brought."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from claimdesk.claims.models import Claim
from claimdesk.recoveries.models import Recovery
from claimdesk.recoveries.rules import recovery_rate


@dataclass(frozen=True)
class RecoveryRow:
    recovery: Recovery
    received: Decimal

    @property
    def rate(self) -> Decimal | None:
        return recovery_rate(self.recovery.expected_amount, self.received)


def claim_recoveries(claim: Claim) -> list[RecoveryRow]:
    rows = (
        Recovery.objects.filter(claim=claim)
        .select_related("case")
        .prefetch_related("letters")
        .annotate(got=Sum("receipts__amount"))
        .order_by("opened_at")
    )
    return [RecoveryRow(r, r.got or Decimal(0)) for r in rows]
