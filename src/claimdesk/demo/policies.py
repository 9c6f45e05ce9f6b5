"""The demo customers' policies: the five demo products, one or two lines per customer."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from claimdesk.demo.people import People
from claimdesk.policies.demo import demo_bank_account, demo_policy, demo_products
from claimdesk.policies.models import Policy
from claimdesk.workdays.clocks import SHANGHAI

LINES = ("auto", "medical", "critical_illness", "accident", "property")
POLICY_PREFIX = {
    "auto": "AUT",
    "medical": "MED",
    "critical_illness": "CIL",
    "accident": "ACC",
    "property": "PRP",
}
# customer1 holds the three the README shows off; customer2 one of their own.
HOLDINGS = {0: ("auto", "medical", "critical_illness"), 1: ("auto",)}
POLICY_AGE_DAYS = 200  # every demo policy was in force through the whole history window


def holdings(index: int) -> tuple[str, ...]:
    """The lines customer number ``index`` (0-based) holds: one or two for the others."""
    if index in HOLDINGS:
        return HOLDINGS[index]
    first = LINES[index % len(LINES)]
    second = LINES[(index + 2) % len(LINES)]
    return (first, second) if index % 2 == 0 else (first,)


def policies_create(people: People, now: datetime) -> dict[str, list[Policy]]:
    """The five demo products and every demo customer's policies, by line."""
    products = demo_products()
    start = (timezone.localtime(now, SHANGHAI) - timedelta(days=POLICY_AGE_DAYS)).date()
    for i, customer in enumerate(people.customers):
        for line in holdings(i):
            demo_policy(
                number=f"{POLICY_PREFIX[line]}{start:%Y}{i + 1:05d}",
                holder=customer,
                line=line,
                start=start,
                insured_name=customer.first_name,
                id_number=f"3101151980{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i:04d}"[:18],
                phone=f"1380021{i:04d}",
                plate=f"沪A{52000 + i}" if line == "auto" else "",
                products=products,
            )
        demo_bank_account(customer, customer.first_name, f"62220210010{i:08d}")
    return policies_by_line()


def policies_by_line() -> dict[str, list[Policy]]:
    by_line: dict[str, list[Policy]] = {line: [] for line in LINES}
    for policy in (
        Policy.objects.select_related("product", "holder")
        .filter(holder__username__startswith="customer")
        .order_by("number")
    ):
        by_line[policy.product.line].append(policy)
    return by_line
