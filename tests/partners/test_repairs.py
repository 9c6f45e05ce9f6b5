"""A repair shop's repair of a reported claim: its dispute of the assessment goes to the
investigation's repair objection on the 24-hour re-check clock; a repair past the date
agreed with the customer becomes the owner's task to offer a courtesy car."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from claimdesk.cases.models import CaseEvent, Task
from claimdesk.investigation.models import RepairObjection
from claimdesk.investigation.services import survey_report_submit
from claimdesk.partners.tasks import partners_sweep
from tests.e2e.field_data import claim_under_survey
from tests.partners.conftest import T0, as_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def surveyed(customer1, agent1, surveyor1, products):
    """customer1's auto claim with surveyor1 on site (assessment not reported yet)."""
    return claim_under_survey(customer=customer1, agent=agent1, surveyor=surveyor1)


def repair(api, claim_no: str, agreed: str):
    body = {
        "policy_no": "AUT202600001",
        "name": "张伟",
        "service": "vehicle-damage",
        "amount": "3200",
        "claim_no": claim_no,
        "agreed_repair_date": agreed,
    }
    return api.post("/preauthorisations", body)


def dispute(api, claim_no: str):
    body = {
        "claim_no": claim_no,
        "text": "工时费偏低，配件价格未按原厂件计",
        "amount_claimed": "3800",
    }
    return api.post("/partner/disputes", body)


def test_a_repair_shops_dispute_is_rechecked_within_24_hours(partners, surveyed, surveyor1):
    garage = as_user(partners["garage1"].user)
    number = surveyed.claim.number
    assert dispute(garage, number).status_code == 404  # not a claim the shop repairs
    r = repair(garage, number, "2026-10-03")
    assert r.status_code == 201, r.content
    assert dispute(garage, number).status_code == 409  # nothing assessed to dispute yet
    survey_report_submit(
        survey=surveyed,
        actor=surveyor1,
        now=T0,
        findings="后保险杠破损，左尾灯碎裂",
        assessed_loss=Decimal("3200"),
        method="配件 2400 元，工时 800 元",
    )
    r = dispute(garage, number)
    assert r.status_code == 201, r.content
    assert r.json()["recheck_due_at"].startswith("2026-10-01T10:00")  # 24 hours on
    objection = RepairObjection.objects.get()
    assert objection.shop == partners["garage1"].organisation.name
    assert objection.deadline.rule.code == "repair_recheck"
    # A hospital disputes no assessment.
    assert dispute(as_user(partners["hospital1"].user), number).status_code == 403


def test_a_repair_past_its_agreed_date_asks_the_owner_to_offer_a_courtesy_car(
    partners, surveyed, frozen, agent1
):
    garage = as_user(partners["garage1"].user)
    claim = surveyed.claim
    assert repair(garage, claim.number, "2026-10-03").status_code == 201
    frozen.move_to(T0 + timedelta(days=3))  # 3 October: the agreed day itself
    assert partners_sweep() == 0
    frozen.move_to(T0 + timedelta(days=4))
    assert partners_sweep() == 1
    task = Task.objects.get(case=claim.case, kind="courtesy_car")
    assert task.assignee == claim.case.owner == agent1
    assert "2026-10-03" in task.title
    assert CaseEvent.objects.filter(case=claim.case, kind="repair_overdue").count() == 1
    assert partners_sweep() == 0  # offered once
    assert Task.objects.filter(kind="courtesy_car").count() == 1


def test_only_a_repair_shop_agrees_a_repair_date(partners, surveyed):
    hospital = as_user(partners["hospital1"].user)
    body = {
        "policy_no": "AUT202600001",
        "name": "张伟",
        "service": "vehicle-damage",
        "amount": "3200",
        "claim_no": surveyed.claim.number,
        "agreed_repair_date": "2026-10-03",
    }
    assert hospital.post("/preauthorisations", body).status_code == 400
