"""Service-desk pages: queue by urgency, ticket page with template picker and refusals,
the RCA form, and the customer's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from claimdesk.service.models import ReplyTemplate, Ticket
from tests.conftest import PASSWORD
from tests.service.conftest import T0, claim_for

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_queue_puts_overdue_tickets_first(open_ticket, agent1, frozen):
    complaint = open_ticket("complaint", subject="投诉")
    late = open_ticket(
        "green", subject="绿通", green_reason="accident", now=T0 - timedelta(hours=1)
    )
    inquiry = open_ticket("inquiry", subject="咨询")
    page = login(agent1).get("/service/")
    assert page.status_code == 200
    html = page.content.decode()
    order = [html.index(t.case.number) for t in (late, inquiry, complaint)]
    assert order == sorted(order)
    assert 'class="overdue"' in html and "data-seconds-left" in html
    rows = login(agent1).get("/service/rows/")
    assert rows.status_code == 200 and late.case.number in rows.content.decode()


def test_customers_have_no_queue(customer1):
    assert login(customer1).get("/service/").status_code == 302
    assert login(customer1).get("/service/rows/").status_code == 403


def test_the_ticket_page_picks_a_template_and_shows_a_refusal_with_its_reason(
    open_ticket, agent1, auto_policy, frozen
):
    claim = claim_for(agent1)
    ticket = open_ticket("inquiry", claim=claim)
    client = login(agent1)
    url = f"/service/tickets/{ticket.case.number}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert claim.number in html and "reply-form" in html and "/compliance/check-fragment/" in html

    progress = ReplyTemplate.objects.get(scenario="progress")
    page = client.get(url, {"template": progress.pk, "language": "zh-hans"})
    html = page.content.decode()
    assert f"customer1您好，案件{claim.number}目前处于" in html

    rejection = ReplyTemplate.objects.get(scenario="rejection")
    html = client.get(url, {"template": rejection.pk}).content.decode()
    assert 'data-testid="missing-variables"' in html and "{article}" in html

    refused = client.post(f"{url}reply/", {"body": "我们保证一定赔！"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'data-testid="refusal"' in html and "保证" in html and "一定赔" in html
    assert "我们保证一定赔！" in html  # the text typed is kept
    ticket.case.refresh_from_db()
    assert ticket.case.status == "new"

    sent = client.post(f"{url}reply/", {"body": "您好，案件正在审核材料。"})
    assert sent.status_code == 302
    ticket.case.refresh_from_db()
    assert ticket.case.status == "in_progress"

    client.post(f"{url}reply/", {"body": "客户很着急", "internal": "on"})
    assert ticket.messages.filter(internal=True, body="客户很着急").exists()


def test_the_customer_sees_no_internal_notes_and_cannot_open_others(
    open_ticket, agent1, customer1, customer2
):
    ticket = open_ticket("inquiry")
    login(agent1).post(
        f"/service/tickets/{ticket.case.number}/reply/", {"body": "内部备注甲", "internal": "on"}
    )
    html = login(customer1).get(f"/service/tickets/{ticket.case.number}/").content.decode()
    assert "内部备注甲" not in html and "reply-form" not in html
    assert login(customer2).get(f"/service/tickets/{ticket.case.number}/").status_code == 404


def test_the_rca_form_lets_a_complaint_close(open_ticket, agent1, frozen):
    ticket = open_ticket("complaint", subject="投诉")
    client = login(agent1)
    url = f"/service/tickets/{ticket.case.number}/"
    refused = client.post(f"{url}act/", {"action": "resolve", "resolution": "已处理"})
    assert refused.status_code == 400 and "root-cause" in refused.content.decode()
    saved = client.post(
        f"{url}rca/",
        {
            "category": "timeliness",
            "department": "理赔部",
            "root_cause": "通知滞后",
            "corrective_action": "自动通知",
            "owner": "agent1",
            "due_date": "2026-10-30",
            "verification": "抽查",
        },
    )
    assert saved.status_code == 302
    assert "rca-recurrence" in client.get(url).content.decode()
    assert (
        client.post(f"{url}act/", {"action": "resolve", "resolution": "已处理"}).status_code == 302
    )
    assert client.post(f"{url}act/", {"action": "close"}).status_code == 302
    ticket.case.refresh_from_db()
    assert ticket.case.status == "closed"


def test_a_customer_opens_a_ticket_about_their_claim(customer1, agent1, auto_policy, frozen):
    claim = claim_for(agent1)
    client = login(customer1)
    assert client.get("/service/my/").status_code == 200
    r = client.post(
        "/service/my/",
        {
            "category": "inquiry",
            "topic": "timeliness",
            "claim": claim.number,
            "subject": "多久能赔",
            "body": "请问还要多久？",
        },
    )
    assert r.status_code == 302
    ticket = Ticket.objects.get(subject="多久能赔")
    assert ticket.claim == claim and ticket.channel == "portal"
    r = client.post(f"/service/tickets/{ticket.case.number}/reply/", {"body": "补充一句"})
    assert r.status_code == 302
    assert ticket.messages.filter(from_customer=True).count() == 2
    bad = client.post("/service/my/", {"category": "green", "subject": "x", "body": "y"})
    assert bad.status_code == 400


def test_pages_speak_chinese_first(open_ticket, agent1):
    ticket = open_ticket("complaint", subject="投诉")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert client.login(username="agent1", password=PASSWORD)
    html = client.get(f"/service/tickets/{ticket.case.number}/").content.decode()
    assert "问题根因分析" in html and "沟通记录" in html and "类别: 投诉" in html
    assert "工单队列" in client.get("/service/").content.decode()


def test_a_customer_objects_to_a_claims_result_from_their_page(
    customer1, agent1, auto_policy, frozen
):
    claim = claim_for(agent1)
    client = login(customer1)
    r = client.post("/service/my/", {"category": "objection", "subject": "异议", "body": "不认可"})
    assert r.status_code == 400 and "claim" in r.content.decode()
    r = client.post(
        "/service/my/",
        {"category": "objection", "claim": claim.number, "subject": "异议", "body": "不认可定损"},
    )
    assert r.status_code == 302
    ticket = Ticket.objects.get(claim=claim, case__category="objection")
    assert ticket.case.deadlines.filter(rule__code="objection_reply").exists()


def test_the_rca_form_starts_from_the_topic_s_name_not_its_code(open_ticket, agent1):
    ticket = open_ticket("complaint", subject="投诉 客服态度", topic="service_attitude")
    html = login(agent1).get(f"/service/tickets/{ticket.case.number}/").content.decode()
    label = ticket.get_topic_display()
    assert f'name="category" value="{label}"' in html
    assert 'value="service_attitude"' not in html
