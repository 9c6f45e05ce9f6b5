"""Policy loans (保单贷款) and survival benefits (生存给付), through the real services and the
API: a loan up to the product's share of the cash value, paid through the payment flow and
raising the loan balance by an endorsement; a repayment with interest lowering it; a
surrender deducting it; a survival benefit due on its date paid to the account on the
version in effect that day, which the customer follows on the policy."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from claimdesk.cases.models import DeadlineState
from claimdesk.payments.models import Payment
from claimdesk.policies.selectors import policy_as_of
from claimdesk.servicing.models import ServiceRequest, SurvivalBenefit
from claimdesk.servicing.services import (
    materials_receive,
    request_approve,
    request_open,
    survival_sweep,
)
from claimdesk.staff.services import token_issue
from tests.claims.conftest import ClaimsApi
from tests.conftest import PASSWORD, at
from tests.servicing.conftest import T0

LOAN_MATERIALS = ["loan_application", "holder_id", "bank_card"]


def api(user, now=T0) -> ClaimsApi:
    return ClaimsApi(token_issue(username=user.username, password=PASSWORD, now=now), language="en")


def _pay(finance, payment: Payment, now) -> None:
    fin = api(finance, now)
    r = fin.post(
        f"/payments/{payment.reference}/actions/send", {"bank_ref": "B" + payment.reference}
    )
    assert r.status_code == 200, r.content
    r = fin.post(f"/payments/{payment.reference}/actions/confirm")
    assert r.status_code == 200 and r.json()["state"] == "confirmed", r.content


def test_a_loan_up_to_80_percent_of_cash_value_is_paid_and_raises_the_balance(
    frozen, customer1, clerk, finance1, ci_policy
):
    # Cash value on 30 Sept 2026: ¥2,325.00 (see test_requests); 80 % = ¥1,860.00.
    me = api(customer1)
    r = me.get("/policy-service/loan-quote", policy="PCI0001", amount="2000")
    assert r.status_code == 400 and "1,860.00" in r.json()["detail"]
    r = me.post(
        "/policy-service", {"policy": "PCI0001", "item": "loan", "details": {"amount": "2000"}}
    )
    assert r.status_code == 400 and "1,860.00" in r.json()["detail"]
    assert not ServiceRequest.objects.filter(item="loan").exists()

    r = me.post(
        "/policy-service", {"policy": "PCI0001", "item": "loan", "details": {"amount": "1500"}}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["quote"]["available"] == "1860.00" and body["quote"]["rate"] == "5.00"
    assert body["amount"] == "1500.00"
    assert [c["code"] for c in body["checklist"]] == LOAN_MATERIALS
    number = body["number"]
    request = ServiceRequest.objects.get(case__number=number)

    clerk_api = api(clerk)
    r = clerk_api.post(f"/policy-service/{number}/materials", {"codes": LOAN_MATERIALS})
    assert r.status_code == 200 and r.json()["status"] == "complete"
    r = clerk_api.post(f"/policy-service/{number}/approve")  # ¥1,500 within the clerk's ¥2,000
    assert r.status_code == 200 and r.json()["status"] == "paying", r.content

    # The loan balance rises by an endorsement effective on the request's date.
    ci_policy.refresh_from_db()
    assert ci_policy.loan_balance == Decimal("1500.00")
    assert policy_as_of(ci_policy, date(2026, 9, 29)).loan_balance == 0
    assert policy_as_of(ci_policy, date(2026, 9, 30)).loan_balance == Decimal("1500.00")

    # Paid through the payment flow, to the account on file, with its clock.
    payment = Payment.objects.get(case=request.case)
    assert payment.purpose == "loan" and payment.amount == Decimal("1500.00")
    assert payment.reference == f"PY{number}L1"
    assert payment.account.account_number == "6222020000000001"
    clock = request.case.deadlines.get(rule__code="service_payment")
    assert clock.state == DeadlineState.RUNNING
    task = request.case.tasks.get(kind="payment")
    assert task.assignee == finance1
    _pay(finance1, payment, T0)
    request.refresh_from_db()
    clock.refresh_from_db()
    assert request.case.status == "paid" and clock.state == DeadlineState.MET
    assert "loan_paid" in request.case.events.values_list("kind", flat=True)

    # A second loan may only reach what is left; a surrender now deducts the loan.
    r = me.get("/policy-service/loan-quote", policy="PCI0001", amount="360")
    assert r.status_code == 200 and r.json()["available"] == "360.00"
    r = me.get("/policy-service/quote", policy="PCI0001")
    assert r.json()["loans"] == "1500.00" and r.json()["amount"] == "825.00"


def test_a_repayment_pays_interest_and_lowers_the_balance(
    frozen, customer1, clerk, finance1, ci_policy
):
    loan = request_open(
        policy=ci_policy, item="loan", details={"amount": "1500"}, actor=customer1, now=T0
    )
    materials_receive(request=loan, codes=LOAN_MATERIALS, actor=clerk, now=T0)
    request_approve(request=loan, actor=clerk, now=T0)

    later = T0 + timedelta(days=73)  # 12 Dec 2026
    frozen.move_to(later)
    r = api(customer1, later).post(
        "/policy-service",
        {"policy": "PCI0001", "item": "loan_repayment", "details": {"amount": "2000"}},
    )
    assert r.status_code == 400 and "1,500.00" in r.json()["detail"]
    r = api(customer1, later).post(
        "/policy-service",
        {"policy": "PCI0001", "item": "loan_repayment", "details": {"amount": "1000"}},
    )
    assert r.status_code == 201, r.content
    quote = r.json()["quote"]
    # 73 days at 5 % a year on ¥1,500: 1500 × 0.05 × 73 / 365 = ¥15.00.
    assert quote["since"] == "2026-09-30" and quote["days"] == 73
    assert quote["interest"] == "15.00" and quote["total"] == "1015.00"
    assert quote["balance_after"] == "500.00"
    assert r.json()["amount"] is None  # the customer pays: nothing is paid out
    repayment = ServiceRequest.objects.get(case__number=r.json()["number"])
    materials_receive(
        request=repayment, codes=["application", "repayment_receipt"], actor=clerk, now=later
    )
    request_approve(request=repayment, actor=clerk, now=later)
    repayment.refresh_from_db()
    assert repayment.case.status == "approved"
    ci_policy.refresh_from_db()
    assert ci_policy.loan_balance == Decimal("500.00")
    assert not Payment.objects.filter(case=repayment.case).exists()


@pytest.fixture
def survival_policy(ci_policy, products):
    """The critical-illness product with a survival benefit of 2 ‰ of the sum insured 6 and
    11 policy months after the start (1 Sept 2026 and 1 Feb 2027)."""
    product = ci_policy.product
    product.survival_schedule = [{"month": 6, "per_mille": "2"}, {"month": 11, "per_mille": "2"}]
    product.save()
    ci_policy.refresh_from_db()
    return ci_policy


def test_a_survival_benefit_is_paid_on_its_date_to_the_account_on_file_that_day(
    frozen, customer1, clerk, finance1, survival_policy
):
    # The account changes effective 30 Sept, after the benefit fell due on 1 Sept.
    change = request_open(
        policy=survival_policy,
        item="bank_account",
        details={
            "bank_name": "招商银行",
            "account_name": "张三",
            "account_number": "6225880000000002",
        },
        actor=customer1,
        now=T0,
    )
    materials_receive(
        request=change, codes=["application", "holder_id", "bank_card"], actor=clerk, now=T0
    )
    request_approve(request=change, actor=clerk, now=T0)

    me = api(customer1)
    rows = me.get("/policies/PCI0001/survival-benefits").json()
    assert [(r["due_on"], r["amount"], r["state"]) for r in rows] == [
        ("2026-09-01", "1000.00", "being paid"),
        ("2027-02-01", "1000.00", "to come"),
    ]
    r = me.post("/policy-service", {"policy": "PCI0001", "item": "survival_benefit"})
    assert r.status_code == 400  # nobody asks for it: it is paid when due

    assert survival_sweep(now=T0) == {"paid": 1, "not_payable": 0}
    assert survival_sweep(now=T0) == {"paid": 0, "not_payable": 0}  # once
    benefit = SurvivalBenefit.objects.get(policy=survival_policy, number=1)
    request = benefit.request
    assert request.item == "survival_benefit" and request.case.status == "paying"
    assert request.case.customer == customer1
    payment = Payment.objects.get(case=request.case)
    assert payment.purpose == "survival" and payment.amount == Decimal("1000.00")
    # The account on the version in effect on 1 Sept, not the one changed on 30 Sept.
    assert payment.account.account_number == "6222020000000001"
    assert request.case.tasks.get(kind="payment").assignee == finance1
    _pay(finance1, payment, T0)

    rows = me.get("/policies/PCI0001/survival-benefits").json()
    assert rows[0]["state"] == "paid" and rows[0]["request"] == request.case.number
    # …and on the policy page, in words.
    browser = Client()
    browser.force_login(customer1)
    with translation.override("zh-hans"):
        page = browser.get("/servicing/policies/PCI0001/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="survival"' in html
    assert "¥1000.00" in html and request.case.number in html


def test_a_survival_benefit_is_not_paid_for_a_day_without_cover(
    frozen, customer1, clerk, finance1, survival_policy
):
    from claimdesk.policies.services import endorsement_issue

    endorsement_issue(
        policy=survival_policy,
        effective_on=date(2026, 8, 20),
        kind="lapse",
        changes={"status": "lapsed"},
        actor=None,
        now=at("2026-08-20 09:00"),
    )
    assert survival_sweep(now=T0) == {"paid": 0, "not_payable": 1}
    benefit = SurvivalBenefit.objects.get(policy=survival_policy, number=1)
    assert benefit.request is None and "2026-09-01" in benefit.not_payable
    assert not Payment.objects.filter(purpose="survival").exists()


def test_the_customer_asks_for_a_loan_in_the_portal(frozen, customer1, clerk, ci_policy):
    browser = Client()
    browser.force_login(customer1)
    page = browser.get("/servicing/?item=loan")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="loan-note"' in html
    assert "survival_benefit" not in html  # nobody asks for a survival benefit
    # Above 80 % of the cash value: the form says the most, nothing is registered.
    r = browser.post("/servicing/", {"item": "loan", "policy": "PCI0001", "amount": "1900"})
    assert r.status_code == 400 and "1,860.00" in r.content.decode()
    assert not ServiceRequest.objects.filter(item="loan").exists()
    r = browser.post("/servicing/", {"item": "loan", "policy": "PCI0001", "amount": "1800"})
    request = ServiceRequest.objects.get(item="loan")
    assert r.status_code == 302 and r.url.endswith(f"/servicing/requests/{request.case.number}/")
    page = browser.get(r.url).content.decode()
    assert 'data-testid="loan-amount"' in page and "¥1800.00" in page
