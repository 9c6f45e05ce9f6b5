"""Who can list and download notices, through the API (bearer token, answers checked against
the OpenAPI schema) and through the portal (session login)."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from claimdesk.cases.services import task_assign
from claimdesk.notices.selectors import notice_find, notices_for
from claimdesk.notices.services import notice_issue
from tests.notices.conftest import (
    T0,
    objection_context,
    rejection_context,
    rendered,
    report_context,
)
from tests.notices.test_notices import pdf_text, stored_bytes


@pytest.fixture
def notices(claim, other_claim, manager1):
    """customer1's claim with a claim report and a rejection; customer2's with a rejection."""
    report = notice_issue(
        case=claim.case, kind="claim_report", context=report_context(claim), actor=manager1, now=T0
    )
    report = rendered(report)
    rejection = notice_issue(
        case=claim.case,
        kind="rejection",
        context=rejection_context(claim),
        actor=manager1,
        now=T0.replace(hour=11),
    )
    rejection = rendered(rejection)
    other = notice_issue(
        case=other_claim.case,
        kind="rejection",
        context={**rejection_context(other_claim), "customer_name": "李四"},
        actor=manager1,
        now=T0,
    )
    other = rendered(other)
    return report, rejection, other


def test_the_customer_lists_their_claims_notices_newest_first(
    claims_api, customer1, claim, notices
):
    report, rejection, _other = notices
    r = claims_api(customer1).get(f"/claims/{claim.number}/notices")
    assert r.status_code == 200
    body = r.json()
    assert [n["id"] for n in body] == [rejection.pk, report.pk]
    assert body[0]["kind"] == "rejection" and body[1]["kind"] == "claim_report"
    assert body[0]["kind_label"] == "Rejection notice"  # the caller's language (en here)
    assert body[0]["url"] == f"/api/v1/notices/{rejection.pk}/pdf"
    assert body[0]["sha256"] == rejection.sha256
    assert body[0]["created_at"].startswith("2026-09-30T11:00:00+08:00")
    zh = claims_api(customer1, language="zh-hans").get(f"/claims/{claim.number}/notices")
    assert zh.json()[0]["kind_label"] == "拒赔通知书"


def test_the_pdf_comes_back_as_stored(claims_api, customer1, notices):
    _report, rejection, _other = notices
    api = claims_api(customer1)
    r = api.get(f"/notices/{rejection.pk}/pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"] == (
        f'inline; filename="rejection-{rejection.case.number}-{rejection.pk}.pdf"'
    )
    assert r["X-Content-Type-Options"] == "nosniff"
    data = b"".join(r.streaming_content)
    import hashlib

    assert hashlib.sha256(data).hexdigest() == rejection.sha256


def test_a_customer_cannot_reach_another_customers_notices(
    claims_api, client, customer1, customer2, claim, notices
):
    report, rejection, other = notices
    api = claims_api(customer2)
    assert api.get(f"/claims/{claim.number}/notices").status_code == 404
    for notice in (report, rejection):
        assert api.get(f"/notices/{notice.pk}/pdf").status_code == 404
    assert api.get(f"/notices/{other.pk}/pdf").status_code == 200  # their own, yes
    assert api.get("/notices/999999/pdf").status_code == 404

    client.force_login(customer2)
    assert client.get(reverse("notices:pdf", args=[rejection.pk])).status_code == 404
    assert client.get(reverse("notices:pdf", args=[other.pk])).status_code == 200
    client.force_login(customer1)
    assert client.get(reverse("notices:pdf", args=[other.pk])).status_code == 404
    page = client.get(reverse("notices:pdf", args=[rejection.pk]))
    assert page.status_code == 200 and page["Content-Type"] == "application/pdf"


def test_staff_see_notices_by_role(claims_api, agent1, agent2, adjuster1, manager1, claim, notices):
    _report, rejection, _other = notices
    other_agent = agent2 if claim.case.owner == agent1 else agent1
    for outsider in (other_agent, adjuster1):  # neither owner nor on a task
        assert claims_api(outsider).get(f"/claims/{claim.number}/notices").status_code == 404
        assert claims_api(outsider).get(f"/notices/{rejection.pk}/pdf").status_code == 404
        assert notice_find(outsider, rejection.pk) is None
        assert not notices_for(claim.case, outsider).exists()
    task_assign(
        case=claim.case, kind="adjudicate", title="核定", assignee=adjuster1, actor=manager1, now=T0
    )
    assert len(claims_api(adjuster1).get(f"/claims/{claim.number}/notices").json()) == 2
    assert claims_api(adjuster1).get(f"/notices/{rejection.pk}/pdf").status_code == 200
    assert claims_api(manager1).get(f"/notices/{rejection.pk}/pdf").status_code == 200
    owner = claim.case.owner  # the agent handling intake
    assert notices_for(claim.case, owner).count() == 2


def test_anonymous_callers_get_nothing(claims_api, client, claim, notices):
    _report, rejection, _other = notices
    assert claims_api().get(f"/claims/{claim.number}/notices").status_code == 401
    assert claims_api().get(f"/notices/{rejection.pk}/pdf").status_code == 401
    page = client.get(reverse("notices:pdf", args=[rejection.pk]))
    assert page.status_code == 302 and reverse("login") in page.url


def test_the_list_include_links_each_pdf(customer1, claim, notices):
    report, rejection, _other = notices
    with translation.override("zh-hans"):
        html = render_to_string(
            "notices/_list.html", {"notices": notices_for(claim.case, customer1)}
        )
    assert html.index(f'data-notice="{rejection.pk}"') < html.index(f'data-notice="{report.pk}"')
    assert f'href="{reverse("notices:pdf", args=[rejection.pk])}"' in html
    assert "拒赔通知书" in html and "理赔决定通知书" in html
    with translation.override("zh-hans"):
        empty = render_to_string("notices/_list.html", {"notices": []})
    assert "暂无通知书" in empty


def test_the_customer_sees_the_notice_in_their_timeline(claims_api, customer1, claim, notices):
    r = claims_api(customer1).get(f"/claims/{claim.number}")
    texts = [e["text"] for e in r.json()["timeline"] if e["kind"] == "notice_issued"]
    # told in the reader's language (the API client here reads English)
    assert len(texts) == 2 and any("Rejection notice" in t for t in texts)


def test_an_objection_reply_on_a_ticket_shows_on_its_claim(
    claims_api, customer1, customer2, claim, notices
):
    """The written answer to an objection is issued on the objection ticket; the customer
    finds it among the claim's notices, headed with the ticket's case number."""
    from claimdesk.service.services import ticket_open

    ticket = ticket_open(
        customer=customer1,
        actor=customer1,
        category="objection",
        subject="对核定结果有异议",
        body="我认为不应扣除免赔额。",
        channel="portal",
        now=T0,
        claim=claim,
    )
    reply = notice_issue(
        case=ticket.case,
        kind="objection_reply",
        context=objection_context(claim),
        actor=ticket.case.owner,
        now=T0.replace(hour=12),
    )
    reply = rendered(reply)
    body = claims_api(customer1).get(f"/claims/{claim.number}/notices").json()
    assert body[0]["id"] == reply.pk and len(body) == 3
    assert claims_api(customer2).get(f"/notices/{reply.pk}/pdf").status_code == 404
    text = re.sub(r"\s+", "", pdf_text(stored_bytes(reply)))
    assert f"案件编号{ticket.case.number}" in text and "赔案号" not in text


def test_the_claim_page_lists_the_notices_for_the_customer(client, customer1, claim, notices):
    _report, rejection, _other = notices
    client.force_login(customer1)
    page = client.get(reverse("web:claim_detail", args=[claim.number])).content.decode()
    assert 'data-testid="notices"' in page
    assert f'href="{reverse("notices:pdf", args=[rejection.pk])}"' in page
