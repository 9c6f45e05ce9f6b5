"""Intake that asks before it registers: a likely same event, an estimate above what the
policy can still pay, a loss type the policy does not cover. Nothing is written until the
reporter confirms; nothing is merged. The same rules answer the portal, the hotline and the
API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from claimdesk.claims.models import Claim
from claimdesk.claims.rules import still_current
from claimdesk.claims.services import ReportNeedsConfirmation, claim_report
from tests.claims.conftest import T0, counts
from tests.claims.conftest import report as json_report
from tests.conftest import PASSWORD, at


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def report(**extra):
    """customer1's rear-end collision on PAUTO0001, as the service takes it."""
    return {
        "policy_no": "PAUTO0001",
        "insured_name": "张三",
        "loss_time": at("2026-09-29 18:00"),
        "loss_place": "上海市浦东新区世纪大道",
        "loss_cause": "追尾",
        "description": "等红灯时被后车追尾",
        "loss_type": "auto",
        "estimated_amount": "3200",
        "contact_phone": "13812345678",
        **extra,
    }


def ask(reporter, confirmed=(), now=T0, **extra) -> Claim:
    """Report through a channel that talks to the reporter (portal, hotline, API)."""
    return claim_report(
        reporter=reporter,
        report=report(**extra),
        channel="portal",
        now=now,
        confirmed=confirmed,
    ).claim


def cautions_of(reporter, **extra) -> dict[str, str]:
    before = counts()
    with pytest.raises(ReportNeedsConfirmation) as refused:
        ask(reporter, **extra)
    assert counts() == before  # nothing written, nothing linked
    return {c.code: c.message for c in refused.value.cautions}


# --- the service ----------------------------------------------------------------------------


def test_the_same_event_again_is_asked_about_and_registered_only_when_confirmed(
    auto_policy, customer1, agent1
):
    first = ask(customer1)
    asked = cautions_of(customer1, loss_time=at("2026-09-30 08:00"), loss_cause="被追尾")
    assert list(asked) == ["same_event"]
    assert f"Is this the same event as {first.number}" in asked["same_event"]
    assert "2026-09-29 18:00" in asked["same_event"]

    second = ask(customer1, confirmed=["same_event"], loss_cause="被追尾")
    assert second.pk != first.pk and Claim.objects.count() == 2  # never merged
    assert list(second.possible_duplicates.all()) == [first]  # linked for staff
    assert "possible_duplicate" in second.flags


@pytest.mark.parametrize(
    "change",
    [
        {"loss_time": at("2026-09-27 17:00")},  # more than a day apart
        {"loss_cause": "暴雨导致车辆泡水"},  # another cause
    ],
)
def test_another_event_is_not_asked_about(auto_policy, customer1, agent1, change):
    ask(customer1)
    assert ask(customer1, **change).possible_duplicates.count() == 0


def test_only_open_or_recently_closed_claims_count_as_the_same_event():
    closed = at("2026-09-01 10:00")
    assert still_current(None, T0)
    assert still_current(closed, closed + timedelta(days=30))
    assert not still_current(closed, closed + timedelta(days=30, seconds=1))


def test_an_estimate_above_the_remaining_sum_insured_is_said_plainly(
    auto_policy, customer1, agent1
):
    asked = cautions_of(customer1, estimated_amount="999999999999")
    assert list(asked) == ["above_remaining_sum_insured"]
    assert "¥999,999,999,999.00" in asked["above_remaining_sum_insured"]
    assert "¥200,000.00 of its sum insured is left" in asked["above_remaining_sum_insured"]
    # Up to the sum insured nothing is asked; above it, confirmed, the claim is registered.
    assert ask(customer1, estimated_amount="200000").estimated_amount == Decimal("200000")
    claim = ask(
        customer1,
        confirmed=["above_remaining_sum_insured", "same_event"],
        estimated_amount="999999999999",
    )
    assert claim.estimated_amount == Decimal("999999999999")


def test_a_loss_type_the_policy_does_not_cover_is_asked_and_flagged(auto_policy, customer1, agent1):
    asked = cautions_of(customer1, loss_type="critical_illness", loss_cause="确诊癌症")
    assert list(asked) == ["loss_type_not_covered"]
    assert "does not cover Critical illness losses" in asked["loss_type_not_covered"]
    claim = ask(
        customer1,
        confirmed=["loss_type_not_covered"],
        loss_type="critical_illness",
        loss_cause="确诊癌症",
    )
    assert claim.flags == ["loss_type_not_covered_by_product"]


def test_confirming_one_question_does_not_confirm_another(auto_policy, customer1, agent1):
    ask(customer1)
    asked = cautions_of(customer1, confirmed=["same_event"], estimated_amount="300000")
    assert list(asked) == ["above_remaining_sum_insured"]


def test_the_questions_read_in_chinese(auto_policy, customer1, agent1):
    ask(customer1)
    with translation.override("zh-hans"):
        asked = cautions_of(
            customer1, estimated_amount="999999999999", loss_type="medical", loss_cause="追尾受伤"
        )
    assert asked["same_event"].startswith("是否与 CL")
    assert "为同一事故" in asked["same_event"]
    assert "超过了本保单还能赔付的金额" in asked["above_remaining_sum_insured"]
    assert "不承保“医疗”类损失" in asked["loss_type_not_covered"]


# --- the portal's confirm step --------------------------------------------------------------


def _form(**extra):
    data = {
        "policy_no": "PAUTO0001",
        "insured_name": "张三",
        "loss_type": "auto",
        "loss_time": "2026-09-29T18:00",
        "loss_place": "上海市浦东新区",
        "loss_cause": "追尾",
        "description": "等红灯时被后车追尾",
        "estimated_amount": "3200",
        "contact_phone": "13812345678",
        "idempotency_key": "",
    }
    data.update(extra)
    return data


@pytest.fixture
def portal(customer1, frozen):
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert c.login(username=customer1.username, password=PASSWORD)
    return c


def test_the_portal_asks_and_the_customer_goes_to_the_existing_claim(
    portal, auto_policy, customer1, agent1
):
    first = ask(customer1)
    r = portal.post(reverse("web:claim_new"), _form(loss_cause="被追尾"))
    html = r.content.decode()
    assert r.status_code == 200 and 'data-testid="report-cautions"' in html
    assert f"是否与 {first.number} 为同一事故" in html
    assert reverse("web:claim_detail", args=[first.number]) in html  # go to that claim
    assert 'data-testid="confirm-report"' in html and "不是同一事故，作为新案件报案" in html
    assert Claim.objects.count() == 1
    # Submitting the form again without the confirm button asks again.
    r = portal.post(reverse("web:claim_new"), _form(loss_cause="被追尾"))
    assert 'data-testid="report-cautions"' in r.content.decode() and Claim.objects.count() == 1


def test_the_portal_registers_a_new_claim_once_confirmed(portal, auto_policy, customer1, agent1):
    first = ask(customer1)
    r = portal.post(
        reverse("web:claim_new"),
        _form(loss_cause="被追尾", estimated_amount="999999999999", confirmed="same_event"),
    )
    html = r.content.decode()
    # Only the amount is still asked; its button confirms both.
    assert "超过了本保单还能赔付的金额" in html and "为同一事故" not in html
    assert 'value="same_event,above_remaining_sum_insured"' in html
    r = portal.post(
        reverse("web:claim_new"),
        _form(
            loss_cause="被追尾",
            estimated_amount="999999999999",
            confirmed="same_event,above_remaining_sum_insured",
        ),
    )
    assert r.status_code == 302
    second = Claim.objects.exclude(pk=first.pk).get()
    assert r["Location"] == reverse("web:claim_detail", args=[second.number])
    assert list(second.possible_duplicates.all()) == [first]


def test_the_hotline_warns_the_agent(auto_policy, customer1, agent1, frozen):
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert c.login(username=agent1.username, password=PASSWORD)
    r = c.post(reverse("web:claim_hotline"), _form(loss_type="critical_illness"))
    html = r.content.decode()
    assert "登记前请与来电人核实" in html and "不承保“重大疾病”类损失" in html
    assert Claim.objects.count() == 0
    r = c.post(
        reverse("web:claim_hotline"),
        _form(loss_type="critical_illness", confirmed="loss_type_not_covered"),
    )
    assert r.status_code == 302 and Claim.objects.get().case.owner == agent1


# --- the API --------------------------------------------------------------------------------


def test_the_api_answers_a_field_error_until_confirmed(
    claims_api, auto_policy, customer1, agent1, frozen
):
    api = claims_api(customer1)
    assert api.post("/claims", json_report()).status_code == 201
    before = counts()
    r = api.post("/claims", json_report(loss_cause="被追尾", estimated_amount="999999999999"))
    assert r.status_code == 400 and counts() == before
    body = r.json()
    assert set(body["errors"]) == {"loss_time", "estimated_amount"}
    assert [c["code"] for c in body["cautions"]] == ["same_event", "above_remaining_sum_insured"]
    assert body["cautions"][0]["claims"] == [Claim.objects.get().number]
    r = api.post(
        "/claims", json_report(loss_cause="被追尾", estimated_amount="999999999999", confirm=True)
    )
    assert r.status_code == 201 and Claim.objects.count() == 2
    assert r.json()["possible_duplicates"] == [Claim.objects.order_by("pk").first().number]
