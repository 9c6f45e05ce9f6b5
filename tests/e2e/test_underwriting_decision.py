"""An underwriter opens their queue, sees the application's clock and their authority, and
decides a rated acceptance on the decision form; the premium is recalculated on the page.
An application above their authority refuses their decision and names who may decide."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from claimdesk.policies.demo import demo_products
from claimdesk.underwriting import services
from tests.underwriting.conftest import application_input, declared_chronic
from tests.underwriting.conftest import underwriter_with_authority as underwriter

from .test_adjudication import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_underwriter_decides_within_authority_and_is_refused_above_it(
    live_server, page: Page, artifacts, customer1, manager1
):
    demo_products()
    underwriter("junior_uw", "300000", 1, manager=manager1)
    now = timezone.now()
    small = services.application_submit(
        data=application_input(standard_premium=Decimal("2468.10"), **declared_chronic()),
        customer=customer1,
        actor=customer1,
        now=now,
    )
    big = services.application_submit(
        data=application_input(
            sum_insured=Decimal("400000"), insured_name="李四", occupation_class=5
        ),
        customer=customer1,
        actor=customer1,
        now=now,
    )
    # Both are the junior's (the only underwriter when they came in); a senior joins.
    underwriter("senior_uw", "1500000", 2, manager=manager1)
    base = live_server.url
    log_in(page, base, "junior_uw")

    page.goto(f"{base}/underwriting/")
    queue = page.get_by_test_id("uw-queue")
    expect(queue.locator(f'tr[data-number="{small.case.number}"]')).to_contain_text("核保结论 · ")
    page.screenshot(path=str(artifacts / "uw-queue.png"), full_page=True)

    page.locator(f'a:text("{small.case.number}")').click()
    expect(page.get_by_test_id("authority")).to_contain_text("在您的权限内")
    expect(page.get_by_test_id("declaration")).to_contain_text("2019年诊断高血压")
    form = page.get_by_test_id("decision-form")
    form.get_by_label("核保结论").select_option("accept_rated")
    form.get_by_label("加费比例（%）").fill("25")
    form.get_by_label("理由").fill("高血压服药控制良好，加费25%承保")
    page.screenshot(path=str(artifacts / "uw-decision-form.png"), full_page=True)
    form.get_by_role("button", name="提交核保结论").click()
    # 2468.10 × 125 % = 3085.125 → 3085.13 (to the fen, half up)
    expect(page.get_by_test_id("premium")).to_have_text("¥3085.13")
    expect(page.get_by_test_id("decision")).to_contain_text("加费承保")
    expect(page.get_by_test_id("case-status")).to_have_text("已承保")
    page.screenshot(path=str(artifacts / "uw-decided.png"), full_page=True)

    page.goto(f"{base}/underwriting/{big.case.number}/")
    expect(page.get_by_test_id("authority")).to_contain_text("超出您的权限")
    form = page.get_by_test_id("decision-form")
    form.get_by_label("核保结论").select_option("accept")
    form.get_by_label("理由").fill("职业风险可接受，标准体承保")
    form.get_by_role("button", name="提交核保结论").click()
    expect(page.get_by_test_id("refusal")).to_contain_text("超出您的核保权限")
    expect(page.get_by_test_id("who-can")).to_contain_text("senior_uw")
    expect(page.get_by_test_id("case-status")).to_have_text("已提交")
    expect(page.get_by_test_id("sign")).to_have_count(0)  # the signature is the senior's
    page.screenshot(path=str(artifacts / "uw-above-authority.png"), full_page=True)
