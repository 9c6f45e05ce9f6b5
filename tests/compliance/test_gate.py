"""The gate other apps call before a message leaves, and the override log."""

import pytest

from claimdesk.compliance.models import ComplianceRule, OverrideLog
from claimdesk.compliance.services import GateResult, compliance_check, message_gate

pytestmark = pytest.mark.django_db


def test_clean_text_passes_without_a_log(agent1, now):
    result = message_gate(text="您的材料已收到。", actor=agent1, now=now, context="t")
    assert result == GateResult(ok=True, violations=[], overridden=False)
    assert OverrideLog.objects.count() == 0


def test_forbidden_promise_is_refused_with_the_words_and_why(agent1, now):
    text = "放心，百分百赔付，最快到账"
    result = message_gate(text=text, actor=agent1, now=now, context="ticket:1:reply")
    assert not result.ok and not result.overridden
    assert [(v.rule, text[v.start : v.end]) for v in result.violations] == [
        ("pay_100_percent", "百分百赔付"),
        ("fastest_payout", "最快到账"),
    ]
    assert all(v.reason for v in result.violations)
    assert OverrideLog.objects.count() == 0


def test_an_agent_cannot_override(agent1, agent2, now):
    result = message_gate(
        text="保证赔", actor=agent1, now=now, context="ticket:1:reply", override_by=agent2
    )
    assert not result.ok
    assert OverrideLog.objects.count() == 0


def test_a_manager_override_lets_it_go_and_is_logged(agent1, manager1, now):
    result = message_gate(
        text="我们保 证处理", actor=agent1, now=now, context="ticket:1:reply", override_by=manager1
    )
    assert result.ok and result.overridden
    log = OverrideLog.objects.get()
    assert (log.actor, log.manager, log.context, log.created_at) == (
        agent1,
        manager1,
        "ticket:1:reply",
        now,
    )
    assert log.text == "我们保 证处理"
    assert log.violations[0]["rule"] == "guarantee"
    assert (log.violations[0]["start"], log.violations[0]["end"]) == (2, 5)


def test_an_override_of_a_clean_text_writes_nothing(agent1, manager1, now):
    result = message_gate(text="您好", actor=agent1, now=now, context="x", override_by=manager1)
    assert result.ok and not result.overridden
    assert OverrideLog.objects.count() == 0


def test_warnings_are_returned_but_do_not_block(agent1, now):
    result = message_gate(text="审核后全额赔付", actor=agent1, now=now, context="x")
    assert result.ok
    assert [v.rule for v in result.violations] == ["full_payout"]


def test_admin_rules_apply_at_once_and_inactive_rules_do_not(agent1, now):
    assert compliance_check("稳稳当当包您满意") == []
    ComplianceRule.objects.create(code="satisfaction", pattern="包您满意", reason="不得承诺满意")
    (v,) = compliance_check("稳稳当当包 您 满 意")
    assert (v.rule, v.reason) == ("satisfaction", "不得承诺满意")
    guarantee = ComplianceRule.objects.get(code="guarantee")
    guarantee.active = False
    guarantee.save()
    ComplianceRule.objects.get(code="satisfaction").delete()
    assert compliance_check("保证") == []
    assert compliance_check("稳稳当当包您满意") == []


def test_default_rules_are_seeded():
    assert ComplianceRule.objects.filter(code="pay_100_percent", active=True).exists()
