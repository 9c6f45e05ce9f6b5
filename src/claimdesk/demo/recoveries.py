"""Recoveries on paid motor and property claims, one in each state of their workflow, through
the real services: one in progress (demand letter sent, 60 % received), one just opened, one
salvage recovered in full, one closed short of the amount."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from claimdesk.claims.models import Claim
from claimdesk.demo.people import People
from claimdesk.recoveries.models import Recovery
from claimdesk.recoveries.services import (
    recovery_close,
    recovery_letter,
    recovery_open,
    recovery_receive,
)
from claimdesk.workdays.clocks import to_local

INSURER = "中国太平洋财产保险股份有限公司上海分公司"
INSURER_ADDRESS = "上海市浦东新区银城中路190号 理赔追偿部"


def _receive(recovery: Recovery, share: str, at: datetime, actor, n: int) -> None:
    amount = (recovery.expected_amount * Decimal(share)).quantize(Decimal("0.01"))
    recovery_receive(
        recovery=recovery,
        amount=amount,
        reference=f"RC{to_local(at):%Y%m%d}{n:04d}",
        received_on=to_local(at).date(),
        actor=actor,
        now=at,
    )


def recoveries_create(people: People, now: datetime) -> int:
    """Four recoveries on the latest paid motor and property claims decided at least 20 days
    ago (fewer if the book has fewer)."""
    claims = list(
        Claim.objects.filter(
            loss_type__in=("auto", "property"),
            decision="approve",
            approved_amount__gte=2000,
            decided_at__lte=now - timedelta(days=20),
            case__status__in=("closed", "followed_up"),
        )
        .select_related("case")
        .order_by("-decided_at")[:4]
    )
    manager = people["manager1"]
    for n, claim in enumerate(claims):
        assert claim.decided_at is not None and claim.approved_amount is not None
        opened = claim.decided_at + timedelta(days=1)
        salvage = n == 1
        recovery = recovery_open(
            claim=claim,
            kind="salvage" if salvage else "subrogation",
            counterparty="上海残值拍卖有限公司" if salvage else INSURER,
            contact="" if salvage else INSURER_ADDRESS,
            expected=(claim.approved_amount * Decimal("0.15" if salvage else "1")).quantize(
                Decimal("0.01")
            ),
            basis="受损标的残值按拍卖成交价回收"
            if salvage
            else "交警事故认定书：对方车辆追尾，负事故全部责任",
            actor=manager,
            now=now - timedelta(days=2) if n == 3 else opened,
        )
        if n == 3:
            continue  # just opened: the demand letter is due within 10 working days
        recovery_letter(recovery=recovery, actor=manager, now=opened + timedelta(days=2))
        received = opened + timedelta(days=14)
        if n == 0:  # in progress: part received, the rest awaited
            _receive(recovery, "0.6", received, manager, n)
        elif n == 1:  # salvage sold: received in full, settled
            _receive(recovery, "1", received, manager, n)
        else:  # the other side pays part and cannot pay more: closed with the reason
            _receive(recovery, "0.3", received, manager, n)
            recovery_close(
                recovery=recovery,
                reason="对方经济困难，经协商按30%一次性结清",
                actor=manager,
                now=received + timedelta(days=1),
            )
    return len(claims)
