"""customer1 reports a claim in the portal and sees at once the checklist and the due times;
agent1 enters a hotline report, owns the case and reviews a material on the claim page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import ImageFont
from playwright.sync_api import Page, expect

from claimdesk.claims.models import Claim
from claimdesk.policies.demo import demo_policy, demo_products
from claimdesk.workdays.clocks import SHANGHAI
from tests.conftest import PASSWORD
from tests.documents.conftest import FONT, INVOICE, encode, text_image

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DUE = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"


@pytest.fixture
def policies(customer1, customer2, agent1):
    products = demo_products()
    start = timezone.localdate() - timedelta(days=120)
    mine = demo_policy(
        number="AUT202600001",
        holder=customer1,
        line="auto",
        start=start,
        insured_name="张伟",
        plate="沪A52000",
        products=products,
    )
    theirs = demo_policy(
        number="MED202600002",
        holder=customer2,
        line="medical",
        start=start,
        insured_name="李娜",
        products=products,
    )
    return mine, theirs


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def an_hour_ago() -> str:
    return (timezone.localtime(timezone.now(), SHANGHAI) - timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )


def test_customer_reports_a_claim_and_sees_checklist_and_due_times(
    live_server, page: Page, policies, artifacts, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    log_in(page, live_server.url, "customer1")
    page.get_by_test_id("nav-report").click()
    expect(page.locator("h1")).to_have_text("我要报案")
    form = page.get_by_test_id("report-form")
    # Only my own policy is offered.
    options = form.locator("select[name=policy_no] option")
    expect(options).to_have_count(2)
    assert "MED202600002" not in form.inner_html()

    form.locator("select[name=policy_no]").select_option("AUT202600001")
    form.get_by_label("被保险人").fill("张伟")
    form.get_by_label("出险类型").select_option("auto")
    form.get_by_label("出险时间").fill(an_hour_ago())
    form.get_by_label("出险原因").fill("等红灯时被追尾")
    form.get_by_label("估损金额").fill("3200")
    form.get_by_label("联系电话").fill("13812345678")
    # Place and course of events are left out: an auto report needs them.
    page.get_by_role("button", name="提交报案").click()
    expect(page.locator('[data-error-for="loss_place"]')).to_be_visible()
    expect(page.locator('[data-error-for="description"]')).to_be_visible()
    page.screenshot(path=str(artifacts / "report_claim_errors.png"), full_page=True)

    form.get_by_label("出险地点").fill("上海市浦东新区世纪大道与张杨路路口")
    form.get_by_label("事故经过").fill("晚高峰等红灯时被后车追尾，后保险杠受损，无人受伤。")
    page.get_by_role("button", name="提交报案").click()

    claim = Claim.objects.get()
    expect(page.get_by_test_id("claim-number")).to_have_text(claim.number)
    expect(page.get_by_test_id("messages")).to_contain_text(claim.number)
    checklist = page.get_by_test_id("checklist")
    expect(checklist.locator("tbody tr")).to_have_count(claim.items.count())
    expect(checklist).to_contain_text("事故认定书")
    expect(checklist.locator('tr[data-item="accident_report"]')).to_contain_text("核心")
    expect(checklist.locator('tr[data-item="scene_photos"]')).to_contain_text("可后补")
    clocks = page.get_by_test_id("clocks")
    contact = claim.case.deadlines.get(rule__code="contact")
    due = timezone.localtime(contact.due_at, SHANGHAI).strftime("%Y-%m-%d %H:%M")
    expect(clocks.locator('tr[data-rule="contact"] td.due')).to_have_text(due)
    expect(clocks.locator('tr[data-rule="decision_statutory"] td.due')).to_have_text(
        re.compile(DUE)
    )
    expect(page.get_by_test_id("rights-notice")).to_contain_text("12378")
    expect(page.get_by_test_id("guidance")).to_contain_text("警示牌")
    expect(page.locator('ol.stages li[aria-current="step"]')).to_have_text("报案受理")
    expect(page.get_by_test_id("timeline")).to_contain_text(claim.number)
    page.screenshot(path=str(artifacts / "report_claim_done.png"), full_page=True)

    # An image of the invoice: uploaded for its item, read by OCR (eager here), and its
    # amount and date proposed on the page for staff to confirm.
    if not FONT.exists():
        pytest.skip(f"{FONT} is missing: install fonts-noto-cjk for the OCR step")
    image = tmp_path / "invoice.png"
    font = ImageFont.truetype(str(FONT), 32, index=2)
    image.write_bytes(encode(text_image(font, INVOICE), "PNG"))
    upload = page.get_by_test_id("upload-form")
    upload.locator("input[type=file]").set_input_files(str(image))
    upload.locator("select[name=item]").select_option("repair_invoice")
    upload.get_by_role("button", name="上传").click()
    row = page.get_by_test_id("documents").locator("tbody tr").first
    expect(row).to_have_attribute("data-ocr", "done", timeout=60_000)
    expect(row.locator('[data-field="amount"]')).to_contain_text("1234.56")
    expect(row.locator('[data-field="date"]')).to_contain_text("2026-09-28")
    expect(checklist.locator('tr[data-item="repair_invoice"]')).to_have_attribute(
        "data-state", "received"
    )
    page.screenshot(path=str(artifacts / "report_claim_ocr.png"), full_page=True)


def test_agent_enters_a_hotline_report_and_owns_it(live_server, page: Page, policies, artifacts):
    log_in(page, live_server.url, "agent1")
    page.get_by_test_id("nav-hotline").click()
    expect(page.locator("h1")).to_have_text("电话报案")
    form = page.get_by_test_id("report-form")
    form.get_by_label("保单号").fill("MED202600002")
    form.get_by_label("被保险人").fill("李娜")
    form.get_by_label("出险类型").select_option("medical")
    form.get_by_label("出险时间").fill(an_hour_ago())
    form.get_by_label("出险原因").fill("急性阑尾炎")
    form.get_by_label("事故经过").fill("腹痛就医，确诊急性阑尾炎，住院手术。")
    form.get_by_label("联系电话").fill("13900001111")
    page.get_by_role("button", name="登记并接手案件").click()

    claim = Claim.objects.get()
    assert claim.case.owner.username == "agent1" and claim.channel == "hotline"
    assert claim.case.customer.username == "customer2"
    expect(page.get_by_test_id("claim-number")).to_have_text(claim.number)
    expect(page.get_by_test_id("owner")).to_have_text("agent1")

    # Reviewing a material on the same page: received, then accepted.
    row = page.locator('tr[data-item="medical_invoice"]')
    row.locator('button[data-action="received"]').click()
    expect(row).to_have_attribute("data-state", "received")
    row.locator('button[data-action="accepted"]').click()
    expect(row).to_have_attribute("data-state", "accepted")
    expect(page.get_by_test_id("timeline")).to_contain_text("医疗费用发票 已审核通过")
    page.screenshot(path=str(artifacts / "hotline_claim.png"), full_page=True)

    # It is on agent1's work list.
    page.get_by_role("link", name="我的工作").click()
    expect(page.locator(f'[data-case="{claim.number}"]').first).to_be_visible()
