"""Browser: an agent answers an inquiry with a template; a reply with a forbidden promise
is flagged while typing and refused on the page with the reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from claimdesk.service.models import ReplyTemplate
from claimdesk.service.services import ticket_open
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(tab: Page, base: str, username: str) -> None:
    tab.goto(f"{base}/login/")
    tab.get_by_label("用户名").fill(username)
    tab.get_by_label("密码").fill(PASSWORD)
    tab.get_by_role("button", name="登录").click()


def test_an_agent_answers_with_a_template_and_a_promise_is_blocked(
    live_server,
    page: Page,
    agent1,
    customer1,
    artifacts,
):
    ticket = ticket_open(
        customer=customer1,
        actor=agent1,
        category="inquiry",
        subject="理赔需要什么材料",
        body="请问车险理赔需要准备哪些材料？",
        channel="hotline",
        now=timezone.now() - timedelta(minutes=10),
    )
    log_in(page, live_server.url, "agent1")
    page.goto(f"{live_server.url}/service/")
    row = page.get_by_test_id("ticket-row").first
    expect(row).to_have_attribute("data-ticket", ticket.case.number)
    row.get_by_role("link", name=ticket.case.number).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("新建")

    # A forbidden promise: flagged live while typing, refused with the reason on sending.
    box = page.get_by_test_id("reply-body")
    box.fill("放心，我们保证１００％赔付！")
    live = page.get_by_test_id("compliance-feedback")
    expect(live).to_have_attribute("data-ok", "false")
    expect(live).to_contain_text("保证")
    page.get_by_test_id("send-reply").click()
    expect(page.get_by_test_id("refusal")).to_contain_text("保证")
    expect(page.get_by_test_id("refusal-violations")).to_contain_text("100%赔付")
    expect(page.get_by_test_id("ticket-status")).to_have_text("新建")
    page.screenshot(path=str(artifacts / "service_refusal.png"), full_page=True)

    # The consultation template, filled in and sent.
    consultation = ReplyTemplate.objects.get(scenario="consultation")
    page.get_by_test_id("template-select").select_option(str(consultation.pk))
    expect(page.get_by_test_id("missing-variables")).to_contain_text("{answer}")
    text = page.get_by_test_id("reply-body").input_value()
    assert text.startswith("customer1您好，感谢您的咨询。")
    page.get_by_test_id("reply-body").fill(
        text.replace("{answer}", "需要理赔申请书、事故认定书、维修发票和身份证明")
    )
    expect(page.get_by_test_id("compliance-feedback")).to_have_attribute("data-ok", "true")
    page.get_by_test_id("send-reply").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("处理中")
    expect(page.get_by_test_id("conversation")).to_contain_text("维修发票")
    expect(
        page.get_by_test_id("clocks").locator('tr[data-rule="inquiry_reply"]')
    ).to_have_attribute("data-state", "met")
