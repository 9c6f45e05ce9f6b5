"""Claim intake through the service every channel shares: what a report must say per loss
type, flags instead of refusals, duplicates, owners, clocks on working days, the one-time
checklist with 容缺受理, notifications, and idempotency under concurrency (PostgreSQL)."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client
from django.utils import translation

from claimdesk.cases import services as kernel
from claimdesk.cases.models import Case, CaseEvent
from claimdesk.claims.models import Claim, ClaimItem, IdempotencyKey
from claimdesk.claims.rules import REQUIRED_BY_TYPE, missing_fields
from claimdesk.claims.selectors import claim_progress, event_text
from claimdesk.claims.services import (
    ReportInvalid,
    claim_item_set_state,
    claim_report,
    materials_complete,
)
from claimdesk.notify.models import Notification
from claimdesk.policies.demo import demo_policy
from claimdesk.policies.models import Policy
from claimdesk.staff.services import token_issue
from tests.claims.conftest import T0, counts
from tests.conftest import PASSWORD, at


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in the English source; the portal's zh-hans is tested there."""
    with translation.override("en"):
        yield


def report(**extra):
    """A complete auto report on PAUTO0001, as the service takes it (aware datetimes)."""
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


def file(reporter, now=T0, key=None, channel="portal", **extra) -> Claim:
    return claim_report(
        reporter=reporter, report=report(**extra), channel=channel, now=now, idempotency_key=key
    ).claim


def clock(claim: Claim, rule: str):
    return claim.case.deadlines.get(rule__code=rule, task__isnull=True)


def accept_core(claim: Claim, customer, agent, now):
    for item in claim.items.filter(core=True):
        claim_item_set_state(item=item, state="received", actor=customer, now=now)
        claim_item_set_state(item=item, state="accepted", actor=agent, now=now)
    claim.refresh_from_db()


# --- what a report must say -------------------------------------------------------------------


@pytest.mark.parametrize("loss_type", sorted(REQUIRED_BY_TYPE))
def test_each_loss_type_names_what_it_cannot_do_without(loss_type):
    blank = {"loss_type": loss_type}
    common = {"policy_no", "insured_name", "loss_time", "loss_cause", "contact_phone"}
    assert set(missing_fields(blank)) == common | set(REQUIRED_BY_TYPE[loss_type])
    assert "loss_type" not in missing_fields(blank)
    full = dict.fromkeys([*common, *REQUIRED_BY_TYPE[loss_type]], "x")
    assert missing_fields({**full, "loss_type": loss_type}) == []


def test_auto_requires_place_and_course_of_events(auto_policy, customer1, agent1):
    before = counts()
    with pytest.raises(ReportInvalid) as err:
        file(customer1, loss_place="", description=" ")
    assert set(err.value.errors) == {"loss_place", "description"}
    assert err.value.status == 400
    assert counts() == before


def test_an_illness_report_needs_no_place(ci_policy, customer1, agent1):
    claim = file(
        customer1,
        policy_no="PCI0001",
        loss_type="critical_illness",
        loss_place="",
        loss_cause="确诊急性心肌梗死",
    )
    assert claim.loss_place == "" and claim.flags == []


def test_a_refusal_lists_every_problem_at_once_and_writes_nothing(auto_policy, customer1, agent1):
    before = counts()
    with pytest.raises(ReportInvalid) as err:
        file(
            customer1,
            policy_no="PAUTO0001 ",  # spaces are forgiven
            loss_time=at("2026-09-30 10:01"),
            insured_name="王五",
            contact_phone="abc",
            estimated_amount="12,800",
        )
    assert set(err.value.errors) == {
        "loss_time",
        "insured_name",
        "contact_phone",
        "estimated_amount",
    }
    assert counts() == before


def test_a_customer_cannot_report_on_someone_elses_policy(other_policy, customer1, agent1):
    with pytest.raises(ReportInvalid) as err:
        file(
            customer1,
            policy_no="PPROP0002",
            insured_name="李四",
            loss_type="property",
            loss_cause="水管爆裂",
        )
    assert err.value.errors == {"policy_no": "Unknown policy number."}


# --- flags, not refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loss_time", "flag"),
    [
        (at("2026-02-28 23:59"), "loss_before_policy_start"),  # cover starts 1 March
        (at("2026-03-01 00:00"), None),
    ],
)
def test_cover_dates_flag_but_never_refuse(auto_policy, customer1, agent1, loss_time, flag):
    claim = file(customer1, loss_time=loss_time)
    assert claim.flags == ([flag] if flag else [])
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_a_loss_after_the_policy_ended_and_a_lapsed_policy_are_flagged(products, customer1, agent1):
    old = demo_policy(
        number="PAUTO2024",
        holder=customer1,
        line="auto",
        start=date(2024, 1, 1),
        insured_name="张三",
        products=products,
    )
    assert file(customer1, policy_no=old.number).flags == ["loss_after_policy_end"]
    Policy.objects.filter(pk=old.pk).update(start=date(2026, 1, 1), end=date(2026, 12, 31))
    Policy.objects.filter(pk=old.pk).update(status=Policy.Status.SURRENDERED)
    claim = file(customer1, policy_no=old.number, loss_cause="停车场剐蹭")
    assert claim.flags == ["policy_not_in_force"]


def test_a_loss_type_the_product_does_not_cover_is_flagged(auto_policy, customer1, agent1):
    claim = file(customer1, loss_type="medical", loss_cause="摔伤住院")
    assert claim.flags == ["loss_type_not_covered_by_product"]


# --- duplicates -----------------------------------------------------------------------------------


def test_the_same_event_reported_twice_is_linked_both_ways(auto_policy, customer1, agent1):
    first = file(customer1)
    second = file(agent1, channel="hotline", loss_time=at("2026-09-30 08:00"), loss_cause="被追尾")
    assert list(second.possible_duplicates.all()) == [first]
    assert list(first.possible_duplicates.all()) == [second]
    assert "possible_duplicate" in second.flags
    assert Claim.objects.count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"loss_time": at("2026-09-27 17:00")},  # more than a day apart
        {"loss_cause": "暴雨导致车辆泡水"},  # another cause
    ],
)
def test_other_events_are_not_duplicates(auto_policy, customer1, agent1, change):
    file(customer1)
    assert file(customer1, **change).possible_duplicates.count() == 0


# --- owners, clocks, notifications -----------------------------------------------------------------


def test_the_agent_who_takes_a_hotline_report_owns_it(auto_policy, customer1, agent1, agent2):
    claim = file(agent2, channel="hotline")
    assert claim.case.owner == agent2 and claim.case.customer == customer1
    assert claim.reporter == agent2 and claim.channel == "hotline"


def test_a_customer_report_goes_to_the_least_loaded_agent(auto_policy, customer1, agent1, agent2):
    file(agent1, channel="hotline")
    assert file(customer1, loss_cause="刮擦", loss_time=at("2026-09-20 09:00")).case.owner == agent2


@pytest.mark.parametrize(
    ("reported", "due"),
    [
        ("2026-09-30 10:00", "2026-10-09 00:00"),  # Wed before National Day: Thu 8 Oct
        ("2026-10-09 16:00", "2026-10-11 00:00"),  # Fri → Sat 10 Oct, a 调休 working day
        ("2026-10-10 23:59", "2026-10-13 00:00"),  # that Saturday → Mon 12 Oct
        ("2026-10-03 12:00", "2026-10-09 00:00"),  # reported on a holiday
    ],
)
def test_the_contact_clock_counts_working_days(auto_policy, customer1, agent1, reported, due):
    claim = file(customer1, now=at(reported), loss_time=at(reported) - timedelta(hours=1))
    assert clock(claim, "contact").due_at == at(due)
    assert claim.case.next_due_at == at(due)


def test_the_customer_is_told_at_once_with_the_checklist(auto_policy, customer1, agent1):
    claim = file(customer1)
    note = Notification.objects.get(recipient=customer1, kind="claim_registered", channel="inapp")
    assert claim.case.number in note.subject
    for name in ("事故认定书", "维修发票", "行驶证"):
        assert name in note.body


def test_a_report_with_a_key_is_registered_once(auto_policy, customer1, agent1):
    first = claim_report(
        reporter=customer1, report=report(), channel="api", now=T0, idempotency_key="abc"
    )
    again = claim_report(
        reporter=customer1,
        report=report(loss_cause="something else entirely"),
        channel="api",
        now=T0 + timedelta(minutes=5),
        idempotency_key="abc",
    )
    assert first.created and not again.created
    assert again.claim.pk == first.claim.pk and again.claim.loss_cause == "追尾"
    assert (Claim.objects.count(), IdempotencyKey.objects.count()) == (1, 1)
    assert Notification.objects.filter(kind="claim_registered", channel="inapp").count() == 1


# --- the one-time checklist and 容缺受理 ---------------------------------------------------------


def test_materials_are_complete_once_every_core_item_is_accepted(auto_policy, customer1, agent1):
    claim = file(customer1)
    items = list(claim.items.all())
    assert not materials_complete(claim)
    later = T0 + timedelta(days=9)  # Fri 9 Oct 10:00
    accept_core(claim, customer1, agent1, later)
    assert materials_complete(claim) and claim.materials_complete_at == later
    assert any(not i.core and i.state == "missing" for i in claim.items.all())
    assert clock(claim, "payment_small").due_at == later + timedelta(hours=24)
    assert clock(claim, "interim_payment").started_at == later
    events = CaseEvent.objects.filter(case=claim.case, kind="materials_complete")
    assert events.count() == 1 and events.get().customer_visible
    assert (
        Notification.objects.filter(
            recipient=customer1, kind="materials_complete", channel="inapp"
        ).count()
        == 1
    )
    # returning and re-accepting an item does not restart the commitment
    item = next(i for i in items if i.code == "repair_invoice")
    claim_item_set_state(item=item, state="returned", actor=agent1, now=later, reason="看不清")
    claim_item_set_state(item=item, state="received", actor=customer1, now=later)
    claim_item_set_state(item=item, state="accepted", actor=agent1, now=later + timedelta(hours=3))
    claim.refresh_from_db()
    assert claim.materials_complete_at == later
    assert claim.case.deadlines.filter(rule__code="payment_small").count() == 1


def test_a_large_auto_claim_is_paid_on_five_working_days(auto_policy, customer1, agent1):
    claim = file(customer1, estimated_amount=Decimal("5000.00"))
    later = at("2026-10-09 15:00")  # Fri; Sat 10 Oct is a 调休 working day
    accept_core(claim, customer1, agent1, later)
    assert clock(claim, "payment").due_at == at("2026-10-16 00:00")
    assert not claim.case.deadlines.filter(rule__code="payment_small").exists()


def test_the_claim_cannot_move_on_while_core_items_are_missing(auto_policy, customer1, agent1):
    claim = file(customer1)
    kernel.case_transition(case=claim.case, action="contact", actor=agent1, now=T0)
    core = list(claim.items.filter(core=True))
    for item in core[:-1]:
        claim_item_set_state(item=item, state="received", actor=customer1, now=T0)
        claim_item_set_state(item=item, state="accepted", actor=agent1, now=T0)
    for action in ("send_to_adjudication", "send_to_investigation"):
        with pytest.raises(kernel.GuardFailed, match=core[-1].name):
            kernel.case_transition(case=claim.case, action=action, actor=agent1, now=T0)
    assert Case.objects.get(pk=claim.pk).status == "reviewing"


def test_only_staff_on_the_case_accept_or_return_materials(
    auto_policy, customer1, customer2, agent1, agent2
):
    claim = file(customer1)
    item = claim.items.get(code="accident_report")
    with pytest.raises(kernel.NotAllowed):
        claim_item_set_state(item=item, state="received", actor=customer2, now=T0)
    claim_item_set_state(item=item, state="received", actor=customer1, now=T0)
    for actor in (customer1, agent2):
        with pytest.raises(kernel.NotAllowed):
            claim_item_set_state(item=item, state="accepted", actor=actor, now=T0)
    assert ClaimItem.objects.get(pk=item.pk).state == "received"


def test_a_returned_item_tells_the_customer_why(auto_policy, customer1, agent1):
    claim = file(customer1)
    item = claim.items.get(code="repair_invoice")
    claim_item_set_state(item=item, state="received", actor=customer1, now=T0)
    claim_item_set_state(
        item=item, state="returned", actor=agent1, now=T0, reason="请提供增值税发票原件"
    )
    note = Notification.objects.get(kind="item_returned", channel="inapp")
    assert note.recipient == customer1 and note.body == "请提供增值税发票原件"
    event = CaseEvent.objects.filter(case=claim.case, kind="item_returned").get()
    assert event_text(event, claim) == "维修发票 was returned to you: 请提供增值税发票原件"


# --- the customer's progress ------------------------------------------------------------------------


def test_progress_follows_the_claim_to_payment(auto_policy, customer1, agent1, finance1):
    claim = file(customer1)
    p = claim_progress(claim)
    assert p.stage == "report" and p.expected_payment is None
    kernel.case_transition(case=claim.case, action="contact", actor=agent1, now=T0)
    accept_core(claim, customer1, agent1, T0)
    kernel.case_transition(case=claim.case, action="send_to_adjudication", actor=agent1, now=T0)
    claim = Claim.objects.get(pk=claim.pk)
    p = claim_progress(claim)
    assert p.stage == "decision" and p.expected_payment == T0 + timedelta(hours=24)
    assert [s["state"] for s in p.stages] == ["done"] * 3 + ["current", "upcoming", "upcoming"]
    assert {d.rule.code for d in p.clocks} == {
        "decision_statutory",
        "decision_ordinary",
        "payment_small",
        "interim_payment",
    }
    assert all(e.customer_visible for e in p.events)
    texts = [event_text(e, claim) for e in p.events]
    assert "All core materials are complete; the payment commitment runs from now." in texts
    assert texts[-1] == "The core materials are complete; your claim is being decided."


def test_a_withdrawn_claim_leaves_the_road(auto_policy, customer1, agent1):
    claim = file(customer1)
    kernel.case_transition(
        case=claim.case, action="withdraw", actor=agent1, now=T0, data={"reason": "客户撤案"}
    )
    p = claim_progress(Claim.objects.get(pk=claim.pk))
    assert p.stage == "withdrawn" and {s["state"] for s in p.stages} == {"skipped"}
    assert p.clocks == []


# --- concurrency (PostgreSQL) ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_with_the_same_key_at_once_give_one_claim(auto_policy, customer1, agent1):
    """Two retries racing each other: the loser waits on the unique key, rolls back whole
    and answers with the winner's claim."""
    token = token_issue(username="customer1", password=PASSWORD, now=T0)
    barrier = threading.Barrier(2)
    answers: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            client = Client()
            barrier.wait(timeout=10)
            r = client.post(
                "/api/v1/claims",
                data=json.dumps({**report(), "loss_time": "2026-09-29T18:00:00+08:00"}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
                HTTP_IDEMPOTENCY_KEY="race-1",
            )
            answers.append((r.status_code, r.json().get("claim_no", r.content.decode())))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(T0, tick=False):
        threads = [threading.Thread(target=send) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert not errors, errors
    assert sorted(code for code, _ in answers) == [200, 201]
    assert len({number for _, number in answers}) == 1
    assert Claim.objects.count() == 1 and IdempotencyKey.objects.count() == 1
    assert Case.objects.count() == 1
    assert connection.vendor == "postgresql"
