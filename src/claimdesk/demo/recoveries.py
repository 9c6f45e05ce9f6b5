"""One recovery in progress: the third party's insurer owes for a paid motor claim; the demand
letter went out and part of the amount came back (through the real services)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from claimdesk.claims.models import Claim
from claimdesk.demo.people import People
from claimdesk.recoveries.services import recovery_letter, recovery_open, recovery_receive
from claimdesk.workdays.clocks import to_local

COUNTERPARTY = "中国太平洋财产保险股份有限公司上海分公司"


def recoveries_create(people: People, now: datetime) -> int:
    """Open a subrogation on the latest motor claim paid at least 20 days ago: the demand
    letter two days later, 60 % received twelve days after that; the rest is awaited."""
    claim = (
        Claim.objects.filter(
            loss_type="auto",
            decision="approve",
            approved_amount__gte=2000,
            decided_at__lte=now - timedelta(days=20),
            case__status__in=("closed", "followed_up"),
        )
        .select_related("case")
        .order_by("-decided_at")
        .first()
    )
    if claim is None or claim.decided_at is None:
        return 0
    manager = people["manager1"]
    opened = claim.decided_at + timedelta(days=1)
    expected = claim.approved_amount or Decimal(0)
    recovery = recovery_open(
        claim=claim,
        kind="subrogation",
        counterparty=COUNTERPARTY,
        contact="上海市浦东新区银城中路190号 理赔追偿部",
        expected=expected,
        basis="交警事故认定书：对方车辆追尾，负事故全部责任",
        actor=manager,
        now=opened,
    )
    recovery_letter(recovery=recovery, actor=manager, now=opened + timedelta(days=2))
    received = opened + timedelta(days=14)
    recovery_receive(
        recovery=recovery,
        amount=(expected * Decimal("0.6")).quantize(Decimal("0.01")),
        reference=f"CPIC{to_local(received):%Y%m%d}0001",
        received_on=to_local(received).date(),
        actor=manager,
        now=received,
    )
    return 1
