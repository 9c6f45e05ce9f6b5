"""Service-desk fixtures: the claims helpers (policies, JSON client checked against the
OpenAPI schema, a frozen clock) and a ticket factory."""

from __future__ import annotations

import pytest

from claimdesk.service.services import ticket_open
from tests.claims.conftest import (  # noqa: F401  (fixtures)
    T0,
    auto_policy,
    ci_policy,
    claims_api,
    frozen,
    report,
)


@pytest.fixture
def open_ticket(agent1, customer1):
    """``open_ticket(category, **extra)``: agent1 takes customer1's call at T0 and owns it."""

    def make(category: str = "inquiry", *, now=T0, actor=None, customer=None, **extra):
        fields = {
            "subject": "理赔进度咨询",
            "body": "我的理赔到哪一步了？",
            "channel": "hotline",
            **extra,
        }
        return ticket_open(
            customer=customer or customer1,
            actor=actor or agent1,
            category=category,
            now=now,
            **fields,
        )

    return make


def claim_for(reporter, **extra):
    """A claim on customer1's policy reported through the claims service (hotline by staff)."""
    from claimdesk.claims.services import claim_report
    from tests.conftest import at

    fields = {**report(**extra), "loss_time": at("2026-09-29 18:00")}
    return claim_report(reporter=reporter, report=fields, channel="hotline", now=T0).claim
