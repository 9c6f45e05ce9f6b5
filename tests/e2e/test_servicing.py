"""customer1 surrenders a policy on a phone (390 px): the portal shows each policy's surrender
value today, the request page the cash value, what they receive and the materials checklist;
every page fits the screen. Screenshots for a look."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from claimdesk.policies.demo import demo_bank_account, demo_policy, demo_products
from claimdesk.servicing.models import ServiceRequest
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


def test_customer_surrenders_a_policy_on_a_phone(live_server, phone, customer1, manager1):
    _user("underwriter1", Role.UNDERWRITER, manager=manager1, approval_limit=Decimal(2000))
    today = to_local(timezone.now()).date()
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
    phone.goto(f"{live_server.url}/servicing/?item=surrender")
    value = phone.get_by_test_id("value-PCI0001")
    expect(value).to_contain_text("¥")
    expect(phone.get_by_test_id("surrender-note")).to_contain_text("犹豫期")
    assert fits_the_phone(phone) <= PHONE["width"]
    phone.screenshot(path=str(SHOTS / "servicing-surrender-form.png"), full_page=True)

    phone.get_by_role("button", name="提交申请").click()
    expect(phone.get_by_test_id("request-status")).to_contain_text("已提交")
    request = ServiceRequest.objects.get(policy__number="PCI0001")
    expect(phone.get_by_test_id("cash-value")).to_have_text(f"¥{request.quote['cash_value']}")
    expect(phone.get_by_test_id("surrender-amount")).to_have_text(f"¥{request.amount}")
    checklist = phone.get_by_test_id("checklist")
    expect(checklist.locator("li")).to_have_count(4)
    expect(checklist).to_contain_text("解除合同申请书")
    expect(phone.get_by_test_id("clocks")).to_contain_text("保全申请受理")
    assert fits_the_phone(phone) <= PHONE["width"]
    phone.screenshot(path=str(SHOTS / "servicing-surrender-request.png"), full_page=True)


def test_an_approved_surrender_is_paid_on_the_finance_workbench(
    live_server, phone, page, customer1, manager1, finance1
):
    """customer1 asks on the phone; once approved, finance1 finds the surrender value on the
    finance workbench as a payment, sends it and records the bank's confirmation; customer1
    then reads that it has been paid."""
    from claimdesk.servicing.services import materials_receive, request_approve

    _user("underwriter1", Role.UNDERWRITER, manager=manager1, approval_limit=Decimal(2000))
    today = to_local(timezone.now()).date()
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
    phone.goto(f"{live_server.url}/servicing/?item=surrender")
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.get_by_test_id("request-status")).to_contain_text("已提交")
    request = ServiceRequest.objects.get(policy__number="PCI0001")
    number = request.case.number
    now = timezone.now()
    materials_receive(
        request=request,
        codes=["surrender_form", "holder_id", "policy_contract", "bank_card"],
        actor=request.case.owner,
        now=now,
    )
    request_approve(request=request, actor=manager1, now=now)  # above the clerk's ¥2,000
    reference = f"PY{number}S1"

    log_in(page, live_server.url, "finance1")
    page.goto(f"{live_server.url}/payments/")
    row = page.locator(f'[data-payment="{reference}"]')
    expect(row).to_contain_text(number)
    expect(row).to_contain_text(f"¥{request.amount}")
    expect(row).to_contain_text("退保金")
    page.screenshot(path=str(SHOTS / "payments-surrender.png"), full_page=True)
    row.locator("input[name=bank_ref]").fill("B20261001")
    page.get_by_test_id(f"send-{reference}").click()
    sent = page.get_by_test_id("state-sent").locator(f'[data-payment="{reference}"]')
    expect(sent).to_be_visible()
    page.get_by_test_id(f"confirm-{reference}").click()
    expect(
        page.get_by_test_id("state-confirmed").locator(f'[data-payment="{reference}"]')
    ).to_be_visible()

    phone.goto(f"{live_server.url}/servicing/requests/{number}/")
    expect(phone.get_by_test_id("request-status")).to_contain_text("已付款")
    expect(phone.locator("body")).to_contain_text(f"退保金¥{request.amount}已支付")
    phone.screenshot(path=str(SHOTS / "servicing-surrender-paid.png"), full_page=True)
