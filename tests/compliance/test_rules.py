"""The pure checker: normalisation, positions in the original text, variants, properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimdesk.compliance import rules
from claimdesk.compliance.rules import DEFAULT_RULES, Rule, check, normalise


def codes(text: str) -> list[str]:
    return [v.rule for v in check(text, DEFAULT_RULES)]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("我们100%赔付", "pay_100_percent"),
        ("我们100％赔付", "pay_100_percent"),
        ("我们１００％赔付", "pay_100_percent"),
        ("我们100 % 赔付", "pay_100_percent"),
        ("我们百分百赔付", "pay_100_percent"),
        ("我们百分之百赔付", "pay_100_percent"),
        ("我们百 分 之 百 赔 付", "pay_100_percent"),
        ("我们100.0%赔偿", "pay_100_percent"),
        ("我们１００．００％理赔", "pay_100_percent"),
        ("100 percent 赔付", "pay_100_percent"),
        ("请放心，最快到账", "fastest_payout"),
        ("最 快 到 账", "fastest_payout"),
        ("我们保证", "guarantee"),
        ("保 证", "guarantee"),
        ("保-证", "guarantee"),
        ("保.证", "guarantee"),
        ("保\u200b证", "guarantee"),
        ("保　证", "guarantee"),  # ideographic space
        ("保證", "guarantee"),
        ("这个一定赔", "promise_will_pay"),
        ("这个一 定 赔", "promise_will_pay"),
        ("绝對没问题", "absolutely"),
    ],
)
def test_forbidden_variants_are_found(text, rule):
    assert rule in codes(text)


def test_positions_point_into_the_original_text():
    text = "您好！我们１００％ 赔 付，最-快-到-账。"
    found = check(text, DEFAULT_RULES)
    assert [(v.rule, text[v.start : v.end]) for v in found] == [
        ("pay_100_percent", "１００％ 赔 付"),
        ("fastest_payout", "最-快-到-账"),
    ]
    assert found[0].term == "100%赔付"
    assert found[0].reason


def test_number_words_map_to_their_whole_span():
    text = "本次百分之百赔付"
    (v,) = check(text, DEFAULT_RULES)
    assert text[v.start : v.end] == "百分之百赔付"


def test_allowed_phrases_are_not_hits():
    assert codes("您购买的是保证保险，保证金已退还") == []
    assert codes("本险种有绝对免赔额500元") == []
    assert codes("保证金可以退，我们也保证尽快处理") == ["guarantee"]


def test_clean_text_is_clean_and_commas_do_not_join_sentences():
    assert check("您的理赔材料已收到，我们将在审核后尽快联系您。", DEFAULT_RULES) == []
    # the first sentence ends in 确保, the next begins with 证件: no 保证 across the comma
    assert check("请确保，证件齐全。", DEFAULT_RULES) == []


def test_warnings_do_not_block():
    found = check("审核通过后全额赔付", DEFAULT_RULES)
    assert [v.rule for v in found] == ["full_payout"]
    assert rules.blocking(found) == []


def test_regex_rules_match_in_normalised_text():
    rule = Rule("days_promise", r"\d+天(内)?到账", kind=rules.Kind.REGEX)
    (v,) = check("3 天 内到账", [rule])
    assert (v.start, v.end, v.term) == (0, 7, "3天内到账")
    bad = Rule("bad", "([", kind=rules.Kind.REGEX)
    assert check("([", [bad]) == []


def test_points_are_separators_even_in_numbers():
    """ "1.00%赔付" must not hide "100%赔付", so "100.0%" is read as 100% too."""
    assert normalise("1.00%赔付")[0] == "100%赔付"
    assert [v.rule for v in check("100.00%赔付", DEFAULT_RULES)] == ["pay_100_percent"]


def test_normalise_keeps_an_index_per_character():
    text, index = normalise("Ａ b\u200b１")
    assert text == "ab1"
    assert index == [0, 2, 4]


# (rule, a text it forbids) for every blocking default rule
_TERMS = [
    (r.code, "100%赔付" if r.kind == rules.Kind.REGEX else r.pattern)
    for r in DEFAULT_RULES
    if r.severity == rules.Severity.BLOCK
]
_NOISE = st.sampled_from([" ", "\u3000", "\u200b", "-", ".", "·", "_", "\t", "*"])


def _fullwidth(char: str) -> str:
    code = ord(char)
    return chr(code + 0xFEE0) if 0x21 <= code <= 0x7E else char


@settings(max_examples=300, deadline=None)
@given(
    term=st.sampled_from(_TERMS),
    noise=st.lists(st.lists(_NOISE, max_size=3), min_size=10, max_size=10),
    widen=st.lists(st.booleans(), min_size=10, max_size=10),
    before=st.text(alphabet="您好请的材料已收到审核，。", max_size=8),
    after=st.text(alphabet="您好请的材料已收到审核，。", max_size=8),
)
def test_spacing_and_full_width_never_let_a_term_through(term, noise, widen, before, after):
    code, term = term
    disguised = "".join(
        (_fullwidth(c) if widen[i % 10] else c) + "".join(noise[i % 10]) for i, c in enumerate(term)
    )
    text = before + disguised + after
    found = [v for v in check(text, DEFAULT_RULES) if v.rule == code]
    assert found, text
    v = found[0]
    assert len(before) <= v.start < v.end <= len(before) + len(disguised)


_SAFE = "".join(
    sorted(
        set("您好请的材料已收到审核我们将尽快处理联系感谢耐心等待，。！？ 0123456789abc")
        - set("".join(r.pattern for r in DEFAULT_RULES))
    )
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_SAFE + "\u3000\u200b-._", max_size=60))
def test_clean_text_stays_clean(text):
    assert check(text, DEFAULT_RULES) == []
