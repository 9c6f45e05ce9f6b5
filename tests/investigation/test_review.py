"""``claim_review``: the path, red flags and text hits read from the claim, its policy, the
other claims and the documents (confirmed fields over OCR)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from claimdesk.investigation.models import CriticalIllness, ExclusionTerm, InvestigationSettings
from claimdesk.investigation.selectors import claim_review
from claimdesk.policies.demo import demo_policy
from claimdesk.policies.models import Clause
from tests.conftest import at
from tests.investigation.conftest import make_document

pytestmark = pytest.mark.django_db


def test_small_auto_claim_is_assessed_online(auto_policy, customer1, make_claim):
    review = claim_review(make_claim(customer1))
    assert review.path == "online"
    assert review.flags == [] and review.text_hits == []


def test_threshold_is_admin_tunable(auto_policy, customer1, make_claim):
    claim = make_claim(customer1)
    InvestigationSettings.objects.create(online_limit=Decimal("3000"))
    assert claim_review(claim).path == "standard"


def test_early_loss_routes_to_investigation_with_reason(products, customer1, make_claim):
    from claimdesk.policies.demo import demo_policy

    demo_policy(
        number="PAUTO0009",
        holder=customer1,
        line="auto",
        start=date(2026, 9, 17),
        insured_name="张三",
        products=products,
    )
    claim = make_claim(customer1, policy_no="PAUTO0009")
    with translation.override("zh-hans"):
        review = claim_review(claim)
    assert review.path == "investigate"
    assert [(f.code, f.reason) for f in review.flags] == [
        ("early_loss", "出险距保单生效仅 12 天（阈值 30 天）")
    ]


def test_repeated_claims(auto_policy, customer1, make_claim):
    claims = [
        make_claim(
            customer1,
            loss_time=f"2026-09-{d}T18:00:00+08:00",
            now=at(f"2026-09-{d} 20:00"),
            loss_place=f"地点{d}",
        )
        for d in (10, 20, 29)
    ]
    assert "repeated_claims" in [f.code for f in claim_review(claims[-1]).flags]
    assert "repeated_claims" not in [f.code for f in claim_review(claims[0]).flags]


def test_repeated_claims_count_one_kind_of_loss(auto_policy, customer1, products, make_claim):
    """Two car repairs do not make the same person's first outpatient claim a repeat."""
    demo_policy(
        number="PMED0001",
        holder=customer1,
        line="medical",
        start=date(2026, 1, 1),
        insured_name="张三",
        products=products,
    )
    for d in (10, 20):
        make_claim(
            customer1,
            loss_time=f"2026-09-{d}T18:00:00+08:00",
            now=at(f"2026-09-{d} 20:00"),
            loss_place=f"地点{d}",
        )
    medical = make_claim(
        customer1,
        policy_no="PMED0001",
        loss_type="medical",
        loss_time="2026-09-28T09:00:00+08:00",
        loss_place="上海市第一人民医院",
        loss_cause="急性肠胃炎门诊",
        description="腹痛门诊就诊",
        estimated_amount="280.00",
        now=at("2026-09-29 10:00"),
    )
    assert "repeated_claims" not in [f.code for f in claim_review(medical).flags]


def test_amount_near_remaining_sum_insured(auto_policy, customer1, make_claim):
    earlier = make_claim(
        customer1,
        loss_time="2026-05-01T10:00:00+08:00",
        now=at("2026-05-02 10:00"),
        loss_place="别处",
    )
    earlier.decision, earlier.approved_amount = "approve", Decimal("150000")
    earlier.save(update_fields=["decision", "approved_amount"])
    claim = make_claim(customer1, estimated_amount="48000.00")  # remaining: 50,000
    flags = {f.code: f.reason for f in claim_review(claim).flags}
    assert "near_sum_insured" in flags and "¥50,000.00" in flags["near_sum_insured"]


def test_document_dates_confirmed_over_ocr(auto_policy, customer1, make_claim):
    claim = make_claim(customer1)  # loss 2026-09-29
    make_document(
        claim,
        n=1,
        kind="repair_invoice",
        ocr={"date": "2026-06-01"},
        confirmed={"date": "2026-09-29"},
    )  # staff corrected OCR's misreading
    make_document(claim, n=2, kind="accident_report", ocr={"date": "2026-07-01"})
    make_document(claim, n=3, kind="id_card", ocr={"date": "1980-01-01"})  # a birth date
    with translation.override("en"):
        review = claim_review(claim)
    assert [f.code for f in review.flags] == ["date_mismatch"]
    assert f"document {claim.documents.get(kind='accident_report').pk}" in review.flags[0].reason
    assert review.path == "investigate"


def test_listed_critical_illness_gets_simplified_path(ci_policy, customer1, make_claim):
    claim = make_claim(
        customer1,
        policy_no="PCI0001",
        loss_type="critical_illness",
        loss_place="",
        loss_cause="重大疾病",
        description="体检发现甲状腺结节，病理确诊甲状腺癌",
        estimated_amount=None,
        loss_time="2026-09-20T10:00:00+08:00",
    )
    review = claim_review(claim)
    assert review.path == "simplified" and review.illness == "甲状腺癌"
    # Without 甲状腺癌 the wider listed 恶性肿瘤 (C00-C97) still holds C73; without both, none.
    CriticalIllness.objects.filter(name="甲状腺癌").update(active=False)
    assert claim_review(claim).illness == "恶性肿瘤"
    CriticalIllness.objects.filter(name="恶性肿瘤").update(active=False)
    assert claim_review(claim).path == "standard"


def test_text_hits_with_clause(ci_policy, customer1, make_claim):
    claim = make_claim(
        customer1,
        policy_no="PCI0001",
        loss_type="critical_illness",
        loss_place="",
        loss_cause="重大疾病",
        description="确诊先天性心脏病",
        estimated_amount=None,
        loss_time="2026-09-20T10:00:00+08:00",
    )
    doc = make_document(
        claim,
        n=7,
        kind="diagnosis",
        text="出院记录\n既往史：2019年5月于外院确诊高血压，否认糖尿病史。\n诊断：先天性心脏病",
        ocr={"diagnosis": "先天性心脏病"},
    )
    hits = claim_review(claim).text_hits
    found = {(h.term, h.kind, h.source) for h in hits}
    assert ("先天性", "exclusion", "description") in found
    assert ("先天性", "exclusion", f"document {doc.pk}") in found
    assert ("既往史", "pre_existing", f"document {doc.pk}") in found
    assert ("2019年5月", "pre_existing", f"document {doc.pk}") in found
    # 否认糖尿病史: negated, no hit.
    assert not any("糖尿病" in h.snippet and h.term == "病史" for h in hits)
    congenital = next(h for h in hits if h.term == "先天性")
    clause = Clause.objects.get(product=ci_policy.product, article="2.7")
    assert (congenital.clause_article, congenital.clause_title) == ("2.7", "责任免除")
    assert congenital.clause_text == clause.text
    assert "先天性" in congenital.snippet


def test_product_terms_and_pinned_clause(auto_policy, customer1, make_claim):
    clause = Clause.objects.get(product=auto_policy.product, article="10")
    ExclusionTerm.objects.create(
        product=auto_policy.product, term="飙车", kind="exclusion", clause=clause
    )
    claim = make_claim(customer1, description="夜间飙车撞上护栏，驾驶人醉酒")
    hits = {h.term: h for h in claim_review(claim).text_hits}
    assert set(hits) == {"飙车", "醉酒"}
    assert hits["飙车"].clause_article == "10"
    assert hits["醉酒"].clause_article == "10"  # the product's exclusion clause


def test_hits_never_decide(auto_policy, customer1, make_claim):
    claim = make_claim(customer1, description="驾驶人醉酒后追尾")
    review = claim_review(claim)
    assert review.text_hits and review.path == "online"
    claim.refresh_from_db()
    assert claim.decision == "" and claim.case.status == "reported"


def test_product_term_wins_over_general_term(auto_policy, customer1, make_claim):
    other = Clause.objects.create(
        product=auto_policy.product, article="99", title="特别约定", kind="exclusion", text="…"
    )
    ExclusionTerm.objects.create(
        product=auto_policy.product, term="醉酒", kind="exclusion", clause=other
    )
    claim = make_claim(customer1, description="驾驶人醉酒后追尾")
    (hit,) = claim_review(claim).text_hits
    assert hit.clause_article == "99"
