"""surveyor1, on a phone at the site: from the survey task to the field report — findings,
loss items, several photos, the on-site party's signature — and one submit that moves the
claim on to adjudication. A report without a signature is refused inline, nothing saved."""

import io
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from claimdesk.documents.models import Document
from tests.e2e.field_data import (
    PHONE,
    claim_under_survey,
    fits_the_phone,
    inside_viewport,
    log_in,
    phone_page,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def survey(customer1, agent1, surveyor1):
    return claim_under_survey(customer=customer1, agent=agent1, surveyor=surveyor1)


@pytest.fixture
def phone(browser):
    page = phone_page(browser)
    yield page
    page.context.close()


def photo(color: str) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, "JPEG")
    return {"name": f"现场-{color}.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def sign(page: Page) -> None:
    pad = page.get_by_test_id("signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + 120)
    page.mouse.down()
    for dx, dy in ((80, 40), (140, 130), (200, 50), (260, 120), (300, 70)):
        page.mouse.move(x + dx, y + dy, steps=4)
    page.mouse.up()


def test_surveyor_files_the_field_report_on_a_phone(
    live_server, browser, phone: Page, survey, settings, tmp_path, artifacts
):
    settings.MEDIA_ROOT = tmp_path / "media"
    number = survey.claim.number
    log_in(phone, live_server.url, "surveyor1")
    # The case page offers the report to the surveyor who holds the survey ...
    phone.goto(f"{live_server.url}/cases/{number}/")
    link = phone.get_by_test_id("field-report-link")
    expect(link).to_have_text("填写查勘报告")
    assert inside_viewport(phone, '[data-testid="field-report-link"]')
    # ... and the survey's row in the surveyor's work leads straight to it.
    phone.goto(f"{live_server.url}/work/")
    phone.locator(f'a[href$="/investigation/surveys/{survey.pk}/report/"]').first.click()

    form = phone.get_by_test_id("field-report")
    expect(form).to_be_visible()
    assert fits_the_phone(phone) <= PHONE["width"]
    submit = phone.get_by_test_id("submit-report")
    # Sticky: the submit button sits at the bottom of the screen from the start.
    box = submit.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"] + 0.5
    assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    phone.get_by_label("现场查勘发现").fill("后保险杠破损，左尾灯碎裂，与报案描述一致")
    rows = phone.get_by_test_id("loss-row")
    rows.nth(0).get_by_label("损失项目").fill("后保险杠")
    rows.nth(0).get_by_label("数量").fill("1")
    rows.nth(0).get_by_label("金额（元）").fill("1800")
    phone.get_by_test_id("add-loss-row").click()
    expect(rows).to_have_count(2)
    rows.nth(1).get_by_label("损失项目").fill("左尾灯")
    rows.nth(1).get_by_label("数量").fill("2")
    rows.nth(1).get_by_label("金额（元）").fill("760.50")
    expect(phone.get_by_test_id("loss-total")).to_have_text("¥2560.50")
    phone.locator("input[name=photos]").set_input_files(
        [photo("red"), photo("blue"), photo("green")]
    )
    expect(phone.get_by_test_id("photo-count")).to_have_text("已选 3 张照片")
    phone.get_by_label("现场签字人姓名").fill("张伟")
    phone.screenshot(path=str(artifacts / "field-report-filled.png"), full_page=True)

    # Not signed yet: refused where it matters, the rest kept, nothing written.
    submit.click()
    expect(phone.locator('[data-error-for="signature"]')).to_have_text("现场当事人尚未签字。")
    expect(phone.get_by_label("现场查勘发现")).to_have_value(
        "后保险杠破损，左尾灯碎裂，与报案描述一致"
    )
    expect(rows).to_have_count(2)
    assert not Document.objects.filter(claim=survey.claim).exists()
    survey.refresh_from_db()
    assert survey.status == "assigned"
    phone.screenshot(path=str(artifacts / "field-report-error.png"), full_page=True)
    assert fits_the_phone(phone) <= PHONE["width"]

    sign(phone)
    phone.locator("input[name=photos]").set_input_files(
        [photo("red"), photo("blue"), photo("green")]
    )
    phone.get_by_test_id("submit-report").click()
    expect(phone.get_by_test_id("survey-status")).to_have_text("已提交报告")
    expect(phone.get_by_test_id("assessed-loss")).to_have_text("¥2560.50")
    expect(phone.get_by_test_id("signer")).to_contain_text("张伟")
    phone.screenshot(path=str(artifacts / "field-report-done.png"), full_page=True)
    assert fits_the_phone(phone) <= PHONE["width"]

    survey.refresh_from_db()
    survey.claim.case.refresh_from_db()
    assert survey.assessed_loss == Decimal("2560.50")
    assert survey.photos.count() == 3 and survey.signature is not None
    assert survey.claim.case.status == "adjudicating"
