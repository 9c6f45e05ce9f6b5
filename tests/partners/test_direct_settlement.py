"""The partner hospital's journey: eligibility, a discharge bill, a claim decided straight
through and paid to the hospital; the same bill twice is one claim and one payment."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from claimdesk.analytics.filters import Filters
from claimdesk.analytics.metrics import METRICS
from claimdesk.claims.models import Claim
from claimdesk.claims.services import claim_report
from claimdesk.payments.models import Payment
from tests.conftest import at, worker_ran
from tests.partners.conftest import ID_NUMBER, as_user, discharge_bill

pytestmark = pytest.mark.django_db


def submit(api, body, django_capture_on_commit_callbacks):
    """Post a bill; what follows the commit (OCR, the straight-through check) runs as a
    worker would."""
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post("/partner/claims", body)
    with django_capture_on_commit_callbacks(execute=True):
        worker_ran()
    return r


def test_the_hospital_checks_cover_submits_the_bill_and_is_paid_without_the_customer(
    hospital, policy, customer1, django_capture_on_commit_callbacks
):
    api = as_user(hospital.user)
    r = api.post(
        "/eligibility", {"id_number": ID_NUMBER, "service": "outpatient", "amount": "2800"}
    )
    assert r.status_code == 200, r.content
    answer = r.json()
    assert answer["covered"] is True
    assert answer["policy_no"] == "MED202600001"
    assert answer["id_number"].endswith("1234") and ID_NUMBER not in r.content.decode()
    assert Decimal(answer["remaining_limit"]) == Decimal("5000")
    assert Decimal(answer["estimated_payable"]) == Decimal("2800")
    assert Decimal(answer["estimated_customer_share"]) == Decimal("0")
    assert answer["waiting_days"] == 30
    # Inpatient care under ¥10,000 stays under its deductible: the customer pays it all.
    r = api.post("/eligibility", {"id_number": ID_NUMBER, "service": "inpatient", "amount": "2800"})
    assert r.json()["covered"] is False
    assert Decimal(r.json()["estimated_customer_share"]) == Decimal("2800")

    r = submit(api, discharge_bill(), django_capture_on_commit_callbacks)
    assert r.status_code == 201, r.content
    claim = Claim.objects.get(case__number=r.json()["claim_no"])
    assert claim.channel == "direct"
    assert claim.case.customer == customer1
    claim.refresh_from_db()
    assert claim.decision == "approve" and claim.approved_amount == Decimal("2800.00")
    payment = Payment.objects.get(claim=claim)
    assert payment.amount == Decimal("2800.00")
    assert payment.account == hospital.organisation.settlement_account

    statement = api.get("/partner/statements", month="2026-09").json()
    assert [
        (c["bill_no"], Decimal(c["instructed"]), Decimal(c["paid"])) for c in statement["claims"]
    ] == [("ZY20260930001", Decimal("2800"), Decimal("0"))]
    assert Decimal(statement["outstanding"]) == Decimal("2800")

    # customer1 sees the claim and their own share on the progress page.
    web = Client()
    web.force_login(customer1)
    page = web.get(f"/claims/{claim.number}/").content.decode()
    assert claim.number in page
    assert "上海市第一人民医院" in page
    assert "direct-share" in page


def test_the_same_bill_twice_is_one_claim_and_one_payment(
    hospital, policy, django_capture_on_commit_callbacks
):
    api = as_user(hospital.user)
    first = submit(api, discharge_bill(), django_capture_on_commit_callbacks)
    second = submit(api, discharge_bill(), django_capture_on_commit_callbacks)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["claim_no"] == second.json()["claim_no"]
    assert Claim.objects.count() == 1
    assert Payment.objects.count() == 1
    # Settled once for the partner's statement and for the managers' figure alike.
    statement = api.get("/partner/statements", month="2026-09").json()
    assert len(statement["claims"]) == 1 and Decimal(statement["instructed"]) == Decimal("2800")
    figure = METRICS["direct_settlement"](Filters(date(2026, 9, 1), date(2026, 9, 30)))
    assert figure.value == Decimal("100.0")
    assert [(r["partner"], r["bills"], r["settled"]) for r in figure.rows] == [
        ("上海市第一人民医院", 1, Decimal("2800.00"))
    ]
    assert figure.rows[0]["median_h"] == Decimal("0.0")  # instructed at submission


def test_the_statement_as_csv_has_the_same_rows_under_a_chinese_header(
    partners, policy, customer1, django_capture_on_commit_callbacks
):
    hospital = as_user(partners["hospital1"].user)  # asks in English: the file stays Chinese
    submit(hospital, discharge_bill(), django_capture_on_commit_callbacks)
    r = hospital.get("/partner/statements.csv", month="2026-09")
    assert r.status_code == 200, r.content
    assert r["Content-Type"].startswith("text/csv")
    assert 'filename="statement-2026-09.csv"' in r["Content-Disposition"]
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel on a Chinese Windows reads it as UTF-8
    header, *rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert header == [
        "账单号",
        "赔案号",
        "案件状态",
        "提交时间",
        "账单金额",
        "核定金额",
        "已指令支付",
        "已支付",
        "客户自付",
    ]
    (claim,) = hospital.get("/partner/statements", month="2026-09").json()["claims"]
    assert rows == [
        [
            "ZY20260930001",
            claim["claim_no"],
            "赔付",  # the status in Chinese too
            "2026-09-30 10:00:00",
            "2800.00",
            "2800.00",
            "2800.00",
            "0.00",
            "0.00",
        ]
    ]
    assert claim["status"] == "Payment"
    # Another partner's file has the header only; a month that is no month is a 400; a
    # customer is refused.
    garage = as_user(partners["garage1"].user)
    assert garage.get("/partner/statements.csv", month="2026-09").content.decode().count("\n") == 1
    assert hospital.get("/partner/statements.csv", month="2026-13").status_code == 400
    assert as_user(customer1).get("/partner/statements.csv", month="2026-09").status_code == 403


def test_another_partner_sees_nothing_of_the_hospitals_bills(
    partners, policy, django_capture_on_commit_callbacks
):
    submit(
        as_user(partners["hospital1"].user), discharge_bill(), django_capture_on_commit_callbacks
    )
    garage = as_user(partners["garage1"].user)
    assert garage.get("/partner/statements", month="2026-09").json()["claims"] == []
    # The garage may not bill the medical policy at all.
    r = garage.post(
        "/eligibility", {"id_number": ID_NUMBER, "service": "outpatient", "amount": "1"}
    )
    assert r.status_code == 400


def test_a_customer_is_no_partner(customer1, policy):
    r = as_user(customer1).post(
        "/eligibility", {"id_number": ID_NUMBER, "service": "outpatient", "amount": "100"}
    )
    assert r.status_code == 403


def test_every_direct_claim_is_owned_by_a_person_in_customer_service(
    hospital, policy, agent1, customer1, django_capture_on_commit_callbacks
):
    """The system account that reports and decides them holds the agent's role for its own
    work, but is in no pool: it never becomes an owner, nor of the customer's next report."""
    api = as_user(hospital.user)
    for bill_no in ("ZY-1", "ZY-2"):
        r = submit(
            api, discharge_bill(bill_no, bill_date="2026-09-28"), django_capture_on_commit_callbacks
        )
        assert r.status_code == 201, r.content
    owners = set(Claim.objects.values_list("case__owner__username", flat=True))
    assert owners == {"agent1"}
    portal = claim_report(
        reporter=customer1,
        report={
            "policy_no": "MED202600001",
            "insured_name": "张三",
            "loss_time": at("2026-09-29 20:00"),
            "loss_cause": "发热门诊",
            "loss_place": "上海市第一人民医院",
            "description": "发热到医院门诊就诊",
            "loss_type": "medical",
            "estimated_amount": "300",
            "contact_phone": "13812345678",
        },
        channel="portal",
        now=at("2026-09-30 10:00"),
    ).claim
    assert portal.case.owner == agent1
