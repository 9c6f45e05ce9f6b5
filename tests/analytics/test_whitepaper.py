"""The quarterly white paper: command, files, figures, and real Chinese glyphs in the PDF.

The data set is small and hand-made (A's ``world`` factory), so the figures the paper must
print are known:

- SLA compliance in Q3: clocks contact/A met, contact/B met, contact/C breached → 2 ÷ 3 =
  66.7 %;
- CSAT: answers 5 (A) and 2 (B) → (5 + 2) ÷ 2 = 3.5;
- rejection rate: A approved, B rejected citing auto clause 10 (责任免除) → 1 ÷ 2 = 50.0 %.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command

from claimdesk.analytics.summaries import rebuild_clauses
from claimdesk.claims.models import ClaimDecision
from claimdesk.policies.models import Clause
from tests.analytics.conftest import at


def test_poppler_is_installed():
    """The glyph checks need poppler-utils (pdffonts, pdftotext, pdftoppm)."""
    assert all(shutil.which(tool) for tool in ("pdffonts", "pdftotext", "pdftoppm"))


@pytest.fixture
def quarter(world):
    """Two claims closed in Q3 (A paid, B rejected), one still open (C), their clocks and
    surveys, and one complaint."""
    owner = world.staff("wp_adj", team="理赔一组", branch="上海")
    customer = world.customer("wp_cust")
    auto = world.policy(customer, "auto")
    a = world.claim(
        owner=owner,
        policy=auto,
        stages=[
            ("reported", at("2026-07-01 09:00")),
            ("reviewing", at("2026-07-01 13:00")),
            ("adjudicating", at("2026-07-03 13:00")),
            ("paying", at("2026-07-05 13:00")),
            ("closed", at("2026-07-06 13:00")),
        ],
        estimated="10000.00",
        decision="approve",
        approved="8000.00",
        decided_at=at("2026-07-05 13:00"),
    )
    b = world.claim(
        owner=owner,
        policy=auto,
        stages=[
            ("reported", at("2026-07-10 09:00")),
            ("reviewing", at("2026-07-10 10:00")),
            ("adjudicating", at("2026-07-11 10:00")),
            ("rejected", at("2026-07-12 10:00")),
            ("closed", at("2026-07-13 10:00")),
        ],
        decision="reject",
        approved="0.00",
        decided_at=at("2026-07-12 10:00"),
    )
    clause = Clause.objects.get(product=auto.product, article="10")
    for claim, decision, amount in ((a, "approve", "8000.00"), (b, "reject", "0.00")):
        exclusions = (
            [
                {
                    "code": "excluded",
                    "reason": "饮酒驾驶",
                    "clause": "10",
                    "clause_title": clause.title,
                }
            ]
            if decision == "reject"
            else []
        )
        ClaimDecision.objects.create(
            claim=claim,
            decision=decision,
            amount=Decimal(amount),
            calculation={"decision": decision, "exclusions": exclusions, "lines": []},
            approvals_required=1,
            status="approved",
            proposed_by=owner,
            proposed_at=claim.decided_at - timedelta(hours=1),
            closed_at=claim.decided_at,
        )
        rebuild_clauses([claim.pk])  # written by hand: derived as the backfill does
    c = world.claim(
        owner=owner,
        policy=auto,
        stages=[("reported", at("2026-09-20 09:00")), ("reviewing", at("2026-09-22 10:00"))],
    )
    for claim, stopped, due, state in (
        (a, "2026-07-01 13:00", "2026-07-02 09:00", "met"),
        (b, "2026-07-10 10:00", "2026-07-11 09:00", "met"),
        (c, "2026-09-22 10:00", "2026-09-21 09:00", "breached"),
    ):
        world.deadline(
            claim.case,
            "contact",
            state=state,
            started_at=claim.case.opened_at,
            due_at=at(due),
            stopped_at=at(stopped),
        )
    world.survey(a.case, csat=5, nps=10, answered_at=at("2026-07-08 10:00"))
    world.survey(b.case, csat=2, nps=3, answered_at=at("2026-07-15 10:00"))
    world.ticket(
        owner=owner,
        customer=customer,
        category="complaint",
        topic="timeliness",
        claim=b,
        stages=[("new", at("2026-07-14 09:00")), ("in_progress", at("2026-07-14 10:00"))],
    )
    return {"a": a, "b": b, "c": c}


@pytest.fixture
def after_q3():
    with time_machine.travel(at("2026-10-15 12:00"), tick=False):
        yield


def figure(html: str, code: str) -> str:
    """The headline value printed in the figure box of metric ``code``."""
    found = re.search(
        rf'data-metric="{code}">\s*<span class="label">[^<]*</span>\s*'
        r'<span class="value">([^<]*)</span>',
        html,
    )
    assert found, f"no figure box for {code}"
    return found[1]


def run(*args, **kw) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("white-paper", *args, stdout=out, stderr=err, **kw)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_white_paper_html_and_pdf(quarter, after_q3, tmp_path):
    target = tmp_path / "reports" / "2026"  # does not exist yet: the command creates it
    stdout, stderr = run("2026Q3", out=str(target))

    html_path = target / "white-paper-2026Q3.html"
    pdf_path = target / "white-paper-2026Q3.pdf"
    assert html_path.is_file() and pdf_path.is_file()
    assert stdout.split() == [str(html_path), str(pdf_path)]

    # a progress line per step, in order, on stderr (the last chapter: servicing and
    # underwriting)
    lines = [line for line in stderr.splitlines() if line.startswith("[")]
    assert [line.split("]")[0] for line in lines[:12]] == [f"[{k}/12" for k in range(1, 13)]
    assert "保全与核保" in lines[9]
    assert "SLA" in lines[1] and lines[-1].startswith("[done]")

    html = html_path.read_text(encoding="utf-8")
    assert "理赔服务质量白皮书 2026Q3" in html
    assert figure(html, "sla_compliance") == "66.7%"  # 2 met of 3
    assert figure(html, "csat") == "3.50/5"  # (5 + 2) / 2
    assert figure(html, "rejection_rate") == "50%"  # 1 rejected of 2 decided
    assert "责任免除" in html  # the clause the rejection cites
    assert html.count("<svg") >= 8  # the charts, inline
    assert 'data-series="SLA' in html or 'data-value="66.7"' in html

    assert pdf_path.read_bytes().startswith(b"%PDF")
    check_chinese_glyphs(pdf_path, tmp_path)  # on the same rendering: keeps the test short


def check_chinese_glyphs(pdf, tmp_path):
    """The PDF embeds the CJK font, gives the Chinese text back, and page 1 has ink."""
    from PIL import Image

    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    names = fonts.stdout.splitlines()[2:]
    cjk = [line for line in names if "NotoSansCJKSC" in line.split()[0].replace("-", "")]
    assert cjk, fonts.stdout
    assert all(" yes " in line for line in cjk)  # embedded (emb column), not referenced

    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "理赔服务质量白皮书" in text  # the cover heading, extracted back as characters
    assert "66.7%" in text
    assert "服务质量" in text.split("\f")[0]  # on page 1

    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    png = next(tmp_path.glob("p*.png"))
    page = Image.open(png).convert("L")
    width, height = page.size
    # the cover title sits in the upper third: real glyphs put dark pixels there
    title_band = page.crop((0, int(height * 0.1), width, int(height * 0.35)))
    dark = sum(title_band.histogram()[:100])
    assert dark > 500, dark
    # and not everything is dark (a box-drawing fallback or a black page would be)
    assert dark < title_band.size[0] * title_band.size[1] * 0.3


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["2026Q5", "2026-09", "Q3", "nonsense"])
def test_bad_quarter_is_a_clear_error_with_exit_code_2(text, tmp_path):
    with pytest.raises(CommandError) as err:
        run(text, out=str(tmp_path / "x"))
    assert err.value.returncode == 2
    assert "2026Q3" in str(err.value)  # the message shows how to write it
    assert not (tmp_path / "x").exists()


@pytest.mark.django_db
def test_empty_quarter_still_prints(after_q3, tmp_path):
    """No cases at all: every figure is "–" and the tables say so; no crash, both files."""
    run("2025Q1", out=str(tmp_path))
    html = (tmp_path / "white-paper-2025Q1.html").read_text(encoding="utf-8")
    assert "理赔服务质量白皮书 2025Q1" in html
    assert (tmp_path / "white-paper-2025Q1.pdf").stat().st_size > 10_000
