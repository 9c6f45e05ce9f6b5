"""The demo's requests of the newer policy-service items, built through the servicing (and,
for an increase, underwriting) services: customer1 lowered the sum insured of a critical
illness policy (approved: a 批单 with the refund of the cash value given up); customer08
handed a policy to their spouse (change of policyholder, approved); customer06 asks to raise a
sum insured with a "yes" in the health declaration (an underwriting application waits for
an underwriter); customer07's clean increase was accepted by the rules and approved."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from claimdesk.demo.people import People
from claimdesk.policies.demo import demo_policy, demo_products
from claimdesk.policies.models import Policy
from claimdesk.servicing import services
from claimdesk.servicing.rules import CHECKLISTS
from claimdesk.workdays.clocks import to_local

CLEAN = {
    "hospitalised": False,
    "chronic": False,
    "abnormal_exam": False,
    "medication": False,
    "declined_before": False,
}


def _policy(customer, number: str, today, *, sum_insured: str | None = None, id_number: str = ""):
    policy = demo_policy(
        number=number,
        holder=customer,
        line="critical_illness",
        start=today - timedelta(days=200),  # in force, past its cooling-off period
        insured_name=customer.first_name,
        id_number=id_number,
        products=demo_products(),
    )
    if sum_insured is not None:  # as issued (no endorsement yet)
        Policy.objects.filter(pk=policy.pk).update(sum_insured=Decimal(sum_insured))
        policy.refresh_from_db()
    return policy


def _approve(request, now: datetime, manager) -> None:
    clerk = request.case.owner
    request = services.materials_receive(
        request=request,
        codes=[m.code for m in CHECKLISTS[request.item]],
        actor=clerk,
        now=now,
    )
    try:
        services.request_approve(request=request, actor=clerk, now=now + timedelta(hours=1))
    except services.AboveAuthority:  # the refund is above the clerk's limit: the manager signs
        services.request_approve(request=request, actor=manager, now=now + timedelta(hours=2))


def policy_changes_create(people: People, now: datetime) -> int:
    """The four requests; how many were made."""
    today = to_local(now).date()
    customers, manager = people.customers, people.by_name["manager1"]
    earlier = now - timedelta(hours=8)

    lower = _policy(customers[0], f"PSC{today:%Y}00001", today)
    request = services.request_open(
        policy=lower,
        item="sum_decrease",
        details={"sum_insured": "300000"},
        actor=lower.holder,
        now=earlier,
    )
    _approve(request, earlier + timedelta(hours=1), manager)

    handed = _policy(customers[7], f"PSC{today:%Y}00002", today)
    request = services.request_open(
        policy=handed,
        item="policyholder",
        details={
            "name": "周敏",
            "id_number": "310101198706152345",
            "relation": "spouse",
            "phone": "13800138002",
            "insured_consent": True,
        },
        actor=handed.holder,
        now=earlier,
    )
    _approve(request, earlier + timedelta(hours=2), manager)

    asking = _policy(
        customers[5], f"PSC{today:%Y}00003", today, sum_insured="300000",
        id_number="110101198803071234",
    )  # fmt: skip
    services.request_open(
        policy=asking,
        item="sum_increase",
        details={
            "sum_insured": "400000",
            "health": {**CLEAN, "abnormal_exam": True},
            "health_details": "2025年体检发现血脂偏高，未服药，复查正常",
            "occupation": "会计",
            "occupation_class": "1",
        },
        actor=asking.holder,
        now=now - timedelta(hours=2),
    )

    clean = _policy(
        customers[6], f"PSC{today:%Y}00004", today, sum_insured="300000",
        id_number="110101199205061234",
    )  # fmt: skip
    request = services.request_open(
        policy=clean,
        item="sum_increase",
        details={
            "sum_insured": "400000",
            "health": CLEAN,
            "occupation": "教师",
            "occupation_class": "1",
        },
        actor=clean.holder,
        now=earlier,
    )
    request.refresh_from_db()
    _approve(request, earlier + timedelta(hours=3), manager)
    return 4
