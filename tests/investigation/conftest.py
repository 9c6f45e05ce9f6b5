"""Investigation fixtures: claims reported through the intake service, documents with OCR
or confirmed fields, surveyors with regions and certificates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from claimdesk.claims.services import claim_report
from claimdesk.documents.models import Document
from claimdesk.policies.demo import demo_policy
from claimdesk.staff.roles import Role
from claimdesk.staff.services import certification_grant, user_create
from tests.claims.conftest import (  # noqa: F401  (fixtures)
    T0,
    auto_policy,
    ci_policy,
    claims_api,
    frozen,
    report,
)
from tests.conftest import PASSWORD


@pytest.fixture
def make_claim(agent1):
    """``make_claim(policy_no=..., **report fields)`` → a claim reported by customer1 at T0."""

    def make(reporter, now=T0, **extra):
        data = report(**extra)
        data["loss_time"] = datetime.fromisoformat(data["loss_time"])
        return claim_report(reporter=reporter, report=data, channel="portal", now=now).claim

    return make


@pytest.fixture
def nev_policy(products, customer1):
    policy = demo_policy(
        number="PNEV0001",
        holder=customer1,
        line="auto",
        start=date(2026, 3, 1),
        insured_name="张三",
        plate="沪AD12345",
        products=products,
    )
    policy.new_energy_vehicle = True
    policy.save(update_fields=["new_energy_vehicle"])
    return policy


def make_document(claim, *, n: int, kind: str = "", text: str = "", ocr=None, confirmed=None):
    return Document.objects.create(
        claim=claim,
        kind=kind,
        original_name=f"doc{n}.png",
        file=f"documents/test/{n}.png",
        content_type="image/png",
        size=1,
        sha256=f"{n:064d}",
        uploaded_by=claim.reporter,
        uploaded_at=T0,
        ocr_status="done",
        ocr_text=text,
        ocr_fields=ocr or {},
        confirmed_fields=confirmed,
    )


@pytest.fixture
def surveyor(manager1):
    """``surveyor(name, region="上海", nev=None|"valid"|"expired")``."""

    def make(name: str, region: str = "上海", nev: str | None = None):
        user = user_create(
            username=name, password=PASSWORD, role=Role.SURVEYOR, manager=manager1, region=region
        )
        certification_grant(
            user=user,
            code="surveyor",
            name="查勘定损资格",
            issued_on=date(2020, 1, 1),
            expires_on=date(2035, 12, 31),
        )
        if nev == "valid":
            certification_grant(
                user=user,
                code="nev",
                name="新能源汽车查勘证书",
                issued_on=date(2025, 1, 1),
                expires_on=date(2027, 12, 31),
            )
        elif nev == "expired":
            certification_grant(
                user=user,
                code="nev",
                name="新能源汽车查勘证书",
                issued_on=date(2024, 1, 1),
                expires_on=date(2026, 9, 29),
            )
        return user

    return make


MONEY = Decimal("0.01")
