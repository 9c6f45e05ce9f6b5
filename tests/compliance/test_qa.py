"""Weekly QA sampling of closed tickets and call transcripts, and the score card."""

import random

import pytest
import time_machine
from django.test import Client

from claimdesk.cases.services import GuardFailed, NotAllowed, case_open, case_transition
from claimdesk.compliance.models import CallTranscript, QaReview, QaSettings, QaStatus
from claimdesk.compliance.services import (
    qa_review_score,
    qa_sample,
    qa_sample_previous_week,
    transcript_upload,
)
from tests.conftest import PASSWORD, at

pytestmark = pytest.mark.django_db

MONDAY = at("2026-09-28 00:00").date()
NEXT_MONDAY = at("2026-10-05 09:00")


def closed_ticket(agent, customer, when, reply="您的问题已处理"):
    case = case_open(
        kind="ticket", title="咨询", actor=agent, now=when, customer=customer, category="inquiry"
    )
    case_transition(case=case, action="reply", actor=agent, now=when, data={"message": reply})
    case_transition(
        case=case, action="resolve", actor=agent, now=when, data={"resolution": "已解答"}
    )
    return case_transition(case=case, action="close", actor=agent, now=when)


@pytest.fixture
def week(agent1, agent2, customer1, manager1):
    """agent1: five tickets closed in the week (one with a promise), one closed the week
    after, one still open, two transcripts in the week and one before; agent2: two tickets."""
    tickets = [closed_ticket(agent1, customer1, at(f"2026-09-{d} 11:00")) for d in (28, 29, 30)]
    tickets.append(closed_ticket(agent1, customer1, at("2026-10-02 11:00"), reply="一定赔，放心"))
    tickets.append(closed_ticket(agent1, customer1, at("2026-10-04 23:59")))
    late = closed_ticket(agent1, customer1, at("2026-10-05 00:00"))
    case_open(kind="ticket", title="未结", actor=agent1, now=at("2026-09-29 10:00"))
    other = [closed_ticket(agent2, customer1, at("2026-09-30 15:00")) for _ in range(2)]
    transcripts = [
        transcript_upload(agent=agent1, text=text, uploaded_by=manager1, now=when)
        for text, when in (
            ("您好，这边保证三天到账", at("2026-09-29 10:00")),
            ("您好，请提供材料", at("2026-10-01 10:00")),
            ("上周的通话", at("2026-09-27 23:59")),
        )
    ]
    return {"tickets": tickets, "late": late, "other": other, "transcripts": transcripts}


def test_sample_per_agent_and_idempotent(week, agent1, agent2):
    queued = qa_sample(week_start=MONDAY, now=NEXT_MONDAY, rng=random.Random(1))
    by = {(r.agent, r.item): 0 for r in queued}
    for r in queued:
        by[(r.agent, r.item)] += 1
    assert by == {(agent1, "ticket"): 3, (agent1, "transcript"): 2, (agent2, "ticket"): 2}
    ids = {r.case_id for r in queued if r.case_id}
    assert ids <= {c.pk for c in week["tickets"] + week["other"]}
    assert week["late"].pk not in ids
    assert {r.transcript_id for r in queued if r.transcript_id} == {
        t.pk for t in week["transcripts"][:2]
    }
    assert all(r.week_start == MONDAY and r.status == QaStatus.QUEUED for r in queued)

    # running again (other random choices) adds nothing
    assert qa_sample(week_start=MONDAY, now=NEXT_MONDAY, rng=random.Random(2)) == []
    assert QaReview.objects.count() == 7

    # a larger sample tops the agent up, never reviewing an item twice
    QaSettings.objects.update_or_create(pk=1, defaults={"sample_size": 10})
    more = qa_sample(week_start=MONDAY, now=NEXT_MONDAY)
    assert [(r.agent, r.item) for r in more] == [(agent1, "ticket")] * 2
    assert QaReview.objects.filter(item="ticket", agent=agent1).count() == 5
    assert qa_sample(week_start=MONDAY, now=NEXT_MONDAY) == []


def test_hits_are_pre_marked(week, agent1):
    QaSettings.objects.update_or_create(pk=1, defaults={"sample_size": 10})
    qa_sample(week_start=MONDAY, now=NEXT_MONDAY)
    promised = QaReview.objects.get(case=week["tickets"][3])
    assert [h["rule"] for h in promised.hits] == ["promise_will_pay"]
    assert promised.hits[0]["excerpt"] == "一定赔，放心"
    assert QaReview.objects.get(case=week["tickets"][0]).hits == []
    said = QaReview.objects.get(transcript=week["transcripts"][0])
    assert [h["rule"] for h in said.hits] == ["guarantee"]


def test_the_weekly_task_samples_the_previous_week(week):
    from claimdesk.compliance.tasks import qa_sample_week

    with time_machine.travel(NEXT_MONDAY, tick=False):
        assert qa_sample_week.delay().get() == 7
        assert qa_sample_week.delay().get() == 0
    assert set(QaReview.objects.values_list("week_start", flat=True)) == {MONDAY}
    assert qa_sample_previous_week(now=at("2026-10-12 09:00")) != []  # the week of 5 Oct


def test_sample_size_zero_samples_nothing(week):
    QaSettings.objects.update_or_create(pk=1, defaults={"sample_size": 0})
    assert qa_sample(week_start=MONDAY, now=NEXT_MONDAY) == []


def test_score_card(week, agent1, manager1):
    qa_sample(week_start=MONDAY, now=NEXT_MONDAY)
    review = QaReview.objects.filter(agent=agent1).first()
    scores = {"compliance": 4, "accuracy": 5, "attitude": 5, "timeliness": "3"}
    with pytest.raises(NotAllowed):
        qa_review_score(review=review, scorer=agent1, now=NEXT_MONDAY, scores=scores)
    with pytest.raises(GuardFailed):
        qa_review_score(
            review=review, scorer=manager1, now=NEXT_MONDAY, scores=scores | {"accuracy": 6}
        )
    with pytest.raises(GuardFailed):
        qa_review_score(review=review, scorer=manager1, now=NEXT_MONDAY, scores={"compliance": 4})
    review = qa_review_score(
        review=review, scorer=manager1, now=NEXT_MONDAY, scores=scores, comment="语气好"
    )
    review.refresh_from_db()
    assert (review.status, review.total, review.scored_by, review.comment) == (
        QaStatus.SCORED,
        17,
        manager1,
        "语气好",
    )


def test_qa_pages(week, agent1, manager1):
    qa_sample(week_start=MONDAY, now=NEXT_MONDAY)
    agent = Client()
    agent.login(username="agent1", password=PASSWORD)
    assert agent.get("/compliance/qa/").status_code == 403
    manager = Client()
    manager.login(username="manager1", password=PASSWORD)
    r = manager.get("/compliance/qa/")
    assert r.status_code == 200
    assert r.content.decode().count('data-testid="qa-row"') == 7
    transcript = QaReview.objects.get(transcript=week["transcripts"][0])
    r = manager.get(f"/compliance/qa/{transcript.pk}/")
    assert r.status_code == 200
    assert "<mark>保证</mark>" in r.content.decode()
    r = manager.post(f"/compliance/qa/{transcript.pk}/", {"compliance": "9"})
    assert r.status_code == 200 and 'role="alert"' in r.content.decode()
    r = manager.post(
        f"/compliance/qa/{transcript.pk}/",
        {"compliance": "2", "accuracy": "4", "attitude": "4", "timeliness": "4", "comment": "x"},
    )
    assert r.status_code == 302
    transcript.refresh_from_db()
    assert transcript.status == QaStatus.SCORED and transcript.total == 14
    ticket = QaReview.objects.filter(item="ticket").first()
    r = manager.get(f"/compliance/qa/{ticket.pk}/")
    assert r.status_code == 200 and "已解答" in r.content.decode()  # every resolution says so


def test_transcript_upload_permissions(agent1, customer1, manager1, now):
    with pytest.raises(NotAllowed):
        transcript_upload(agent=agent1, text="x", uploaded_by=customer1, now=now)
    with pytest.raises(NotAllowed):
        transcript_upload(agent=customer1, text="x", uploaded_by=manager1, now=now)
    assert CallTranscript.objects.count() == 0


def test_ticket_texts_read_the_service_desk_replies(agent1, customer1):
    """Replies of the service desk count; internal notes and the customer's own words do not."""
    from claimdesk.compliance.services import ticket_texts
    from claimdesk.service.models import Ticket, TicketMessage

    when = at("2026-09-29 10:00")
    case = closed_ticket(agent1, customer1, when, reply="已回复")
    ticket = Ticket.objects.create(case=case, channel="portal", subject="咨询")
    for body, extra in (
        ("这次一定赔", {}),
        ("内部：客户很急，保证今天处理", {"internal": True}),
        ("你们保证吗", {"from_customer": True, "author": customer1}),
    ):
        TicketMessage.objects.create(
            ticket=ticket, **({"author": agent1, "body": body, "created_at": when} | extra)
        )
    texts = [text for _source, text in ticket_texts(case)]
    assert "这次一定赔" in texts and "已回复" in texts
    assert not any("保证" in t for t in texts)
    QaSettings.objects.update_or_create(pk=1, defaults={"sample_size": 10})
    (review,) = [r for r in qa_sample(week_start=MONDAY, now=NEXT_MONDAY) if r.case_id == case.pk]
    assert [h["rule"] for h in review.hits] == ["promise_will_pay"]
