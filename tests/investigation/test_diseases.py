"""The disease taxonomy: diagnoses by name, synonym, subtype or ICD code map to the listed
condition they belong to; the lists are codes; red flags know a fixed-benefit product."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claimdesk.investigation import diseases, rules
from claimdesk.investigation.diseases import Listed, code_under, default_taxonomy
from claimdesk.investigation.models import CriticalIllness, Disease, ExclusionTerm
from claimdesk.investigation.selectors import claim_review
from claimdesk.policies.demo import demo_policy

TAXONOMY = default_taxonomy()
LISTED = rules.default_listed_illnesses()


@pytest.mark.parametrize(
    ("code", "parent", "under"),
    [
        ("C73.x01", "C73", True),
        ("C73", "C73", True),
        ("C73", "C73.x01", False),
        ("C731", "C73", True),
        ("C74", "C73", False),
        ("C73.x01", "C00-C97", True),
        ("D05", "C00-C97", False),
        ("Q21.1", "Q20-Q28", True),
        ("Q20-Q28", "Q00-Q99", True),
        ("Q00-Q99", "Q20-Q28", False),
        ("I21", "I2", False),
    ],
)
def test_code_hierarchy(code, parent, under):
    assert code_under(code, parent) is under


@pytest.mark.parametrize(
    ("diagnosis", "listed"),
    [
        ("甲状腺乳头状癌", "甲状腺癌"),  # a subtype, below C73
        ("病理：甲状腺微小乳头状癌", "甲状腺癌"),  # a subtype's synonym
        ("甲状腺恶性肿瘤", "甲状腺癌"),  # a synonym
        ("急性心梗", "急性心肌梗死"),
        ("急性下壁心肌梗死", "急性心肌梗死"),
        ("尿毒症", "终末期肾病"),
        ("脑梗死后遗症", "脑卒中后遗症"),
        ("冠脉搭桥术后", "冠状动脉搭桥术"),
        ("肝移植术", "重大器官移植术"),
        ("右肺腺癌", "恶性肿瘤"),  # C34 lies in the C00-C97 range
        ("诊断：I21.0", "急性心肌梗死"),  # a bare ICD code
        ("诊断：Ｃ７３", "甲状腺癌"),  # full-width
        ("ICD-10：C73.902", "甲状腺癌"),  # an unlisted subdivision of C73
        ("车停在C73号车位", ""),  # a bare code without diagnosis words is no disease
        ("甲状腺结节", ""),
        ("肺炎", ""),
        ("否认甲状腺癌病史，诊断肺炎", ""),  # denied
    ],
)
def test_diagnosis_maps_to_listed_condition(diagnosis, listed):
    assert rules.listed_illness([diagnosis], LISTED, TAXONOMY) == listed


def test_narrowest_listed_wins_whatever_the_order():
    wide_first = [Listed("C00-C97", "恶性肿瘤"), Listed("C73", "甲状腺癌")]
    assert rules.listed_illness(["甲状腺乳头状癌"], wide_first, TAXONOMY) == "甲状腺癌"
    assert rules.listed_illness(["甲状腺乳头状癌"], wide_first[:1], TAXONOMY) == "恶性肿瘤"


def test_longest_name_wins_in_the_text():
    (mention,) = TAXONOMY.mentions("术后病理：甲状腺乳头状癌（右叶）")
    assert (mention.code, mention.name) == ("C73.x01", "甲状腺乳头状癌")


def test_exclusion_codes_hit_by_synonym():
    spec = rules.TermSpec("艾滋病", rules.EXCLUSION, 1, diseases.parse_codes("B20-B24, Z21"))
    (hit,) = rules.code_hits("既往体检发现HIV阳性。", [spec], TAXONOMY)
    assert hit.term == "艾滋病" and "Z21" in hit.detail
    assert rules.code_hits("HIV抗体阴性，否认HIV感染", [spec], TAXONOMY) == []
    assert rules.code_hits("停车场B20车位旁被刮", [spec], TAXONOMY) == []
    (coded,) = rules.code_hits("出院诊断：B20", [spec], TAXONOMY)
    assert "B20" in coded.detail


def fixed(**kw):
    base = {
        "loss_type": "critical_illness",
        "amount": Decimal("500000"),
        "policy_start": date(2026, 1, 1),
        "loss_day": date(2026, 6, 1),
        "remaining_sum_insured": Decimal("500000"),
        "product_line": "critical_illness",
    }
    return rules.ClaimFacts(**{**base, **kw})


def test_fixed_benefit_at_sum_insured_is_no_red_flag():
    assert rules.risk_flags(fixed(), rules.Thresholds()) == []
    over = rules.risk_flags(fixed(amount=Decimal("500000.01")), rules.Thresholds())
    assert [f.code for f in over] == [rules.FlagCode.NEAR_SUM_INSURED]
    reimbursed = fixed(loss_type="medical", product_line="medical")
    assert [f.code for f in rules.risk_flags(reimbursed, rules.Thresholds())] == [
        rules.FlagCode.NEAR_SUM_INSURED
    ]


def test_seeded_lists_are_codes(db):
    assert Disease.objects.filter(code="C73.x01", name="甲状腺乳头状癌").exists()
    assert CriticalIllness.objects.get(name="甲状腺癌").code == "C73"
    assert CriticalIllness.objects.exclude(code__gt="").count() == 0
    assert ExclusionTerm.objects.get(term="艾滋病", product=None).codes == "B20-B24, Z21"


def test_thyroid_papillary_claim_on_ci_product_goes_simplified(ci_policy, customer1, make_claim):
    claim = make_claim(
        customer1,
        policy_no="PCI0001",
        loss_type="critical_illness",
        loss_place="",
        loss_cause="重大疾病",
        description="术后病理确诊甲状腺乳头状癌",
        estimated_amount="500000.00",  # the whole sum insured: the benefit
        loss_time="2026-09-20T10:00:00+08:00",
    )
    review = claim_review(claim)
    assert review.flags == []
    assert (review.path, review.illness) == ("simplified", "甲状腺癌")


def test_medical_claim_near_sum_insured_still_flags(products, customer1, make_claim):
    demo_policy(
        number="PMED0001",
        holder=customer1,
        line="medical",
        start=date(2026, 1, 1),
        insured_name="张三",
        products=products,
    )
    claim = make_claim(
        customer1,
        policy_no="PMED0001",
        loss_type="medical",
        loss_place="",
        loss_cause="住院治疗",
        description="甲状腺乳头状癌手术住院",
        estimated_amount="1900000.00",  # 95 % of 2,000,000
        loss_time="2026-09-20T10:00:00+08:00",
    )
    review = claim_review(claim)
    assert [f.code for f in review.flags] == ["near_sum_insured"]
    assert review.path == "investigate"


def test_admin_taxonomy_rows_are_what_maps(ci_policy, customer1, make_claim):
    claim = make_claim(
        customer1,
        policy_no="PCI0001",
        loss_type="critical_illness",
        loss_place="",
        loss_cause="重大疾病",
        description="确诊甲状腺嗜酸细胞癌",
        estimated_amount=None,
        loss_time="2026-09-20T10:00:00+08:00",
    )
    assert claim_review(claim).path == "standard"
    Disease.objects.create(code="C73.x05", name="甲状腺嗜酸细胞癌")
    assert claim_review(claim).illness == "甲状腺癌"
