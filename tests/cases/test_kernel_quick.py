from datetime import timedelta

from claimdesk.cases import services
from claimdesk.cases.models import Deadline
from tests.conftest import at


def test_claim_walkthrough(agent1, customer1, adjuster1, finance1):
    now = at("2026-09-30 10:00")
    case = services.case_open(
        kind="claim", title="车险 追尾", actor=agent1, customer=customer1, now=now
    )
    assert case.owner == agent1
    contact = case.deadlines.get(rule__code="contact")
    assert contact.due_at == at("2026-10-09 00:00")
    case = services.case_transition(case=case, action="contact", actor=agent1, now=now)
    contact.refresh_from_db()
    assert contact.state == "met"
    case = services.case_transition(
        case=case,
        action="request_materials",
        actor=agent1,
        now=now + timedelta(hours=1),
        data={"items": "发票"},
    )
    stat = case.deadlines.get(rule__code="decision_statutory")
    assert stat.state == "paused"
    case = services.case_transition(
        case=case, action="materials_received", actor=agent1, now=now + timedelta(days=5, hours=1)
    )
    stat.refresh_from_db()
    assert stat.due_at == at("2026-10-31 00:00") + timedelta(days=5)
    r = services.deadline_sweep(now=now + timedelta(days=40))
    assert r.overdue == 1
    assert services.deadline_sweep(now=now + timedelta(days=40)).overdue == 0
    assert Deadline.objects.filter(warned_at__isnull=False).count() == 1
