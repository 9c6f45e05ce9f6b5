"""Forbidden-phrase checks on outgoing text. Pure Python: no ORM, no I/O.

A promise such as "100%赔付" must be caught however it is typed: full-width ("１００％赔付"),
spaced ("保 证"), with separators ("保-证", "保.证"), with invisible characters, in words
("百分之百赔付") or in traditional characters ("保證"). So the text is *normalised* first and
the terms are matched in the normalised text; an index map leads every match back to its
``start``/``end`` in the ORIGINAL text, which is what the agent sees and corrects.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from django.utils.translation import gettext_lazy as _

from claimdesk.seeddata import seed_data

# Characters dropped wherever they are: a space or an invisible character never changes the
# meaning of Chinese text, and separators are the usual trick to split a term ("保-证").
# Sentence punctuation (，。) is kept: removing it would join words across sentences.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad")
_SEPARATORS = frozenset("-_.·•・‧∙*/\\|~`'\"^+=#@—–―‐‑‒⁃")

# Traditional → simplified for the characters the forbidden terms are written with.
_TRADITIONAL = str.maketrans(
    {
        "證": "证",
        "賠": "赔",
        "償": "偿",
        "絕": "绝",
        "對": "对",
        "賬": "账",
        "帳": "账",
        "穩": "稳",
        "額": "额",
        "險": "险",
        "風": "风",
        "無": "无",
        "條": "条",
        "確": "确",
        "準": "准",
        "過": "过",
        "當": "当",
        "專": "专",
        "錢": "钱",
        "虧": "亏",
        "損": "损",
        "實": "实",
        "諾": "诺",
        "關": "关",
        "係": "系",
        "擔": "担",
        "憂": "忧",
        "筆": "笔",
        "萬": "万",
        "內": "内",
        "時": "时",
        "馬": "马",
        "極": "极",
        "劃": "划",
        "隨": "随",
        "報": "报",
        "銷": "销",
        "會": "会",
        "並": "并",
        "這": "这",
        "個": "个",
        "請": "请",
        "還": "还",
        "給": "给",
        "說": "说",
        "審": "审",
        "結": "结",
        "醫": "医",
        "療": "疗",
        "費": "费",
        "憑": "凭",
        "應": "应",
        "預": "预",
        "計": "计",
        "鐘": "钟",
        "兩": "两",
    }
)

# Ways to write "100 percent", matched after the character pass (so "百 分 之 百" works too);
# each becomes "100%". Points are separators, so "100.0%" arrives as "1000%": trailing zeros
# are accepted (on the safe side: "10.0%" reads as a hundred percent as well).
_HUNDRED_PERCENT = re.compile(r"百分之一百|百分之百|百分百|(?:1000*|一百)(?:%|percent|pct)")


def _is_dropped(char: str) -> bool:
    if char in _INVISIBLE or char in _SEPARATORS:
        return True
    if char.isspace():
        return True
    # other format characters (Cf) are invisible as well
    return unicodedata.category(char) == "Cf"


def normalise(text: str) -> tuple[str, list[int]]:
    """The text to match in, and for each of its characters the index it came from.

    NFKC folds full-width and compatibility forms ("１００％" → "100%"), then lower case,
    traditional → simplified for the characters that matter, spaces, invisible characters
    and separators dropped, and number words mapped ("百分之百" → "100%").
    """
    folds = list(map(_fold, text))
    joined = "".join(folds)
    if len(joined) == len(text) and "" not in folds:
        # The common case: every character folds to exactly one (nothing dropped or split).
        return _replace_phrases(joined, list(range(len(text))))
    index: list[int] = []
    for i, folded in enumerate(folds):
        index.extend([i] * len(folded))
    return _replace_phrases(joined, index)


@lru_cache(maxsize=8192)
def _fold(char: str) -> str:
    """One original character as it is matched: folded, or "" when it is dropped."""
    folded = unicodedata.normalize("NFKC", char).lower().translate(_TRADITIONAL)
    return "".join(c for c in folded if not _is_dropped(c))


def _replace_phrases(text: str, index: list[int]) -> tuple[str, list[int]]:
    if not _HUNDRED_PERCENT.search(text):
        return text, index
    out: list[str] = []
    out_index: list[int] = []
    pos = 0
    for match in _HUNDRED_PERCENT.finditer(text):
        found, end = match.span()
        out.append(text[pos:found])
        out_index.extend(index[pos:found])
        # "100%" spans the same original characters: first to first, last to last.
        out.append("100%")
        out_index += [index[found], index[found], index[found], index[end - 1]]
        pos = end
    out.append(text[pos:])
    out_index.extend(index[pos:])
    return "".join(out), out_index


class Kind:
    LITERAL = "literal"
    REGEX = "regex"
    # a class of absolute promises (data/promise_classes.json); the rule's pattern is the
    # class code
    CLASS = "class"


class Severity:
    BLOCK = "block"
    WARN = "warn"


class Category:
    """Why a phrase is not allowed; the labels are the reasons shown to the agent."""

    ABSOLUTE = "absolute_promise"
    MISLEADING = "misleading"
    GUARANTEED_RETURN = "guaranteed_return"
    OTHER = "other"


CATEGORY_LABELS = {
    Category.ABSOLUTE: _(
        "Absolute promise: no claim outcome may be promised before the claim is decided"
    ),
    Category.MISLEADING: _("Misleading statement: when and how much is paid depends on the review"),
    Category.GUARANTEED_RETURN: _("Risk-free or guaranteed-return wording is not allowed"),
    Category.OTHER: _("Not allowed by the compliance rules"),
}


@dataclass(frozen=True)
class Rule:
    """One forbidden term or pattern. ``pattern`` is matched in the normalised text."""

    code: str
    pattern: str
    kind: str = Kind.LITERAL
    category: str = Category.ABSOLUTE
    reason: str = ""
    severity: str = Severity.BLOCK
    exceptions: tuple[str, ...] = field(default=())

    def reason_text(self) -> str:
        return self.reason or str(CATEGORY_LABELS.get(self.category, CATEGORY_LABELS["other"]))


@dataclass(frozen=True)
class Violation:
    """A hit: ``term`` is the forbidden term (for a regex rule the normalised match), ``rule``
    the rule's code, ``start``/``end`` the slice of the ORIGINAL text (end exclusive)."""

    term: str
    rule: str
    start: int
    end: int
    reason: str
    severity: str = Severity.BLOCK

    @property
    def blocking(self) -> bool:
        return self.severity == Severity.BLOCK

    def as_dict(self) -> dict[str, str | int]:
        return {
            "term": self.term,
            "rule": self.rule,
            "start": self.start,
            "end": self.end,
            "reason": self.reason,
        }


# The default forbidden promises (data/forbidden_promises.json: code, pattern and, where not
# the defaults, kind, category, severity, exceptions) — seeded into ComplianceRule; admins
# edit there.
DEFAULT_RULES: tuple[Rule, ...] = tuple(
    Rule(**{**r, "exceptions": tuple(r.get("exceptions", ()))})
    for r in seed_data("claimdesk.compliance", "forbidden_promises.json")
)


@lru_cache(maxsize=1024)
def compile_rule(rule: Rule) -> re.Pattern[str] | None:
    """The rule as a regex over normalised text; None for a regex that does not compile
    (and for a class rule: classes are matched in the screening text, see ``PROMISE_CLASSES``)."""
    if rule.kind == Kind.CLASS:
        return None
    if rule.kind == Kind.REGEX:
        try:
            return re.compile(rule.pattern)
        except re.error:
            return None
    term, _index = normalise(rule.pattern)
    return re.compile(re.escape(term)) if term else None


def check(text: str, rules: Iterable[Rule]) -> list[Violation]:
    """Every forbidden term and every absolute-promise class in ``text``, ordered by position
    in the original text.

    A hit that the words around it make harmless is no hit: negated ("不能保证"), asked
    ("一定能赔吗？"), quoted ("谨防“包赔”"), reported ("您说的一定能赔"), the customer's own
    duty ("请您保证所提供的资料真实") or a purpose ("为保证您的权益"). A time or speed class
    is also harmless when hedged ("预计…以银行到账为准") or in the past ("已于今日到账").
    A class hit overlapping a term's hit (as severe) is left to the term, which names it."""
    rules = tuple(rules)
    normalised, index = normalise(text)
    view = _ScreenView(text)
    found: dict[tuple[str, int, int], Violation] = {}
    for rule in rules:
        pattern = compile_rule(rule)
        if pattern is None:
            continue
        allowed = _exception_spans(normalised, rule.exceptions) if rule.exceptions else []
        for match in pattern.finditer(normalised):
            s, e = match.span()
            if e <= s or any(a <= s and e <= b for a, b in allowed):
                continue
            start, end = index[s], index[e - 1] + 1
            if view.harmless(start, end):
                continue
            term = match.group(0) if rule.kind == Kind.REGEX else rule.pattern
            found.setdefault(
                (rule.code, start, end),
                Violation(
                    term=term,
                    rule=rule.code,
                    start=start,
                    end=end,
                    reason=rule.reason_text(),
                    severity=rule.severity,
                ),
            )
    # where a listed term already stops the text, it names the hit (as before classes)
    by_blocking_term = bytearray(len(text) + 1)
    by_any_term = bytearray(len(text) + 1)
    for t in list(found.values()):
        by_any_term[t.start : t.end] = b"\x01" * (t.end - t.start)
        if t.blocking:
            by_blocking_term[t.start : t.end] = b"\x01" * (t.end - t.start)
    for hit in _class_hits(view, [r for r in rules if r.kind == Kind.CLASS]):
        covered = by_blocking_term if hit.blocking else by_any_term
        if not any(covered[hit.start : hit.end]):
            found.setdefault((hit.rule, hit.start, hit.end), hit)
    return sorted(found.values(), key=lambda v: (v.start, v.end, v.rule))


def _exception_spans(normalised: str, exceptions: Sequence[str]) -> list[tuple[int, int]]:
    spans = []
    for term in _normalised_terms(tuple(exceptions)):
        start = normalised.find(term)
        while start >= 0:
            spans.append((start, start + len(term)))
            start = normalised.find(term, start + 1)
    return spans


@lru_cache(maxsize=1024)
def _normalised_terms(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t for t in (normalise(w)[0] for w in words) if t)


def blocking(violations: Iterable[Violation]) -> list[Violation]:
    return [v for v in violations if v.blocking]


def regex_error(pattern: str) -> str | None:
    """The compile error of an admin's regex, or None when it is fine."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return str(exc)
    return None


# --- absolute promises as classes ------------------------------------------------------------
#
# A list of terms misses "一定能赔" when it lists "一定赔", and "最快明天到账" when it lists
# "最快到账". A class describes the promise instead: a certainty word (一定, 肯定, 保证, 100%…)
# a few words before a promised object (赔, 通过, 到账, 全额…), or a time (明天, 2小时内…)
# before the money arrives. The words live in data/promise_classes.json; they are matched in
# the *screening text*, which goes further than ``normalise``: line breaks end a clause,
# punctuation put between single characters ("一，定，赔") is dropped, brackets and quotes are
# dropped, and Chinese numerals before a unit are digits ("两天" → "2天", "二十四小时" →
# "24小时", "百分之八十" → "80%").

# Clause boundaries in the screening text (after NFKC: ，→ ","  ！→ "!"  ？→ "?"  ；→ ";").
# A line break stays in the screening text as "\n": it ends a sentence and is never taken
# for punctuation put between characters.
_BOUNDARY = frozenset(",。!?;:\n")
_SENTENCE_END = frozenset("。!?;\n")
_BRACKETS = frozenset("“”‘’「」『』《》〈〉()[]【】〔〕<>")
# How far the cues around a hit are looked for: the clause before it (negation, question
# words, "已", a duty), and the sentence around it (hedges such as "以银行到账为准").
_LOOK_BACK = 30
_SENTENCE_REACH = 120
_QUOTE_PAIRS = {"“": "”", "「": "」", "『": "』", "‘": "’"}
# A single character between punctuation that stays a word of its own ("好，…", "不，…").
_STANDALONE = frozenset("不没别无是好对嗯哦啊喂谢")

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
# Runs start only where a run starts and never give characters back (possessive), so a long
# run of numerals costs linear time.
_NUMERAL = re.compile(
    r"百分之([零〇一二两三四五六七八九十百]++)"
    r"|(?<![零〇一二两三四五六七八九十百千万])([零〇一二两三四五六七八九十百千万]++)"
    r"(?=个?(?:小时|钟头|分钟|天|日|工作日|周|星期|月|年|元|块|%))"
)


def chinese_number(word: str) -> int | None:
    """The value of a Chinese numeral ("二十四" → 24, "一百" → 100, "两" → 2); None when it is
    not one number ("一两" is "one or two")."""
    if not word:
        return None
    total, section, digit, last_unit = 0, 0, None, 10**9
    if set(word) <= {"零", "〇"}:
        return 0 if len(word) == 1 else None
    for char in word:
        if char in "零〇":  # a place holder: 一百零五
            if digit is not None:
                return None
            continue
        if char in _DIGITS:
            if digit is not None:
                return None
            digit = _DIGITS[char]
        elif char in _UNITS:
            unit = _UNITS[char]
            if unit >= last_unit:
                return None
            section += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        elif char == "万":
            total = (section + (digit or 0)) * 10000
            section, digit, last_unit = 0, None, 10**9
        else:
            return None
    return total + section + (digit or 0)


def _edit(text: str, index: list[int], edits: list[tuple[int, int, str]]) -> tuple[str, list[int]]:
    """Replace ``text[s:e]`` by ``new`` for each edit (in order, not overlapping), keeping the
    index map: a replacement spans the original characters of what it replaced."""
    out: list[str] = []
    out_index: list[int] = []
    pos = 0
    for s, e, new in edits:
        out.append(text[pos:s])
        out_index.extend(index[pos:s])
        out.append(new)
        if new:
            out_index += [index[s]] * (len(new) - 1) + [index[e - 1]]
        pos = e
    out.append(text[pos:])
    out_index.extend(index[pos:])
    return "".join(out), out_index


def _drop_split_punctuation(text: str, index: list[int]) -> tuple[str, list[int]]:
    """Drop the punctuation put between single characters to split a phrase ("一，定，赔"):
    a mark goes when the piece before or after it is one character long."""
    pieces: list[tuple[int, int]] = []  # (start, end) of the text between marks
    start = 0
    for i, char in enumerate(text):
        if char in _BOUNDARY or char == "、":
            pieces.append((start, i))
            start = i + 1
    pieces.append((start, len(text)))
    edits = []
    for (s1, e1), (s2, e2) in pairwise(pieces):
        before, after = text[s1:e1], text[s2:e2]
        if not before or not after or text[e1] == "\n":
            continue
        single = [p for p in (before, after) if len(p) == 1]
        if any(p not in _STANDALONE for p in single):
            edits.append((e1, s2, ""))
    return _edit(text, index, edits) if edits else (text, index)


def _digits(text: str, index: list[int]) -> tuple[str, list[int]]:
    edits = []
    for match in _NUMERAL.finditer(text):
        percent, plain = match.group(1), match.group(2)
        value = chinese_number(percent or plain)
        if value is not None:
            edits.append((match.start(), match.end(), f"{value}%" if percent else str(value)))
    return _edit(text, index, edits) if edits else (text, index)


def screen_text(text: str) -> tuple[str, list[int]]:
    """The text the promise classes are matched in, and for each of its characters the index
    it came from (see the section comment)."""
    chars: list[str] = []
    index: list[int] = []
    for i, char in enumerate(text):
        folded = "\n" if char in "\n\r" else _fold(char)
        for c in folded:
            if c not in _BRACKETS:
                chars.append(c)
                index.append(i)
    screened, index = _replace_phrases("".join(chars), index)
    screened, index = _drop_split_punctuation(screened, index)
    return _digits(screened, index)


@dataclass(frozen=True)
class PromiseClass:
    """One class of absolute promises: its sequences compiled, the word groups it is made of
    (to name the words of a hit), and whether hedging ("预计", "以银行到账为准") or the past
    ("已于今日到账") makes a hit harmless."""

    code: str
    category: str
    patterns: tuple[re.Pattern[str], ...]
    parts: tuple[re.Pattern[str], ...]
    hedged: bool = False
    past: bool = False


def _fill(sequence: str, names: dict[str, str]) -> str:
    """``{name}`` replaced by its words (other braces, e.g. ``{0,4}``, stay as they are)."""
    return re.sub(
        r"\{([a-z_]+)\}",
        lambda m: f"(?:{names[m.group(1)]})" if m.group(1) in names else m.group(0),
        sequence,
    )


def _alternatives(words: str | list[str]) -> str:
    """A word group of the data file as one regex (a list holds one alternative each)."""
    return words if isinstance(words, str) else "|".join(words)


def _load_classes() -> tuple[dict[str, PromiseClass], dict[str, re.Pattern[str]]]:
    data = seed_data("claimdesk.compliance", "promise_classes.json")
    words = {name: _alternatives(value) for name, value in data["words"].items()}
    stop = "".join(sorted(_BOUNDARY)) + "不没无未非"
    gaps = {
        "gap": f"[^{re.escape(stop)}]{{0,{int(data['max_gap'])}}}?",
        "short_gap": f"[^{re.escape(stop)}]{{0,{int(data['short_gap'])}}}?",
    }
    classes = {}
    for item in data["classes"]:
        sources = [_fill(s, words | gaps) for s in item["sequences"]]
        used = [name for name in words if any(f"{{{name}}}" in s for s in item["sequences"])]
        classes[item["code"]] = PromiseClass(
            code=item["code"],
            category=item.get("category", Category.ABSOLUTE),
            patterns=tuple(re.compile(s) for s in sources),
            parts=tuple(re.compile(words[name]) for name in used),
            hedged=bool(item.get("hedged")),
            past=bool(item.get("past")),
        )
    context = {name: re.compile(_alternatives(value)) for name, value in data["context"].items()}
    # a negation a few words before the hit, in its clause ("无法向您保证", "不能百分之百…")
    context["negated"] = re.compile(
        f"(?:{context['negation'].pattern})[^{re.escape(stop)}]{{0,5}}$"
    )
    return classes, context


PROMISE_CLASSES, _CONTEXT = _load_classes()
_CLASS_ORDER = {code: i for i, code in enumerate(PROMISE_CLASSES)}

CLASS_LABELS = {
    "promise_payout": _("Absolute promise: that the claim will be paid"),
    "promise_approval": _("Absolute promise: that the claim will be approved"),
    "promise_full_amount": _("Absolute promise: that the full amount will be paid"),
    "promise_payout_time": _("Absolute promise: when the money will arrive"),
    "fastest_payout_time": _("Misleading statement: a fastest or instant payout time"),
    "immediate_payout": _("Misleading statement: a payout time stated as certain"),
}

# The classes as rules of kind "class", seeded next to the terms so that admins can switch a
# class off or make it a warning.
DEFAULT_CLASS_RULES: tuple[Rule, ...] = tuple(
    Rule(code=c.code, pattern=c.code, kind=Kind.CLASS, category=c.category)
    for c in PROMISE_CLASSES.values()
)
# Everything the screen knows by default: the terms and the classes.
DEFAULT_SCREEN: tuple[Rule, ...] = DEFAULT_RULES + DEFAULT_CLASS_RULES


class _ScreenView:
    """The screening text of one message and what its words around a hit say."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.text, self.index = screen_text(text)
        self.quotes = _quoted_spans(text)
        # where clauses and sentences end, to find a hit's clause and sentence by bisection
        self.clause_marks = [i for i, c in enumerate(self.text) if c in _BOUNDARY]
        self.sentence_marks = [i for i, c in enumerate(self.text) if c in _SENTENCE_END]

    def position(self, original: int) -> int:
        """The first screening-text position at or after an original index."""
        return bisect_left(self.index, original)

    def harmless(self, start: int, end: int, klass: PromiseClass | None = None) -> bool:
        """Do the words around the original span ``start:end`` take the promise back?"""
        if any(a < end - 1 < b for a, b in self.quotes):
            return True  # what is promised is quoted ("谨防“包赔”", "承诺“一定能赔”的说法")
        s, e = self.position(start), self.position(end)
        text = self.text
        # the words of the clause before the hit (the cues all stand close to it)
        marks = self.clause_marks
        clause = marks[bisect_left(marks, s) - 1] + 1 if bisect_left(marks, s) else 0
        prefix, hit = text[max(clause, s - _LOOK_BACK) : s], text[s:e]
        marks = self.sentence_marks
        after = bisect_left(marks, e)
        sentence_end = marks[after] if after < len(marks) else len(text)
        before = bisect_left(marks, s)
        sentence_start = marks[before - 1] + 1 if before else 0
        sentence_start = max(sentence_start, s - _SENTENCE_REACH)
        sentence_end = min(sentence_end, e + _SENTENCE_REACH)
        c = _CONTEXT
        if prefix.endswith(("不", "没", "未")):
            return True
        if c["negated"].search(prefix):
            return True
        if c["interrogative"].search(prefix + hit) or c["reported"].search(prefix):
            return True
        ending = text[sentence_start:sentence_end]
        if (sentence_end < len(text) and text[sentence_end] == "?") or ending.endswith(
            ("吗", "么", "嘛")
        ):
            return True
        if c["duty_before"].search(prefix) and c["duty_after"].search(text[e:]):
            return True
        if c["purpose"].search(prefix):  # "为保证您的权益…": a purpose, not a promise
            return True
        if klass is not None:
            if klass.hedged and c["hedge"].search(text[sentence_start:sentence_end]):
                return True
            if klass.past and c["past"].search(prefix):
                return True
        return False


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """(open, close) positions of quotation marks in the original text."""
    spans = []
    opened: dict[str, int] = {}
    for i, char in enumerate(text):
        if char in _QUOTE_PAIRS:
            opened.setdefault(_QUOTE_PAIRS[char], i)
        elif char in opened:
            spans.append((opened.pop(char), i))
        elif char in '"＂':
            if char in opened:
                spans.append((opened.pop(char), i))
            else:
                opened[char] = i
    return spans


def _class_hits(view: _ScreenView, rules: Sequence[Rule]) -> list[Violation]:
    """The hits of the given class rules; where hits of several classes overlap, the class
    listed first in the data file (the most specific) names the promise, then the longest."""
    hits: list[tuple[int, int, int, Rule, PromiseClass, str]] = []
    for rule in rules:
        klass = PROMISE_CLASSES.get(rule.pattern)
        if klass is None:
            continue
        order = _CLASS_ORDER[klass.code]
        for pattern in klass.patterns:
            for match in pattern.finditer(view.text):
                s, e = match.span()
                if e <= s:
                    continue
                start, end = view.index[s], view.index[e - 1] + 1
                if not view.harmless(start, end, klass):
                    hits.append((start, end, order, rule, klass, match.group(0)))
    hits.sort(key=lambda h: (h[2], -(h[1] - h[0]), h[0]))
    kept: list[Violation] = []
    taken = bytearray(len(view.original) + 1)
    for start, end, _order, rule, klass, term in hits:
        if any(taken[start:end]):
            continue
        taken[start:end] = b"\x01" * (end - start)
        kept.append(
            Violation(
                term=term,
                rule=rule.code,
                start=start,
                end=end,
                reason=rule.reason or class_reason(klass, term),
                severity=rule.severity,
            )
        )
    return kept


def class_reason(klass: PromiseClass, term: str) -> str:
    """Why a class hit is not allowed, naming the words that make the promise."""
    words = []
    for part in klass.parts:
        match = part.search(term)
        if match and match.group(0) and match.group(0) not in words:
            words.append(match.group(0))
    label = str(CLASS_LABELS.get(klass.code, CATEGORY_LABELS.get(klass.category, "")))
    if not words:
        return label
    return f"{label}（{'＋'.join(f'“{w}”' for w in words)}）"
