"""Absolute promises as classes: variants a word list misses are caught, honest texts are not,
the hit names its class, its words and where it is; admins switch classes like any rule."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from claimdesk.compliance import rules
from claimdesk.compliance.models import ComplianceRule, NotificationHold, RuleKind
from claimdesk.compliance.rules import DEFAULT_SCREEN, check, chinese_number, screen_text
from claimdesk.compliance.services import compliance_check, message_gate
from claimdesk.notify.models import Notification, Status
from claimdesk.notify.services import notification_queue
from tests.compliance.promise_corpus import TARGET, phrases, score


def classes(text: str) -> list[tuple[str, str]]:
    """(rule, the words as written) of every blocking hit."""
    return [(v.rule, text[v.start : v.end]) for v in rules.blocking(check(text, DEFAULT_SCREEN))]


# --- the corpus --------------------------------------------------------------------------


def test_the_corpus_is_large_varied_and_labelled():
    items = phrases()
    assert len(items) >= 300
    assert len({p.text for p in items}) == len(items)
    assert sum(p.violation for p in items) >= 120
    assert sum(not p.violation for p in items) >= 120
    assert sum(p.held_out for p in items) >= len(items) // 3


def test_precision_and_recall_on_the_whole_corpus():
    result = score(phrases())
    wrong = [p.text for p, _hits in result.false_positives] + [
        p.text for p in result.false_negatives
    ]
    assert result.precision >= TARGET, wrong
    assert result.recall >= TARGET, wrong


def test_the_held_out_third_is_screened_about_as_well():
    """The third the words were not tuned on (precision 0.985, recall 0.853 today); a looser
    bar, so that a few phrases cannot fail it, but a screen that only learnt the tuning part
    would."""
    result = score([p for p in phrases() if p.held_out])
    assert result.precision >= 0.8 and result.recall >= 0.8


# --- what the word list missed -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule", "words"),
    [
        ("您这个一定能赔", "promise_payout", "一定能赔"),
        ("最快明天到账", "fastest_payout_time", "最快明天到账"),
        ("审核肯定能通过的", "promise_approval", "肯定能通过"),
        ("我们必定全额赔偿", "promise_full_amount", "必定全额"),
        ("理赔款马上到账", "immediate_payout", "马上到账"),
        ("二十四小时内一定到账", "promise_payout_time", "二十四小时内一定到账"),
        ("钱两天之内肯定打到您卡上", "promise_payout_time", "两天之内肯定打到"),
        ("医药费一定都给您报销", "promise_payout", "一定都给您报销"),
    ],
)
def test_variants_are_caught_by_their_class(text, rule, words):
    assert classes(text) == [(rule, words)]


@pytest.mark.parametrize(
    "text",
    [
        "一 定 能 赔",  # spaces
        "一，定，能，赔",  # punctuation between the characters
        "一定\u200b能\u3000赔",  # invisible and ideographic spaces
        "１００％能赔",  # full width
        "一定能賠",  # traditional
        "百分之一百能理赔",  # number words
        "一百%能理赔",
    ],
)
def test_disguises_do_not_hide_a_promise(text):
    assert classes(text), text


@pytest.mark.parametrize(
    "text",
    [
        "不能保证一定赔付，具体以审核结果为准。",
        "无法承诺到账时间。",
        "具体以审核结果为准。",
        "预计3个工作日内，以银行实际到账为准。",
        "预计两天左右到账，以银行为准。",
        "不一定能赔，要看是否属于保险责任。",
        "请问这个一定能赔吗？",
        "谨防诈骗：声称“包赔”“秒到账”的都不是我司工作人员。",
        "请您保证所提供的资料真实、完整。",
        "赔款已于今日到账，请查收。",
        "赔款按一定比例计算。",
        "我们一定尽快为您处理。",
        "您一定要通过官方渠道提交材料。",
        "本险种有绝对免赔额500元。",
        "重疾确诊后按基本保额的100%给付。",
    ],
)
def test_negations_disclaimers_and_other_senses_are_not_promises(text):
    assert classes(text) == []


def test_a_class_hit_names_its_words_and_points_into_the_original():
    text = "您好！这个案子一 定 能给您赔。"
    (v,) = check(text, DEFAULT_SCREEN)
    assert v.rule == "promise_payout" and v.blocking
    assert text[v.start : v.end] == "一 定 能给您赔"
    assert v.term == "一定能给您赔"
    assert "“一定”" in v.reason and "“赔”" in v.reason


def test_a_listed_term_still_names_its_own_hit():
    """Where a term of the list stops the text, the result is what it was before classes."""
    text = "放心，百分百赔付，最快到账"
    assert [(v.rule, text[v.start : v.end]) for v in check(text, DEFAULT_SCREEN)] == [
        ("pay_100_percent", "百分百赔付"),
        ("fastest_payout", "最快到账"),
    ]


def test_negation_also_takes_back_a_listed_term():
    assert check("我们无法保证，请以审核为准", DEFAULT_SCREEN) == []
    assert [v.rule for v in check("我们保证", DEFAULT_SCREEN)] == ["guarantee"]


def test_gaps_are_bounded_and_stay_in_one_clause():
    assert classes("一定能赔") and classes("一定会按您申报的金额赔付")
    assert classes("一定会按照您当初在我们这里申报的金额赔付") == []  # too far apart
    assert classes("我们一定尽快处理，赔款到账后会通知您") == []  # another clause


# --- normalisation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "value"),
    [
        *[("一", 1), ("两", 2), ("十", 10), ("十二", 12), ("二十四", 24), ("七十二", 72)],
        *[("一百", 100), ("一百零五", 105), ("三千", 3000), ("两万", 20000), ("一两", None)],
    ],
)
def test_chinese_numbers(word, value):
    assert chinese_number(word) == value


def test_screen_text_writes_numbers_as_digits_and_keeps_the_index():
    text, index = screen_text("两天内到账，二十四 小时，百分之八十，一定")
    assert text == "2天内到账,24小时,80%,一定"
    assert index[:2] == [0, 1]  # "2" stands for "两"
    assert [index[text.index("24")], index[text.index("24") + 1]] == [6, 8]


def test_line_breaks_end_a_clause():
    assert classes("我们一定\n报销进度会短信通知您") == []
    assert classes("我们一定报销") != []


# --- the classes as rules in the database -------------------------------------------------


@pytest.mark.django_db
def test_the_classes_are_seeded_as_rules_and_screen_the_gate(agent1, now):
    seeded = set(ComplianceRule.objects.filter(kind=RuleKind.CLASS).values_list("code", flat=True))
    assert seeded == set(rules.PROMISE_CLASSES)
    result = message_gate(text="放心，这个一定能赔", actor=agent1, now=now, context="t")
    assert not result.ok
    assert [v.rule for v in result.violations] == ["promise_payout"]
    assert result.violations[0].reason.startswith("绝对化承诺：在审核前对是否赔付作出确定性承诺")


@pytest.mark.django_db
def test_an_admin_switches_a_class_off_or_makes_it_a_warning(agent1, now):
    rule = ComplianceRule.objects.get(code="fastest_payout_time")
    rule.severity = rules.Severity.WARN
    rule.save()
    result = message_gate(text="最快两天到账", actor=agent1, now=now, context="t")
    assert result.ok and [v.rule for v in result.violations] == ["fastest_payout_time"]
    rule.active = False
    rule.save()
    assert compliance_check("最快两天到账") == []


@pytest.mark.django_db
def test_a_class_rule_must_name_a_known_class():
    rule = ComplianceRule(code="x", pattern="no_such_class", kind=RuleKind.CLASS)
    with pytest.raises(ValidationError) as error:
        rule.clean()
    assert "promise_payout" in str(error.value)
    ComplianceRule(code="y", pattern="promise_payout", kind=RuleKind.CLASS).clean()


@pytest.mark.django_db
def test_the_outbox_holds_a_class_promise_and_says_why(customer1, now):
    notification_queue(
        recipient=customer1, subject="理赔进度", body="您的赔款最快明天到账", now=now, kind="p"
    )
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.HELD}
    (violation,) = NotificationHold.objects.first().violations
    assert violation["rule"] == "fastest_payout_time"
    assert violation["term"] == "最快明天到账" and "“最快”" in violation["reason"]


# --- disguises never hide a class promise (property) ------------------------------------------

_PROMISES = [
    ("一定能赔", "promise_payout"),
    ("肯定给您报销", "promise_payout"),
    ("保证审核通过", "promise_approval"),
    ("绝对全额赔付", "promise_full_amount"),
    ("明天一定到账", "promise_payout_time"),
    ("最快两天到账", "fastest_payout_time"),
    ("马上到账", "immediate_payout"),
]
_NOISE = st.sampled_from([" ", "\u3000", "\u200b", "-", ".", "·", "_", "\t", "*", "~"])
_CONTEXT = "您好请的材料已收到审核，。"


def _fullwidth(char: str) -> str:
    code = ord(char)
    return chr(code + 0xFEE0) if 0x21 <= code <= 0x7E else char


@settings(max_examples=300, deadline=None)
@given(
    promise=st.sampled_from(_PROMISES),
    noise=st.lists(st.lists(_NOISE, max_size=2), min_size=8, max_size=8),
    widen=st.lists(st.booleans(), min_size=8, max_size=8),
    split_by_commas=st.booleans(),
    before=st.text(alphabet=_CONTEXT, max_size=8),
    after=st.text(alphabet=_CONTEXT, max_size=8),
)
def test_spacing_width_and_split_punctuation_never_hide_a_class(
    promise, noise, widen, split_by_commas, before, after
):
    words, rule = promise
    if split_by_commas:
        disguised = "，".join(words)
    else:
        disguised = "".join(
            (_fullwidth(c) if widen[i % 8] else c) + "".join(noise[i % 8])
            for i, c in enumerate(words)
        )
    # a paragraph of its own: split punctuation would otherwise join a last single character
    # to the next sentence ("…报，销。材料" reads "报销材料", materials)
    text = before + "\n" + disguised + "\n\n" + after
    found = check(text, [r for r in DEFAULT_SCREEN if r.code == rule])
    assert found, text
    assert len(before) < found[0].start < found[0].end <= len(before) + 1 + len(disguised)
