"""Issuing notices: each kind renders to a stored, fingerprinted PDF with a timeline event
and an outbox message; the rejection notice quotes its clauses and the appeal routes; bad
data leaves nothing behind."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.core.files.storage import default_storage
from PIL import Image

from claimdesk.cases.models import CaseEvent
from claimdesk.cases.services import NotAllowed, task_assign
from claimdesk.ledger.selectors import ledger_verify
from claimdesk.notices.models import Notice
from claimdesk.notices.services import NoticeContextInvalid, notice_issue, notice_render
from claimdesk.notify.models import Channel, Notification
from tests.conftest import worker_ran
from tests.notices.conftest import (
    T0,
    objection_context,
    rejection_context,
    rendered,
    report_context,
    survey_context,
)

CONTEXTS = {
    "claim_report": report_context,
    "rejection": rejection_context,
    "survey_result": survey_context,
    "objection_reply": objection_context,
}
TITLES = {
    "claim_report": "理赔决定通知书",
    "rejection": "拒赔通知书",
    "survey_result": "查勘定损结果通知书",
    "objection_reply": "异议书面答复",
}


def pdf_text(data: bytes) -> str:
    """The text drawn on every page, as poppler reads it back."""
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return out.stdout.decode()


def squeeze(text: str) -> str:
    """Text without white space: line breaks fall where the page wraps, not in the source."""
    return re.sub(r"\s+", "", text)


def stored_bytes(notice: Notice) -> bytes:
    with default_storage.open(notice.file.name, "rb") as fh:
        return fh.read()


@pytest.mark.parametrize("kind", list(CONTEXTS))
def test_each_kind_renders_stores_and_tells_the_customer(kind, claim, manager1, customer1):
    context = CONTEXTS[kind](claim)
    notice = notice_issue(case=claim.case, kind=kind, context=context, actor=manager1, now=T0)
    notice = rendered(notice)

    data = stored_bytes(notice)
    assert data.startswith(b"%PDF-")
    assert notice.sha256 == hashlib.sha256(data).hexdigest() and notice.size == len(data)
    assert notice.file.name == f"notices/{notice.sha256[:2]}/{notice.sha256}.pdf"
    assert notice.language == "zh-hans" and notice.issued_by == manager1
    assert notice.title == f"{TITLES[kind]} {claim.number}"
    text = squeeze(pdf_text(data))
    assert TITLES[kind] in text and claim.number in text
    # Letters about a survey or an objection are addressed to the case's customer.
    assert f"尊敬的{context.get('customer_name', 'customer1')}" in text and "95500" in text
    # The header is filled in from the claim where the caller left it out.
    assert notice.context["claim_no"] == claim.number
    assert notice.context["policy_no"] == "PMED0001" and "PMED0001" in text
    # The stored context renders the same letter again, byte for byte.
    assert notice_render(notice) == data

    event = CaseEvent.objects.get(case=claim.case, kind="notice_issued")
    assert event.customer_visible and event.actor == manager1
    assert event.data["notice"] == notice.pk
    # The letter's fingerprint, written once it was rendered, is chained like any line.
    stored = CaseEvent.objects.get(case=claim.case, kind="notice_rendered")
    assert stored.data == {"notice": notice.pk, "sha256": notice.sha256, "size": notice.size}
    assert ledger_verify(claim.case).ok  # the events are chained into the evidence ledger
    for line in (event, stored):
        assert claim.case.ledger.filter(record_type="event", record_id=line.pk).exists()

    inapp = Notification.objects.get(recipient=customer1, kind="notice_issued", channel="inapp")
    assert inapp.case == claim.case
    assert TITLES[kind] in inapp.subject
    assert f"/notices/{notice.pk}/pdf" in inapp.body
    channels = set(
        Notification.objects.filter(kind="notice_issued").values_list("channel", flat=True)
    )
    assert channels == {Channel.INAPP, Channel.EMAIL, Channel.SMS}  # customer1 has e-mail


def test_rejection_quotes_each_clause_verbatim_with_the_appeal_routes(claim, manager1):
    context = rejection_context(claim)
    notice = notice_issue(
        case=claim.case, kind="rejection", context=context, actor=manager1, now=T0
    )
    notice = rendered(notice)
    text = squeeze(pdf_text(stored_bytes(notice)))

    assert squeeze(context["reason"]) in text
    for c in context["clauses"]:
        assert squeeze(f"第{c['article']}条{c['title']}") in text
        assert squeeze(c["text"]) in text  # the full clause, word for word
    for route in (
        "3个工作日内",  # the objection: a written explanation within 3 working days
        "95500",
        "国家金融监督管理总局",
        "12378",
        "仲裁",
        "人民法院提起诉讼",
        "保险法》第二十四条",
    ):
        assert squeeze(route) in text, route


def test_claim_report_shows_each_line_with_its_clause_exclusions_and_follow_up(claim, manager1):
    context = report_context(claim)
    notice = notice_issue(
        case=claim.case, kind="claim_report", context=context, actor=manager1, now=T0
    )
    notice = rendered(notice)
    text = pdf_text(stored_bytes(notice))
    flat = squeeze(text)
    rows = [line for line in text.splitlines() if "扣除免赔额" in line]
    assert rows and "-10,000.00" in rows[0] and "第2.3条" in rows[0]
    assert "8,160.00" in flat and "部分赔付" in flat
    assert squeeze("美容、整形手术费用不属于保险责任") in flat
    assert squeeze(context["calculation"]["exclusions"][0]["clause_text"]) in flat
    for suggestion in context["follow_up"]:
        assert squeeze(suggestion) in flat
    assert "early_loss" not in flat  # internal risk flags are not for the customer's letter


def embedded_fonts(path: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[2:]


def glyph_shapes(path: Path, word: str, dpi: int = 150) -> list[bytes]:
    """Page 1 rendered to PNG (pdftoppm); for each character of ``word`` as the PDF places
    it, its box on the page as a 24×24 black-and-white bitmap."""
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
         str(path), str(path.with_suffix(""))],
        check=True,
    )  # fmt: skip
    image = Image.open(path.with_suffix(".png")).convert("L")
    page = pdfium.PdfDocument(path.read_bytes())[0]
    textpage = page.get_textpage()
    found = textpage.search(word).get_next()
    assert found is not None, f"{word} is not on page 1"
    scale, height = dpi / 72, page.get_height()
    shapes = []
    for index in range(found[0], found[0] + found[1]):
        if textpage.get_text_range(index, 1).isspace():
            continue  # a letter-spaced title: pdfium reports the gaps as spaces
        left, bottom, right, top = textpage.get_charbox(index)
        box = (
            int(left * scale),
            int((height - top) * scale),
            int(right * scale) + 1,
            int((height - bottom) * scale) + 1,
        )
        glyph = image.crop(box).resize((24, 24)).point(lambda v: 255 if v < 128 else 0)
        shapes.append(glyph.tobytes())
    return shapes


def all_different(shapes: list[bytes]) -> bool:
    """Each pair of shapes differs in more than a fifth of its pixels (the same box drawn
    at slightly different positions differs in far fewer)."""
    return all(
        sum(x != y for x, y in zip(a, b, strict=True)) > len(a) // 5
        for a, b in itertools.combinations(shapes, 2)
    )


def test_chinese_is_drawn_with_real_glyphs_not_boxes(claim, manager1, tmp_path: Path):
    """Render page 1 to PNG and look at it: a CJK font is embedded, the clause sentence reads
    back, and each character of the title is its own dark shape (missing glyphs all draw
    the same empty box)."""
    context = rejection_context(claim)
    notice = notice_issue(
        case=claim.case, kind="rejection", context=context, actor=manager1, now=T0
    )
    notice = rendered(notice)
    path = tmp_path / "notice.pdf"
    path.write_bytes(stored_bytes(notice))

    cjk = [line for line in embedded_fonts(path) if "Noto-Sans-CJK-SC" in line]
    assert cjk and all(" yes yes " in line for line in cjk)  # embedded, subset

    textpage = pdfium.PdfDocument(path.read_bytes())[0].get_textpage()
    sentence = context["clauses"][0]["text"].split("。")[1] + "。"
    assert sentence.startswith("被保险人在等待期内发生疾病的")
    assert sentence in re.sub(r"[\r\n]", "", textpage.get_text_range())

    shapes = glyph_shapes(path, "拒赔通知书")
    assert len(shapes) == 5
    assert all(shape.count(255) > 20 for shape in shapes)  # ink in every character's box
    assert all_different(shapes)


def test_the_glyph_check_catches_boxes_when_the_cjk_font_is_missing(tmp_path: Path):
    """The same check on a page printed where only a Latin font exists fails, as it must:
    the text still reads back (so text alone proves nothing), but the shapes are boxes.
    ``render_pdf`` itself refuses to print there."""
    (tmp_path / "fonts.conf").write_text(
        '<?xml version="1.0"?><fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir>'
        f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>"
    )
    script = f"""
from weasyprint import HTML
from claimdesk.notices.pdf import FontMissing, render_pdf
try:
    render_pdf("<p>拒赔</p>")
except FontMissing as exc:
    print("refused:", exc)
html = "<h1 style='font-family: \\"Noto Sans CJK SC\\"'>拒赔通知书</h1>"
open({str(tmp_path / "tofu.pdf")!r}, "wb").write(HTML(string=html).write_pdf())
"""
    env = {**os.environ, "FONTCONFIG_FILE": str(tmp_path / "fonts.conf")}
    run = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert "refused:" in run.stdout and "fonts-noto-cjk" in run.stdout
    path = tmp_path / "tofu.pdf"
    assert not [line for line in embedded_fonts(path) if "CJK" in line]
    assert "拒赔通知书" in pdf_text(path.read_bytes())
    shapes = glyph_shapes(path, "拒赔通知书")
    assert len(shapes) == 5 and not all_different(shapes)


@pytest.mark.parametrize(
    ("kind", "change", "key"),
    [
        ("rejection", {"reason": ""}, "reason"),
        ("rejection", {"clauses": []}, "clauses"),
        ("rejection", {"clauses": [{"article": "2.4", "title": "等待期"}]}, "clauses[0]"),
        ("rejection", {"decision": "approve"}, "decision"),
        ("claim_report", {"calculation": None}, "calculation"),
        ("claim_report", {"loss_time": "yesterday"}, "loss_time"),
        ("survey_result", {"assessed_loss": "a lot"}, "assessed_loss"),
        ("survey_result", {"assessed_loss": 3150.5}, "assessed_loss"),  # floats lose fen
        ("objection_reply", {"answer": "  "}, "answer"),
        ("claim_report", {"claim_no": "CLM20260101000001"}, "claim_no"),
    ],
)
def test_bad_context_is_refused_naming_the_key_and_writes_nothing(
    kind, change, key, claim, manager1, settings
):
    context = {**CONTEXTS[kind](claim), **change}
    with pytest.raises(NoticeContextInvalid) as refused:
        notice_issue(case=claim.case, kind=kind, context=context, actor=manager1, now=T0)
    assert isinstance(refused.value, ValueError) and refused.value.status == 400
    assert key in refused.value.errors and key in str(refused.value)
    assert not Notice.objects.exists()
    assert not CaseEvent.objects.filter(kind="notice_issued").exists()
    assert not Notification.objects.filter(kind="notice_issued").exists()
    assert not (Path(settings.MEDIA_ROOT) / "notices").exists()


def test_missing_keys_are_named_all_at_once(claim, manager1):
    with pytest.raises(NoticeContextInvalid) as refused:
        notice_issue(case=claim.case, kind="rejection", context={}, actor=manager1, now=T0)
    assert {"reason", "clauses", "decision"} <= set(refused.value.errors)
    assert "policy_no" not in refused.value.errors  # the claim's facts fill the header
    with pytest.raises(NoticeContextInvalid):
        notice_issue(case=claim.case, kind="memo", context={}, actor=manager1, now=T0)


def test_only_staff_working_on_the_case_may_issue(claim, adjuster1, manager1, customer1):
    context = rejection_context(claim)
    for outsider in (customer1, adjuster1):  # adjuster1 has the role but no task on it yet
        with pytest.raises(NotAllowed):
            notice_issue(case=claim.case, kind="rejection", context=context, actor=outsider, now=T0)
    task_assign(
        case=claim.case,
        kind="adjudicate",
        title="核定",
        assignee=adjuster1,
        actor=manager1,
        now=T0,
    )
    notice = notice_issue(
        case=claim.case, kind="rejection", context=context, actor=adjuster1, now=T0
    )
    notice = rendered(notice)
    assert notice.issued_by == adjuster1
    system = notice_issue(case=claim.case, kind="rejection", context=context, actor=None, now=T0)
    system = rendered(system)
    assert system.issued_by is None and system.sha256 == notice.sha256  # same letter, one file


def test_the_letter_follows_the_customers_language(claim, manager1):
    context = {**survey_context(claim), "language": "en"}
    notice = notice_issue(
        case=claim.case, kind="survey_result", context=context, actor=manager1, now=T0
    )
    notice = rendered(notice)
    text = squeeze(pdf_text(stored_bytes(notice)))
    assert notice.language == "en" and notice.title.startswith("Survey and loss assessment")
    assert squeeze("How to object") in text and squeeze(context["findings"]) in text


def test_the_letter_is_rendered_after_the_action_and_a_failure_there_is_retried(
    claim, manager1, customer1, settings, monkeypatch
):
    """Issuing writes the notice in the action; the worker renders it after the commit. The
    outbox refusing the customer's message rolls the render back (no fingerprint, nothing
    announced) and the next run does it again."""
    from claimdesk.notices import services

    notice = notice_issue(
        case=claim.case, kind="rejection", context=rejection_context(claim), actor=manager1, now=T0
    )
    assert not notice.rendered and not Notification.objects.filter(kind="notice_issued").exists()

    def outbox_down(**kwargs):
        raise RuntimeError("outbox down")

    with monkeypatch.context() as patch:
        patch.setattr(services, "notification_queue", outbox_down)
        worker_ran()
    assert not Notice.objects.get(pk=notice.pk).rendered
    assert not CaseEvent.objects.filter(kind="notice_rendered").exists()

    notice = rendered(notice)
    assert notice.rendered and stored_bytes(notice).startswith(b"%PDF-")
    assert Notification.objects.filter(recipient=customer1, kind="notice_issued").exists()


def test_the_admin_lists_notices_read_only(admin_client, claim, manager1):
    notice = notice_issue(
        case=claim.case, kind="rejection", context=rejection_context(claim), actor=manager1, now=T0
    )
    notice = rendered(notice)
    page = admin_client.get("/admin/notices/notice/")
    assert page.status_code == 200 and notice.title in page.content.decode()
    assert f"/notices/{notice.pk}/pdf" in page.content.decode()
    assert admin_client.get("/admin/notices/notice/add/").status_code == 403
    detail = admin_client.get(f"/admin/notices/notice/{notice.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert admin_client.get(f"/notices/{notice.pk}/pdf").status_code == 200


def test_without_suggestions_the_report_gives_the_standard_follow_up(claim, manager1):
    context = {**report_context(claim), "follow_up": ["", "  "]}  # e.g. no tip for this line
    notice = notice_issue(
        case=claim.case, kind="claim_report", context=context, actor=manager1, now=T0
    )
    notice = rendered(notice)
    assert notice.context["follow_up"] == []
    text = squeeze(pdf_text(stored_bytes(notice)))
    assert squeeze("结案后3个工作日内，我们将邀请您参加简短的满意度回访") in text


@pytest.mark.parametrize(
    "loss_time", ["2026-09-27T18:00:00+08:00", "2026-09-27T10:00:00+00:00", "2026-09-27T18:00:00"]
)
def test_the_time_of_loss_prints_in_shanghai_time(loss_time, claim, manager1):
    context = {**rejection_context(claim), "loss_time": loss_time}
    notice = notice_issue(
        case=claim.case, kind="rejection", context=context, actor=manager1, now=T0
    )
    notice = rendered(notice)
    assert "出险时间2026-09-2718:00" in squeeze(pdf_text(stored_bytes(notice)))
