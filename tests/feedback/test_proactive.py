"""Proactive-service triggers: each fires once per occasion, through the outbox."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from claimdesk.claims.services import claim_report
from claimdesk.feedback import rules, selectors, services
from claimdesk.feedback.models import PartnerShop, ProactiveFiring, ProactiveRule
from claimdesk.notify.models import Channel, Notification
from claimdesk.policies.demo import demo_policy
from claimdesk.service.services import ticket_open
from tests.claims.conftest import T0
from tests.conftest import at
from tests.feedback.conftest import report


def proactive(user, code=None):
    qs = Notification.objects.filter(recipient=user, kind="proactive", channel=Channel.INAPP)
    return qs.filter(subject=ProactiveFiring.objects.get(rule__code=code).subject) if code else qs


def test_seeded_rules_and_shops(db):
    assert set(ProactiveRule.objects.values_list("code", flat=True)) >= {
        "auto_report_partners",
        "claim_free_3y",
        "timeliness_walkthrough",
    }
    assert set(PartnerShop.objects.values_list("city", flat=True)) == {
        "上海",
        "北京",
        "广州",
        "深圳",
    }


def test_auto_report_sends_nearby_shops_once(auto_policy, customer1, agent1):
    claim = claim_report(reporter=customer1, report=report(), channel="portal", now=T0).claim
    elsewhere = claim_report(
        reporter=customer1,
        report=report(loss_place="成都市武侯区"),
        channel="portal",
        now=T0 + timedelta(minutes=1),
    ).claim
    first = services.feedback_sweep(now=T0 + timedelta(minutes=5))
    again = services.feedback_sweep(now=T0 + timedelta(minutes=10))
    assert first["proactive"]["auto_report_partners"] == 1
    assert again["proactive"]["auto_report_partners"] == 0
    firing = ProactiveFiring.objects.get(rule__code="auto_report_partners")
    assert firing.occasion_key == claim.case.number and firing.customer == customer1
    message = proactive(customer1).get()
    assert "安信汽车维修（浦东店）" in message.body and "申城钣喷中心" in message.body
    assert "京安汽修" not in message.body and claim.case.number in message.subject
    assert Notification.objects.filter(kind="proactive", channel=Channel.SMS).count() == 1
    assert claim.case.events.filter(kind="proactive_service", customer_visible=True).exists()
    assert not ProactiveFiring.objects.filter(occasion_key=elsewhere.case.number).exists()
    # A claim reported after the last scan is found by the next one.
    later = claim_report(
        reporter=customer1,
        report=report(loss_place="北京市朝阳区"),
        channel="portal",
        now=T0 + timedelta(minutes=20),
    ).claim
    services.feedback_sweep(now=T0 + timedelta(hours=2))
    assert "京安汽修" in proactive(customer1).get(case=later.case).body


def test_inactive_rule_does_not_fire(auto_policy, customer1, agent1):
    ProactiveRule.objects.filter(code="auto_report_partners").update(active=False)
    claim_report(reporter=customer1, report=report(), channel="portal", now=T0)
    result = services.feedback_sweep(now=T0 + timedelta(minutes=5))
    assert "auto_report_partners" not in result["proactive"]
    assert not ProactiveFiring.objects.exists()


@pytest.fixture
def loyal_customer(products, customer2):
    """customer2: yearly property policies since 1 Oct 2023, no claim."""
    start = date(2023, 10, 1)
    for n in range(4):
        policy = demo_policy(
            number=f"PPROP100{n}",
            holder=customer2,
            line="property",
            start=start,
            insured_name="李四",
            products=products,
        )
        start = policy.end + timedelta(days=1)
    return customer2


def test_claim_free_three_years_offer_once(
    loyal_customer, auto_policy, products, customer1, agent1
):
    # customer1 is a customer since 2022 too, but reported a claim this year: no offer.
    demo_policy(
        number="PCI2022",
        holder=customer1,
        line="critical_illness",
        start=date(2022, 1, 1),
        insured_name="张三",
        products=products,
    )
    claim_report(reporter=customer1, report=report(), channel="portal", now=T0)
    before = services.feedback_sweep(now=at("2026-09-30 12:00"))
    assert before["proactive"]["claim_free_3y"] == 0  # 3 years complete only on 1 Oct
    on_time = services.feedback_sweep(now=at("2026-10-01 09:00"))
    twice = services.feedback_sweep(now=at("2026-10-02 09:00"))
    assert (on_time["proactive"]["claim_free_3y"], twice["proactive"]["claim_free_3y"]) == (1, 0)
    firing = ProactiveFiring.objects.get(rule__code="claim_free_3y")
    assert firing.customer == loyal_customer
    assert (
        firing.occasion_key
        == "3y:"
        + loyal_customer.policies.get(
            start__lte=date(2026, 10, 1), end__gte=date(2026, 10, 1)
        ).number
    )
    assert "3年" in proactive(loyal_customer).get().body
    assert not proactive(customer1, None).filter(subject__contains="保障").exists()


def test_timeliness_complaint_walkthrough_seven_days_before_anniversary(
    auto_policy, customer1, customer2, agent1, products
):
    demo_policy(
        number="PPROP0002",
        holder=customer2,
        line="property",
        start=date(2026, 3, 1),
        insured_name="李四",
        products=products,
    )
    ticket_open(
        customer=customer1,
        actor=agent1,
        category="complaint",
        subject="理赔太慢",
        body="等了很久没人联系",
        channel="hotline",
        now=at("2026-10-12 10:00"),
        topic="timeliness",
    )
    ticket_open(
        customer=customer2,
        actor=agent1,
        category="complaint",
        subject="态度",
        body="客服态度不好",
        channel="hotline",
        now=at("2026-10-12 10:00"),
        topic="service_attitude",
    )
    # PAUTO0001 runs 1 Mar 2026 – 28 Feb 2027: anniversary 1 Mar 2027, walkthrough 22 Feb.
    counts = [
        services.feedback_sweep(now=at(day))["proactive"]["timeliness_walkthrough"]
        for day in ("2027-02-21 10:00", "2027-02-22 10:00", "2027-02-22 11:00", "2027-02-25 10:00")
    ]
    assert counts == [0, 1, 0, 0]
    firing = ProactiveFiring.objects.get(rule__code="timeliness_walkthrough")
    assert (firing.customer, firing.occasion_key) == (customer1, "PAUTO0001:2027")
    assert "2027-03-01" in proactive(customer1, "timeliness_walkthrough").get().body


def test_anniversary_rules_on_dates():
    start, end = date(2026, 3, 1), date(2027, 2, 28)
    assert rules.anniversary_due(start, end, date(2027, 2, 21), 7) is None
    assert rules.anniversary_due(start, end, date(2027, 2, 22), 7) == date(2027, 3, 1)
    assert rules.anniversary_due(start, end, date(2026, 3, 1), 7) is None  # start is no anniversary
    long = (date(2024, 2, 29), date(2028, 2, 28))
    assert rules.anniversary_due(*long, date(2026, 2, 21), 7) == date(2026, 2, 28)
    assert rules.city_of("广东省深圳市南山区", ["上海", "深圳"]) == "深圳"
    assert rules.render_template("{name}：{missing}", {"name": "张三"}) == "张三：{missing}"


def test_complaints_count_against_the_claim_owner(closed_claim, customer1, agent1):
    ticket_open(
        customer=customer1,
        actor=agent1,
        category="complaint",
        subject="赔款慢",
        body="赔款太慢",
        channel="portal",
        now=at("2026-09-30 12:00"),
        claim=closed_claim,
        topic="timeliness",
    )
    day = date(2026, 9, 30)
    [row] = selectors.staff_kpis(user=agent1, start=day, end=day)
    assert (row.closed_cases, row.complaints, row.complaint_rate) == (1, 1, 100)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_sweeps_fire_once(auto_policy, customer1, agent1):
    from tests.conftest import race

    claim_report(reporter=customer1, report=report(), channel="portal", now=T0)
    now = T0 + timedelta(minutes=5)
    results = race(4, lambda i: services.proactive_sweep(now=now))
    assert sum(r["auto_report_partners"] for r in results) == 1, results
    assert proactive(customer1).count() == 1
