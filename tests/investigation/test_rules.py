"""The pure investigation rules: paths, red flags with reasons, text hits, picking a
surveyor and an appraisal institution."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from claimdesk.investigation import rules
from claimdesk.investigation.diseases import default_taxonomy
from claimdesk.investigation.rules import (
    Candidate,
    ClaimFacts,
    DatedSource,
    FlagCode,
    Institution,
    Path,
    TermSpec,
    Thresholds,
)

T = Thresholds()
START = date(2026, 1, 1)
ILLNESSES = rules.default_listed_illnesses()
TAXONOMY = default_taxonomy()


def facts(**kw) -> ClaimFacts:
    base = {
        "loss_type": "medical",
        "amount": Decimal("20000"),
        "policy_start": START,
        "loss_day": date(2026, 6, 1),
        "remaining_sum_insured": Decimal("2000000"),
        "recent_claims": 1,
    }
    return ClaimFacts(**{**base, **kw})


def codes(f: ClaimFacts, t: Thresholds = T) -> list[str]:
    return [flag.code for flag in rules.risk_flags(f, t)]


@pytest.mark.parametrize(
    ("kw", "path"),
    [
        ({"loss_type": "auto", "amount": Decimal("4999.99")}, Path.ONLINE),
        ({"loss_type": "auto", "amount": Decimal("5000")}, Path.STANDARD),
        ({"loss_type": "auto", "amount": None}, Path.STANDARD),
        ({"loss_type": "property", "amount": Decimal("100")}, Path.STANDARD),
        ({"loss_type": "critical_illness", "diagnoses": ("甲状腺癌（乳头状）",)}, Path.SIMPLIFIED),
        ({"loss_type": "medical", "diagnoses": ("急性心肌梗死",)}, Path.SIMPLIFIED),
        (
            {"loss_type": "auto", "amount": Decimal("9000"), "diagnoses": ("恶性肿瘤",)},
            Path.STANDARD,
        ),
        ({"loss_type": "critical_illness", "diagnoses": ("肺炎",)}, Path.STANDARD),
        # A red flag wins over every other path.
        (
            {"loss_type": "auto", "amount": Decimal("100"), "loss_day": START + timedelta(days=3)},
            Path.INVESTIGATE,
        ),
        (
            {"loss_type": "critical_illness", "diagnoses": ("恶性肿瘤",), "recent_claims": 3},
            Path.INVESTIGATE,
        ),
    ],
)
def test_paths(kw, path):
    assert rules.route(facts(**kw), T, ILLNESSES, TAXONOMY).path is path


def test_simplified_names_the_illness():
    r = rules.route(
        facts(loss_type="critical_illness", diagnoses=("终末期肾病",)), T, ILLNESSES, TAXONOMY
    )
    assert r.illness == "终末期肾病"


@pytest.mark.parametrize(
    ("days", "flagged"), [(0, True), (12, True), (29, True), (30, False), (200, False)]
)
def test_early_loss(days, flagged):
    f = facts(loss_day=START + timedelta(days=days))
    assert (FlagCode.EARLY_LOSS in codes(f)) is flagged


def test_early_loss_reason_in_chinese():
    with translation.override("zh-hans"):
        (flag,) = rules.risk_flags(facts(loss_day=START + timedelta(days=12)), T)
    assert flag.reason == "出险距保单生效仅 12 天（阈值 30 天）"


def test_loss_before_start_is_not_an_early_loss():
    # That is the intake rules' own flag (loss before the policy started).
    assert codes(facts(loss_day=START - timedelta(days=1))) == []


@pytest.mark.parametrize(
    ("amount", "remaining", "flagged"),
    [
        (Decimal("89999"), Decimal("100000"), False),
        (Decimal("90000"), Decimal("100000"), True),
        (Decimal("120000"), Decimal("100000"), True),
        (Decimal("1"), Decimal("0"), True),
        (Decimal("0"), Decimal("0"), False),
    ],
)
def test_near_sum_insured(amount, remaining, flagged):
    f = facts(amount=amount, remaining_sum_insured=remaining)
    assert (FlagCode.NEAR_SUM_INSURED in codes(f)) is flagged


def test_near_sum_reason_names_amounts():
    (flag,) = rules.risk_flags(
        facts(amount=Decimal("95000"), remaining_sum_insured=Decimal("100000")), T
    )
    assert "¥95,000.00" in flag.reason and "95%" in flag.reason and "¥100,000.00" in flag.reason


def test_repeated_claims_threshold_is_tunable():
    f = facts(recent_claims=2)
    assert codes(f) == []
    assert codes(f, Thresholds(repeat_count=2)) == [FlagCode.REPEATED_CLAIMS]


def test_date_mismatch_per_document():
    f = facts(
        loss_day=date(2026, 6, 1),
        document_dates=(
            DatedSource("document 1", date(2026, 6, 10)),
            DatedSource("document 2", date(2026, 4, 1)),
        ),
    )
    flags = rules.risk_flags(f, T)
    assert [x.code for x in flags] == [FlagCode.DATE_MISMATCH]
    assert "document 2" in flags[0].reason and "61" in flags[0].reason


amounts = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False)


@given(
    loss_type=st.sampled_from(["auto", "medical", "critical_illness", "accident", "property"]),
    amount=st.none() | amounts,
    remaining=st.none() | amounts,
    days=st.integers(-30, 400),
    recent=st.integers(1, 6),
    gaps=st.lists(st.integers(-100, 100), max_size=3),
)
def test_route_properties(loss_type, amount, remaining, days, recent, gaps):
    loss = START + timedelta(days=days)
    f = ClaimFacts(
        loss_type=loss_type,
        amount=amount,
        policy_start=START,
        loss_day=loss,
        remaining_sum_insured=remaining,
        recent_claims=recent,
        document_dates=tuple(
            DatedSource(f"d{i}", loss + timedelta(days=g)) for i, g in enumerate(gaps)
        ),
    )
    r = rules.route(f, T, ILLNESSES, TAXONOMY)
    flags = rules.risk_flags(f, T)
    # Investigation exactly when there is a red flag, and every flag has a reason.
    assert (r.path is Path.INVESTIGATE) == bool(flags)
    assert all(flag.code and flag.reason for flag in flags)
    # Online only for small auto cases.
    if r.path is Path.ONLINE:
        assert loss_type == "auto" and amount is not None and amount < T.online_limit
    # Every far document date is flagged, and only those.
    far = sum(1 for g in gaps if abs(g) > T.date_mismatch_days)
    assert sum(1 for flag in flags if flag.code == FlagCode.DATE_MISMATCH) == far


# --- text checks -------------------------------------------------------------------------


def spans_of(*words: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for w in words:
        out.append((pos, pos + len(w)))
        pos += len(w)
    return out


def test_term_hits_on_token_boundaries_only():
    words = ("患者", "有", "高血压", "病史", "，", "病史料", "齐全")
    text = "".join(words)
    hits = rules.term_hits(text, [TermSpec("病史", "pre_existing", 1)], spans_of(*words))
    assert [(h.term, h.start) for h in hits] == [("病史", 6)]


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("否认既往病史。", False),
        ("无既往病史", False),
        ("既往体健，否认高血压。既往史：糖尿病", True),
        ("患者既往有糖尿病史", True),
    ],
)
def test_negated_terms_are_no_hits(text, hit):
    spans = [(i, i + 2) for i in range(len(text) - 1)] + [(i, i + 1) for i in range(len(text))]
    found = rules.term_hits(text, [TermSpec("既往", "pre_existing")], spans)
    assert bool(found) is hit


def test_earlier_diagnosis_dates():
    text = "患者于2019年3月确诊甲状腺结节。2026年5月20日入院。曾于外院诊断为胆囊炎。"
    hits = rules.earlier_diagnoses(text, START)
    assert [h.term for h in hits] == ["2019年3月", "曾于外院诊断"]
    assert "2019-03-01" in hits[0].detail


def test_dates_before_start_without_diagnosis_words_are_no_hints():
    assert rules.earlier_diagnoses("发票开具日期2025-12-30，金额100元", START) == []


def test_snippet():
    assert rules.snippet("0123456789abcdefghij", 10, 12, reach=3) == "…789abcde…"


# --- surveyors, institutions, regions ------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "places", "match"),
    [
        ("上海市", ("上海市浦东新区世纪大道",), True),
        ("上海", ("", "上海市浦东新区"), True),
        ("浙江省", ("杭州市西湖区", "浙江省杭州市"), True),
        ("北京", ("上海市浦东新区",), False),
        ("", ("上海市",), False),
    ],
)
def test_region_matches(region, places, match):
    assert rules.region_matches(region, *places) is match


def cand(uid, name, *, region=True, load=0, cert=False):
    return Candidate(uid, name, region, load, cert)


def test_pick_surveyor_region_then_load_then_name():
    pool = [
        cand(1, "a", region=False, load=0),
        cand(2, "b", load=2),
        cand(3, "c", load=1),
        cand(4, "d", load=1),
    ]
    assert rules.pick_surveyor(pool, need_certificate=False) == 3


def test_pick_surveyor_needs_certificate():
    pool = [cand(1, "a"), cand(2, "b", region=False, load=5, cert=True)]
    assert rules.pick_surveyor(pool, need_certificate=True) == 2
    assert rules.pick_surveyor([cand(1, "a")], need_certificate=True) is None


def test_pick_institution_rotation():
    t = datetime(2026, 9, 1)
    pool = [
        Institution(1, "乙鉴定所", True, t),
        Institution(2, "甲鉴定所", True, t),
        Institution(3, "丙鉴定所", True, t - timedelta(days=1)),
        Institution(4, "外地鉴定所", False, None),
    ]
    assert rules.pick_institution(pool) == 3  # least recently, in the region first
    pool[2] = Institution(3, "丙鉴定所", True, t + timedelta(days=1))
    # A tie on the last selection goes by name ("乙" sorts before "甲" by code point).
    assert rules.pick_institution(pool) == 1
    assert rules.pick_institution([Institution(4, "外地鉴定所", False, None)]) == 4
    assert rules.pick_institution([]) is None


words = st.lists(
    st.sampled_from(["既往", "病史", "否认", "患者", "，", "多年", "酒", "醉酒"]), max_size=12
)


@given(words)
def test_term_hits_properties(ws):
    text = "".join(ws)
    spans = spans_of(*ws)
    terms = [TermSpec("既往", "pre_existing"), TermSpec("醉酒", "exclusion")]
    for hit in rules.term_hits(text, terms, spans):
        assert text[hit.start : hit.end] == hit.term
        assert (hit.start, hit.end) in spans  # a whole token here: each term is one word
        assert not rules.negated(text, hit.start)


@given(
    st.lists(st.tuples(st.booleans(), st.integers(0, 5), st.booleans()), max_size=8), st.booleans()
)
def test_pick_surveyor_properties(rows, need):
    pool = [cand(i, f"u{i}", region=r, load=load, cert=c) for i, (r, load, c) in enumerate(rows)]
    chosen = rules.pick_surveyor(pool, need_certificate=need)
    eligible = [c for c in pool if c.certified or not need]
    if not eligible:
        assert chosen is None
        return
    best = next(c for c in pool if c.user_id == chosen)
    assert best in eligible
    assert all((not best.in_region, best.load) <= (not c.in_region, c.load) for c in eligible)
