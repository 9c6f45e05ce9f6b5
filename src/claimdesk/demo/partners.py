"""Direct settlement in the demo: the partner hospital and repair shop with their users
(``hospital1``, ``garage1``), and the hospital's discharge bill for customer1 — checked for
cover first, then submitted; the claim is decided straight through and its payment
instructed to the hospital, without customer1 doing anything. Run at the start of the
history (``build``), before customer1's other claims exist."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from claimdesk.demo.people import DEMO_PASSWORD, People
from claimdesk.documents.services import document_ocr_run
from claimdesk.partners.demo import bill_scan, demo_partners
from claimdesk.partners.services import (
    BillIn,
    BillLine,
    Lookup,
    Upload,
    direct_claim_submit,
    eligibility_check,
)
from claimdesk.policies.models import Policy
from claimdesk.stp.services import stp_consider
from claimdesk.workdays.clocks import to_local

LINES = (("门诊手术费", "1580.00"), ("药品费", "720.00"), ("检查化验费", "380.00"))


def partners_create(people: People, now: datetime) -> int:
    """The partners, and the hospital's bill for customer1; returns the bills submitted."""
    made = demo_partners(password=DEMO_PASSWORD, now=now)
    hospital = made["hospital1"].user
    policy = (
        Policy.objects.filter(holder=people["customer1"], product__line="medical")
        .order_by("number")
        .first()
    )
    if policy is None:
        return 0
    insured = policy.insured.order_by("id").first()
    assert insured is not None
    lookup = Lookup(policy_no=policy.number, name=insured.name)
    total = sum((Decimal(a) for _l, a in LINES), Decimal(0))
    eligibility_check(user=hospital, lookup=lookup, service="outpatient", amount=total, now=now)
    bill = BillIn(
        bill_no=f"ZY{to_local(now):%Y%m%d}0001",
        lookup=lookup,
        service="outpatient",
        lines=[BillLine(label, Decimal(amount)) for label, amount in LINES],
        diagnosis="急性胃肠炎（门诊手术及留观）",
        admitted_at=now - timedelta(hours=26),
        bill_date=to_local(now).date(),
        documents=[Upload("出院结算单.png", bill_scan())],
    )
    claim = direct_claim_submit(user=hospital, bill=bill, now=now).bill.claim
    # What the worker does after the commit, done here so the demo's story is complete in
    # its one transaction: the bill's scan is read, then the straight-through check runs.
    for document_id in claim.documents.values_list("pk", flat=True):
        document_ocr_run(document_id=document_id, now=now)
    stp_consider(claim_id=claim.pk, now=now)
    return 1
