"""The portal chat page: anonymous visitors can ask; a signed-in customer can hand over."""

import pytest
from django.test import Client

from claimdesk.service.models import Ticket
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def _client(user=None) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        assert c.login(username=user.username, password=PASSWORD)
    return c


def test_an_anonymous_visitor_asks_on_the_page(db):
    c = _client()
    assert c.get("/assistant/").status_code == 200
    r = c.post("/assistant/ask/", {"question": "理赔需要什么材料"}, **HX)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="chat-source"' in html and "理赔需要准备哪些材料" in html
    page = c.get("/assistant/").content.decode()
    assert "理赔需要什么材料" in page  # the conversation stays with the session
    assert 'data-testid="chat-login-hint"' in page


def test_without_javascript_the_form_posts_and_redirects(db):
    c = _client()
    r = c.post("/assistant/ask/", {"question": "赔款多久到账"})
    assert r.status_code == 302 and r["Location"] == "/assistant/"
    assert "5个工作日" in c.get("/assistant/").content.decode()


def test_an_anonymous_hand_over_asks_for_a_login(db):
    c = _client()
    r = c.post("/assistant/handover/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    r = c.post("/assistant/handover/", **HX)
    assert r["HX-Redirect"].startswith("/login/")
    assert Ticket.objects.count() == 0


def test_a_customer_talks_to_a_person_and_sees_the_ticket_number(customer1, agent1):
    c = _client(customer1)
    c.post("/assistant/ask/", {"question": "对定损结果不满意怎么办"}, **HX)
    r = c.post("/assistant/handover/", **HX)
    assert r.status_code == 200
    ticket = Ticket.objects.get()
    html = r.content.decode()
    assert 'data-testid="chat-ticket"' in html and ticket.case.number in html
    assert "对定损结果不满意怎么办" in ticket.messages.get().body


def test_an_empty_question_shows_a_message(customer1):
    r = _client(customer1).post("/assistant/ask/", {"question": " "}, **HX)
    assert r.status_code == 200 and r["HX-Retarget"] == "#chat-error"
    assert 'data-testid="chat-error-message"' in r.content.decode()


def test_another_session_does_not_see_the_conversation(customer1, customer2):
    _client(customer1).post("/assistant/ask/", {"question": "怎么投诉"})
    assert "怎么投诉" not in _client(customer2).get("/assistant/").content.decode()
