"""customer1 asks the assistant in the portal and gets an answer with its source, then asks
for a person and sees the ticket number; an anonymous visitor gets answers too."""

import pytest
from playwright.sync_api import expect

from claimdesk.service.models import Ticket
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _ask(tab, question: str) -> None:
    tab.get_by_test_id("chat-question").fill(question)
    tab.get_by_test_id("chat-send").click()


def test_customer_asks_and_is_handed_over(page, live_server, customer1, agent1):
    base = live_server.url
    page.goto(f"{base}/login/?next=/assistant/")
    page.get_by_label("用户名").fill("customer1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/assistant/")

    _ask(page, "车险报案后多久联系我")
    answer = page.get_by_test_id("chat-answer").first
    expect(answer).to_contain_text("1个工作日")
    expect(page.get_by_test_id("chat-source").first).to_contain_text("报案后多久会有人联系我")
    expect(page.get_by_test_id("chat-question")).to_have_value("")  # htmx reset the form

    page.get_by_test_id("chat-handover").click()
    ticket = page.get_by_test_id("chat-ticket")
    expect(ticket).to_be_visible()
    number = Ticket.objects.get().case.number
    expect(ticket).to_contain_text(number)
    assert "车险报案后多久联系我" in Ticket.objects.get().messages.get().body


def test_an_anonymous_visitor_asks(page, live_server, db):
    page.goto(f"{live_server.url}/assistant/")
    _ask(page, "今天天气怎么样")
    expect(page.get_by_test_id("chat-answer")).to_contain_text("95500")
    expect(page.get_by_test_id("chat-login-hint")).to_be_visible()
    _ask(page, "赔款多久到账")
    expect(page.get_by_test_id("chat-source")).to_contain_text("赔款多久到账")
    assert Ticket.objects.count() == 0
