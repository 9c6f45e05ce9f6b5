"""The white paper opens with a written summary built from the figures (zh-hans and en), and its
trend charts use the points that have data: months when two or more have, else weeks."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from claimdesk.analytics.metrics import Metric
from claimdesk.analytics.whitepaper import (
    Book,
    previous_quarter,
    quarter_filters,
    summary_sentences,
    trend,
    trend_points,
)
from tests.analytics.conftest import at
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def m(code: str, label: str, value: str | None, unit: str, sample: int, rows=()) -> Metric:
    return Metric(
        code=code,
        label=label,
        definition="",
        value=None if value is None else Decimal(value),
        unit=unit,
        sample=sample,
        rows=list(rows),
    )


CURRENT = [
    m("sla_compliance", "时效达成率", "96.0", "%", 50),  # on target (≥ 95)
    m("csat", "满意度", "4.10", "/5", 40),  # near (≥ 4.0, < 4.5)
    m("nps", "NPS", "-5.7", "pts", 120),  # off (< 0)
    m("complaint_rate", "投诉率", "819.7", "‱", 1220),  # off (> 50)
    m("root_causes", "根因分析完成率", "0", "%", 12),  # off (< 90)
    m("corrective_actions_done", "整改完成率", None, "%", 0),  # nothing due
    m("first_contact_resolution", "首次解决率", "85.0", "%", 3),  # too few (< 20)
]
PREVIOUS = {
    "sla_compliance": m("sla_compliance", "时效达成率", "90.0", "%", 40),
    "csat": m("csat", "满意度", "4.30", "/5", 2),  # too few then: not compared
    "nps": m("nps", "NPS", "10.0", "pts", 100),
    "complaint_rate": m("complaint_rate", "投诉率", "400.0", "‱", 1000),
    "root_causes": m("root_causes", "根因分析完成率", "0", "%", 8),
}
CAUSES = m(
    "root_causes",
    "根因分析完成率",
    "0",
    "%",
    12,
    rows=[
        {"category": "时效", "department": "理赔部", "complaints": 5},
        {"category": "态度", "department": "客服部", "complaints": 3},
        {"category": "材料", "department": "理赔部", "complaints": 2},
        {"category": "其他", "department": "综合部", "complaints": 1},
    ],
)


def _summary() -> list[str]:
    return summary_sentences(CURRENT, PREVIOUS, CAUSES, period="2026Q3", previous_period="2026Q2")


def test_the_summary_in_chinese_says_what_improved_what_got_worse_causes_and_small_samples():
    assert _summary() == [
        "2026Q3 设有目标的 7 项指标中，1 项达标，1 项接近目标，3 项未达标。",
        "未达标：NPS -5.7（目标 ≥ 30 分）；投诉率 819.7‱（目标 ≤ 20‱）；"
        "根因分析完成率 0%（目标 ≥ 100%）。",
        "较 2026Q2 改善：时效达成率 从 90% 变为 96%。",
        "较 2026Q2 变差：NPS 从 10 变为 -5.7；投诉率 从 400‱ 变为 819.7‱。",
        "投诉主要根因：时效（理赔部，5 件投诉）；态度（客服部，3 件投诉）；材料（理赔部，2 件投诉）。",
        "样本太少，无法判断，未作评价：首次解决率（样本 3 件（至少需要 20 件））。",
    ]


def test_the_summary_in_english():
    with translation.override("en"):
        sentences = _summary()
    assert sentences[0] == (
        "In 2026Q3, of 7 KPIs with a target, 1 are on target, 1 near it and 3 off target."
    )
    assert sentences[2] == "Improved on 2026Q2: 时效达成率 from 90% to 96%."
    assert sentences[3].startswith("Worse than in 2026Q2: NPS from 10 to -5.7; ")
    assert sentences[-1] == (
        "Too few cases to judge, so not rated: 首次解决率 (n = 3 (at least 20 needed))."
    )


def test_nothing_to_compare_and_no_root_cause_are_said_plainly():
    sentences = summary_sentences(
        CURRENT[:2],
        {},
        m("root_causes", "根因", None, "%", 0),
        period="2026Q3",
        previous_period="2026Q2",
    )
    assert "无法与 2026Q2 比较：两个季度之一样本太少。" in sentences
    assert "2026Q3 办结的投诉均无根因分析。" in sentences


def test_the_previous_quarter_crosses_the_year():
    assert previous_quarter(quarter_filters("2026Q1")).label() == "2025Q4"
    assert previous_quarter(quarter_filters("2026Q3")).label() == "2026Q2"


@pytest.fixture
def july_answers(world):
    """Survey answers in three weeks of July 2026 only."""
    owner = world.staff("wp_owner", team="理赔一组")
    holder = world.customer("wp_holder")
    policy = world.policy(holder, "auto")
    for day, csat in (("2026-07-06", 5), ("2026-07-14", 3), ("2026-07-22", 4)):
        claim = world.claim(
            owner=owner,
            policy=policy,
            stages=[("reported", at(f"{day} 09:00")), ("reviewing", at(f"{day} 10:00"))],
        )
        world.survey(claim.case, csat=csat, nps=8, answered_at=at(f"{day} 15:00"))


def test_a_quarter_with_data_in_one_month_is_drawn_by_week(july_answers):
    f = quarter_filters("2026Q3")
    book = Book()
    periods, grain = trend_points(book, f, ["csat"])
    assert grain == "week"
    # From the week of the first answer to the week of the last: 6, 13 and 20 July.
    assert [p.start.isoformat() for p in periods] == ["2026-07-06", "2026-07-13", "2026-07-20"]
    drawn = trend(book, f, [("csat", "CSAT")], title="CSAT")
    assert drawn.svg.count('class="point"') == 3
    assert "按周显示" in drawn.note


def test_a_quarter_without_answers_says_it_has_too_little_for_a_trend(july_answers):
    drawn = trend(Book(), quarter_filters("2026Q2"), [("csat", "CSAT")], title="CSAT")
    assert drawn.svg == ""
    assert drawn.note == "2026Q2 数据太少，无法显示趋势：仅 0 个时段有数据，合计样本 0。"


def test_the_white_paper_page_opens_with_its_summary_for_managers_only(
    july_answers, manager1, agent1
):
    manager, agent = Client(), Client()
    manager.login(username=manager1.username, password=PASSWORD)
    agent.login(username=agent1.username, password=PASSWORD)
    with time_machine.travel(at("2026-10-15 10:00"), tick=False):
        page = manager.get("/analytics/whitepaper/2026Q3/")
        assert agent.get("/analytics/whitepaper/2026Q3/").status_code == 403
        assert manager.get("/analytics/whitepaper/2026-13/").status_code == 400
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="summary"' in html
    assert html.index('data-testid="summary"') < html.index('class="scorecard"')
    assert "样本太少，无法判断，未作评价" in html  # three answers: too few for CSAT and NPS
