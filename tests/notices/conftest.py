"""Notices test helpers: real claims (through ``claim_report``) on the demo medical product,
notice contexts built from the product's own clauses, media in a temporary directory."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine

from claimdesk.claims.services import claim_report
from claimdesk.notices.models import Notice
from claimdesk.policies.demo import demo_policy
from claimdesk.policies.models import Clause
from tests.claims.conftest import claims_api  # noqa: F401  (fixture)
from tests.conftest import at, worker_ran

T0 = at("2026-09-30 10:00")


def rendered(notice: Notice) -> Notice:
    """``notice`` as the worker leaves it after its action committed: rendered, stored,
    announced to the customer."""
    worker_ran()
    return Notice.objects.get(pk=notice.pk)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def medical_report(policy_no: str, insured_name: str = "张三") -> dict[str, Any]:
    return {
        "policy_no": policy_no,
        "insured_name": insured_name,
        "loss_time": at("2026-09-27 18:00"),
        "loss_place": "上海市浦东新区",
        "loss_cause": "急性阑尾炎住院",
        "description": "住院手术",
        "loss_type": "medical",
        "estimated_amount": "12000",
        "contact_phone": "13812345678",
    }


@pytest.fixture
def claim(customer1, agent1, products):
    demo_policy(
        number="PMED0001",
        holder=customer1,
        line="medical",
        start=date(2026, 1, 1),
        insured_name="张三",
        products=products,
    )
    return claim_report(
        reporter=customer1, report=medical_report("PMED0001"), channel="api", now=T0
    ).claim


@pytest.fixture
def other_claim(customer2, agent1, products):
    demo_policy(
        number="PMED0002",
        holder=customer2,
        line="medical",
        start=date(2026, 1, 1),
        insured_name="李四",
        products=products,
    )
    return claim_report(
        reporter=customer2, report=medical_report("PMED0002", "李四"), channel="api", now=T0
    ).claim


def clause(claim, article: str) -> Clause:
    return claim.policy.product.clauses.get(article=article)


def header(claim) -> dict[str, Any]:
    return {
        "claim_no": claim.number,
        "customer_name": "张三",
        "policy_no": claim.policy.number,
        "product": claim.policy.product.name,
        "insured_name": claim.insured_name,
        "loss_time": "2026-09-27T18:00:00+08:00",
    }


def calculation(claim) -> dict[str, Any]:
    """A partial decision as the adjudication calculator hands it over."""
    cover, waiting, exclusion = (clause(claim, a) for a in ("2.3", "2.4", "2.6"))

    def cites(c: Clause) -> dict[str, str]:
        return {"clause": c.article, "clause_title": c.title, "clause_text": c.text}

    return {
        "decision": "partial",
        "claimed": "12000.00",
        "total": "8160.00",
        "currency": "CNY",
        "rounding": "Each amount is rounded to the fen (0.01), half up, once per line.",
        "lines": [
            {
                "label": "住院医疗费用 claimed",
                "amount": "12000.00",
                "coverage": "inpatient",
                **cites(cover),
            },
            {"label": "扣除美容手术费用", "amount": "-1800.00", **cites(exclusion)},
            {"label": "扣除免赔额", "amount": "-10000.00", **cites(cover)},
            {"label": "按比例给付", "amount": "7960.00", **cites(cover)},
        ],
        "exclusions": [
            {"code": "cosmetic", "reason": "美容、整形手术费用不属于保险责任", **cites(exclusion)}
        ],
        "flags": [{"code": "early_loss", "reason": "出险距保单生效不足一年"}],
        "waiting": cites(waiting),
    }


def rejection_context(claim) -> dict[str, Any]:
    clauses = [clause(claim, "2.4"), clause(claim, "2.6")]
    return {
        **header(claim),
        "decision": "reject",
        "reason": "被保险人于等待期内初次发生疾病，且所患疾病属于投保前已患有的既往症。",
        "clauses": [{"article": c.article, "title": c.title, "text": c.text} for c in clauses],
    }


def report_context(claim) -> dict[str, Any]:
    return {
        **header(claim),
        "decision": "partial",
        "calculation": calculation(claim),
        "follow_up": ["请保留发票原件至少两年。", "如需康复指导，可拨打健康服务专线。"],
    }


def survey_context(claim) -> dict[str, Any]:
    return {
        "findings": "后保险杠破裂，左后尾灯碎裂，车身其余部位未见损伤。",
        "assessed_loss": "3150.50",
        "method": "后保险杠更换 2,100.00 元 + 尾灯更换 650.50 元 + 工时费 400.00 元",
        "basis": "《机动车辆保险定损标准》及当地4S店配件价格",
        "surveyor": "surveyor1 王查勘",
    }


def objection_context(claim) -> dict[str, Any]:
    return {
        "objection": "我认为住院费用应全额赔付，不应扣除免赔额。",
        "answer": "经复核，免赔额依据合同第2.3条约定扣除，维持原决定。",
        "reviewer": "manager1 李复核",
    }
