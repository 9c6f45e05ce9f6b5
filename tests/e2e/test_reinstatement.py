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
from claimdesk.servicing.services import materials_receive, premium_sweep, request_open
from claimdesk.staff.roles import Role
from claimdesk.workdays.clocks import to_local
from tests.conftest import _user
from tests.e2e.field_data import PHONE, fits_the_phone, log_in, phone_page
from tests.underwriting.conftest import underwriter_with_authority as underwriter

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path("/tmp")
NO_TO_ALL = {
    "hospitalised": False,
    "chronic": False,
    "abnormal_exam": False,
    "medication": False,
    "declined_before": False,
}


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
    # The schedule from the start; the second premium (a month in) was never paid: its grace
    # ran out a month ago.
    premium_sweep(now=timezone.now() - timedelta(days=120))
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


def test_the_underwriter_accepts_the_declaration_and_the_clerk_reinstates(
    live_server, page, browser, customer1, manager1
):
    """A "yes" in the declaration goes to the certified underwriter, who accepts it on the
    request page; the clerk then approves and the policy is in force again."""
    _user("underwriter1", Role.UNDERWRITER, manager=manager1, approval_limit=Decimal(2000))
    underwriter("chief_uw", "5000000", 3, manager=manager1)
    today = to_local(timezone.now()).date()
    products = demo_products()
    products["accident"].premium_frequency = "monthly"
    products["accident"].save(update_fields=["premium_frequency"])
    policy = demo_policy(
        number="PACC0001", holder=customer1, line="accident",
        start=today - timedelta(days=120), insured_name="张伟", products=products,
    )  # fmt: skip
    premium_sweep(now=timezone.now() - timedelta(days=120))
    assert premium_sweep(now=timezone.now())["lapses"] == 1
    request = request_open(
        policy=policy,
        item="reinstatement",
        details={
            "health": {**NO_TO_ALL, "medication": True},
            "health_details": "高血压，每日服药，控制良好",
        },
        actor=customer1,
        now=timezone.now(),
    )
    clerk = request.case.owner
    materials_receive(
        request=request,
        codes=["application", "holder_id", "health_declaration", "arrears_paid"],
        actor=clerk,
        now=timezone.now(),
    )
    url = f"{live_server.url}/servicing/requests/{request.case.number}/"

    log_in(page, live_server.url, "chief_uw")
    page.goto(url)
    # One "yes" of five answers (the medication question), shown as answered.
    expect(page.get_by_test_id("health").locator("strong")).to_have_text(
        ["否", "否", "否", "是", "否"]
    )
    form = page.get_by_test_id("underwrite-form")
    form.get_by_label("核保意见").fill("血压控制良好，同意复效")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("underwriting")).to_contain_text("核保已通过健康告知")

    other = phone_page(browser)
    log_in(other, live_server.url, clerk.username)
    other.goto(url)
    other.get_by_test_id("approve").click()
    expect(other.get_by_test_id("endorsement")).to_contain_text("PACC0001-003")
    other.context.close()
    policy.refresh_from_db()
    assert policy.status == "active"
