"""The demo's renewal premiums, lapses and reinstatements (续期收费, 效力中止, 复效), built through
the servicing services: long-term critical-illness policies paid yearly whose second premium
was never paid. customer3's has lapsed; customer4's lapsed and was reinstated today;
customer5 asks to reinstate with a "yes" in the health declaration, waiting for a certified
underwriter. The premium sweep runs at the days the beat would have reminded and lapsed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from claimdesk.demo.people import People
from claimdesk.policies.demo import demo_policy, demo_products
from claimdesk.policies.models import Policy
from claimdesk.servicing import services
from claimdesk.servicing.rules import CHECKLISTS, add_months
from claimdesk.workdays.clocks import SHANGHAI, to_local

ANSWERS = {
    "hospitalised": False,
    "chronic": False,
    "abnormal_exam": False,
    "medication": False,
    "declined_before": False,
}


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=SHANGHAI)


def _long_policy(customer, number: str, start: date) -> Policy:
    """A 20-year 重疾险 paid yearly (the demo's products are one-year: the term is set here)."""
    policy = demo_policy(
        number=number,
        holder=customer,
        line="critical_illness",
        start=start,
        insured_name=customer.first_name,
        products=demo_products(),
    )
    Policy.objects.filter(pk=policy.pk).update(end=add_months(start, 240) - timedelta(days=1))
    policy.refresh_from_db()
    return policy


def lapses_create(people: People, now: datetime) -> int:
    """The three policies and their sweeps; the number of lapses."""
    today = to_local(now).date()
    customers = people.customers
    lapsed = _long_policy(customers[2], f"CIL{today:%Y}L0001", today - timedelta(days=430))
    reinstated = _long_policy(customers[3], f"CIL{today:%Y}L0002", today - timedelta(days=500))
    asking = _long_policy(customers[4], f"CIL{today:%Y}L0003", today - timedelta(days=450))
    # The beat's sweep on the days something was due: the schedule, the reminder before the
    # second premium's due date, the one during grace, the lapse the day after grace.
    days = {today - timedelta(days=500)}
    for policy in (lapsed, reinstated, asking):
        due = add_months(policy.start, 12)
        grace = services.grace_days()
        days |= {
            due - timedelta(days=10),
            due + timedelta(days=grace * 3 // 4),
            due + timedelta(days=grace + 1),
        }
    lapses = 0
    for day in sorted(d for d in days if d <= today):
        lapses += services.premium_sweep(now=_at(day))["lapses"]

    request = services.request_open(
        policy=reinstated,
        item="reinstatement",
        details={"health": ANSWERS},
        actor=reinstated.holder,
        now=now - timedelta(hours=6),
    )
    clerk = request.case.owner
    request = services.materials_receive(
        request=request,
        codes=[m.code for m in CHECKLISTS["reinstatement"]],
        actor=clerk,
        now=now - timedelta(hours=3),
    )
    services.request_approve(request=request, actor=clerk, now=now - timedelta(hours=2))

    services.request_open(
        policy=asking,
        item="reinstatement",
        details={
            "health": {**ANSWERS, "abnormal_exam": True},
            "health_details": "2025年体检发现甲状腺结节（3类），复查无变化",
        },
        actor=asking.holder,
        now=now - timedelta(hours=1),
    )
    return lapses
