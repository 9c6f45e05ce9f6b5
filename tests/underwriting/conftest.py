"""Underwriters with authority bands and certificates, and applications built through the
real services."""

from datetime import date
from decimal import Decimal

import pytest

from claimdesk.staff.roles import Role
from claimdesk.staff.services import certification_grant, user_create
from claimdesk.underwriting import services
from tests.conftest import PASSWORD, at

T0 = at("2026-10-12 10:00")  # a Monday with no holiday around it


def underwriter_with_authority(username: str, limit: str, grade: int, manager=None):
    user = user_create(
        username=username,
        password=PASSWORD,
        role=Role.UNDERWRITER,
        first_name=username,
        manager=manager,
        team="核保组",
    )
    certification_grant(
        user=user,
        code=services.CERTIFICATE,
        name="核保资格",
        issued_on=date(2025, 1, 1),
        expires_on=date(2028, 12, 31),
    )
    services.grant_authority(user=user, max_sum_insured=Decimal(limit), grade=grade)
    return user


@pytest.fixture
def chief_uw(db, manager1):
    return underwriter_with_authority("chief_uw", "5000000", 3, manager=manager1)


@pytest.fixture
def senior_uw(db, chief_uw):
    return underwriter_with_authority("senior_uw", "1500000", 2, manager=chief_uw)


@pytest.fixture
def junior_uw(db, senior_uw):
    return underwriter_with_authority("junior_uw", "300000", 1, manager=senior_uw)


def application_input(**overrides) -> services.ApplicationInput:
    values = {
        "product_code": "ci-guard",
        "sum_insured": Decimal("200000"),
        "standard_premium": Decimal("3456.78"),
        "insured_name": "张三",
        "insured_id_number": "310101199001011234",
        "insured_birth_date": date(1990, 1, 1),
        "occupation": "软件工程师",
        "occupation_class": 1,
        "health_answers": {
            "hospitalised": False,
            "chronic": False,
            "abnormal_exam": False,
            "medication": False,
            "declined_before": False,
        },
        "health_details": "",
    }
    values.update(overrides)
    return services.ApplicationInput(**values)


def submit(customer, now=T0, **overrides):
    return services.application_submit(
        data=application_input(**overrides), customer=customer, actor=customer, now=now
    )


def declared_chronic(details: str = "2019年诊断高血压，服药控制良好") -> dict:
    return {
        "health_answers": {
            "hospitalised": False,
            "chronic": True,
            "abnormal_exam": False,
            "medication": True,
            "declined_before": False,
        },
        "health_details": details,
    }
