"""The figures of policy servicing and underwriting, from states built through the services:
request volumes per item with their cycle time, the servicing clocks kept, applications per
route, the mix of decisions, lapse and reinstatement rates; on the dashboard and in the white
paper."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import METRICS
from claimdesk.analytics.whitepaper import white_paper_html
from claimdesk.policies.demo import demo_policy
from claimdesk.policies.models import Policy
from claimdesk.servicing import services
from claimdesk.servicing.models import PremiumDue
from claimdesk.underwriting import services as uw
from tests.conftest import at
from tests.servicing.conftest import ci_policy, clerk  # noqa: F401  (fixtures)
from tests.servicing.test_reinstatement import CLEAN, MATERIALS
from tests.underwriting.conftest import (  # noqa: F401  (fixtures)
    chief_uw,
    declared_chronic,
    junior_uw,
    senior_uw,
    submit,
)

SEPTEMBER = Filters(start=date(2026, 9, 1), end=date(2026, 9, 30))
Q2 = Filters(start=date(2026, 4, 1), end=date(2026, 6, 30))


@pytest.fixture
def servicing_month(clerk, customer1, ci_policy):  # noqa: F811
    """September 2026: a change of phone approved 5 hours after it was opened, a change of
    address never looked at (its acknowledgement clock ran out), a bank account change
    declined."""
    opened = at("2026-09-08 10:00")
    phone = services.request_open(
        policy=ci_policy, item="contact", details={"phone": "13912345678"}, actor=customer1,
        now=opened,
    )  # fmt: skip
    services.materials_receive(
        request=phone, codes=["application", "holder_id"], actor=clerk, now=at("2026-09-08 11:00")
    )
    services.request_approve(request=phone, actor=clerk, now=at("2026-09-08 15:00"))
    services.request_open(
        policy=ci_policy, item="contact", details={"address": "上海市黄浦区"}, actor=customer1,
        now=opened,
    )  # fmt: skip
    bank = services.request_open(
        policy=ci_policy,
        item="bank_account",
        details={
            "bank_name": "招商银行",
            "account_name": "张三",
            "account_number": "6225880000001234",
        },
        actor=customer1,
        now=opened,
    )
    services.materials_receive(
        request=bank, codes=["application"], actor=clerk, now=at("2026-09-08 12:00")
    )
    services.request_decline(
        request=bank, actor=clerk, now=at("2026-09-09 10:00"), reason="银行卡复印件不清晰"
    )


def test_servicing_volume_per_item_with_the_hours_to_decide(servicing_month):
    m = METRICS["servicing_volume"](SEPTEMBER)
    assert m.value == 3
    rows = {r["item"]: r for r in m.rows}
    assert (rows["contact"]["opened"], rows["contact"]["approved"]) == (2, 1)
    assert rows["contact"]["in_progress"] == 1
    assert rows["contact"]["median_h"] == Decimal("5.0")  # 10:00 → 15:00
    assert (rows["bank_account"]["declined"], rows["bank_account"]["median_h"]) == (
        1,
        Decimal("24.0"),
    )
    assert str(rows["contact"]["item_label"]) != "contact"  # in words
    # Another month: none of them.
    assert METRICS["servicing_volume"](Filters(date(2026, 8, 1), date(2026, 8, 31))).value == 0


def test_servicing_sla_counts_the_clock_that_ran_out_as_missed(servicing_month):
    m = METRICS["servicing_sla"](SEPTEMBER)
    ack = next(r for r in m.rows if r["rule"] == "service_ack")
    # Two acknowledged within the working day, the address change never: 2 of 3.
    assert (ack["met"], ack["missed"]) == (2, 1)
    done = next(r for r in m.rows if r["rule"] == "service_complete")
    assert (done["met"], done["missed"]) == (1, 0)  # the phone change, 4 hours after
    assert m.value == Decimal("75.0")  # 3 of 4 clocks


@pytest.fixture
def underwriting_month(products, junior_uw, customer1):  # noqa: F811
    """Three applications in September: one accepted by the rules, one rated +25 % and one
    declined by the underwriters they went to."""
    submit(customer1, now=at("2026-09-14 10:00"))
    rated = submit(customer1, now=at("2026-09-14 10:00"), **declared_chronic())
    declined = submit(customer1, now=at("2026-09-14 10:00"), **declared_chronic("2020年肝癌术后"))
    uw.decision_propose(
        application=rated,
        terms=uw.DecisionTerms("accept_rated", "高血压控制良好", Decimal(25)),
        actor=rated.case.owner,  # the certified underwriter the application went to
        now=at("2026-09-15 10:00"),
    )
    uw.decision_propose(
        application=declined,
        terms=uw.DecisionTerms("decline", "恶性肿瘤术后未满五年"),
        actor=declined.case.owner,
        now=at("2026-09-16 10:00"),
    )


def test_underwriting_volume_per_route_and_the_acceptance_mix(underwriting_month):
    volume = METRICS["underwriting_volume"](SEPTEMBER)
    assert volume.value == 3
    routes = {r["route"]: r for r in volume.rows}
    assert routes["automatic"]["submitted"] == 1 and routes["manual"]["submitted"] == 2
    assert routes["manual"]["median_h"] == Decimal("36.0")  # 24 h and 48 h
    mix = METRICS["acceptance_mix"](SEPTEMBER)
    assert mix.value == Decimal("66.7")  # 2 of 3 accepted (standard or rated)
    assert {r["outcome"]: r["decisions"] for r in mix.rows} == {
        "accept": 1,
        "accept_rated": 1,
        "decline": 1,
    }
    assert "1" in mix.detail  # one of them by the rules


@pytest.fixture
def lapse_quarter(products, customer1, customer2, clerk, finance1):  # noqa: F811
    """Two monthly accident policies from 1 January 2026: customer2 pays February's premium,
    customer1 does not (lapsed from 3 April) and reinstates on 20 May."""
    product = products["accident"]
    product.premium_frequency = "monthly"
    product.save(update_fields=["premium_frequency"])
    policies = []
    for number, holder in (("PACC0001", customer1), ("PACC0002", customer2)):
        policy = demo_policy(
            number=number, holder=holder, line="accident", start=date(2026, 1, 1),
            insured_name=holder.username, products=products,
        )  # fmt: skip
        Policy.objects.filter(pk=policy.pk).update(end=date(2030, 12, 31))
        policies.append(policy)
    services.premium_sweep(now=at("2026-01-01 09:00"))
    services.premium_pay(
        premium=PremiumDue.objects.get(policy=policies[1], number=2),
        actor=finance1,
        now=at("2026-02-01 10:00"),
        reference="B-0201",
    )
    assert services.premium_sweep(now=at("2026-04-03 09:00"))["lapses"] == 1
    request = services.request_open(
        policy=Policy.objects.get(pk=policies[0].pk),
        item="reinstatement",
        details=CLEAN,
        actor=customer1,
        now=at("2026-05-20 10:00"),
    )
    services.materials_receive(
        request=request, codes=MATERIALS, actor=clerk, now=at("2026-05-20 10:00")
    )
    services.request_approve(request=request, actor=clerk, now=at("2026-05-20 15:00"))


def test_lapse_and_reinstatement_rates(lapse_quarter):
    lapse = METRICS["lapse_rate"](Q2)
    # February's premiums ended their grace on 2 April: one paid, one lapsed its policy.
    assert {r["what"]: r["count"] for r in lapse.rows} == {"paid": 1, "lapsed": 1}
    assert lapse.value == Decimal("50.0")
    reinstated = METRICS["reinstatement_rate"](Q2)
    assert reinstated.value == Decimal("100.0")
    assert METRICS["lapse_rate"](Filters(date(2026, 1, 1), date(2026, 3, 31))).value is None


def test_dashboard_and_white_paper_show_the_figures(
    servicing_month, underwriting_month, client, manager1
):
    client.force_login(manager1)
    page = client.get("/analytics/", {"period": "2026-09"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="servicing"' in html and 'data-testid="servicing-servicing_volume"' in html
    assert 'data-testid="table-acceptance_mix"' in html
    paper = white_paper_html(
        Filters(date(2026, 7, 1), date(2026, 9, 30)), now=at("2026-10-10 10:00")
    )
    assert 'id="servicing"' in paper and "66.7%" in paper
