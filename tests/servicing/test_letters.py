"""The written side of servicing and underwriting: each approved request's 批单 (PDF) quoting
what changed in words and when it takes effect, each refusal's notice with the clause and how
to object, the underwriting decision notice; a change of policyholder; increases of the sum
insured decided by underwriting and decreases with the cash value of the part given up."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pypdfium2 as pdfium
import pytest

from claimdesk.cases.services import CaseError, GuardFailed
from claimdesk.notices.models import Notice
from claimdesk.payments.models import Payment
from claimdesk.policies.models import Policy
from claimdesk.policies.selectors import policy_as_of
from claimdesk.servicing import services
from claimdesk.servicing.models import ServiceRequest
from claimdesk.underwriting import services as uw
from claimdesk.underwriting.models import Application
from tests.conftest import worker_ran
from tests.servicing.conftest import T0
from tests.servicing.test_requests import api
from tests.underwriting.conftest import underwriter_with_authority

NO = {
    "hospitalised": False,
    "chronic": False,
    "abnormal_exam": False,
    "medication": False,
    "declined_before": False,
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_text(notice: Notice) -> str:
    worker_ran()
    notice.refresh_from_db()
    assert notice.sha256, "the worker renders the letter after the commit"
    with notice.file.open("rb") as f:
        doc = pdfium.PdfDocument(f.read())
    return "".join(page.get_textpage().get_text_range() for page in doc).replace("\r\n", "\n")


def flat(text: str) -> str:
    return "".join(text.split())


def complete(request: ServiceRequest, clerk) -> ServiceRequest:
    from claimdesk.servicing.rules import CHECKLISTS

    return services.materials_receive(
        request=request,
        codes=[m.code for m in CHECKLISTS[request.item]],
        actor=clerk,
        now=T0 + timedelta(hours=1),
    )


def test_beneficiary_change_issues_a_batch_letter_the_customer_downloads(
    frozen, clerk, customer1, customer2, ci_policy
):
    request = services.request_open(
        policy=ci_policy,
        item="beneficiary",
        details={"beneficiaries": [{"name": "王五", "relation": "配偶", "share": "100"}]},
        effective_on=date(2026, 10, 8),
        actor=customer1,
        now=T0,
    )
    complete(request, clerk)
    services.request_approve(request=request, actor=clerk, now=T0 + timedelta(hours=2))
    notice = Notice.objects.get(case=request.case)
    assert notice.kind == "endorsement"
    text = flat(pdf_text(notice))
    # What changed in words (not field codes), effective when, the number, who approved.
    assert "受益人" in text and "王五（配偶）100%" in text and "beneficiaries" not in text
    assert "2026-10-08" in text and "PCI0001-002" in text and "underwriter1" in text
    assert "批单" in text

    number = request.case.number
    listed = api(customer1).get(f"/policy-service/{number}/notices")
    assert listed.status_code == 200 and [n["kind"] for n in listed.json()] == ["endorsement"]
    url = listed.json()[0]["url"].removeprefix("/api/v1")
    own = api(customer1).get(url)
    assert own.status_code == 200 and own["Content-Type"] == "application/pdf"
    # Another customer: no list, no file (404, not 403).
    assert api(customer2).get(f"/policy-service/{number}/notices").status_code == 404
    assert api(customer2).get(url).status_code == 404


def test_portal_request_page_links_the_letter_and_hides_it_from_others(
    frozen, client, clerk, customer1, customer2, ci_policy
):
    request = services.request_open(
        policy=ci_policy,
        item="contact",
        details={"phone": "13912345678"},
        actor=customer1,
        now=T0,
    )
    complete(request, clerk)
    services.request_approve(request=request, actor=clerk, now=T0 + timedelta(hours=2))
    notice = Notice.objects.get(case=request.case)
    client.force_login(customer1)
    page = client.get(f"/servicing/requests/{request.case.number}/")
    assert f"/notices/{notice.pk}/pdf" in page.content.decode()
    assert client.get(f"/notices/{notice.pk}/pdf").status_code == 200
    # The policy's page lists the letters of its requests too.
    assert (
        f"/notices/{notice.pk}/pdf" in client.get("/servicing/policies/PCI0001/").content.decode()
    )
    client.force_login(customer2)
    assert client.get("/servicing/policies/PCI0001/").status_code == 404
    assert client.get(f"/notices/{notice.pk}/pdf").status_code == 404
    assert client.get(f"/servicing/requests/{request.case.number}/").status_code == 404


def test_refusal_notice_says_why_with_the_clause_and_how_to_object(
    frozen, clerk, customer1, ci_policy
):
    request = services.request_open(
        policy=ci_policy,
        item="contact",
        details={"address": "上海市黄浦区"},
        actor=customer1,
        now=T0,
    )
    services.materials_receive(
        request=request, codes=["application"], actor=clerk, now=T0 + timedelta(hours=1)
    )
    services.request_decline(
        request=request,
        actor=clerk,
        now=T0 + timedelta(hours=2),
        reason="申请书未经投保人本人签名",
        clause="《保全规则》第5条：保全申请须由投保人本人签名",
    )
    shown = api(customer1).get(f"/policy-service/{request.case.number}").json()
    assert shown["refusal"] == "申请书未经投保人本人签名" and "第5条" in shown["refusal_clause"]
    notice = Notice.objects.get(case=request.case)
    assert notice.kind == "service_refusal"
    text = flat(pdf_text(notice))
    assert "申请书未经投保人本人签名" in text and "第5条" in text
    assert "60日" in text or "60天" in text  # how long the customer has to object
    assert "12378" in text


def test_change_of_policyholder_needs_consent_and_names_the_new_holder(
    frozen, clerk, customer1, ci_policy
):
    details = {"name": "李梅", "id_number": "310101198505051234", "relation": "spouse"}
    with pytest.raises(GuardFailed, match="书面同意"):
        services.request_open(
            policy=ci_policy, item="policyholder", details=details, actor=customer1, now=T0
        )
    request = services.request_open(
        policy=ci_policy,
        item="policyholder",
        details={**details, "insured_consent": True},
        actor=customer1,
        now=T0,
    )
    complete(request, clerk)
    request.case.refresh_from_db()
    assert request.case.status == "complete"
    services.request_approve(request=request, actor=clerk, now=T0 + timedelta(hours=2))
    terms = policy_as_of(ci_policy, T0.date())
    assert terms.holder is not None and terms.holder.name == "李梅"
    assert policy_as_of(ci_policy, T0.date() - timedelta(days=1)).holder is None
    text = flat(pdf_text(Notice.objects.get(case=request.case)))
    assert "投保人" in text and "李梅" in text and "310***********1234" in text
    assert "customer1" in text  # the policyholder it changed from


def test_decrease_lowers_the_premium_in_proportion_and_refunds_the_cash_value(
    frozen, clerk, senior, customer1, ci_policy
):
    before = policy_as_of(ci_policy, T0.date())
    request = services.request_open(
        policy=ci_policy,
        item="sum_decrease",
        details={"sum_insured": "300000"},
        actor=customer1,
        now=T0,
    )
    # ¥500,000 → ¥300,000: the premium falls to 3/5, to the fen, half up.
    expected_premium = (before.premium * Decimal(3) / Decimal(5)).quantize(Decimal("0.01"))
    assert Decimal(request.details["premium"]) == expected_premium
    # The cash value of the ¥200,000 given up (the same table as a surrender: 4.65‰).
    assert request.amount == Decimal("930.00")
    for asked, why in (("600000", "须低于"), ("400000", "正在办理")):
        with pytest.raises(CaseError, match=why):  # more than now; one change at a time
            services.request_open(
                policy=ci_policy,
                item="sum_decrease",
                details={"sum_insured": asked},
                actor=customer1,
                now=T0,
            )
    complete(request, clerk)
    services.request_approve(request=request, actor=clerk, now=T0 + timedelta(hours=2))
    ci_policy.refresh_from_db()
    assert ci_policy.sum_insured == Decimal("300000") and ci_policy.premium == expected_premium
    text = flat(pdf_text(Notice.objects.get(case=request.case)))
    assert "¥500,000.00" in text and "¥300,000.00" in text and "¥930.00" in text
    # The refund goes through the payment flow like a surrender value: to finance, to the
    # account on file; the request waits in payment until the bank confirms it.
    request.case.refresh_from_db()
    assert request.case.status == "paying"
    [refund] = Payment.objects.filter(case=request.case)
    assert (refund.purpose, refund.amount) == ("refund", Decimal("930.00"))
    assert refund.reference.endswith("R1") and refund.account.owner_id == customer1.pk


@pytest.fixture
def uw_team(db, manager1):
    return underwriter_with_authority("uw_junior", "1000000", 1, manager=manager1)


@pytest.fixture
def insured_with_id(ci_policy):
    """¥200,000 at ¥6,200 a year; the insured born 1 Jan 1990 (36: no medical evidence up to
    ¥500,000)."""
    ci_policy.insured.update(id_number="310101199001011234")
    Policy.objects.filter(pk=ci_policy.pk).update(sum_insured=Decimal("200000"))
    ci_policy.refresh_from_db()
    return ci_policy


def increase(customer, policy, total: str, **health):
    return services.request_open(
        policy=policy,
        item="sum_increase",
        details={
            "sum_insured": total,
            "health": {**NO, **health},
            "health_details": "2024年甲状腺结节，随访无变化" if health else "",
            "occupation": "教师",
            "occupation_class": "1",
        },
        actor=customer,
        now=T0,
    )


def test_clean_increase_is_accepted_by_the_rules_and_raises_the_premium(
    frozen, clerk, uw_team, customer1, insured_with_id
):
    premium = insured_with_id.premium
    request = increase(customer1, insured_with_id, "300000")
    request.refresh_from_db()
    application = Application.objects.get(service_case=request.case)
    assert application.sum_insured == Decimal("300000")
    assert application.standard_premium == Decimal("3100.00")  # ¥6,200 × 100,000 / 200,000
    assert application.policy is None  # no new policy: the decision goes to the request
    assert request.underwritten_by is not None
    assert Decimal(request.details["premium"]) == premium + application.standard_premium
    complete(request, clerk)
    services.request_approve(request=request, actor=clerk, now=T0 + timedelta(hours=2))
    insured_with_id.refresh_from_db()
    assert insured_with_id.sum_insured == Decimal("300000")
    assert insured_with_id.premium == premium + application.standard_premium
    # The applicant has the underwriting decision notice as well.
    assert Notice.objects.get(case=application.case).kind == "uw_decision"


def test_increase_waits_for_underwriting_and_a_rated_acceptance_changes_the_premium(
    frozen, clerk, uw_team, customer1, insured_with_id
):
    premium = insured_with_id.premium
    request = increase(customer1, insured_with_id, "300000", chronic=True)
    application = Application.objects.get(service_case=request.case)
    assert application.route == "manual"
    complete(request, clerk)
    with pytest.raises(GuardFailed, match="核保"):
        services.request_approve(request=request, actor=clerk, now=T0 + timedelta(hours=2))

    uw.decision_propose(
        application=application,
        terms=uw.DecisionTerms(
            outcome="accept_rated", reason="甲状腺结节随访稳定", extra_premium_percent=Decimal(50)
        ),
        actor=uw_team,
        now=T0 + timedelta(hours=3),
    )
    request.refresh_from_db()
    added = (application.standard_premium * Decimal("1.5")).quantize(Decimal("0.01"))
    assert Decimal(request.details["premium"]) == premium + added
    services.request_approve(request=request, actor=clerk, now=T0 + timedelta(hours=4))
    insured_with_id.refresh_from_db()
    assert insured_with_id.premium == premium + added

    text = flat(pdf_text(Notice.objects.get(case=application.case)))
    assert added == Decimal("4650.00")  # ¥3,100 at +50 %
    assert "+50%" in text and "¥4,650.00" in text and "甲状腺结节随访稳定" in text
    letter = flat(pdf_text(Notice.objects.get(case=request.case)))
    assert "¥10,850.00" in letter and "¥300,000.00" in letter and "¥200,000.00" in letter


def test_declined_increase_refuses_the_request_with_underwritings_reason(
    frozen, clerk, uw_team, customer1, insured_with_id
):
    request = increase(customer1, insured_with_id, "300000", chronic=True)
    application = Application.objects.get(service_case=request.case)
    uw.decision_propose(
        application=application,
        terms=uw.DecisionTerms(outcome="decline", reason="恶性肿瘤病史"),
        actor=uw_team,
        now=T0 + timedelta(hours=3),
    )
    request.refresh_from_db()
    assert request.case.status == "declined"
    assert Policy.objects.get(pk=insured_with_id.pk).sum_insured == Decimal("200000")
    kinds = set(Notice.objects.filter(case=request.case).values_list("kind", flat=True))
    assert kinds == {"service_refusal"}
    text = flat(pdf_text(Notice.objects.get(case=request.case)))
    assert "恶性肿瘤病史" in text and "保险法第十六条" in text
