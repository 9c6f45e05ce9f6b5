"""customer1's progress page at phone size (390×844) after the partner hospital settled a
discharge bill directly: the claim, what the insurer pays the hospital and customer1's own
share, on a page that fits the phone."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from claimdesk.partners.demo import bill_scan, demo_partners
from claimdesk.partners.services import BillIn, BillLine, Lookup, Upload, direct_claim_submit
from claimdesk.payments.models import Payment
from claimdesk.policies.demo import demo_policy, demo_products
from claimdesk.workdays.clocks import to_local
from tests.conftest import PASSWORD, worker_ran
from tests.e2e.field_data import PHONE, fits_the_phone, log_in, phone_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def phone(browser):
    page = phone_page(browser)
    yield page
    page.context.close()


@pytest.fixture
def direct_claim(customer1, agent1, finance1):
    """The hospital's ¥2,680 bill for customer1, decided straight through and instructed
    to the hospital (the worker's steps after each commit run here)."""
    products = demo_products()
    now = timezone.now()
    policy = demo_policy(
        number="MED202600001",
        holder=customer1,
        line="medical",
        start=timezone.localdate() - timedelta(days=120),
        insured_name="张伟",
        phone="13812345678",
        products=products,
    )
    hospital = demo_partners(password=PASSWORD, now=now)["hospital1"]
    bill = BillIn(
        bill_no="ZY-E2E-0001",
        lookup=Lookup(policy_no=policy.number, name="张伟"),
        service="outpatient",
        lines=[BillLine("门诊手术费", Decimal("1580")), BillLine("药品费", Decimal("1100"))],
        diagnosis="急性阑尾炎（日间手术）",
        admitted_at=now - timedelta(hours=26),
        bill_date=to_local(now).date(),
        documents=[Upload("出院结算单.png", bill_scan())],
    )
    claim = direct_claim_submit(user=hospital.user, bill=bill, now=now).bill.claim
    worker_ran()
    payment = Payment.objects.get(claim=claim)
    assert payment.account == hospital.organisation.settlement_account
    return claim


def test_customer1_sees_the_direct_claim_and_their_share_on_a_phone(
    live_server, phone, direct_claim, artifacts: Path
):
    log_in(phone, live_server.url, "customer1")
    phone.goto(f"{live_server.url}/claims/{direct_claim.number}/")
    card = phone.get_by_test_id("direct-settlement")
    expect(card).to_be_visible()
    expect(card).to_contain_text("直赔")
    expect(card).to_contain_text("上海市第一人民医院")
    expect(phone.get_by_test_id("direct-insurer")).to_have_text("¥2680.00")
    expect(phone.get_by_test_id("direct-share")).to_have_text("¥0.00")
    expect(phone.get_by_test_id("decision")).to_be_visible()
    phone.screenshot(path=str(artifacts / "phone-direct-settlement.png"), full_page=True)
    assert fits_the_phone(phone) <= PHONE["width"]
