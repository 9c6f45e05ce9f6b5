"""customer1 lowers a sum insured on a phone (390 px) and, once it is approved, downloads the
批单 from the request page: the PDF quotes the change in words and its effective date. manager1
then reads the dashboard's servicing and underwriting section. Screenshots for a look."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from claimdesk.policies.demo import demo_bank_account, demo_policy, demo_products
from claimdesk.servicing import services
from claimdesk.servicing.models import ServiceRequest
from claimdesk.servicing.rules import CHECKLISTS
from claimdesk.staff.roles import Role
from claimdesk.workdays.clocks import to_local
from tests.conftest import _user
from tests.e2e.field_data import PHONE, fits_the_phone, log_in, phone_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path("/tmp")


@pytest.fixture
def phone(browser):
    page = phone_page(browser)
    yield page
    page.context.close()


def test_customer_downloads_the_batch_letter_on_a_phone_and_the_manager_reads_the_figures(
    live_server, phone, page, customer1, manager1
):
    clerk = _user("underwriter1", Role.UNDERWRITER, manager=manager1, approval_limit=Decimal(5000))
    now = timezone.now()
    today = to_local(now).date()
    demo_bank_account(customer1, "customer1", "6222020000000001")
    demo_policy(
        number="PCI0001",
        holder=customer1,
        line="critical_illness",
        start=today - timedelta(days=200),
        insured_name="张伟",
        products=demo_products(),
    )
    log_in(phone, live_server.url, "customer1")
    phone.goto(f"{live_server.url}/servicing/?item=sum_decrease")
    phone.get_by_label("新的保险金额（元）").fill("300000")
    assert fits_the_phone(phone) <= PHONE["width"]
    phone.screenshot(path=str(SHOTS / "servicing-decrease-form.png"), full_page=True)
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.get_by_test_id("request-status")).to_contain_text("已提交")
    expect(phone.get_by_test_id("sum-change")).to_contain_text("¥500,000.00 → ¥300,000.00")

    request = ServiceRequest.objects.get(policy__number="PCI0001")
    services.materials_receive(
        request=request,
        codes=[m.code for m in CHECKLISTS["sum_decrease"]],
        actor=clerk,
        now=timezone.now(),
    )
    services.request_approve(request=request, actor=clerk, now=timezone.now())

    phone.reload()
    # approved, its cash-value refund with finance (the payment flow): awaiting payment
    expect(phone.get_by_test_id("request-status")).to_contain_text("待付款")
    letters = phone.get_by_test_id("notices")
    expect(letters).to_contain_text("批单（保单变更）")
    link = letters.get_by_test_id("notice-pdf")
    expect(link).to_be_visible()
    assert fits_the_phone(phone) <= PHONE["width"]
    phone.screenshot(path=str(SHOTS / "servicing-batch-letter-link.png"), full_page=True)

    href = link.get_attribute("href")
    answer = phone.context.request.get(f"{live_server.url}{href}")
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    doc = pdfium.PdfDocument(answer.body())
    text = "".join("".join(p.get_textpage().get_text_range().split()) for p in doc)
    assert "批单号PCI0001-002" in text and "¥500,000.00" in text and "¥300,000.00" in text
    assert today.isoformat() in text  # effective from the day asked (today)
    bitmap = doc[0].render(scale=1.2).to_pil()
    bitmap.save(SHOTS / "servicing-batch-letter.png")

    log_in(page, live_server.url, "manager1")
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    page.goto(f"{live_server.url}/analytics/?period={quarter}#servicing")
    section = page.get_by_test_id("servicing")
    expect(section).to_contain_text("保全申请")
    expect(page.get_by_test_id("servicing-servicing_volume")).to_contain_text("1")
    expect(page.get_by_test_id("table-servicing_volume")).to_contain_text("减少保险金额")
    section.screenshot(path=str(SHOTS / "dashboard-servicing.png"))
