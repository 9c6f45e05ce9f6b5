"""A pre-authorisation holds room in the policy year: the calculator sees it as used by
others until the claim it was for uses it, or the sweep expires it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from claimdesk.claims.models import Claim
from claimdesk.partners.models import PreAuthorisation
from claimdesk.partners.tasks import partners_sweep
from tests.partners.conftest import ID_NUMBER, T0, as_user, discharge_bill
from tests.partners.test_direct_settlement import submit

pytestmark = pytest.mark.django_db


def remaining(api) -> tuple[Decimal, Decimal]:
    r = api.post(
        "/eligibility", {"id_number": ID_NUMBER, "service": "outpatient", "amount": "4000"}
    )
    assert r.status_code == 200, r.content
    return Decimal(r.json()["remaining_limit"]), Decimal(r.json()["estimated_payable"])


def preauthorise(api, amount: str, **extra):
    body = {"id_number": ID_NUMBER, "service": "outpatient", "amount": amount, **extra}
    return api.post("/preauthorisations", body)


def test_a_hold_narrows_what_others_are_paid_until_it_expires(hospital, policy, frozen):
    api = as_user(hospital.user)
    assert remaining(api) == (Decimal("5000"), Decimal("4000"))
    r = preauthorise(api, "3000", valid_days=30)
    assert r.status_code == 201, r.content
    assert Decimal(r.json()["amount_held"]) == Decimal("3000")
    assert r.json()["expires_at"].startswith("2026-10-30")
    # The outpatient limit of ¥5,000 has ¥2,000 left beside the hold: the calculator caps there.
    assert remaining(api) == (Decimal("2000"), Decimal("2000"))
    # A second hold sees the first: only what is left can be held.
    second = preauthorise(api, "2500")
    assert Decimal(second.json()["amount_held"]) == Decimal("2000")
    assert preauthorise(api, "100").status_code == 409  # nothing left to hold

    frozen.move_to(T0 + timedelta(days=31))
    assert partners_sweep() == 2
    assert set(PreAuthorisation.objects.values_list("status", flat=True)) == {"expired"}
    api = as_user(hospital.user)  # a new token: the first one's 30 days are over
    assert remaining(api) == (Decimal("5000"), Decimal("4000"))


def test_the_claim_a_hold_was_for_uses_it_and_is_paid_in_full(
    hospital, policy, django_capture_on_commit_callbacks
):
    api = as_user(hospital.user)
    reference = preauthorise(api, "2800").json()["reference"]
    assert remaining(api)[0] == Decimal("2200")
    r = submit(api, discharge_bill(preauthorisation=reference), django_capture_on_commit_callbacks)
    assert r.status_code == 201, r.content
    claim = Claim.objects.get(case__number=r.json()["claim_no"])
    assert claim.approved_amount == Decimal("2800.00")  # its own hold did not stand in its way
    assert PreAuthorisation.objects.get(reference=reference).status == "used"
    # The claim's reservation replaced the hold: ¥2,200 left, not less.
    assert remaining(api)[0] == Decimal("2200")


def test_a_hold_needs_cover_and_a_sane_period(hospital, policy):
    api = as_user(hospital.user)
    # Inpatient care of ¥2,800 lies under the ¥10,000 deductible: nothing to hold.
    r = api.post(
        "/preauthorisations", {"id_number": ID_NUMBER, "service": "inpatient", "amount": "2800"}
    )
    assert r.status_code == 409
    assert preauthorise(api, "100", valid_days=365).status_code == 422
    assert not PreAuthorisation.objects.exists()
