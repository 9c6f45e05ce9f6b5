"""The portal's report form, the hotline entry and the claim's progress page."""

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claimdesk.claims.models import Claim
from claimdesk.claims.services import claim_report
from claimdesk.policies.demo import demo_policy
from tests.conftest import at

NOW = at("2026-09-30 10:00")  # a Wednesday; contact is due at the end of the next working day


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def auto_policy(customer1, products):
    return demo_policy(
        number="PAUTO0001",
        holder=customer1,
        line="auto",
        start=date(2026, 3, 1),
        insured_name="张伟",
        plate="沪A12345",
        products=products,
    )


@pytest.fixture
def other_policy(customer2, products):
    return demo_policy(
        number="PMED0002",
        holder=customer2,
        line="medical",
        start=date(2026, 3, 1),
        insured_name="李娜",
        products=products,
    )


def form(**extra):
    return {
        "policy_no": "PAUTO0001",
        "insured_name": "张伟",
        "loss_type": "auto",
        "loss_time": "2026-09-29T18:30",
        "loss_place": "上海市浦东新区世纪大道",
        "loss_cause": "等红灯时被追尾",
        "description": "晚高峰等红灯，后车未保持车距追尾，后保险杠受损，无人受伤。",
        "estimated_amount": "3200",
        "contact_phone": "13812345678",
        "idempotency_key": "form-1",
        **extra,
    }


def test_customer_reports_and_sees_everything_at_once(
    client, customer1, agent1, auto_policy, other_policy
):
    client.force_login(customer1)
    page = client.get(reverse("web:claim_new"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "PAUTO0001" in html and "PMED0002" not in html  # only my policies to choose from
    assert 'type="datetime-local"' in html

    resp = client.post(reverse("web:claim_new"), form(), follow=True)
    claim = Claim.objects.get()
    assert resp.redirect_chain[-1][0] == reverse("web:claim_detail", args=[claim.number])
    html = resp.content.decode()
    # The time typed in the browser is Beijing time.
    assert claim.loss_time == at("2026-09-29 18:30")
    assert claim.channel == "portal" and claim.case.owner == agent1
    assert claim.number in html
    for item in claim.items.all():
        assert item.name in html
    assert "事故认定书" in html and "核心" in html
    # The contact commitment and its due time: the end of Thursday 1 October's... no — the
    # National Day holiday: the first working day after 30 Sept is 9 Oct (调休 11 Oct is later).
    contact = claim.case.deadlines.get(rule__code="contact")
    assert contact.due_at == at("2026-10-09 00:00")
    assert 'data-rule="contact"' in html and "2026-10-09 00:00" in html
    assert "12378" in html  # the rights notice with the regulator's line
    assert "警示牌" in html or "危险报警" in html  # auto emergency guidance
    assert "已受理" in html or "报案" in html
    assert 'data-testid="flags"' not in html  # flags are for staff

    # A retry of the same submission (same key) gives the same claim, not a second one.
    client.post(reverse("web:claim_new"), form())
    assert Claim.objects.count() == 1


def test_missing_fields_and_a_future_time_are_form_errors(client, customer1, agent1, auto_policy):
    client.force_login(customer1)
    resp = client.post(reverse("web:claim_new"), form(loss_place="", description=""))
    assert resp.status_code == 400
    errors = resp.context["form"].errors
    assert set(errors) == {"loss_place", "description"}
    assert 'data-error-for="loss_place"' in resp.content.decode()

    resp = client.post(reverse("web:claim_new"), form(loss_time="2026-09-30T12:00"))
    assert resp.status_code == 400
    assert "未来" in resp.context["form"].errors["loss_time"][0]

    resp = client.post(reverse("web:claim_new"), form(insured_name="王五", contact_phone="abc"))
    assert set(resp.context["form"].errors) == {"insured_name", "contact_phone"}

    resp = client.post(reverse("web:claim_new"), form(loss_time="yesterday", loss_type="boat"))
    assert set(resp.context["form"].errors) == {"loss_time", "loss_type"}
    assert not Claim.objects.exists()


def test_a_customer_cannot_pick_another_customers_policy(
    client, customer1, agent1, auto_policy, other_policy
):
    client.force_login(customer1)
    resp = client.post(
        reverse("web:claim_new"),
        form(policy_no="PMED0002", insured_name="李娜", loss_type="medical"),
    )
    assert resp.status_code == 400
    assert "policy_no" in resp.context["form"].errors
    assert not Claim.objects.exists()


def test_hotline_report_makes_the_agent_the_owner(client, agent1, agent2, auto_policy):
    client.force_login(agent2)
    page = client.get(reverse("web:claim_hotline"))
    assert page.status_code == 200 and "电话报案" in page.content.decode()

    resp = client.post(reverse("web:claim_hotline"), form(policy_no="PNOPE"))
    assert "policy_no" in resp.context["form"].errors

    resp = client.post(reverse("web:claim_hotline"), form(), follow=True)
    claim = Claim.objects.get()
    assert claim.channel == "hotline" and claim.reporter == agent2
    assert claim.case.owner == agent2
    assert claim.case.customer == auto_policy.holder
    assert resp.redirect_chain[-1][0] == reverse("web:claim_detail", args=[claim.number])
    assert 'data-testid="owner">agent2<' in resp.content.decode()


def test_customers_may_not_use_the_hotline_form(client, customer1):
    client.force_login(customer1)
    assert client.get(reverse("web:claim_hotline")).status_code == 404


def test_the_progress_page_is_only_for_the_claims_customer_and_its_staff(
    client, customer1, customer2, agent1, agent2, auto_policy
):
    claim = claim_report(
        reporter=agent1, report=_report(), channel="hotline", now=at("2026-09-30 09:00")
    ).claim
    url = reverse("web:claim_detail", args=[claim.number])
    client.force_login(customer2)
    assert client.get(url).status_code == 404
    client.force_login(agent2)  # neither owner nor on a task: told who owns it
    refused = client.get(url)
    assert refused.status_code == 403
    assert "由 agent1 负责" in refused.content.decode()
    client.force_login(customer1)
    resp = client.get(url)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'aria-current="step">报案受理<' in html
    assert 'data-action="accepted"' not in html  # customers do not decide materials
    # Customers' cases list leads to the claim page, and so does the case's own address.
    assert url in client.get(reverse("web:my_cases")).content.decode()
    assert client.get(reverse("web:case_detail", args=[claim.number])).url == url
    client.force_login(agent1)
    case_page = client.get(reverse("web:case_detail", args=[claim.number])).content.decode()
    assert 'data-testid="claim-link"' in case_page


def test_staff_accept_and_return_items_on_the_progress_page(client, customer1, agent1, auto_policy):
    claim = claim_report(
        reporter=agent1, report=_report(), channel="hotline", now=at("2026-09-30 09:00")
    ).claim
    url = reverse("web:claim_detail", args=[claim.number])
    item = claim.items.get(code="accident_report")
    act = reverse("web:claim_item_act", args=[claim.number, item.pk])
    client.force_login(agent1)

    resp = client.post(act, {"state": "accepted"}, follow=True)  # not received yet
    assert "不能" in resp.content.decode() or "cannot" in resp.content.decode()
    client.post(act, {"state": "received"})
    resp = client.post(act, {"state": "returned", "reason": ""}, follow=True)
    item.refresh_from_db()
    assert item.state == "received"
    assert 'role="alert"' in resp.content.decode()
    resp = client.post(act, {"state": "returned", "reason": "照片模糊"}, follow=True)
    item.refresh_from_db()
    assert item.state == "returned" and item.reason == "照片模糊"
    assert "照片模糊" in resp.content.decode()

    # Every core item accepted: materials complete, the payment commitment shows its date.
    for it in claim.items.filter(core=True):
        a = reverse("web:claim_item_act", args=[claim.number, it.pk])
        client.post(a, {"state": "received"})
        client.post(a, {"state": "accepted"})
    html = client.get(url).content.decode()
    assert 'data-testid="expected-payment"' in html
    assert 'data-rule="payment_small"' in html

    # The customer sees the same history in plain words, without the staff's buttons.
    client.force_login(customer1)
    html = client.get(url).content.decode()
    assert "照片模糊" in html and 'data-testid="expected-payment"' in html
    assert 'data-action="returned"' not in html


def test_staff_see_flags_and_possible_duplicates(client, customer1, agent1, auto_policy):
    first = claim_report(
        reporter=agent1, report=_report(), channel="hotline", now=at("2026-09-30 09:00")
    ).claim
    second = claim_report(
        reporter=customer1, report=_report(), channel="portal", now=at("2026-09-30 09:30")
    ).claim
    client.force_login(agent1)
    html = client.get(reverse("web:claim_detail", args=[second.number])).content.decode()
    assert 'data-testid="flags"' in html and first.number in html


def _report():
    return {
        "policy_no": "PAUTO0001",
        "insured_name": "张伟",
        "loss_time": at("2026-09-29 18:00"),
        "loss_place": "上海市浦东新区",
        "loss_cause": "追尾",
        "description": "等红灯被追尾",
        "loss_type": "auto",
        "estimated_amount": "3200",
        "contact_phone": "13812345678",
    }


def test_an_upload_that_is_no_document_is_refused_with_a_message(
    client, customer1, agent1, auto_policy, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    claim = claim_report(
        reporter=customer1, report=_report(), channel="portal", now=at("2026-09-30 09:00")
    ).claim
    client.force_login(customer1)
    url = reverse("web:claim_document_add", args=[claim.number])
    fake = SimpleUploadedFile("invoice.png", b"not an image at all", content_type="image/png")
    resp = client.post(url, {"file": fake, "item": "repair_invoice"}, follow=True)
    assert resp.status_code == 200
    assert 'role="alert"' in resp.content.decode()
    assert not claim.documents.exists()
    assert claim.items.get(code="repair_invoice").state == "missing"
    resp = client.post(url, {}, follow=True)
    assert 'role="alert"' in resp.content.decode()
