from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError

from claimdesk.policies.demo import demo_bank_account, demo_policy, demo_products
from claimdesk.policies.models import BankAccount, Policy
from claimdesk.policies.rules import mask_account, mask_id_number, mask_phone, waiting_period_ends


@pytest.fixture
def policies(products, customer1, customer2):
    start = date(2026, 3, 1)
    return {
        "auto": demo_policy(
            number="PAUTO0001",
            holder=customer1,
            line="auto",
            start=start,
            insured_name="张三",
            plate="沪A12345",
            products=products,
        ),
        "ci": demo_policy(
            number="PCI0001",
            holder=customer1,
            line="critical_illness",
            start=start,
            insured_name="张三",
            products=products,
        ),
        "other": demo_policy(
            number="PMED0002",
            holder=customer2,
            line="medical",
            start=start,
            insured_name="李四",
            products=products,
        ),
    }


def test_demo_products_cover_five_lines_with_clauses_for_each_coverage(products):
    assert set(products) == {"auto", "medical", "critical_illness", "accident", "property"}
    for product in products.values():
        assert product.coverages.exists()
        for coverage in product.coverages.all():
            assert coverage.clause.product == product
            assert coverage.clause.text
        assert product.clauses.filter(kind="exclusion").exists()
    medical = products["medical"].coverages.get(code="inpatient")
    assert medical.waiting_days == 30 and medical.deductible == Decimal("10000")
    outpatient = products["medical"].coverages.get(code="outpatient")  # small claims (闪赔)
    assert outpatient.deductible == 0 and outpatient.clause.article == "2.5"
    assert demo_products()["auto"].pk == products["auto"].pk  # idempotent


def test_policy_covers_its_term_inclusive_only_while_in_force(policies):
    auto = policies["auto"]
    assert auto.end == date(2027, 2, 28)
    assert auto.covers(date(2026, 3, 1)) and auto.covers(date(2027, 2, 28))
    assert not auto.covers(date(2026, 2, 28)) and not auto.covers(date(2027, 3, 1))
    auto.status = Policy.Status.SURRENDERED
    assert not auto.covers(date(2026, 6, 1))
    assert waiting_period_ends(date(2026, 3, 1), 90) == date(2026, 5, 30)


def test_database_refuses_a_policy_ending_before_it_starts(policies):
    auto = policies["auto"]
    with pytest.raises(IntegrityError):
        Policy.objects.filter(pk=auto.pk).update(end=date(2025, 1, 1))


def test_only_one_default_bank_account(customer1):
    demo_bank_account(customer1, "张三", "6222020200112233445")
    with pytest.raises(IntegrityError):
        BankAccount.objects.create(
            owner=customer1,
            bank_name="招商银行",
            account_name="张三",
            account_number="6225880011223344",
            is_default=True,
        )


def test_personal_data_masks_keep_only_the_ends():
    assert mask_id_number("310101199001011234") == "310***********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_account("6222020200112233445") == "*" * 15 + "3445"
    assert mask_phone("123") == "***"


def test_customer_lists_only_own_policies_through_the_api(client, policies, customer1):
    client.force_login(customer1)
    body = client.get("/api/v1/policies").json()
    assert sorted(p["number"] for p in body["items"]) == ["PAUTO0001", "PCI0001"]
    assert client.get("/api/v1/policies?number=PMED0002").json()["items"] == []
    first = body["items"][0]
    assert set(first) >= {"number", "product", "start", "end", "sum_insured"}


def test_staff_look_up_any_policy_by_number(client, policies, agent1):
    client.force_login(agent1)
    items = client.get("/api/v1/policies?number=PMED0002").json()["items"]
    assert [(p["number"], p["line"], Decimal(p["sum_insured"])) for p in items] == [
        ("PMED0002", "medical", Decimal("2000000"))
    ]


def test_policies_need_authentication(client, policies):
    assert client.get("/api/v1/policies").status_code == 401
