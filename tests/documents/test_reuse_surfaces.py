"""§22 一次性告知, 一次提交、全程复用: an item a document already on file covers is shown as
received ("已在档，无需再交") on every surface the customer reads — the intake answer, the SMS,
the checklist and the progress page — and is never asked for again."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import translation

from claimdesk.claims.services import claim_item_set_state, claim_report
from claimdesk.documents.services import document_upload
from claimdesk.notify.channels import sms_text
from claimdesk.notify.models import Notification
from tests.conftest import PASSWORD
from tests.documents.conftest import T0, png, report

LATER = T0 + timedelta(days=20)
ON_FILE = "已在档，无需再交"


@pytest.fixture
def id_card_on_file(claim, customer1, agent1):
    """customer1's first claim with the ID card accepted (the bank card only received)."""
    f = io.BytesIO(png("white"))
    f.name = "id.png"
    doc = document_upload(claim=claim, file=f, item_code="id_card", actor=customer1, now=T0)
    claim_item_set_state(item=doc.document.item, state="accepted", actor=agent1, now=T0)
    f = io.BytesIO(png("black"))
    f.name = "bank.png"
    document_upload(claim=claim, file=f, item_code="bank_card", actor=customer1, now=T0)
    return doc.document


def second_report(**extra):
    return report("PMED0001", "medical", loss_cause="肺炎住院", loss_time=LATER, **extra)


def test_intake_answer_shows_the_id_card_as_on_file(api, id_card_on_file, customer1, _frozen):
    _frozen.move_to(LATER + timedelta(hours=1))
    body = {**second_report(), "loss_time": LATER.isoformat(), "estimated_amount": "3200.00"}
    r = api(customer1).post("/claims", body)
    assert r.status_code == 201, r.content
    items = {i["code"]: i for i in r.json()["checklist"]}
    assert items["id_card"]["on_file"] is True
    assert items["id_card"]["state"] == "received"
    assert items["id_card"]["state_label"] == ON_FILE
    # The bank card was never accepted: it is still asked for.
    assert items["bank_card"]["on_file"] is False
    assert items["bank_card"]["state"] == "missing"


def test_sms_names_what_is_on_file_and_asks_only_for_the_rest(id_card_on_file, customer1):
    with translation.override("zh-hans"):
        claim = claim_report(
            reporter=customer1, report=second_report(), channel="api", now=LATER
        ).claim
    sms = Notification.objects.get(case=claim.case, kind="claim_registered", channel="sms")
    assert sms.status != "held"  # passes the compliance screen
    asked, _sep, on_file = sms_text(sms).partition(ON_FILE)
    assert "请一次性提供以下材料" in asked and "收款银行卡" in asked
    assert "被保险人身份证" not in asked
    assert "被保险人身份证" in on_file


def test_first_claim_sms_asks_for_everything(claim):
    sms = Notification.objects.get(case=claim.case, kind="claim_registered", channel="sms")
    assert ON_FILE not in sms.body and "被保险人身份证" in sms.body


def test_checklist_and_progress_show_on_file(api, id_card_on_file, customer1, agent1):
    claim = claim_report(reporter=customer1, report=second_report(), channel="api", now=LATER).claim
    number = claim.case.number
    with translation.override("zh-hans"):
        read = api(customer1).get(f"/claims/{number}").json()
        progress = api(customer1).get(f"/claims/{number}/progress").json()
    for checklist in (read["checklist"], progress["checklist"]):
        by_code = {i["code"]: i for i in checklist}
        assert by_code["id_card"]["state_label"] == ON_FILE and by_code["id_card"]["on_file"]
    # What the customer still has to hand in leaves out what is on file.
    assert "被保险人身份证" not in progress["missing_core_items"]
    assert "收款银行卡" in progress["missing_core_items"]

    # Once staff accept it, it is still on file; once returned, it is asked for again.
    item = claim.items.get(code="id_card")
    claim_item_set_state(item=item, state="accepted", actor=agent1, now=LATER)
    progress = api(customer1).get(f"/claims/{number}/progress").json()
    assert {i["code"]: i["on_file"] for i in progress["checklist"]}["id_card"] is True
    claim_item_set_state(item=item, state="returned", actor=agent1, now=LATER, reason="已过期")
    progress = api(customer1).get(f"/claims/{number}/progress").json()
    assert {i["code"]: i["on_file"] for i in progress["checklist"]}["id_card"] is False
    assert "被保险人身份证" in progress["missing_core_items"]


def test_claim_page_shows_on_file_to_customer_and_staff(id_card_on_file, customer1, agent1):
    claim = claim_report(reporter=customer1, report=second_report(), channel="api", now=LATER).claim
    for user in (customer1, claim.case.owner):
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        page = client.get(f"/claims/{claim.case.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert page.status_code == 200
        html = page.content.decode()
        row = html[html.index('data-item="id_card"') :]
        row = row[: row.index("</tr>")]
        assert 'data-on-file="1"' in row and ON_FILE in row
        bank = html[html.index('data-item="bank_card"') :]
        assert ON_FILE not in bank[: bank.index("</tr>")]
