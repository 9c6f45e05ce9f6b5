"""Renewal premiums (续期收费): the schedule from the product's frequency, reminders before
the due date and during grace, finance recording a premium, and the lapse (效力中止) at the
end of a 60-day grace period, run by the periodic sweep, kept in the policy's history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from claimdesk.cases.models import SlaRule
from claimdesk.cases.services import GuardFailed, IllegalTransition, NotAllowed
from claimdesk.notify.models import Notification
from claimdesk.policies.demo import demo_policy
from claimdesk.policies.models import Policy
from claimdesk.policies.selectors import policy_as_of
from claimdesk.servicing import tasks
from claimdesk.servicing.models import PremiumDue
from claimdesk.servicing.selectors import premiums_of
from claimdesk.servicing.services import premium_pay, premium_schedule_ensure, premium_sweep
from claimdesk.workdays.clocks import to_local
from tests.conftest import at


@pytest.fixture
def monthly_policy(products, customer1):
    """customer1's critical-illness policy from 1 March 2026, ¥6,200 a year paid monthly."""
    product = products["critical_illness"]
    product.premium_frequency = "monthly"
    product.save(update_fields=["premium_frequency"])
    return demo_policy(
        number="PCI0100",
        holder=customer1,
        line="critical_illness",
        start=date(2026, 3, 1),
        insured_name="张三",
        products=products,
    )


def _premium(policy, number: int) -> PremiumDue:
    return PremiumDue.objects.get(policy=policy, number=number)


def _messages(user, kind: str) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, kind=kind, channel="inapp")
        .order_by("id")
        .values_list("subject", flat=True)
    )


def test_the_schedule_follows_the_product_s_frequency_from_the_start(monthly_policy):
    rows = premium_schedule_ensure(monthly_policy, now=at("2026-03-01 09:00"))
    assert [r.due_on for r in rows[:3]] == [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)]
    assert len(rows) == 12 and rows[-1].due_on == date(2027, 2, 1)
    # ¥6,200 / 12 = 516.666… → ¥516.67 (half up, to the fen).
    assert {r.amount for r in rows} == {Decimal("516.67")}
    assert rows[0].is_paid and not rows[1].is_paid
    # Grace: 60 days counted from the day after the due date.
    assert rows[1].grace_ends_on == date(2026, 5, 31)


def test_a_single_premium_policy_has_no_renewal_premiums(products, customer1):
    policy = demo_policy(
        number="PACC0100",
        holder=customer1,
        line="accident",
        start=date(2026, 3, 1),
        insured_name="张三",
        products=products,
    )
    assert premium_sweep(now=at("2026-03-02 09:00"))["schedules"] == 0
    assert not PremiumDue.objects.filter(policy=policy).exists()


def test_the_customer_is_reminded_before_the_due_date_once(monthly_policy, customer1):
    premium_sweep(now=at("2026-03-01 09:00"))  # makes the schedule
    assert premium_sweep(now=at("2026-03-21 09:00"))["reminders"] == 0  # 11 days before
    assert premium_sweep(now=at("2026-03-22 09:00"))["reminders"] == 1  # 10 days before
    assert premium_sweep(now=at("2026-03-23 09:00"))["reminders"] == 0
    assert _messages(customer1, "premium_reminder") == [
        "保单PCI0100：¥516.67 保费应于 2026-04-01 缴纳"
    ]


def test_unpaid_at_the_end_of_grace_the_policy_lapses_from_the_next_day(monthly_policy, customer1):
    premium_sweep(now=at("2026-03-01 09:00"))
    # During grace: one reminder at the rule's reminder point (75 % of 60 days: day 45).
    assert premium_sweep(now=at("2026-05-15 09:00"))["grace_reminders"] == 0
    assert premium_sweep(now=at("2026-05-16 09:00"))["grace_reminders"] == 1
    # The last day of grace: still covered.
    assert premium_sweep(now=at("2026-05-31 23:00"))["lapses"] == 0
    assert Policy.objects.get(pk=monthly_policy.pk).status == "active"

    assert premium_sweep(now=at("2026-06-01 00:30"))["lapses"] == 1
    policy = Policy.objects.get(pk=monthly_policy.pk)
    assert policy.status == "lapsed"
    assert policy_as_of(policy, date(2026, 5, 31)).status == "active"
    lapsed = policy_as_of(policy, date(2026, 6, 1))
    assert lapsed.status == "lapsed" and lapsed.effective_on == date(2026, 6, 1)
    assert _premium(policy, 2).lapse.number == lapsed.endorsement
    assert _messages(customer1, "policy_lapsed") == ["保单PCI0100自 2026-06-01 起效力中止"]
    # Nothing more to do: no second lapse, no reminders for a lapsed policy.
    assert premium_sweep(now=at("2026-06-20 09:00")) == {
        "schedules": 0,
        "reminders": 0,
        "grace_reminders": 0,
        "lapses": 0,
    }


def test_a_premium_paid_in_grace_keeps_the_policy_in_force(monthly_policy, finance1, customer1):
    premium_sweep(now=at("2026-03-01 09:00"))
    premium = _premium(monthly_policy, 2)
    with pytest.raises(GuardFailed, match=r"516\.67"):
        premium_pay(premium=premium, actor=finance1, now=at("2026-05-20 10:00"),
                    reference="B1", amount="500")  # fmt: skip
    premium_pay(premium=premium, actor=finance1, now=at("2026-05-20 10:00"), reference="B1")
    with pytest.raises(IllegalTransition):
        premium_pay(premium=premium, actor=finance1, now=at("2026-05-20 11:00"), reference="B2")
    # The next premium (due 1 May) is unpaid as well: its grace ends 30 June.
    premium_pay(
        premium=_premium(monthly_policy, 3), actor=finance1, now=at("2026-05-21 10:00"),
        reference="B3", amount="516.67",
    )  # fmt: skip
    assert premium_sweep(now=at("2026-06-02 09:00"))["lapses"] == 0
    assert Policy.objects.get(pk=monthly_policy.pk).status == "active"
    assert _messages(customer1, "premium_received")[0] == "保单PCI0100：已收到保费¥516.67"


def test_only_finance_records_a_premium_and_not_after_the_lapse(
    monthly_policy, finance1, customer1
):
    premium_sweep(now=at("2026-03-01 09:00"))
    with pytest.raises(NotAllowed):
        premium_pay(premium=_premium(monthly_policy, 2), actor=customer1,
                    now=at("2026-04-02 10:00"), reference="X")  # fmt: skip
    # After the last day of grace, even before the sweep has lapsed the policy.
    with pytest.raises(GuardFailed, match="复效"):
        premium_pay(premium=_premium(monthly_policy, 2), actor=finance1,
                    now=at("2026-06-01 08:00"), reference="LATE")  # fmt: skip
    premium_sweep(now=at("2026-06-01 09:00"))
    with pytest.raises(GuardFailed, match="复效"):
        premium_pay(premium=_premium(monthly_policy, 2), actor=finance1,
                    now=at("2026-06-02 10:00"), reference="LATE")  # fmt: skip
    assert not _premium(monthly_policy, 2).is_paid


def test_premiums_are_received_in_order(monthly_policy, finance1):
    premium_sweep(now=at("2026-03-01 09:00"))
    today = date(2026, 3, 5)
    payable = [
        r["premium"].number for r in premiums_of(monthly_policy, today=today) if r["payable"]
    ]
    assert payable == [2]  # the earliest unpaid, not any later instalment
    with pytest.raises(GuardFailed, match="第 2 期保费"):
        premium_pay(premium=_premium(monthly_policy, 4), actor=finance1,
                    now=at("2026-03-05 10:00"), reference="EARLY")  # fmt: skip
    assert not _premium(monthly_policy, 4).is_paid
    premium_pay(premium=_premium(monthly_policy, 2), actor=finance1,
                now=at("2026-03-05 10:00"), reference="B2")  # fmt: skip
    payable = [
        r["premium"].number for r in premiums_of(monthly_policy, today=today) if r["payable"]
    ]
    assert payable == [3]


def test_a_lapsed_policy_offers_no_premium_to_record(monthly_policy):
    premium_sweep(now=at("2026-03-01 09:00"))
    assert premium_sweep(now=at("2026-06-01 09:00"))["lapses"] == 1
    rows = premiums_of(monthly_policy, today=date(2026, 6, 2))
    assert not any(r["payable"] for r in rows)


def test_the_admin_tunes_the_grace_period(monthly_policy):
    SlaRule.objects.filter(code="premium_grace").update(amount=Decimal(30))
    rows = premium_schedule_ensure(monthly_policy, now=at("2026-03-01 09:00"))
    assert rows[1].grace_ends_on == date(2026, 5, 1)
    premium_sweep(now=at("2026-05-02 09:00"))
    assert policy_as_of(monthly_policy, date(2026, 5, 2)).status == "lapsed"


def test_the_beat_task_runs_the_sweep(monthly_policy):
    """The beat runs it at the real now, long after this policy started: the premiums due
    before its schedule was made are taken as settled, so the policy does not lapse for the
    past; the ones still to come are unpaid."""
    today = to_local(timezone.now()).date()
    assert tasks.premium_sweep()["schedules"] == 1
    rows = PremiumDue.objects.filter(policy=monthly_policy)
    assert rows.count() == 12
    assert all(r.is_paid == (r.due_on < today or r.number == 1) for r in rows)
    assert tasks.premium_sweep()["lapses"] == 0
    assert Policy.objects.get(pk=monthly_policy.pk).status == "active"
