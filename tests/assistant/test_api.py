"""POST /api/v1/assistant/ask and the conversation endpoints: the contract (checked against
the OpenAPI schema) and who may read what."""

import pytest

from claimdesk.service.models import Ticket

pytestmark = pytest.mark.django_db


def test_ask_answers_with_the_contract(claims_api, customer1, frozen):
    r = claims_api(customer1).post("/assistant/ask", {"question": "理赔需要什么材料"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert set(body) == {
        "answer",
        "source",
        "score",
        "confidence",
        "handed_over",
        "ticket_no",
        "conversation_id",
    }
    assert body["source"]["question"] == "理赔需要准备哪些材料？"
    assert isinstance(body["source"]["id"], int)
    assert body["handed_over"] is False and body["ticket_no"] is None
    assert 0 < body["confidence"] <= 1 and body["score"] > 0


def test_language_can_be_chosen(claims_api, customer1, frozen):
    r = claims_api(customer1).post("/assistant/ask", {"question": "赔款多久到账", "language": "en"})
    assert r.json()["source"]["question"] == "When will I receive the payment?"
    assert "working days" in r.json()["answer"]


def test_a_conversation_continues_and_hands_over(claims_api, customer1, agent1, frozen):
    api = claims_api(customer1)
    first = api.post("/assistant/ask", {"question": "怎么投诉"}).json()
    cid = first["conversation_id"]
    r = api.post("/assistant/ask", {"question": "转人工", "conversation_id": cid})
    body = r.json()
    assert body["handed_over"] is True and body["ticket_no"] and body["source"] is None
    assert body["conversation_id"] == cid
    ticket = Ticket.objects.get(case__number=body["ticket_no"])
    assert "怎么投诉" in ticket.messages.get().body
    conv = api.get(f"/assistant/conversations/{cid}").json()
    assert [t["question"] for t in conv["turns"]] == ["怎么投诉", "转人工"]
    assert conv["ticket_no"] == body["ticket_no"]


def test_the_handover_endpoint(claims_api, customer1, agent1, frozen):
    api = claims_api(customer1)
    cid = api.post("/assistant/ask", {"question": "赔款多久到账"}).json()["conversation_id"]
    r = api.post(f"/assistant/conversations/{cid}/handover")
    assert r.status_code == 200 and r.json()["handed_over"] and r.json()["ticket_no"]


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"question": ""}, 400),
        ({"question": "   "}, 400),
        ({"question": "问" * 501}, 400),
        ({}, 422),
        ({"question": "理赔", "language": "fr"}, 422),
        ({"question": "理赔", "conversation_id": "not-a-uuid"}, 422),
    ],
)
def test_bad_questions_are_clear_4xx(claims_api, customer1, frozen, payload, status):
    r = claims_api(customer1).post("/assistant/ask", payload)
    assert r.status_code == status, r.content
    assert r.json()["detail"]


def test_the_api_needs_a_login(claims_api, frozen):
    assert claims_api().post("/assistant/ask", {"question": "怎么报案"}).status_code == 401


def test_a_customer_cannot_read_or_continue_another_customers_conversation(
    claims_api, customer1, customer2, agent1, frozen
):
    cid = (
        claims_api(customer1)
        .post("/assistant/ask", {"question": "收款银行卡换了怎么改"})
        .json()["conversation_id"]
    )
    other = claims_api(customer2)
    assert other.get(f"/assistant/conversations/{cid}").status_code == 404
    r = other.post("/assistant/ask", {"question": "转人工", "conversation_id": cid})
    assert r.status_code == 404
    assert other.post(f"/assistant/conversations/{cid}/handover").status_code == 404
    assert Ticket.objects.count() == 0
    own = claims_api(customer1).get(f"/assistant/conversations/{cid}")
    assert own.status_code == 200 and own.json()["turns"][0]["source"]["id"]
