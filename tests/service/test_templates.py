"""Reply templates (话术): pure rendering, missing variables named, seeds compliant."""

from __future__ import annotations

import pytest

from claimdesk.cases.services import GuardFailed
from claimdesk.compliance.services import message_gate
from claimdesk.service.models import ReplyTemplate
from claimdesk.service.rules import (
    DEFAULT_TEMPLATES,
    SCENARIO_LABELS,
    MissingVariables,
    render_text,
    root_cause_key,
    template_variables,
)
from claimdesk.service.services import template_render
from tests.service.conftest import T0


def test_render_fills_variables_and_keeps_literal_braces():
    assert render_text("第{article}条 {{示例}}", {"article": "七"}) == "第七条 {示例}"
    assert template_variables("{a}{b}{a}") == ["a", "b"]


def test_render_names_every_missing_or_blank_variable_at_once():
    with pytest.raises(MissingVariables) as missing:
        render_text(
            "{customer}您好，第{article}条，金额{amount}", {"customer": "张三", "amount": " "}
        )
    assert missing.value.missing == ["article", "amount"]
    assert "article" in str(missing.value) and "amount" in str(missing.value)


def test_render_never_reaches_into_objects():
    # Attribute access is not a variable: it stays as written instead of being evaluated.
    assert render_text("{x.__class__}", {"x": 1}) == "{x.__class__}"


def test_root_cause_key_folds_spelling_variants():
    assert root_cause_key("材料通知 未及时！") == root_cause_key("材料通知未及时")
    assert root_cause_key("ＡＢＣ") == root_cause_key("abc")


def test_one_seeded_template_per_core_scenario():
    assert {t.scenario for t in DEFAULT_TEMPLATES} == set(SCENARIO_LABELS)


@pytest.mark.django_db
def test_seeded_templates_are_in_the_database_and_pass_the_compliance_check(agent1):
    templates = list(ReplyTemplate.objects.all())
    assert {t.scenario for t in templates} == set(SCENARIO_LABELS)
    for template in templates:
        for language in ("zh-hans", "en"):
            body = template.body_en if language == "en" else template.body_zh
            text = template_render(
                template, language, {name: "1" for name in template_variables(body)}
            )
            gate = message_gate(text=text, actor=agent1, now=T0, context="test")
            assert gate.ok, (template.scenario, language, gate.violations)


@pytest.mark.django_db
def test_template_render_refuses_with_the_missing_names():
    rejection = ReplyTemplate.objects.get(scenario="rejection")
    with pytest.raises(GuardFailed) as refused:
        template_render(rejection, "en", {"customer": "Mr Li"})
    assert refused.value.details["missing"] == ["article", "clause"]
    text = template_render(
        rejection, "zh-hans", {"customer": "李先生", "article": "7", "clause": "…"}
    )
    assert text.startswith("李先生您好，根据保险合同第7条的约定")
