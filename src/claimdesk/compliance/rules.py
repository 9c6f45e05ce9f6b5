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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

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
    """The rule as a regex over normalised text; None for a regex that does not compile."""
    if rule.kind == Kind.REGEX:
        try:
            return re.compile(rule.pattern)
        except re.error:
            return None
    term, _index = normalise(rule.pattern)
    return re.compile(re.escape(term)) if term else None


def check(text: str, rules: Iterable[Rule]) -> list[Violation]:
    """Every forbidden term in ``text``, ordered by position in the original text."""
    normalised, index = normalise(text)
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
            term = match.group(0) if rule.kind == Kind.REGEX else rule.pattern
            start, end = index[s], index[e - 1] + 1
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
