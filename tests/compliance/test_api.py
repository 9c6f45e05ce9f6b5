"""The compliance API: the check contract, the override log, transcripts, releasing."""

import pytest

from claimdesk.compliance.models import CallTranscript
from claimdesk.compliance.services import message_gate
from claimdesk.notify.models import Notification, Status
from claimdesk.notify.services import notification_queue

pytestmark = pytest.mark.django_db


def test_check_answers_the_contract_exactly(claims_api, agent1, frozen):
    text = "您好，我们１００％赔付，保 证最快到账"
    r = claims_api(agent1).post("/compliance/check", {"text": text})
    assert r.status_code == 200
    body = r.json()
    assert body == {
        "ok": False,
        "violations": [
            {
                "term": "100%赔付",
                "rule": "pay_100_percent",
                "start": 5,
                "end": 11,
                "reason": body["violations"][0]["reason"],
            },
            {
                "term": "保证",
                "rule": "guarantee",
                "start": 12,
                "end": 15,
                "reason": body["violations"][1]["reason"],
            },
            {
                "term": "最快到账",
                "rule": "fastest_payout",
                "start": 15,
                "end": 19,
                "reason": body["violations"][2]["reason"],
            },
        ],
    }
    assert [text[v["start"] : v["end"]] for v in body["violations"]] == [
        "１００％赔付",
        "保 证",
        "最快到账",
    ]
    assert body["violations"][0]["reason"].startswith("Absolute promise")


def test_check_reasons_in_chinese(claims_api, customer1, frozen):
    r = claims_api(customer1, language="zh-hans").post("/compliance/check", {"text": "一定赔"})
    assert r.status_code == 200
    assert r.json()["violations"][0]["reason"].startswith("绝对化承诺：")


def test_clean_text_is_ok(claims_api, agent1, frozen):
    r = claims_api(agent1).post("/compliance/check", {"text": "您的材料已收到"})
    assert r.json() == {"ok": True, "violations": []}


def test_check_needs_a_user_and_a_text(claims_api, agent1, frozen):
    assert claims_api().post("/compliance/check", {"text": "x"}).status_code == 401
    assert claims_api(agent1).post("/compliance/check", {}).status_code == 422


def test_override_log_is_for_managers(claims_api, agent1, manager1, now, frozen):
    message_gate(text="保证赔付", actor=agent1, now=now, context="ticket:T1", override_by=manager1)
    assert claims_api(agent1).get("/compliance/overrides").status_code == 403
    r = claims_api(manager1).get("/compliance/overrides")
    assert r.status_code == 200
    (row,) = r.json()
    assert (row["context"], row["actor"], row["manager"], row["text"]) == (
        "ticket:T1",
        "agent1",
        "manager1",
        "保证赔付",
    )
    assert row["violations"][0]["rule"] == "guarantee"


def test_transcript_upload(claims_api, agent1, manager1, customer1, frozen):
    body = {"agent": "agent1", "text": "客户您好，这个肯定赔", "title": "来电"}
    assert claims_api(customer1).post("/compliance/transcripts", body).status_code == 403
    assert (
        claims_api(manager1).post("/compliance/transcripts", body | {"agent": "x"}).status_code
        == 404
    )
    r = claims_api(manager1).post("/compliance/transcripts", body)
    assert r.status_code == 201
    assert r.json()["agent"] == "agent1"
    assert [v["rule"] for v in r.json()["violations"]] == ["promise_surely_pay"]
    t = CallTranscript.objects.get()
    assert (t.agent, t.uploaded_by, t.text) == (agent1, manager1, body["text"])
    # a transcript belongs to an agent who works tickets
    r = claims_api(manager1).post("/compliance/transcripts", body | {"agent": "customer1"})
    assert r.status_code == 403


def test_release_a_held_notification(claims_api, customer1, agent1, manager1, now, frozen):
    (row, *_rest) = notification_queue(recipient=customer1, subject="绝对到账", now=now, kind="x")
    path = f"/compliance/notifications/{row.pk}/release"
    assert claims_api(agent1).post(path).status_code == 403
    assert claims_api(manager1).post("/compliance/notifications/999999/release").status_code == 404
    r = claims_api(manager1).post(path)
    assert r.status_code == 200 and r.json() == {"released": 2}
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.PENDING}
