"""OCR after upload: images the tests draw themselves (Noto CJK), read by RapidOCR in the
background task, proposed as fields and a checklist item; staff confirm or correct.

OCR calls cost about a second each: the engine is loaded once per process (warmed here
once per module) and only a few documents are read.
"""

from __future__ import annotations

import pytest

from claimdesk.cases.models import CaseEvent
from claimdesk.documents import ocr
from claimdesk.documents.models import Document
from tests.documents.conftest import INVOICE, encode, text_image

DIAGNOSIS_PAGE = [
    "诊断证明书",
    "姓名：张三",
    "诊断：急性阑尾炎",
    "日期：2026-09-29",
]
EXPENSES_PAGE = ["住院费用清单", "合计：¥3,560.00"]


def lines_of(text: str):
    """A stand-in for the engine's reading: these lines, each read fully sure."""
    return lambda data, content_type: [(line, 1.0) for line in text.split("\n")]


@pytest.fixture(scope="module")
def engine():
    """The process-wide engine, loaded once for the module."""
    return ocr.engine()


def _upload(api, user, claim, name, data, capture, item=None):
    with capture(execute=True):  # run the on-commit OCR task (eager) as a worker would
        r = api(user).upload(claim.number, name, data, item=item)
    assert r.status_code == 201, r.content
    return api(user).get(f"/claims/{claim.number}/documents/{r.json()['id']}").json()


def test_an_invoice_image_gets_its_amount_date_and_item_proposed(
    api, claim, customer1, cjk_font, engine, django_capture_on_commit_callbacks
):
    assert ocr.engine() is engine  # loaded once per process
    data = encode(text_image(cjk_font, INVOICE), "PNG")
    body = _upload(api, customer1, claim, "invoice.png", data, django_capture_on_commit_callbacks)
    assert body["ocr"]["status"] == "done", body["ocr"]
    assert "上海市第一人民医院" in body["ocr"]["text"]
    fields = body["ocr"]["fields"]
    assert fields["amount"] == "1234.56"
    assert fields["date"] == "2026-09-28"
    assert fields["name"] == "张三"
    assert fields["hospital"] == "上海市第一人民医院"
    assert body["ocr"]["suggested_item"] == "medical_invoice"
    assert body["item"] is None and body["confirmed"] is None  # a proposal, nothing decided
    assert claim.items.get(code="medical_invoice").state == "missing"


def test_a_scanned_pdf_is_read_page_by_page(
    api, claim, customer1, cjk_font, engine, django_capture_on_commit_callbacks
):
    first = text_image(cjk_font, DIAGNOSIS_PAGE)
    second = text_image(cjk_font, EXPENSES_PAGE)
    buf = __import__("io").BytesIO()
    first.save(buf, "PDF", save_all=True, append_images=[second], resolution=200)  # a 200-dpi scan
    body = _upload(
        api, customer1, claim, "scan.pdf", buf.getvalue(), django_capture_on_commit_callbacks
    )
    assert body["content_type"] == "application/pdf"
    assert body["ocr"]["status"] == "done", body["ocr"]
    pages = body["ocr"]["text"].split("\n\n")
    assert len(pages) == 2 and "诊断证明书" in pages[0] and "住院费用清单" in pages[1]
    fields = body["ocr"]["fields"]
    assert fields["diagnosis"] == "急性阑尾炎"
    assert fields["date"] == "2026-09-29"
    assert fields["amount"] == "3560.00"
    assert body["ocr"]["suggested_item"] == "diagnosis"


def test_an_unreadable_image_fails_with_a_reason(
    api, claim, customer1, django_capture_on_commit_callbacks
):
    broken = b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10
    body = _upload(api, customer1, claim, "broken.png", broken, django_capture_on_commit_callbacks)
    assert body["ocr"]["status"] == "failed"
    assert "cannot be decoded" in body["ocr"]["error"]
    assert body["ocr"]["fields"] == {} and body["ocr"]["suggested_item"] is None


def test_an_engine_failure_is_recorded_not_faked(
    api, claim, customer1, monkeypatch, django_capture_on_commit_callbacks
):
    def broken_engine():
        raise ocr.OcrError("OCR engine not installed: no module named rapidocr")

    monkeypatch.setattr(ocr, "engine", broken_engine)
    from tests.documents.conftest import png

    body = _upload(api, customer1, claim, "a.png", png(), django_capture_on_commit_callbacks)
    assert body["ocr"]["status"] == "failed"
    assert "not installed" in body["ocr"]["error"]


def test_a_second_delivery_of_the_task_changes_nothing(
    api, claim, customer1, monkeypatch, django_capture_on_commit_callbacks
):
    from claimdesk.documents.tasks import document_ocr
    from tests.documents.conftest import png

    monkeypatch.setattr(ocr, "read_lines", lines_of("出院小结\n日期:2026-09-30"))
    body = _upload(api, customer1, claim, "a.png", png(), django_capture_on_commit_callbacks)
    assert body["ocr"]["suggested_item"] == "discharge_summary"
    monkeypatch.setattr(ocr, "read_lines", lines_of("诊断证明"))
    assert document_ocr.delay(body["id"]).get() == "done"
    assert Document.objects.get(pk=body["id"]).suggested_item == "discharge_summary"
    assert CaseEvent.objects.filter(case=claim.case, kind="document_ocr_done").count() == 1


def test_staff_confirm_and_correct_what_ocr_proposed(
    api, claim, customer1, agent1, monkeypatch, django_capture_on_commit_callbacks
):
    from tests.documents.conftest import png

    monkeypatch.setattr(
        ocr, "read_lines", lines_of("医疗费用发票\n日期:2026年9月28日\n合计:¥1,284.56")
    )
    body = _upload(api, customer1, claim, "inv.png", png(), django_capture_on_commit_callbacks)
    assert body["ocr"]["fields"] == {"amount": "1284.56", "date": "2026-09-28"}
    path = f"/claims/{claim.number}/documents/{body['id']}/confirm"

    refused = api(customer1).post(path, {"fields": {"amount": "99999"}})
    assert refused.status_code == 403
    bad = api(agent1).post(path, {"fields": {"amount": "12,34x", "date": "28/9", "colour": "x"}})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"amount", "date", "colour"}
    assert Document.objects.get(pk=body["id"]).confirmed_at is None

    ok = api(agent1).post(
        path,
        {"fields": {"amount": "1,234.56", "date": "2026-09-28"}, "item": "medical_invoice"},
    )
    assert ok.status_code == 200, ok.content
    out = ok.json()
    assert out["confirmed"]["fields"] == {"amount": "1234.56", "date": "2026-09-28"}
    assert out["confirmed"]["by"] == "agent1"
    assert out["ocr"]["fields"]["amount"] == "1284.56"  # the proposal stays beside it
    assert out["item"] == "medical_invoice"
    assert claim.items.get(code="medical_invoice").state == "received"
    event = CaseEvent.objects.get(case=claim.case, kind="document_confirmed")
    assert event.data["corrected"] == {"amount": {"proposed": "1284.56", "confirmed": "1234.56"}}
    assert not event.customer_visible


def test_an_image_too_large_to_read_is_refused_before_decoding():
    from PIL import Image

    from tests.documents.conftest import encode

    huge = encode(Image.new("1", (8000, 6000), 1), "PNG")  # 48 Mpx, a few kB on disk
    with pytest.raises(ocr.OcrError, match="too large"):
        list(ocr._images(huge, "image/png"))


def test_a_missing_file_is_retried_then_recorded_as_failed(api, claim, customer1):
    from claimdesk.documents.tasks import document_ocr
    from tests.documents.conftest import png

    r = api(customer1).upload(claim.number, "a.png", png())  # OCR not run: no commit here
    document = Document.objects.get(pk=r.json()["id"])
    document.file.storage.delete(document.file.name)
    document_ocr.delay(document.pk)
    document.refresh_from_db()
    assert document.ocr_status == "failed"
    assert "cannot be read" in document.ocr_error


def test_documents_left_pending_are_queued_again_by_the_sweep(
    api, claim, customer1, monkeypatch, _frozen
):
    from datetime import timedelta

    from claimdesk.documents.tasks import documents_ocr_sweep
    from tests.documents.conftest import png

    monkeypatch.setattr(ocr, "read_lines", lines_of("医疗费用发票\n合计:¥88.00"))
    r = api(customer1).upload(claim.number, "a.png", png())  # the queueing never happened
    assert documents_ocr_sweep.delay().get() == 0  # too fresh: its own task may still run
    _frozen.shift(timedelta(minutes=11))
    assert documents_ocr_sweep.delay().get() == 1
    body = api(customer1).get(f"/claims/{claim.number}/documents/{r.json()['id']}").json()
    assert body["ocr"]["status"] == "done" and body["ocr"]["fields"] == {"amount": "88.00"}
    assert documents_ocr_sweep.delay().get() == 0
