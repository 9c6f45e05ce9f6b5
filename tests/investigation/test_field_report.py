"""The surveyor's field report: reached from the survey task, loss items summed into the
assessed loss, several photos and the on-site party's signature stored as documents of the
claim, the claim's assessment step taken, and nothing written when anything is wrong."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image, ImageDraw

from claimdesk.cases.models import CaseEvent, Task
from claimdesk.cases.services import case_transition
from claimdesk.claims.services import claim_item_set_state
from claimdesk.documents.models import Document
from claimdesk.investigation import rules, services
from claimdesk.investigation.models import SurveyLossItem
from claimdesk.notices.models import Notice
from tests.conftest import PASSWORD
from tests.investigation.conftest import T0

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def picture(color: str, fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, fmt)
    return out.getvalue()


def signature_png(*, signed: bool = True) -> bytes:
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    if signed:
        ImageDraw.Draw(image).line(
            [(20, 80), (120, 30), (200, 90), (280, 40)], fill="black", width=4
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def login(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert c.login(username=user.username, password=PASSWORD)
    return c


@pytest.fixture
def investigating(auto_policy, customer1, make_claim, agent1):
    """A claim whose core materials are accepted and that the owner sent to investigation."""
    claim = make_claim(customer1)
    case_transition(case=claim.case, action="contact", actor=agent1, now=T0)
    for item in claim.items.filter(core=True):
        claim_item_set_state(item=item, state="received", actor=customer1, now=T0)
        claim_item_set_state(item=item, state="accepted", actor=agent1, now=T0)
    case_transition(case=claim.case, action="send_to_investigation", actor=agent1, now=T0)
    claim.refresh_from_db()
    return claim


@pytest.fixture
def survey(investigating, agent1, surveyor):
    surveyor("s1")
    return services.survey_assign(claim=investigating, actor=agent1, now=T0)


def form_data(**extra):
    data = {
        "findings": "后保险杠破损，左尾灯碎裂，与报案描述一致",
        "note": "残值已扣除",
        "signer_name": "张伟",
        "signature": data_url(signature_png()),
        "loss-TOTAL_FORMS": "2",
        "loss-INITIAL_FORMS": "0",
        "loss-MIN_NUM_FORMS": "1",
        "loss-MAX_NUM_FORMS": "30",
        "loss-0-description": "后保险杠",
        "loss-0-quantity": "1",
        "loss-0-amount": "1800",
        "loss-1-description": "左尾灯",
        "loss-1-quantity": "2",
        "loss-1-amount": "760.50",
        "photos": [
            SimpleUploadedFile("现场1.jpg", picture("red"), "image/jpeg"),
            SimpleUploadedFile("现场2.jpg", picture("blue"), "image/jpeg"),
            SimpleUploadedFile("现场3.png", picture("green", "PNG"), "image/png"),
        ],
    }
    data.update(extra)
    return data


def nothing_written(survey, case_status="investigating"):
    survey.refresh_from_db()
    survey.claim.case.refresh_from_db()
    return (
        survey.status == "assigned"
        and survey.signature is None
        and not SurveyLossItem.objects.exists()
        and not Document.objects.filter(claim=survey.claim).exists()
        and survey.claim.case.status == case_status
        and Task.objects.get(pk=survey.task_id).status == "open"
    )


def test_the_survey_task_leads_to_the_field_report(survey):
    c = login(survey.surveyor)
    report_url = f"/investigation/surveys/{survey.pk}/report/"
    for page in (f"/cases/{survey.claim.number}/", f"/claims/{survey.claim.number}/"):
        html = c.get(page).content.decode()
        assert 'data-testid="field-report-link"' in html and report_url in html
    # The bare "loss assessment done" button gives way to the report on the task page.
    assert (
        'data-action="assessment_done"'
        not in c.get(f"/cases/{survey.claim.number}/").content.decode()
    )
    page = c.get(report_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'type="file"' in html and "multiple" in html and "signature-pad" in html
    assert "填写查勘报告" in c.get(f"/investigation/surveys/{survey.pk}/").content.decode()


def test_the_owner_sees_no_report_link(survey, agent1):
    html = login(agent1).get(f"/cases/{survey.claim.number}/").content.decode()
    assert 'data-testid="field-report-link"' not in html
    assert login(agent1).get(f"/investigation/surveys/{survey.pk}/report/").status_code == 403


def test_surveyor_files_the_report_from_the_phone(survey, customer1):
    c = login(survey.surveyor)
    r = c.post(f"/investigation/surveys/{survey.pk}/report/", form_data())
    assert r.status_code == 302 and r["Location"] == f"/investigation/surveys/{survey.pk}/"
    survey.refresh_from_db()
    assert survey.status == "reported"
    assert survey.assessed_loss == Decimal("2560.50")
    assert [(i.description, i.quantity, i.amount) for i in survey.loss_items.all()] == [
        ("后保险杠", Decimal("1"), Decimal("1800.00")),
        ("左尾灯", Decimal("2"), Decimal("760.50")),
    ]
    assert "后保险杠 × 1：¥1800.00" in survey.method and "左尾灯 × 2：¥760.50" in survey.method
    assert "合计 ¥2560.50" in survey.method and survey.method.endswith("残值已扣除")
    photos = sorted(p.original_name for p in survey.photos.all())
    assert photos == ["现场1.jpg", "现场2.jpg", "现场3.png"]
    assert survey.signer_name == "张伟"
    assert survey.signature.content_type == "image/png"
    assert survey.signature.claim == survey.claim
    # Through the claim's own step: investigation → adjudication, task back to the owner.
    case = survey.claim.case
    case.refresh_from_db()
    assert case.status == "adjudicating"
    assert CaseEvent.objects.filter(case=case, kind="transition", action="assessment_done").exists()
    assert Task.objects.get(pk=survey.task_id).status == "done"
    assert Notice.objects.filter(case=case, kind="survey_result").exists()
    page = c.get(f"/investigation/surveys/{survey.pk}/").content.decode()
    assert "¥2560.50" in page and "张伟" in page and "左尾灯" in page
    # Filed once: the report page now sends the surveyor back to the survey.
    assert c.get(f"/investigation/surveys/{survey.pk}/report/").status_code == 302


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"findings": "  "}, "findings"),
        ({"loss-0-amount": "-1"}, "loss-0-amount"),
        ({"loss-1-quantity": "0"}, "loss-1-quantity"),
        ({"loss-0-amount": "12.345"}, "loss-0-amount"),
        ({"loss-0-description": ""}, "loss-0-description"),
        ({"photos": []}, "photos"),
        ({"photos": [SimpleUploadedFile("x.jpg", b"MZ not a photo", "image/jpeg")]}, "photos"),
        ({"photos": [SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n", "application/pdf")]}, "photos"),
        ({"signature": ""}, "signature"),
        ({"signature": data_url(signature_png(signed=False))}, "signature"),
        ({"signature": "data:image/png;base64,@@@"}, "signature"),
        ({"signer_name": ""}, "signer_name"),
    ],
)
def test_bad_input_is_shown_inline_and_nothing_is_written(survey, change, field):
    c = login(survey.surveyor)
    r = c.post(f"/investigation/surveys/{survey.pk}/report/", form_data(**change))
    assert r.status_code == 400
    assert f'data-error-for="{field}"' in r.content.decode()
    assert nothing_written(survey)


def test_no_loss_item_at_all_is_refused(survey):
    data = form_data(**{"loss-TOTAL_FORMS": "1", "loss-0-description": "", "loss-0-amount": ""})
    r = login(survey.surveyor).post(f"/investigation/surveys/{survey.pk}/report/", data)
    assert r.status_code == 400 and nothing_written(survey)


def test_a_blank_added_row_is_skipped(survey):
    data = form_data(**{"loss-TOTAL_FORMS": "3", "loss-2-quantity": "1"})
    r = login(survey.surveyor).post(f"/investigation/surveys/{survey.pk}/report/", data)
    assert r.status_code == 302
    assert survey.loss_items.count() == 2


def test_a_failure_late_in_the_step_rolls_back_the_uploads(survey, monkeypatch):
    """The notice cannot be issued: photos, signature and loss items go with the rest."""

    def broken(**kwargs):
        raise services.GuardFailed("notice refused")

    monkeypatch.setattr("claimdesk.notices.services.notice_issue", broken)
    r = login(survey.surveyor).post(f"/investigation/surveys/{survey.pk}/report/", form_data())
    assert r.status_code == 400 and "notice refused" in r.content.decode()
    assert nothing_written(survey)


def test_others_may_not_file_it(survey, surveyor, customer1):
    other = surveyor("s2")
    assert login(other).get(f"/investigation/surveys/{survey.pk}/report/").status_code == 404
    assert (
        login(customer1)
        .post(f"/investigation/surveys/{survey.pk}/report/", form_data())
        .status_code
        == 404
    )
    with pytest.raises(services.NotAllowed):
        services.survey_field_report_submit(
            survey=survey,
            actor=other,
            now=T0,
            findings="x",
            loss_lines=[rules.LossLine("门", Decimal(1), Decimal(5))],
            photos=[SimpleUploadedFile("a.jpg", picture("red"), "image/jpeg")],
            signature_png=signature_png(),
            signer_name="李",
        )
    assert nothing_written(survey)


def test_service_refuses_an_incomplete_report_by_field(survey):
    with pytest.raises(services.FieldReportInvalid) as err:
        services.survey_field_report_submit(
            survey=survey,
            actor=survey.surveyor,
            now=T0 + timedelta(hours=3),
            findings="",
            loss_lines=[rules.LossLine("", Decimal(0), Decimal("-1"))],
            photos=[],
            signature_png=signature_png(signed=False),
            signer_name="",
        )
    assert set(err.value.details["errors"]) == {
        "findings",
        "loss_items.0.description",
        "loss_items.0.quantity",
        "loss_items.0.amount",
        "photos",
        "signature",
        "signer_name",
    }
    assert nothing_written(survey)


def test_a_survey_outside_investigation_reports_without_moving_the_claim(
    auto_policy, customer1, make_claim, agent1, surveyor
):
    surveyor("s1")
    claim = make_claim(customer1)  # still "reported": the survey was sent early
    survey = services.survey_assign(claim=claim, actor=agent1, now=T0)
    services.survey_field_report_submit(
        survey=survey,
        actor=survey.surveyor,
        now=T0 + timedelta(hours=3),
        findings="属实",
        loss_lines=[rules.LossLine("车门", Decimal("1.5"), Decimal("300"))],
        photos=[SimpleUploadedFile("a.jpg", picture("red"), "image/jpeg")],
        signature_png=signature_png(),
        signer_name="王五",
    )
    claim.case.refresh_from_db()
    survey.refresh_from_db()
    assert claim.case.status == "reported" and survey.status == "reported"
    assert survey.method.startswith("车门 × 1.5") and "¥300.00" in survey.method


def test_loss_rules():
    lines = [
        rules.LossLine("a", Decimal(2), Decimal("10.005")),
        rules.LossLine("b", Decimal(1), Decimal("0")),
    ]
    assert rules.loss_total(lines) == Decimal("10.01")
    assert rules.loss_line_problems(
        rules.LossLine(" ", Decimal("NaN"), Decimal("Infinity"))
    ).keys() == {
        "description",
        "quantity",
        "amount",
    }
