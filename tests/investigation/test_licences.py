"""Certifications gate every licensed act of investigation: a survey needs the surveyor's
certificate (and the NEV one for a new-energy vehicle), its report needs them still valid,
an appraisal goes only to a licensed institution of the registry; an expired certificate
or licence stops the work with a clear error and tells the manager."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from claimdesk.cases.licences import LicenceLapsed
from claimdesk.cases.services import GuardFailed
from claimdesk.investigation import services
from claimdesk.investigation.models import AppraisalInstitution, AppraisalReferral, SurveyStatus
from claimdesk.notify.models import Notification
from claimdesk.staff.models import Certification
from claimdesk.staff.roles import Role
from claimdesk.staff.services import certification_grant, user_create
from tests.conftest import PASSWORD
from tests.investigation.conftest import T0

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def claim(auto_policy, customer1, make_claim):
    return make_claim(customer1)


def bare_surveyor(name: str, manager, *, nev: bool = False):
    """A surveyor account without the surveyor's certificate."""
    user = user_create(username=name, password=PASSWORD, role=Role.SURVEYOR, manager=manager)
    if nev:
        certification_grant(
            user=user,
            code="nev",
            name="新能源汽车查勘证书",
            issued_on=date(2025, 1, 1),
            expires_on=date(2027, 12, 31),
        )
    return user


def manager_notes(manager):
    return list(Notification.objects.filter(recipient=manager, kind="licence_expired"))


def test_survey_needs_the_surveyors_certificate(claim, agent1, manager1):
    person = bare_surveyor("s0", manager1)
    with pytest.raises(LicenceLapsed, match="holds no valid surveyor certificate"):
        services.survey_assign(claim=claim, actor=agent1, now=T0, surveyor=person)
    assert not claim.site_surveys.exists()
    assert manager_notes(manager1) == []  # never held one: nothing expired to report
    # Chosen automatically, nobody certified is nobody.
    with pytest.raises(GuardFailed, match="No surveyor with a valid surveyor certificate"):
        services.survey_assign(claim=claim, actor=agent1, now=T0)


def test_nev_survey_needs_both_certificates(nev_policy, customer1, make_claim, agent1, manager1):
    nev_claim = make_claim(customer1, policy_no="PNEV0001")
    only_nev = bare_surveyor("s_nev", manager1, nev=True)
    with pytest.raises(LicenceLapsed, match="surveyor certificate"):
        services.survey_assign(claim=nev_claim, actor=agent1, now=T0, surveyor=only_nev)
    with pytest.raises(GuardFailed, match="No surveyor"):
        services.survey_assign(claim=nev_claim, actor=agent1, now=T0)


def test_expired_surveyor_certificate_stops_the_survey_and_tells_the_manager(
    claim, agent1, manager1
):
    person = bare_surveyor("s_old", manager1)
    certification_grant(
        user=person,
        code="surveyor",
        name="查勘定损资格",
        issued_on=date(2023, 1, 1),
        expires_on=date(2026, 9, 29),  # the day before T0
    )
    with pytest.raises(LicenceLapsed, match="expired on 2026-09-29") as refused:
        services.survey_assign(claim=claim, actor=agent1, now=T0, surveyor=person)
    assert refused.value.details["manager_told"] == "manager1"
    assert "manager has been told" in str(refused.value)
    (note,) = manager_notes(manager1)
    assert "s_old" in note.subject and "2026-09-29" in note.body and claim.number in note.body
    assert note.case_id == claim.case_id
    assert not claim.site_surveys.exists()


def test_certificate_expiring_before_the_report_stops_the_report(claim, agent1, manager1):
    person = bare_surveyor("s_short", manager1)
    certification_grant(
        user=person,
        code="surveyor",
        name="查勘定损资格",
        issued_on=date(2024, 1, 1),
        expires_on=T0.date(),  # valid on the day of assignment, not the day after
    )
    survey = services.survey_assign(claim=claim, actor=agent1, now=T0, surveyor=person)
    with pytest.raises(LicenceLapsed, match="Survey report of"):
        services.survey_report_submit(
            survey=survey,
            actor=person,
            now=T0 + timedelta(days=1),
            findings="后保险杠破损",
            assessed_loss=Decimal("1800"),
            method="后保险杠更换 1800 元",
        )
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.ASSIGNED and survey.assessed_loss is None
    assert len(manager_notes(manager1)) == 1
    # Renewed, the same report goes through.
    Certification.objects.filter(user=person).update(expires_on=date(2030, 1, 1))
    done = services.survey_report_submit(
        survey=survey,
        actor=person,
        now=T0 + timedelta(days=1),
        findings="后保险杠破损",
        assessed_loss=Decimal("1800"),
        method="后保险杠更换 1800 元",
    )
    assert done.status == SurveyStatus.REPORTED


# --- appraisal institutions ------------------------------------------------------------------


@pytest.fixture
def registry():
    return {
        "licensed": AppraisalInstitution.objects.create(
            name="上海华东司法鉴定中心",
            region="上海",
            qualifications="disability",
            licence_no="沪司鉴001",
            licence_expires_on=date(2028, 12, 31),
        ),
        "lapsed": AppraisalInstitution.objects.create(
            name="上海市伤残鉴定所",
            region="上海",
            qualifications="disability",
            licence_no="沪司鉴002",
            licence_expires_on=date(2026, 6, 30),
        ),
    }


def test_rotation_passes_over_an_expired_licence(claim, registry):
    chosen = [
        services.appraisal_select(claim=claim, now=T0 + timedelta(minutes=i)).name for i in range(3)
    ]
    assert chosen == ["上海华东司法鉴定中心"] * 3


def test_named_institution_must_be_in_the_registry(claim, registry, agent1):
    with pytest.raises(GuardFailed, match="Only institutions of the appraisal registry"):
        services.appraisal_select(claim=claim, now=T0, actor=agent1, institution=999_999)
    chosen = services.appraisal_select(
        claim=claim, now=T0, actor=agent1, institution=registry["licensed"].pk
    )
    assert chosen == registry["licensed"]
    assert AppraisalReferral.objects.get(claim=claim).institution == registry["licensed"]


def test_named_institution_with_an_expired_licence_stops_and_tells_the_manager(
    claim, registry, agent1, manager1
):
    with pytest.raises(GuardFailed, match="expired on 2026-06-30") as refused:
        services.appraisal_select(
            claim=claim, now=T0, actor=agent1, institution=registry["lapsed"].pk
        )
    assert "manager has been told" in str(refused.value)
    (note,) = manager_notes(manager1)
    assert "上海市伤残鉴定所" in note.body and note.case_id == claim.case_id
    assert not AppraisalReferral.objects.exists()


def test_appraisal_api_takes_only_registry_institutions(
    frozen, claim, registry, agent1, customer1, claims_api
):
    url = f"/claims/{claim.number}/appraisals"
    r = claims_api(agent1).post(url, {"institution": 999_999})
    assert r.status_code == 400 and "registry" in r.json()["detail"]
    r = claims_api(agent1).post(url, {"institution": registry["lapsed"].pk})
    assert r.status_code == 400 and "2026-06-30" in r.json()["detail"]
    r = claims_api(agent1).post(url, {})
    assert r.status_code == 201
    assert (r.json()["institution"], r.json()["licence_no"]) == (
        "上海华东司法鉴定中心",
        "沪司鉴001",
    )
    assert claims_api(customer1).post(url, {}).status_code in (403, 404)
    assert AppraisalReferral.objects.filter(claim=claim).count() == 1
