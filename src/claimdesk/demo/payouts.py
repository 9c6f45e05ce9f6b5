"""The demo's pay-outs through the payment flow (保单贷款, 生存给付): an endowment-style product
with a survival benefit every policy year, customer06's policy whose first benefit was paid
and whose second waits on the finance workbench; customer07's policy loan paid, and a
repayment waiting for its receipt. Built through the servicing and payments services, the
survival sweep run on the days the beat would have run it."""

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
from claimdesk.workdays.clocks import SHANGHAI, to_local

ENDOWMENT = "endowment-demo"
# 生存保险金: 2 % of the sum insured at the end of each policy year; the cash value rises
# with the years (per 1,000 of sum insured after the completed months).
SURVIVAL_SCHEDULE = [{"month": 12 * year, "per_mille": "20"} for year in range(1, 11)]
CASH_VALUES = [{"month": 12 * year, "per_mille": str(60 * year)} for year in range(1, 11)]


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=SHANGHAI)


def endowment_product() -> Product:
    """安康两全保险: a ten-year product of the critical-illness line with a yearly survival
    benefit and a rising cash value (a policy loan reaches 80 % of it at 4.5 % a year)."""
    base = demo_products()["critical_illness"]
    product, _ = Product.objects.get_or_create(
        code=ENDOWMENT,
        defaults={
            "name": "安康两全保险（生存金）",
            "line": base.line,
            "cash_values": CASH_VALUES,
            "survival_schedule": SURVIVAL_SCHEDULE,
            "loan_ratio_percent": Decimal(80),
            "loan_interest_percent": Decimal("4.50"),
        },
    )
    return product


def _endowment_policy(customer, number: str, start: date) -> Policy:
    product = endowment_product()
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


def _finance_pays(payment: Payment, finance, now: datetime) -> None:
    payment_send(payment=payment, actor=finance, now=now, bank_ref=f"B{payment.reference}")
    payment_confirm(payment=payment, actor=finance, now=now + timedelta(hours=2))


def payouts_create(people: People, now: datetime) -> int:
    """The policies, loans and survival benefits; the number of payments made."""
    today = to_local(now).date()
    finance = people["finance1"]
    manager = people["manager1"]
    customers = people.customers
    made = 0

    # customer06: two survival benefits due (one a year ago, paid; one last week, with finance).
    start = add_months(today, -24) - timedelta(days=7)
    survival = _endowment_policy(customers[5], f"END{today:%Y}S0001", start)
    paid = []
    for due in services.survival_dues(survival):
        if due.due_on <= today:
            row = services.survival_benefit_pay(policy=survival, due=due, now=_at(due.due_on))
            if row.request is not None:
                paid.append(row.request)
    if paid:
        first = Payment.objects.get(case_id=paid[0].pk)
        task = paid[0].case.tasks.filter(kind="payment").first()
        payer = task.assignee if task is not None and task.assignee else finance
        _finance_pays(first, payer, _at(paid[0].effective_on + timedelta(days=1), 10))
        made += 1

    # customer07: a policy loan approved and paid two months ago, a repayment asked today.
    loaned = _endowment_policy(customers[6], f"END{today:%Y}L0001", add_months(today, -30))
    asked = now - timedelta(days=60)
    loan = services.request_open(
        policy=loaned, item="loan", details={"amount": "8000"}, actor=loaned.holder, now=asked
    )
    clerk = loan.case.owner
    services.materials_receive(
        request=loan, codes=[m.code for m in CHECKLISTS["loan"]], actor=clerk, now=asked
    )
    services.request_approve(request=loan, actor=manager, now=asked + timedelta(hours=3))
    payment = Payment.objects.get(case=loan.case)
    task = loan.case.tasks.filter(kind="payment").first()
    payer = task.assignee if task is not None and task.assignee else finance
    _finance_pays(payment, payer, asked + timedelta(days=1))
    made += 1
    services.request_open(
        policy=loaned,
        item="loan_repayment",
        details={"amount": "3000"},
        actor=loaned.holder,
        now=now - timedelta(hours=2),
    )
    return made
