"""The pure parts: tokens, the hand-over phrases, BM25F and the confidence."""

import jieba
from hypothesis import given
from hypothesis import strategies as st

from claimdesk.assistant import rules
from claimdesk.assistant.search import tokenize


def _cut(text):
    return jieba.cut(text)


def test_tokens_drop_stop_words_and_punctuation_and_fold_full_width():
    tokens = rules.tokenize("请问，理赔需要什么材料？！ＡＢＣ", _cut)
    assert "理赔" in tokens and "材料" in tokens
    assert "请问" not in tokens and "，" not in tokens and "？" not in tokens
    assert "abc" in tokens  # full-width letters folded and lower-cased


def test_characters_of_words_are_marked_tokens_so_a_typo_still_shares_most():
    right, typo = set(tokenize("理赔需要什么材料")), set(tokenize("理陪需要什么材料"))
    assert rules.CHAR_MARK + "理" in right & typo
    assert len(right & typo) >= len(right) // 2


def test_english_words_are_lower_cased_without_stop_words_and_plural_s():
    assert rules.tokenize("What DOCUMENTS do I need for Claims?", lambda t: [t]) == [
        "document",
        "need",
        "claim",
    ]


def test_domain_words_stay_whole():
    tokens = tokenize("什么是容缺受理")
    assert "容缺受理" in tokens
    assert "线上定损" in tokenize("可以线上定损吗")


def test_a_person_is_asked_for_in_chinese_and_english():
    for text in ("转人工", "我要 人工客服", "帮我找客服", "I want a HUMAN", "talk to an agent"):
        assert rules.wants_person(text), text
    for text in ("理赔需要什么材料", "What documents do I need?", "humanity"):
        assert not rules.wants_person(text), text


def test_bm25_ranks_the_entry_with_the_words_first_and_the_question_field_counts_more():
    docs = [
        rules.document(1, {"question": ["赔款", "到账"], "answer": ["银行"]}),
        rules.document(2, {"question": ["材料"], "answer": ["赔款", "到账"]}),
        rules.document(3, {"question": ["投诉"], "answer": ["电话"]}),
    ]
    bm = rules.Bm25(docs)
    scores = bm.scores(["赔款", "到账"])
    assert scores[0] > scores[1] > scores[2] == 0
    assert 0 < scores[0] <= bm.ideal(["赔款", "到账"])


def test_unknown_words_lower_the_share_of_a_perfect_match():
    bm = rules.Bm25([rules.document(1, {"question": ["投诉"]}), rules.document(2, {})])
    alone = rules.rank([1, 2], bm.scores(["投诉"]), bm.ideal(["投诉"]))
    diluted = rules.rank(
        [1, 2], bm.scores(["投诉", "天气", "股票"]), bm.ideal(["投诉", "天气", "股票"])
    )
    assert alone[0].key == diluted[0].key == 1
    assert diluted[0].score < alone[0].score


def test_confidence_falls_when_the_runner_up_is_as_good():
    clear = [rules.Ranked(1, 0.8, 1.0), rules.Ranked(2, 0.1, 0.1)]
    tie = [rules.Ranked(1, 0.8, 1.0), rules.Ranked(2, 0.8, 1.0)]
    assert rules.confidence(clear) > rules.confidence(tie)
    assert rules.confidence([]) == 0.0
    assert rules.confidence([rules.Ranked(1, 0.0, 0.0)]) == 0.0


def test_the_blend_rescales_bunched_cosines():
    ranked = rules.rank([1, 2], [0.0, 0.0], 0.0, [0.95, 0.80], blend=1.0)
    assert ranked[0].key == 1 and ranked[1].score == 0.0


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=10))
def test_confidence_is_between_zero_and_one(scores):
    ranked = sorted((rules.Ranked(i, s, s) for i, s in enumerate(scores)), key=lambda r: -r.score)
    assert 0.0 <= rules.confidence(ranked) <= 1.0


def test_language_of_a_question():
    assert rules.question_language("赔款多久到账") == "zh-hans"
    assert rules.question_language("When do I get paid?") == "en"
