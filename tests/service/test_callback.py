""" "转人工" (call me back) and elderly-friendly mode: who calls (the owner of the case the
customer was looking at, else the service desk), by when (the 2-business-hour inquiry clock),
what the agent sees (the call-back in their queue with its clock, the elderly-mode mark), and
that a customer reaches only their own."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from claimdesk.cases.models import DeadlineState
from claimdesk.cases.services import case_reassign
from claimdesk.service.models import CallBack, Category, Ticket
from claimdesk.service.services import (
    callback_request,
    elderly_mode_set,
    ticket_reply,
)
from tests.conftest import PASSWORD, at
from tests.service.conftest import T0, claim_for

pytestmark = pytest.mark.django_db

FRIDAY_LATE = at("2026-12-04 17:00")  # one business hour left that day


def login(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_a_call_back_about_ones_own_claim_goes_to_its_owner(customer1, agent1, agent2, auto_policy):
    claim = claim_for(agent2)  # agent2 took the report on the hotline and owns it
    result = callback_request(
        customer=customer1, now=T0, page=f"/claims/{claim.number}/", case_number=claim.number
    )
    ticket = result.ticket
    assert result.created
    assert ticket.case.owner == agent2
    assert ticket.case.category == Category.CALLBACK
    assert ticket.claim == claim
    callback = CallBack.objects.get(ticket=ticket)
    assert callback.about == claim.case and callback.page == f"/claims/{claim.number}/"


def test_an_owner_who_works_no_tickets_leaves_the_call_to_the_desk(
    customer1, agent1, adjuster1, manager1, auto_policy
):
    claim = claim_for(agent1)
    case_reassign(case=claim.case, new_owner=adjuster1, actor=manager1, now=T0, reason="休假")
    ticket = callback_request(
        customer=customer1, now=T0, page=f"/claims/{claim.number}/", case_number=claim.number
    ).ticket
    assert ticket.case.owner == agent1  # the desk: an adjuster cannot answer tickets
    assert ticket.callback.about == claim.case  # still recorded as what they looked at


def test_a_call_back_from_another_page_goes_to_the_service_desk(
    customer1, agent1, agent2, auto_policy
):
    claim_for(agent2)  # agent2 is busier: the desk hands the call to agent1
    ticket = callback_request(customer=customer1, now=T0, page="/servicing/").ticket
    assert ticket.case.owner == agent1
    assert ticket.claim is None and ticket.callback.about is None
    assert ticket.callback.page == "/servicing/"


def test_another_customers_case_number_reaches_the_desk_and_links_nothing(
    customer1, customer2, agent1, agent2, auto_policy
):
    claim = claim_for(agent2)  # customer1's claim
    ticket = callback_request(
        customer=customer2, now=T0, page="https://evil.example/", case_number=claim.number
    ).ticket
    assert ticket.case.customer == customer2
    assert ticket.case.owner == agent1  # the desk, not the owner of customer1's claim
    assert ticket.claim is None and ticket.callback.about is None
    assert ticket.callback.page == ""  # another site's address is not recorded


def test_the_call_back_runs_on_the_two_business_hour_inquiry_clock(customer1, agent1):
    ticket = callback_request(customer=customer1, now=FRIDAY_LATE, page="/cases/").ticket
    clock = ticket.case.deadlines.get(task__isnull=True)
    assert clock.rule.code == "inquiry_reply"
    # 17:00–18:00 on Friday, then the first business hour of Monday.
    assert clock.due_at == at("2026-12-07 10:00")

    ticket_reply(ticket=ticket, actor=agent1, now=at("2026-12-07 09:20"), body="已致电客户。")
    clock.refresh_from_db()
    assert clock.state == DeadlineState.MET


def test_pressing_again_before_the_call_finds_the_same_request(customer1, agent1):
    first = callback_request(customer=customer1, now=T0, page="/cases/")
    again = callback_request(customer=customer1, now=T0, page="/claims/new/")
    assert again.ticket.pk == first.ticket.pk and not again.created
    assert Ticket.objects.filter(case__category=Category.CALLBACK).count() == 1


def test_the_customer_is_told_when_they_will_be_called_in_chinese(customer1, agent1):
    client = login(customer1, "zh-hans")
    with time_machine.travel(FRIDAY_LATE, tick=False):
        response = client.post("/service/call-back/", {"page": "/cases/", "case": ""})
        assert response.status_code == 302
        page = client.get(response["Location"])
    html = page.content.decode()
    assert "我们将在 2026年12月7日（星期一）10:00 前给您回电。" in html
    assert 'data-testid="callback-due"' in html


def test_staff_cannot_ask_for_a_call_back(agent1):
    response = login(agent1).post("/service/call-back/", {"page": "/cases/"})
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_a_customer_sees_only_their_own_call_back(customer1, customer2, agent1):
    ticket = callback_request(customer=customer1, now=T0, page="/cases/").ticket
    url = f"/service/tickets/{ticket.case.number}/"
    assert login(customer1).get(url).status_code == 200
    assert login(customer2).get(url).status_code == 404
    assert ticket.case.number not in login(customer2).get("/service/my/").content.decode()


def test_the_agent_sees_the_call_back_with_its_clock_and_the_elderly_mark(
    customer1, agent1, auto_policy
):
    elderly_mode_set(user=customer1, on=True, now=T0)
    claim = claim_for(agent1)
    with time_machine.travel(T0, tick=False):
        ticket = callback_request(
            customer=customer1, now=T0, page=f"/claims/{claim.number}/", case_number=claim.number
        ).ticket
        client = login(agent1)
        queue = client.get("/service/").content.decode()
        work = client.get("/work/").content.decode()
        page = client.get(f"/service/tickets/{ticket.case.number}/").content.decode()
    row = queue[queue.index(f'data-ticket="{ticket.case.number}"') :].split("</tr>")[0]
    assert "Elderly mode" in row and "2026-09-30 12:00" in row and "data-seconds-left" in row
    work_row = work[work.index(f'data-case="{ticket.case.number}"') :].split("</tr>")[0]
    assert "Call the customer back" in work_row and "Elderly mode" in work_row
    assert 'data-rule="inquiry_reply"' in work_row or "Inquiry reply" in work_row
    assert 'data-testid="elderly-badge"' in page and claim.number in page
    assert claim.contact_phone and claim.contact_phone in page  # the number to call
    assert "Call the customer by" in page


def test_the_switch_is_remembered_per_customer_and_by_cookie_for_a_visitor(customer1):
    client = login(customer1)
    response = client.post("/portal/elderly-mode/", {"elderly": "on", "next": "/cases/"})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    fresh = login(customer1)  # another browser: the choice is on the account
    html = fresh.get("/cases/").content.decode()
    assert 'class="elderly"' in html and 'data-testid="main-tasks"' in html

    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    visitor.post("/portal/elderly-mode/", {"elderly": "on", "next": "https://evil.example/"})
    assert 'class="elderly"' in visitor.get("/login/").content.decode()
    visitor.post("/portal/elderly-mode/", {"elderly": "off", "next": "/login/"})
    assert 'class="elderly"' not in visitor.get("/login/").content.decode()


def test_staff_pages_offer_no_switch_and_staff_cannot_turn_it_on(agent1):
    client = login(agent1)
    assert 'data-testid="assist-bar"' not in client.get("/work/").content.decode()
    client.post("/portal/elderly-mode/", {"elderly": "on", "next": "/work/"})
    assert 'class="elderly"' not in client.get("/work/").content.decode()
