"""customer1's policy lapsed for an unpaid premium: on a phone (390 px) the portal lists it
under lapsed policies, the reinstatement form asks the health declaration, and the request
page shows the premiums in arrears with interest and the materials checklist; every page
fits the screen."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from claimdesk.policies.demo import demo_policy, demo_products
from claimdesk.servicing.models import ServiceRequest
from claimdesk.servicing.services import premium_sweep
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


def test_customer_asks_to_reinstate_a_lapsed_policy_on_a_phone(
    live_server, phone, customer1, manager1
):
    _user("underwriter1", Role.UNDERWRITER, manager=manager1, approval_limit=Decimal(2000))
    today = to_local(timezone.now()).date()
    products = demo_products()
    products["critical_illness"].premium_frequency = "monthly"
    products["critical_illness"].save(update_fields=["premium_frequency"])
    demo_policy(
        number="PCI0001",
        holder=customer1,
        line="critical_illness",
        start=today - timedelta(days=120),
        insured_name="张伟",
        products=products,
    )
    # The second premium (a month in) was never paid: its grace ran out a month ago.
    assert premium_sweep(now=timezone.now())["lapses"] == 1

    log_in(phone, live_server.url, "customer1")
    phone.goto(f"{live_server.url}/servicing/")
    expect(phone.get_by_test_id("lapsed-policies")).to_contain_text("PCI0001")
    phone.get_by_test_id("lapsed-policies").get_by_role("link", name="保单复效").click()
    declaration = phone.get_by_test_id("health-declaration")
    expect(declaration).to_be_visible()
    for radio in declaration.locator("input[value=no]").all():
        radio.check()
    assert fits_the_phone(phone) <= PHONE["width"]
    phone.screenshot(path=str(SHOTS / "servicing-reinstatement-form.png"), full_page=True)

    phone.get_by_role("button", name="提交申请").click()
    expect(phone.get_by_test_id("request-status")).to_contain_text("已提交")
    request = ServiceRequest.objects.get(policy__number="PCI0001", item="reinstatement")
    expect(phone.get_by_test_id("arrears-total")).to_have_text(f"¥{request.quote['total']}")
    expect(phone.get_by_test_id("underwriting")).to_contain_text("无需核保")
    checklist = phone.get_by_test_id("checklist")
    expect(checklist.locator("li")).to_have_count(4)
    expect(checklist).to_contain_text("健康告知书")
    assert fits_the_phone(phone) <= PHONE["width"]
    phone.screenshot(path=str(SHOTS / "servicing-reinstatement-request.png"), full_page=True)
