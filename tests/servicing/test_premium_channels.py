"""Renewal premiums and reinstatement through the channels: the schedule in the API and on
the policy page, finance recording a premium (page and API; nobody else), the customer's
lapsed policy in the portal with the reinstatement form, the arrears and the underwriter's
acceptance on the request page."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.test import Client

from claimdesk.policies.demo import demo_policy
from claimdesk.policies.models import Policy
from claimdesk.servicing.models import PremiumDue, ServiceRequest
from claimdesk.servicing.services import materials_receive, premium_sweep
from claimdesk.staff.services import token_issue
from tests.claims.conftest import ClaimsApi
from tests.conftest import PASSWORD, at
from tests.underwriting.conftest import underwriter_with_authority

NOW = at("2026-05-20 10:00")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def monthly(products, customer1):
    """customer1's accident policy paid monthly from 1 January 2026 (¥24.92 a month)."""
    product = products["accident"]
    product.premium_frequency = "monthly"
    product.save(update_fields=["premium_frequency"])
    policy = demo_policy(
        number="PACC0001", holder=customer1, line="accident", start=date(2026, 1, 1),
        insured_name="张三", products=products,
    )  # fmt: skip
    premium_sweep(now=at("2026-01-01 09:00"))
    return policy


def api(user) -> ClaimsApi:
    return ClaimsApi(token_issue(username=user.username, password=PASSWORD, now=NOW), "en")


def page(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_the_customer_sees_the_schedule_and_only_finance_records_a_premium(
    frozen, monthly, customer1, customer2, finance1
):
    # Paid through April; May's premium (due 1 May) is in its grace period on 20 May.
    for n in (2, 3, 4):
        PremiumDue.objects.filter(policy=monthly, number=n).update(paid_at=at("2026-01-02 09:00"))
    rows = api(customer1).get("/policies/PACC0001/premiums").json()
    assert [(r["due_on"], r["state"]) for r in rows[3:6]] == [
        ("2026-04-01", "paid"),
        ("2026-05-01", "in_grace"),
        ("2026-06-01", "upcoming"),
    ]
    assert rows[4]["grace_ends_on"] == "2026-06-30" and rows[4]["amount"] == "24.92"
    assert api(customer2).get("/policies/PACC0001/premiums").status_code == 404

    assert api(customer1).post("/policies/PACC0001/premiums/5/payment",
                               {"reference": "X"}).status_code == 403  # fmt: skip
    wrong = api(finance1).post("/policies/PACC0001/premiums/5/payment",
                               {"reference": "B5", "amount": "20"})  # fmt: skip
    assert wrong.status_code == 400 and "24.92" in wrong.json()["detail"]
    paid = api(finance1).post("/policies/PACC0001/premiums/5/payment", {"reference": "B5"})
    assert paid.status_code == 200 and paid.json()["state"] == "paid"
    # The page: finance records June's premium with its bank reference.
    r = page(finance1).post("/servicing/policies/PACC0001/premiums/6/paid/", {"reference": "B6"})
    assert r.status_code == 302
    assert PremiumDue.objects.get(policy=monthly, number=6).reference == "B6"
    schedule = page(customer1).get("/servicing/policies/PACC0001/").content.decode()
    assert "宽限期截止日" in schedule and "登记为已收" not in schedule


def test_the_customer_asks_to_reinstate_a_lapsed_policy_in_the_portal(
    frozen, monthly, customer1, clerk, manager1
):
    premium_sweep(now=at("2026-04-03 09:00"))  # February's premium unpaid: lapsed 3 April
    assert Policy.objects.get(pk=monthly.pk).status == "lapsed"
    portal = page(customer1)
    home = portal.get("/servicing/").content.decode()
    assert "效力中止的保单" in home and "PACC0001" in home

    chief = underwriter_with_authority("chief_uw", "5000000", 3, manager=manager1)
    form = {"item": "reinstatement", "policy": "PACC0001", "effective_on": "2026-05-20"}
    unanswered = portal.post("/servicing/", form)
    assert unanswered.status_code == 400 and "健康告知" in unanswered.content.decode()

    answers = {
        "h_hospitalised": "no", "h_chronic": "yes", "h_abnormal_exam": "no",
        "h_medication": "yes", "h_declined_before": "no",
        "health_details": "2025年确诊高血压，每日服药，血压控制正常",
    }  # fmt: skip
    r = portal.post("/servicing/", {**form, **answers})
    assert r.status_code == 302
    request = ServiceRequest.objects.get(item="reinstatement")
    detail = portal.get(r["Location"]).content.decode()
    assert "欠缴保费" in detail and "¥100.55" in detail and "核保人员正在审核健康告知" in detail

    materials_receive(
        request=request,
        codes=["application", "holder_id", "health_declaration", "arrears_paid"],
        actor=clerk,
        now=NOW,
    )
    number = request.case.number
    assert "underwrite-form" in page(chief).get(r["Location"]).content.decode()
    page(chief).post(f"/servicing/requests/{number}/act/",
                     {"action": "underwrite", "note": "标准体复效"})  # fmt: skip
    approved = api(clerk).post(f"/policy-service/{number}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert Policy.objects.get(pk=monthly.pk).status == "active"
    assert "核保已通过健康告知" in portal.get(r["Location"]).content.decode()


def test_servicing_and_finance_follow_premiums_in_grace_and_lapses(
    frozen, monthly, products, customer1, customer2, clerk, finance1, agent1
):
    """Paid through March, April's premium unpaid on 20 May: in grace until 31 May. customer2's
    policy, February's premium unpaid, lapsed from 3 April."""
    PremiumDue.objects.filter(policy=monthly, number__in=(2, 3)).update(
        paid_at=at("2026-01-02 09:00")
    )
    other = demo_policy(
        number="PACC0002", holder=customer2, line="accident", start=date(2026, 1, 1),
        insured_name="李四", products=products,
    )  # fmt: skip
    premium_sweep(now=at("2026-01-01 09:00"))  # its schedule, from its start
    premium_sweep(now=at("2026-04-03 09:00"))
    assert Policy.objects.get(pk=other.pk).status == "lapsed"
    assert Policy.objects.get(pk=monthly.pk).status == "active"
    for user in (clerk, finance1):
        html = page(user).get("/servicing/").content.decode()
        in_grace = html.split('data-testid="premiums-in-grace"')[1].split("</table>")[0]
        lapses = html.split('data-testid="lapses"')[1].split("</table>")[0]
        assert "PACC0001" in in_grace and "2026-05-31" in in_grace
        assert "PACC0002" in lapses and "2026-04-03" in lapses and "PACC0001" not in lapses
    # Neither a customer nor an agent sees anyone's premiums there.
    assert "premiums-in-grace" not in page(customer1).get("/servicing/").content.decode()
    assert "premiums-in-grace" not in page(agent1).get("/servicing/").content.decode()
