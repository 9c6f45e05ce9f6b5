"""customer1 reports a ¥280 outpatient claim with an invoice image in the portal and, with no
staff action, sees it decided (calculation with clauses) and its payment instructed; the QA
reviewer finds it in the sample list; a claim whose invoice says another amount waits for
its owner, who sees which rule failed. On a phone-sized screen (390×844)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import ImageFont
from playwright.sync_api import Page, expect

from claimdesk.claims.models import Claim
from claimdesk.payments.models import Payment
from claimdesk.policies.demo import demo_bank_account, demo_policy, demo_products
from claimdesk.stp.models import StpSettings
from claimdesk.stp.services import stp_sweep
from claimdesk.workdays.clocks import SHANGHAI
from tests.conftest import worker_ran
from tests.documents.conftest import FONT, encode, text_image
from tests.e2e.test_report_claim import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def policy(customer1, agent1, finance1, manager1):
    demo_bank_account(customer1, "张伟", "6222021001000001")
    settings = StpSettings.current()
    settings.review_all_above = Decimal("100")  # every automatic decision here is reviewed
    settings.save()
    return demo_policy(
        number="MED202600001",
        holder=customer1,
        line="medical",
        start=timezone.localdate() - timedelta(days=120),
        insured_name="张伟",
        products=demo_products(),
    )


def _report(page: Page, base: str, amount: str) -> tuple[str, str]:
    page.goto(f"{base}/claims/new/")  # on a phone the menu is folded away
    form = page.get_by_test_id("report-form")
    form.locator("select[name=policy_no]").select_option("MED202600001")
    form.get_by_label("被保险人").fill("张伟")
    form.get_by_label("出险类型").select_option("medical")
    yesterday = timezone.localtime(timezone.now(), SHANGHAI) - timedelta(hours=3)
    form.get_by_label("出险时间").fill(yesterday.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("出险地点").fill("上海市第一人民医院")
    form.get_by_label("出险原因").fill("急性肠胃炎门诊")
    form.get_by_label("事故经过").fill("腹痛到上海市第一人民医院门诊就诊，配药。")
    form.get_by_label("估损金额").fill(amount)
    form.get_by_label("联系电话").fill("13812345678")
    page.get_by_role("button", name="提交报案").click()
    number = page.get_by_test_id("claim-number").inner_text()
    return yesterday.strftime("%Y年%m月%d日").replace("年0", "年").replace("月0", "月"), number


def _upload_invoice(page: Page, tmp_path, day: str, amount: str) -> None:
    font = ImageFont.truetype(str(FONT), 32, index=2)
    lines = [
        "门诊收费票据",
        "姓名：张伟",
        "医院：上海市第一人民医院",
        f"日期：{day}",
        f"金额合计：¥{amount}",
    ]
    image = tmp_path / f"invoice-{amount}.png"
    image.write_bytes(encode(text_image(font, lines), "PNG"))
    upload = page.get_by_test_id("upload-form")
    upload.locator("input[type=file]").set_input_files(str(image))
    upload.locator("select[name=item]").select_option("medical_invoice")
    upload.get_by_role("button", name="上传").click()
    expect(page.get_by_test_id("documents").locator("tbody tr").first).to_have_attribute(
        "data-ocr", "done"
    )
    # What the worker's beat does: the committed lines to their readers, and the sweep of
    # read claims never checked (here the OCR ran eagerly inside the upload's own commit).
    worker_ran()
    stp_sweep(now=timezone.now())


def test_a_small_outpatient_claim_is_decided_without_staff(
    live_server, page: Page, policy, artifacts, settings, tmp_path
):
    if not FONT.exists():
        pytest.skip(f"{FONT} is missing: install fonts-noto-cjk")
    settings.MEDIA_ROOT = tmp_path / "media"
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "customer1")
    day, number = _report(page, live_server.url, "280")
    _upload_invoice(page, tmp_path, day, "280.00")

    page.goto(f"{live_server.url}/claims/{number}/")
    card = page.get_by_test_id("stp-decision")
    expect(card).to_be_visible()
    expect(card.get_by_test_id("stp-calculation")).to_contain_text("第2.5条")
    expect(card.get_by_test_id("stp-payment")).to_contain_text("280.00")
    expect(page.get_by_test_id("decision")).to_contain_text("280.00")
    expect(page.get_by_test_id("timeline")).to_contain_text("自动审核通过")
    page.screenshot(path=str(artifacts / "stp_customer_decided.png"), full_page=True)
    claim = Claim.objects.get(case__number=number)
    assert claim.case.status == "paying" and claim.decisions.get().automatic
    assert Payment.objects.get(claim=claim).amount == Decimal("280.00")
    assert (
        not claim.case.events.exclude(actor__isnull=True)
        .filter(actor__username__in=["agent1", "manager1", "finance1"])
        .exists()
    )  # no staff action

    # The QA reviewer finds it in the sample list.
    page.context.clear_cookies()
    log_in(page, live_server.url, "manager1")
    page.goto(f"{live_server.url}/stp/reviews/")
    row = page.locator(f'[data-testid="stp-review"][data-claim="{number}"]')
    expect(row).to_be_visible()
    page.screenshot(path=str(artifacts / "stp_review_list.png"), full_page=True)
    row.locator('button[data-action="confirm"]').click()
    page.goto(f"{live_server.url}/stp/reviews/?status=confirmed")
    expect(page.locator(f'[data-claim="{number}"]')).to_have_attribute("data-status", "confirmed")


def test_an_invoice_amount_that_differs_waits_for_a_person(
    live_server, page: Page, policy, artifacts, settings, tmp_path
):
    if not FONT.exists():
        pytest.skip(f"{FONT} is missing: install fonts-noto-cjk")
    settings.MEDIA_ROOT = tmp_path / "media"
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "customer1")
    day, number = _report(page, live_server.url, "280")
    _upload_invoice(page, tmp_path, day, "320.00")
    claim = Claim.objects.get(case__number=number)
    owner = claim.case.owner.username

    page.context.clear_cookies()
    log_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/claims/{number}/")
    rules = page.get_by_test_id("stp-rules")
    expect(rules).to_have_attribute("data-outcome", "person")
    failed = rules.locator('li[data-passed="no"]')
    expect(failed).to_have_count(1)
    expect(failed).to_have_attribute("data-rule", "consistent")
    expect(failed).to_contain_text("320.00")
    page.screenshot(path=str(artifacts / "stp_routed_to_person.png"), full_page=True)
    claim.refresh_from_db()
    assert claim.case.status == "reported" and not claim.decision
