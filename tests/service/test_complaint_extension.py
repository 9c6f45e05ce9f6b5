"""The "+30 days" of an especially complex complaint (银行业保险业消费投诉处理管理办法): a manager
approves it with a reason; the complaint's clock gives way to ``complaint_extended``, counted
from the end of the period it extends and ending on a working day (民法典 §203); the customer
is told until when.

2026 calendar: a complaint taken Wed 30 Sept 10:00 has 15 days to the end of Thu 15 Oct.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import translation

from claimdesk.cases.models import CaseEvent, Deadline
from claimdesk.cases.services import GuardFailed, NotAllowed
from claimdesk.notify.models import Notification
from claimdesk.service.services import ticket_act, ticket_reply
from tests.cases.conftest import snapshot
from tests.conftest import PASSWORD, at
from tests.service.conftest import T0

pytestmark = pytest.mark.django_db

REASON = "涉及三家机构的共保责任划分，需总公司协调"


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched on their English wording (the catalog translates them)."""
    with translation.override("en"):
        yield


def clock(ticket, rule: str) -> Deadline:
    return ticket.case.deadlines.get(rule__code=rule, task__isnull=True)


def extend(ticket, actor, now, reason=REASON):
    return ticket_act(ticket=ticket, action="extend", actor=actor, now=now, data={"reason": reason})


def test_a_manager_extends_a_complaint_by_thirty_days(open_ticket, agent1, manager1, customer1):
    ticket = open_ticket("complaint", subject="理赔太慢", topic="timeliness")
    ticket_reply(ticket=ticket, actor=agent1, now=T0 + timedelta(hours=1), body="您的投诉已受理。")
    assert clock(ticket, "complaint").due_at == at("2026-10-16 00:00")

    ticket = extend(ticket, manager1, T0 + timedelta(days=10))

    assert clock(ticket, "complaint").state == "cancelled"  # replaced, neither met nor breached
    extended = clock(ticket, "complaint_extended")
    assert extended.state == "running"
    # 30 days after Thu 15 Oct end on Sat 14 Nov, a rest day: the period ends with Mon 16 Nov
    assert extended.due_at == at("2026-11-17 00:00")
    assert extended.escalate_at < extended.due_at
    assert ticket.case.next_due_at == extended.due_at
    line = CaseEvent.objects.get(case=ticket.case, kind="deadline_extended")
    assert line.actor == manager1
    assert line.data["approved_by"] == "manager1"
    assert line.data["reason"] == REASON
    assert (line.data["rule"], line.data["to_rule"]) == ("complaint", "complaint_extended")
    assert line.data["due_before"] == "2026-10-16T00:00:00+08:00"
    told = Notification.objects.filter(recipient=customer1, kind="ticket_extended")
    assert told.exists()  # one per channel the customer has
    assert all("2026-11-16" in n.body for n in told)

    # the extended period waits for the customer like the first one, and ends at resolution
    ticket = ticket_act(
        ticket=ticket,
        action="ask_customer",
        actor=agent1,
        now=T0 + timedelta(days=11),
        data={"message": "请提供另两家机构的理赔决定书。"},
    )
    assert clock(ticket, "complaint_extended").state == "paused"


def test_a_complex_complaint_is_extended_from_its_thirtieth_day(open_ticket, manager1):
    ticket = open_ticket("complaint", subject="定损争议", complex=True)
    assert clock(ticket, "complaint_complex").due_at == at("2026-10-31 00:00")
    ticket = extend(ticket, manager1, T0 + timedelta(days=20))
    # 30 days after Fri 30 Oct end on Sun 29 Nov: the period ends with Mon 30 Nov
    assert clock(ticket, "complaint_extended").due_at == at("2026-12-01 00:00")


def test_only_a_role_with_authority_extends_and_always_with_a_reason(open_ticket, agent1, manager1):
    ticket = open_ticket("complaint", subject="理赔太慢")
    before = snapshot(ticket.case)
    with pytest.raises(NotAllowed):
        extend(ticket, agent1, T0 + timedelta(days=1))  # the owner, but not the approver
    with pytest.raises(GuardFailed, match="especially complex"):
        extend(ticket, manager1, T0 + timedelta(days=1), reason="  ")
    assert snapshot(ticket.case) == before


def test_a_complaint_is_extended_once_and_only_while_its_period_runs(open_ticket, agent1, manager1):
    ticket = open_ticket("complaint", subject="理赔太慢")
    before = snapshot(ticket.case)
    with pytest.raises(GuardFailed, match="can be extended, before its due time"):
        extend(ticket, manager1, at("2026-10-16 00:01"))  # the 15 days are over
    assert snapshot(ticket.case) == before

    extend(ticket, manager1, T0 + timedelta(days=1))
    with pytest.raises(GuardFailed, match="not running"):
        extend(ticket, manager1, T0 + timedelta(days=2))
    assert ticket.case.deadlines.filter(rule__code="complaint_extended").count() == 1


def test_an_inquiry_has_no_period_to_extend(open_ticket, manager1):
    ticket = open_ticket("inquiry")
    with pytest.raises(GuardFailed, match="Only a complaint"):
        extend(ticket, manager1, T0 + timedelta(minutes=10))


# --- the ticket page ----------------------------------------------------------------------


def _login(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_manager_extends_on_the_ticket_page(open_ticket, agent1, manager1, frozen):
    complaint = open_ticket("complaint", subject="理赔太慢")
    inquiry = open_ticket("inquiry")
    url = f"/service/tickets/{complaint.case.number}/"
    assert 'data-action="extend"' not in _login(agent1).get(url).content.decode()
    manager = _login(manager1)
    assert 'data-action="extend"' in manager.get(url).content.decode()
    other = f"/service/tickets/{inquiry.case.number}/"
    assert 'data-action="extend"' not in manager.get(other).content.decode()

    refused = manager.post(f"{url}act/", {"action": "extend", "reason": ""})
    assert refused.status_code == 400 and "especially complex" in refused.content.decode()
    done = manager.post(f"{url}act/", {"action": "extend", "reason": REASON})
    assert done.status_code == 302
    assert clock(complaint, "complaint_extended").due_at == at("2026-11-17 00:00")
    assert (
        _login(agent1).post(f"{url}act/", {"action": "extend", "reason": REASON}).status_code == 403
    )
