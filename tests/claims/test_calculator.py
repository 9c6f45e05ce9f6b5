"""The adjudication calculator: hand-computed examples and properties that must always hold."""

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from claimdesk.claims.rules import (
    ClauseRef,
    CoverageTerms,
    LossLine,
    PolicyTerms,
    adjudicate,
    approval_refusal,
    approvals_required,
)

D = Decimal
MEDICAL = ClauseRef("2.4", "意外医疗保险金", "……扣除免赔额后按80%的比例给付意外医疗保险金。")
WAITING = ClauseRef("2.2", "等待期", "自本合同生效之日起90日为等待期。")
DRUNK = ClauseRef("2.6", "责任免除", "（一）被保险人酒后驾驶……")
POLICY = PolicyTerms(
    start=date(2026, 1, 1),
    end=date(2026, 12, 31),
    in_force=True,
    sum_insured=D("500000"),
    waiting_clause=WAITING,
)
ACCIDENT_MEDICAL = CoverageTerms(
    "accident-medical", "意外医疗", D("50000"), D("100"), D("0.8"), 0, MEDICAL
)


def run(items, *, policy=POLICY, coverages=None, day=date(2026, 6, 1)):
    coverages = coverages or {"accident-medical": ACCIDENT_MEDICAL}
    return adjudicate(policy=policy, coverages=coverages, loss_day=day, items=items)


def test_medical_claim_by_hand_deductible_then_ratio():
    # 1,250.50 + 30,000.00 = 31,250.50; less 100 deductible = 31,150.50; × 80 % = 24,920.40
    calc = run(
        [
            LossLine("accident-medical", "门诊费用", D("1250.50")),
            LossLine("accident-medical", "住院费用", D("30000")),
        ]
    )
    assert calc.decision == "approve"
    assert calc.claimed == D("31250.50")
    assert calc.total == D("24920.40")
    assert [(line.kind, line.amount) for line in calc.lines] == [
        ("claimed", D("1250.50")),
        ("claimed", D("30000.00")),
        ("deductible", D("-100")),
        ("ratio", D("-6230.10")),
    ]
    assert all(line.clause == MEDICAL for line in calc.lines)


def test_limit_caps_and_makes_it_partial():
    # 70,000 − 100 = 69,900 × 0.8 = 55,920 → limit 50,000
    calc = run([LossLine("accident-medical", "住院费用", D("70000"))])
    assert calc.total == D("50000.00")
    assert calc.decision == "partial"
    assert calc.lines[-1].kind == "limit"
    assert calc.lines[-1].amount == D("-5920.00")


def test_waiting_period_excludes_illness_with_its_clause():
    ci = CoverageTerms("critical", "重大疾病", D("500000"), waiting_days=90)
    calc = run(
        [LossLine("critical", "恶性肿瘤", D("500000"), illness=True)],
        coverages={"critical": ci},
        day=date(2026, 2, 15),
    )
    assert calc.decision == "reject"
    assert calc.total == 0
    assert calc.exclusions[0].code == "waiting_period"
    assert calc.exclusions[0].clause == WAITING


def test_accident_has_no_waiting_period():
    ci = CoverageTerms("critical", "重大疾病", D("500000"), waiting_days=90)
    calc = run(
        [LossLine("critical", "意外", D("1000"))], coverages={"critical": ci}, day=date(2026, 1, 2)
    )
    assert calc.total == D("1000.00")


def test_exclusion_clause_and_coverage_mismatch_are_lines_with_reasons():
    calc = run(
        [
            LossLine("accident-medical", "住院费用", D("1100")),
            LossLine(
                "accident-medical",
                "酒驾受伤",
                D("5000"),
                exclusion=DRUNK,
                exclusion_reason="事故认定书载明驾驶人饮酒",
            ),
            LossLine("dental", "洗牙", D("300")),
        ]
    )
    assert calc.decision == "partial"
    assert calc.total == D("800.00")  # (1100 − 100) × 0.8
    assert [e.code for e in calc.exclusions] == ["exclusion", "no_coverage"]
    assert calc.exclusions[0].clause == DRUNK
    assert calc.exclusions[0].reason == "事故认定书载明驾驶人饮酒"


def test_loss_outside_policy_term_is_rejected():
    calc = run([LossLine("accident-medical", "住院费用", D("1000"))], day=date(2027, 1, 3))
    assert calc.decision == "reject"
    assert calc.exclusions[0].code == "not_in_force"


def test_liability_ratio_applies_before_the_deductible():
    auto = CoverageTerms("vehicle-damage", "车损", D("200000"), D("0"), D("1"))
    calc = run(
        [LossLine("vehicle-damage", "维修费", D("10000"), liability=D("0.7"))],
        coverages={"vehicle-damage": auto},
    )
    assert calc.total == D("7000.00")
    assert calc.lines[1].kind == "liability"


def test_remaining_sum_insured_caps_the_total():
    policy = PolicyTerms(date(2026, 1, 1), date(2026, 12, 31), True, D("60000"), paid=D("55000"))
    calc = run([LossLine("accident-medical", "住院费用", D("10100"))], policy=policy)
    assert calc.total == D("5000")
    assert calc.lines[-1].kind == "sum_insured"
    assert calc.decision == "partial"


money = st.decimals(min_value=0, max_value=2_000_000, places=2, allow_nan=False)
ratio = st.decimals(min_value=0, max_value=1, places=3, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    amounts=st.lists(st.tuples(money, ratio, st.booleans()), min_size=1, max_size=6),
    limit=money,
    used=money,
    deductible=money,
    cover_ratio=ratio,
    sum_insured=money,
    paid=money,
    waiting=st.integers(0, 200),
)
def test_never_pays_more_than_claimed_limit_or_sum_insured_and_lines_add_up(
    amounts, limit, used, deductible, cover_ratio, sum_insured, paid, waiting
):
    cover = CoverageTerms("c", "保障", limit, deductible, cover_ratio, waiting, MEDICAL, used)
    policy = PolicyTerms(date(2026, 1, 1), date(2026, 12, 31), True, sum_insured, paid)
    items = [LossLine("c", f"项目{i}", a, r, ill) for i, (a, r, ill) in enumerate(amounts)]
    calc = run(items, policy=policy, coverages={"c": cover})
    assert 0 <= calc.total <= calc.claimed
    assert calc.total <= max(limit - used, 0)
    assert calc.total <= max(sum_insured - paid, 0)
    assert sum((line.amount for line in calc.lines), D(0)) == calc.total
    assert calc.total == calc.total.quantize(D("0.01"))
    assert (calc.decision == "reject") == (calc.total == 0)
    data = calc.as_dict()
    assert sum(D(line["amount"]) for line in data["lines"]) == D(data["total"])


def test_approvals_needed_grow_with_the_amount():
    steps = [(D(0), 1), (D(100000), 2), (D(500000), 3)]
    assert approvals_required(D("99999.99"), steps) == 1
    assert approvals_required(D("100000"), steps) == 2
    assert approvals_required(D("800000"), steps) == 3


def test_approval_refusals():
    common = {"amount": D("20000"), "proposer": "7", "already": []}
    assert approval_refusal(approver="7", limit=D("1e6"), **common)
    assert approval_refusal(approver="8", limit=D("10000"), **common)
    assert approval_refusal(approver="8", limit=None, **common)
    assert approval_refusal(approver="8", limit=D("20000"), **{**common, "already": ["8"]})
    assert approval_refusal(approver="8", limit=D("20000"), **common) is None


def test_only_the_last_signature_needs_a_limit_covering_the_amount():
    common = {"amount": D("150000"), "proposer": "7", "already": []}
    assert approval_refusal(approver="8", limit=D("50000"), final=False, **common) is None
    assert approval_refusal(approver="8", limit=D("50000"), final=True, **common)
    assert approval_refusal(approver="8", limit=None, final=False, **common)


DEDUCTIBLE = ClauseRef("3.1", "免赔额", "本合同年免赔额为1,000元。")
RATIO = ClauseRef("3.2", "给付比例", "按80%给付。")
LIMIT = ClauseRef("3.3", "限额", "每次事故以3,000元为限。")


def test_a_limit_per_event_caps_one_claim_and_cites_its_clause():
    from dataclasses import replace

    cover = replace(
        ACCIDENT_MEDICAL,
        event_limit=D("3000"),
        deductible_clause=DEDUCTIBLE,
        ratio_clause=RATIO,
        limit_clause=LIMIT,
    )
    # 10,000 − 100 = 9,900; × 80 % = 7,920; the event's sub-limit 3,000 pays 3,000
    calc = run([LossLine("accident-medical", "住院费用", D("10000"))], coverages={
        "accident-medical": cover})  # fmt: skip
    assert calc.total == D("3000")
    assert [(x.kind, x.amount, x.clause) for x in calc.lines] == [
        ("claimed", D("10000.00"), MEDICAL),
        ("deductible", D("-100"), DEDUCTIBLE),
        ("ratio", D("-1980.00"), RATIO),
        ("limit", D("-4920.00"), LIMIT),
    ]
    assert "每次事故限额" in str(calc.lines[-1].label)  # zh-hans first


def test_an_annual_deductible_takes_only_what_is_left_of_the_year():
    from dataclasses import replace

    cover = replace(ACCIDENT_MEDICAL, annual_deductible=True, deductible_used=D("60"))
    # 40 of the 100 is left: 1,000 − 40 = 960; × 80 % = 768
    calc = run([LossLine("accident-medical", "门诊费用", D("1000"))], coverages={
        "accident-medical": cover})  # fmt: skip
    assert calc.total == D("768.00")
    assert calc.deductible_by_coverage == {"accident-medical": D("40")}


def test_a_limit_per_day_caps_the_item_by_its_days():
    from dataclasses import replace

    cover = replace(ACCIDENT_MEDICAL, day_limit=D("200"), limit_clause=LIMIT)
    # 3 days at most 200 a day: 1,000 claimed becomes 600; − 100 = 500; × 80 % = 400
    calc = run([LossLine("accident-medical", "住院津贴", D("1000"), days=3)], coverages={
        "accident-medical": cover})  # fmt: skip
    assert calc.total == D("400.00")
    assert calc.decision == "partial"
    assert [(x.kind, x.amount, x.clause) for x in calc.lines][1] == (
        "day_limit",
        D("-400.00"),
        LIMIT,
    )
