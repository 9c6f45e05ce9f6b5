"""The surveyor's page (the way to the field report, the report, objections), the review include, the published
appraisal rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import Client

from claimdesk.investigation import services
from claimdesk.investigation.models import AppraisalInstitution, RepairObjection
from claimdesk.investigation.selectors import claim_review
from tests.conftest import PASSWORD
from tests.investigation.conftest import T0

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def login(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert c.login(username=user.username, password=PASSWORD)
    return c


@pytest.fixture
def survey(auto_policy, customer1, make_claim, agent1, surveyor):
    surveyor("s1")
    claim = make_claim(customer1, description="驾驶人醉酒后追尾")
    return services.survey_assign(claim=claim, actor=agent1, now=T0)


def test_survey_page_leads_to_the_field_report_then_shows_it(survey, agent1):
    c = login(survey.surveyor)
    url = f"/investigation/surveys/{survey.pk}/"
    page = c.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        'data-testid="field-report-link"' in html and 'data-testid="investigation-review"' in html
    )
    assert f"/investigation/surveys/{survey.pk}/report/" in html
    services.survey_report_submit(
        survey=survey,
        actor=survey.surveyor,
        now=T0,
        findings="后保险杠破损",
        assessed_loss=Decimal("2860.50"),
        method="更换保险杠",
    )
    html = c.get(url).content.decode()
    assert 'data-testid="field-report-link"' not in html and "¥2860.50" in html
    # The case owner records a repair shop's objection and its re-check on the same page.
    owner = login(agent1)
    owner.post(
        url, {"action": "objection", "shop": "浦东汽修厂", "text": "偏低", "amount_claimed": "3500"}
    )
    objection = RepairObjection.objects.get()
    owner.post(url, {"action": "resolve", "objection": objection.pk, "resolution": "维持"})
    objection.refresh_from_db()
    assert objection.status == "resolved"


def test_page_refused_to_others(survey, customer1, agent2):
    url = f"/investigation/surveys/{survey.pk}/"
    assert login(customer1).get(url).status_code == 404
    assert login(agent2).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_review_include_shows_flags_and_hits(survey):
    html = render_to_string("investigation/_review.html", {"review": claim_review(survey.claim)})
    assert 'data-term="醉酒"' in html and "责任免除" in html


def test_appraisal_rule_is_published():
    AppraisalInstitution.objects.create(
        name="上海甲司法鉴定所", region="上海", qualifications="disability"
    )
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/investigation/appraisal-rule/").content.decode()
    assert "上海甲司法鉴定所" in html and "least recently" in html


@pytest.mark.parametrize(
    "model",
    [
        "investigationsettings",
        "criticalillness",
        "exclusionterm",
        "appraisalinstitution",
        "survey",
        "repairobjection",
    ],
)
def test_admin_pages(model, survey, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    c = Client()
    c.force_login(admin)
    assert c.get(f"/admin/investigation/{model}/").status_code == 200
    if model not in ("survey", "repairobjection"):
        assert c.get(f"/admin/investigation/{model}/add/").status_code == 200


def test_admin_certifications(surveyor, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    surveyor("s1", nev="valid")
    c = Client()
    c.force_login(admin)
    for model in ("certification", "trainingrecord"):
        assert c.get(f"/admin/staff/{model}/").status_code == 200
        assert c.get(f"/admin/staff/{model}/add/").status_code == 200


def test_settings_refuse_unknown_loss_types():
    from django.core.exceptions import ValidationError

    from claimdesk.investigation.models import InvestigationSettings

    with pytest.raises(ValidationError):
        InvestigationSettings(online_loss_types="auto,boats").full_clean()
    InvestigationSettings(online_loss_types="auto, property").full_clean()
