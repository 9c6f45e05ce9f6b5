"""Uploading documents over the API: type by content, size limit, safe names, duplicates,
the checklist item received, the customer told, and nobody else's claim reachable."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings as django_settings

from claimdesk.cases.models import CaseEvent
from claimdesk.documents.models import Document
from tests.documents.conftest import png


def _nothing_written(claim, tmp_path: Path) -> None:
    assert not Document.objects.filter(claim=claim).exists()
    assert not CaseEvent.objects.filter(case=claim.case, kind="document_received").exists()
    media = Path(django_settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
    assert set(claim.items.values_list("state", flat=True)) == {"missing"}


def test_a_customer_uploads_an_invoice_for_a_checklist_item(api, claim, customer1):
    data = png()
    r = api(customer1).upload(claim.number, "发票.png", data, item="medical_invoice")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["item"] == "medical_invoice" and body["duplicate"] is False
    assert body["content_type"] == "image/png" and body["size"] == len(data)
    assert body["name"] == "发票.png" and body["uploaded_by"] == "customer1"
    assert body["ocr"]["status"] == "pending"  # OCR runs after commit, in the background
    import hashlib

    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    document = Document.objects.get(pk=body["id"])
    with document.file.open("rb") as fh:
        assert fh.read() == data
    assert claim.items.get(code="medical_invoice").state == "received"
    event = CaseEvent.objects.get(case=claim.case, kind="document_received")
    assert event.customer_visible and event.data["name"] == "发票.png"

    listed = api(customer1).get(f"/claims/{claim.number}/documents").json()
    assert [d["id"] for d in listed] == [body["id"]]
    got = api(customer1).get(f"/claims/{claim.number}/documents/{body['id']}/file")
    assert got.status_code == 200 and b"".join(got.streaming_content) == data
    assert got["Content-Type"] == "image/png"
    assert 'filename="' in got["Content-Disposition"] or "filename*=" in got["Content-Disposition"]
    assert got["X-Content-Type-Options"] == "nosniff"


def test_the_content_decides_the_type_not_the_name(api, claim, customer1, tmp_path):
    r = api(customer1).upload(claim.number, "scan.pdf", png())
    assert r.status_code == 201
    assert r.json()["content_type"] == "image/png"
    assert r.json()["name"] == "scan.png"
    assert r.json()["item"] is None


def test_text_named_jpg_is_refused_naming_the_allowed_types(api, claim, customer1, tmp_path):
    r = api(customer1).upload(claim.number, "photo.jpg", b"just some text, not a photo\n")
    assert r.status_code == 400
    assert "PDF, JPEG, PNG" in r.json()["detail"]
    _nothing_written(claim, tmp_path)


def test_an_empty_file_is_refused(api, claim, customer1, tmp_path):
    r = api(customer1).upload(claim.number, "empty.png", b"")
    assert r.status_code == 400
    _nothing_written(claim, tmp_path)


def test_too_large_is_413_with_the_limit(api, claim, customer1, settings, tmp_path):
    settings.CLAIMDESK_UPLOAD_MAX_BYTES = 200
    data = png(size=(400, 400), color="navy") + b"\x00" * 300
    r = api(customer1).upload(claim.number, "big.png", data, item="medical_invoice")
    assert r.status_code == 413
    assert "200 bytes" in r.json()["detail"] and r.json()["limit"] == 200
    _nothing_written(claim, tmp_path)


def test_path_tricks_in_the_name_stay_harmless(api, claim, customer1):
    r = api(customer1).upload(claim.number, "../../etc/passwd.png", png())
    assert r.status_code == 201
    assert r.json()["name"] == "passwd.png"
    document = Document.objects.get(pk=r.json()["id"])
    stored = Path(document.file.path).resolve()
    assert stored.is_relative_to(Path(django_settings.MEDIA_ROOT).resolve())
    assert stored.name == f"{document.sha256}.png"  # the stored name comes from the content


def test_the_same_file_twice_is_recognised(api, claim, customer1, agent1):
    first = api(customer1).upload(claim.number, "a.png", png("red"), item="medical_invoice")
    again = api(agent1).upload(claim.number, "copy.png", png("red"))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["id"] == first.json()["id"] and again.json()["name"] == "a.png"
    assert Document.objects.filter(claim=claim).count() == 1
    assert CaseEvent.objects.filter(case=claim.case, kind="document_received").count() == 1
    other = api(customer1).upload(claim.number, "b.png", png("blue"))
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


def test_an_unknown_item_is_refused_listing_the_claims_items(api, claim, customer1, tmp_path):
    r = api(customer1).upload(claim.number, "a.png", png(), item="passport")
    assert r.status_code == 400
    assert "medical_invoice" in r.json()["detail"]
    assert "id_card" in r.json()["items"]
    _nothing_written(claim, tmp_path)


def test_customers_reach_only_their_own_claims(api, claim, other_claim, customer1, customer2):
    mine = api(customer2).upload(other_claim.number, "mine.png", png("green"))
    assert mine.status_code == 201
    theirs = api(customer1).upload(claim.number, "theirs.png", png("gray"))
    doc_id = theirs.json()["id"]

    assert api(customer2).upload(claim.number, "x.png", png("pink")).status_code == 404
    assert api(customer2).get(f"/claims/{claim.number}/documents").status_code == 404
    assert api(customer2).get(f"/claims/{claim.number}/documents/{doc_id}").status_code == 404
    # a document of another claim is not reachable through one's own claim either
    r = api(customer2).get(f"/claims/{other_claim.number}/documents/{doc_id}")
    assert r.status_code == 404
    assert api(customer2).get(f"/claims/{claim.number}/documents/{doc_id}/file").status_code == 404
    assert Document.objects.filter(claim=claim).count() == 1


def test_staff_upload_only_on_cases_they_work(api, claim, agent1, agent2, manager1, surveyor1):
    assert claim.case.owner == agent1
    assert api(agent1).upload(claim.number, "a.png", png("red")).status_code == 201
    assert api(manager1).upload(claim.number, "b.png", png("blue")).status_code == 201
    assert api(agent2).upload(claim.number, "c.png", png("green")).status_code == 404
    assert Document.objects.filter(claim=claim).count() == 2


def test_a_closed_claim_takes_no_documents(api, claim, customer1, tmp_path):
    from claimdesk.cases.models import Case

    Case.objects.filter(pk=claim.pk).update(is_open=False)
    r = api(customer1).upload(claim.number, "late.png", png())
    assert r.status_code == 409
    _nothing_written(claim, tmp_path)
