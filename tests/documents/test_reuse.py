"""一次提交、全程复用: lasting documents (ID card, bank card) accepted on an earlier claim
are attached to the same customer's new claim instead of being asked for again."""

from __future__ import annotations

from datetime import timedelta

from claimdesk.cases.models import CaseEvent
from claimdesk.claims.services import claim_item_set_state, claim_report
from claimdesk.documents.models import Document
from claimdesk.documents.services import document_reuse_lasting, document_upload
from tests.documents.conftest import T0, png, report


def _upload(claim, data, item, actor):
    import io

    f = io.BytesIO(data)
    f.name = f"{item}.png"
    return document_upload(claim=claim, file=f, item_code=item, actor=actor, now=T0).document


def test_lasting_documents_accepted_before_are_reused(claim, other_claim, customer1, agent1):
    id_card = _upload(claim, png("white"), "id_card", customer1)
    bank = _upload(claim, png("black"), "bank_card", customer1)
    _upload(claim, png("red"), "diagnosis", customer1)
    claim_item_set_state(item=id_card.item, state="accepted", actor=agent1, now=T0)
    claim_item_set_state(
        item=claim.items.get(code="diagnosis"), state="accepted", actor=agent1, now=T0
    )
    assert bank.item.state == "received"  # received but never accepted: not reused

    later = T0 + timedelta(days=20)
    second = claim_report(
        reporter=customer1,
        report=report("PMED0001", "medical", loss_cause="肺炎住院", loss_time=later),
        channel="api",
        now=later,
    ).claim
    # claim_report reused them while registering; asking again adds nothing
    assert document_reuse_lasting(claim=second, now=later) == []
    reused = list(second.documents.filter(reused_from__isnull=False))

    assert [d.kind for d in reused] == ["id_card"]
    doc = reused[0]
    assert doc.reused_from == id_card and doc.sha256 == id_card.sha256
    assert doc.file.name == id_card.file.name  # a reference, not a copy
    items = dict(second.items.values_list("code", "state"))
    assert items["id_card"] == "received"
    assert items["bank_card"] == "missing" and items["diagnosis"] == "missing"
    event = CaseEvent.objects.get(case=second.case, kind="document_reused")
    assert event.customer_visible and event.data["from_claim"] == claim.number

    # nothing of customer1 reaches customer2's claim; a second call adds nothing
    assert document_reuse_lasting(claim=other_claim, now=later) == []
    assert document_reuse_lasting(claim=second, now=later) == []
    assert Document.objects.filter(claim=second).count() == 1
    assert not Document.objects.filter(claim=other_claim).exists()


def test_reused_documents_show_where_they_came_from(api, claim, customer1, agent1):
    id_card = _upload(claim, png("white"), "id_card", customer1)
    claim_item_set_state(item=id_card.item, state="accepted", actor=agent1, now=T0)
    later = T0 + timedelta(days=20)
    second = claim_report(
        reporter=customer1,
        report=report("PMED0001", "medical", loss_cause="肺炎住院", loss_time=later),
        channel="api",
        now=later,
    ).claim
    document_reuse_lasting(claim=second, now=later)
    listed = api(customer1).get(f"/claims/{second.case.number}/documents").json()
    assert [(d["item"], d["reused_from_claim"]) for d in listed] == [("id_card", claim.number)]
