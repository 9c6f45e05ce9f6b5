"""The demo's pay-outs through the payment flow (保单贷款, 生存给付): an annuity product paying
a monthly survival benefit, customer06's policy whose first benefit was paid and whose
second waits on the finance workbench, with a policy loan paid and a repayment waiting for
its receipt. Built through the servicing and payments services, each survival benefit paid
on the day the beat's sweep would have paid it (all within the demo's history)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from claimdesk.demo.people import People
from claimdesk.payments.models import Payment
from claimdesk.payments.services import payment_confirm, payment_send
from claimdesk.policies.demo import demo_policy, demo_products
from claimdesk.policies.models import Policy, Product
from claimdesk.servicing import services
from claimdesk.servicing.rules import CHECKLISTS, add_months
from claimdesk.types import Actor
from claimdesk.workdays.clocks import SHANGHAI, to_local

ANNUITY = "annuity-demo"
# 年金（生存保险金）: 2 ‰ of the sum insured every policy month (¥1,000 on ¥500,000); the
# cash value rises by 5 ‰ a completed month (per 1,000 of sum insured).
SURVIVAL_SCHEDULE = [{"month": month, "per_mille": "2"} for month in range(1, 121)]
CASH_VALUES = [{"month": month, "per_mille": str(5 * month)} for month in range(1, 121)]


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=SHANGHAI)


def annuity_product() -> Product:
    """安康年金保险: a ten-year product of the critical-illness line paying a monthly survival
    benefit, with a rising cash value (a policy loan reaches 80 % of it at 4.5 % a year)."""
    base = demo_products()["critical_illness"]
    product, _ = Product.objects.get_or_create(
        code=ANNUITY,
        defaults={
            "name": "安康年金保险（按月领取）",
            "line": base.line,
            "cash_values": CASH_VALUES,
            "survival_schedule": SURVIVAL_SCHEDULE,
            "loan_ratio_percent": Decimal(80),
            "loan_interest_percent": Decimal("4.50"),
        },
    )
    return product


def _annuity_policy(customer, number: str, start: date) -> Policy:
    product = annuity_product()
    policy = demo_policy(
        number=number,
        holder=customer,
        line="critical_illness",
        start=start,
        insured_name=customer.first_name,
        products={"critical_illness": product},
    )
    Policy.objects.filter(pk=policy.pk).update(end=add_months(start, 120) - timedelta(days=1))
    policy.refresh_from_db()
    return policy


def _payment_of(request, finance: Actor) -> tuple[Payment, Actor]:
    """The request's payment and who pays it (the finance person its task went to)."""
    task = request.case.tasks.filter(kind="payment").first()
    payer = task.assignee if task is not None and task.assignee else finance
    return Payment.objects.get(case_id=request.pk), payer


def _finance_pays(held: tuple[Payment, Actor], now: datetime) -> None:
    payment, finance = held
    payment_send(payment=payment, actor=finance, now=now, bank_ref=f"B{payment.reference}")
    payment_confirm(payment=payment, actor=finance, now=now + timedelta(hours=2))


def payouts_create(people: People, now: datetime) -> int:
    """The policies, loans and survival benefits; the number of payments made."""
    today = to_local(now).date()
    finance = people["finance1"]
    manager = people["manager1"]
    customers = people.customers
    made = 0

    # customer06: an annuity started 70 days ago; its first monthly benefit was paid the day
    # after it fell due, the second (due 10 days ago) waits on the finance workbench.
    customer = customers[5]
    policy = _annuity_policy(customer, f"ANN{today:%Y}S0001", today - timedelta(days=70))
    paid = []
    for due in services.survival_dues(policy):
        if due.due_on <= today:
            row = services.survival_benefit_pay(policy=policy, due=due, now=_at(due.due_on))
            if row.request is not None:
                paid.append(row.request)
    if paid:
        _finance_pays(_payment_of(paid[0], finance), _at(paid[0].effective_on, 14))
        made += 1

    # A policy loan asked 20 days ago (one month completed: cash value ¥2,500, 80 % =
    # ¥2,000), approved by the manager and paid; a repayment of part of it asked today.
    asked = now - timedelta(days=20)
    loan = services.request_open(
        policy=policy, item="loan", details={"amount": "1500"}, actor=customer, now=asked
    )
    services.materials_receive(
        request=loan,
        codes=[m.code for m in CHECKLISTS["loan"]],
        actor=loan.case.owner,
        now=asked + timedelta(hours=1),
    )
    services.request_approve(request=loan, actor=manager, now=asked + timedelta(hours=3))
    _finance_pays(_payment_of(loan, finance), asked + timedelta(days=1))
    made += 1
    services.request_open(
        policy=policy,
        item="loan_repayment",
        details={"amount": "500"},
        actor=customer,
        now=now - timedelta(hours=2),
    )
    return made
