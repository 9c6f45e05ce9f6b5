"""The contract with the adjudication calculator: its ``as_dict()`` goes into a notice as
it is, and every line, amount and clause it names is printed."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from claimdesk.claims.rules import ClauseRef, CoverageTerms, LossLine, PolicyTerms, adjudicate
from claimdesk.notices.services import notice_issue
from tests.notices.conftest import T0, clause, header, rendered
from tests.notices.test_notices import pdf_text, stored_bytes


def ref(claim, article: str) -> ClauseRef:
    c = clause(claim, article)
    return ClauseRef(c.article, c.title, c.text)


def test_the_calculators_result_prints_line_by_line(claim, manager1):
    cover = CoverageTerms(
        code="inpatient",
        name="一般医疗保险金",
        limit=Decimal("10000"),
        deductible=Decimal("500"),
        ratio=Decimal("0.8"),
        waiting_days=30,
        clause=ref(claim, "2.3"),
    )
    calculation = adjudicate(
        policy=PolicyTerms(
            start=date(2026, 1, 1),
            end=date(2026, 12, 31),
            in_force=True,
            sum_insured=Decimal("1000000"),
            waiting_clause=ref(claim, "2.4"),
        ),
        coverages={"inpatient": cover},
        loss_day=date(2026, 9, 27),
        items=[
            LossLine("inpatient", "住院医疗费用", Decimal("12000.00"), illness=True),
            LossLine(
                "inpatient",
                "双眼皮手术费",
                Decimal("3000.00"),
                exclusion=ref(claim, "2.6"),
                exclusion_reason="美容手术不属于保险责任",
            ),
        ],
    ).as_dict()
    notice = notice_issue(
        case=claim.case,
        kind="claim_report",
        context={**header(claim), "decision": calculation["decision"], "calculation": calculation},
        actor=manager1,
        now=T0,
    )
    notice = rendered(notice)
    text = pdf_text(stored_bytes(notice))
    flat = re.sub(r"\s+", "", text)
    for line in calculation["lines"]:
        amount = f"{Decimal(line['amount']):,.2f}"
        rows = [r for r in text.splitlines() if amount in r]
        assert rows, f"{line['label']} {amount} is not printed"
        if line["clause"]:
            assert any(f"第{line['clause']}条" in r for r in rows), line
    assert f"{Decimal(calculation['total']):,.2f}" in flat
    assert "美容手术不属于保险责任" in flat
    assert re.sub(r"\s+", "", clause(claim, "2.6").text) in flat
