"""Admin screens, rule validation, and a rejected claim's survey."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client

from claimdesk.cases import services as kernel
from claimdesk.claims.models import ClaimDecision, DecisionStatus
from claimdesk.claims.services import claim_item_set_state, claim_report
from claimdesk.feedback import services
from claimdesk.feedback.models import ProactiveRule, Survey
from tests.claims.conftest import T0
from tests.feedback.conftest import report


def test_admin_lists_and_read_only_records(db, closed_claim):
    services.feedback_sweep(now=T0 + timedelta(hours=2))
    get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.login(username="root", password="pw")
    for model in ("survey", "proactiverule", "partnershop", "proactivefiring"):
        assert client.get(f"/admin/feedback/{model}/").status_code == 200, model
    assert client.get("/admin/feedback/survey/add/").status_code == 403
    survey = Survey.objects.get()
    page = client.get(f"/admin/feedback/survey/{survey.pk}/change/").content.decode()
    assert survey.token not in page  # the link is the customer's credential


def test_rule_parameters_are_checked_on_save(db):
    rule = ProactiveRule.objects.get(code="claim_free_3y")
    rule.parameters = {"years": "three"}
    with pytest.raises(ValidationError):
        rule.full_clean()
    rule.parameters = {"years": 5}
    rule.full_clean()


def test_a_broken_rule_does_not_stop_the_others(auto_policy, customer1, agent1):
    ProactiveRule.objects.filter(code="claim_free_3y").update(parameters={"years": "x"})
    claim_report(reporter=customer1, report=report(), channel="portal", now=T0)
    result = services.feedback_sweep(now=T0 + timedelta(minutes=5))
    assert result["proactive"]["auto_report_partners"] == 1
    assert "claim_free_3y" not in result["proactive"]


def test_rejected_claim_is_surveyed_after_the_rejection_notice(
    auto_policy, customer1, agent1, manager1
):
    claim = claim_report(reporter=customer1, report=report(), channel="portal", now=T0).claim
    case = kernel.case_transition(case=claim.case, action="contact", actor=agent1, now=T0)
    for item in claim.items.filter(core=True):
        claim_item_set_state(item=item, state="received", actor=customer1, now=T0)
        claim_item_set_state(item=item, state="accepted", actor=agent1, now=T0)
    kernel.case_transition(case=case, action="send_to_adjudication", actor=agent1, now=T0)
    decision = ClaimDecision.objects.create(
        claim=claim,
        decision="reject",
        amount=Decimal("0.00"),
        calculation={},
        approvals_required=1,
        status=DecisionStatus.APPROVED,
        proposed_by=agent1,
        proposed_at=T0,
        closed_at=T0,
        reason="不属于保险责任",
    )
    kernel.case_transition(
        case=case,
        action="reject",
        actor=manager1,
        now=T0,
        data={"decision": decision.pk, "reason": "不属于保险责任"},
    )
    assert services.feedback_sweep(now=T0 + timedelta(hours=1))["surveys_sent"] == 0
    kernel.case_transition(
        case=case, action="send_rejection_notice", actor=manager1, now=T0 + timedelta(hours=2)
    )
    assert services.feedback_sweep(now=T0 + timedelta(hours=3))["surveys_sent"] == 1
    case.refresh_from_db()
    assert Survey.objects.get().case == case and case.status == "followed_up"
