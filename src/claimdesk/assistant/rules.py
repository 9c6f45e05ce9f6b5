"""FAQ assistant rules: text to tokens, BM25 ranking, fusion with embeddings, confidence and
the hand-over decision. Pure Python (no ORM, no I/O): the jieba segmenter is passed in as
``cut`` so these functions can be tested and benchmarked without a database.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

Cut = Callable[[str], Iterable[str]]

# Calibrated with bench/assistant.py on the tuning question set: halfway between the highest
# confidence of an unrelated question and the lowest of a right answer (blend of BM25 and
# embeddings). Admins tune it in AssistantSettings.
DEFAULT_THRESHOLD = 0.22
# The embeddings' share of the blended score (0 = BM25 only, 1 = embeddings only).
DEFAULT_BLEND = 0.5


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that carry no meaning for matching a question to an FAQ entry. Kept short on
# purpose: "多久", "怎么", "哪些" tell what kind of answer is wanted and do help ranking.
STOP_WORDS_ZH = _words(
    "的 了 吗 呢 吧 啊 呀 哦 嘛 么 是 我 我们 你 你们 您 他 她 它 这 那 这个 那个 一下 请问 "
    "请 想 想问 问 问下 问一下 一个 有 在 和 与 及 或 就 都 也 还 又 会 能 可 可以 要 需 "
    "得 地 着 过 给 让 被 把 对 从 到 嗯 哈 呃 咨询 您好 你好 谢谢 麻烦"
)
STOP_WORDS_EN = _words(
    "a an the i me my we our you your he she it its they them is are was were be been am do "
    "does did doing to of in on at for with by from as and or but if so that this these those "
    "there here can could would should will shall may might must please hi hello thanks thank "
    "what which who whom whose about into any some just also"
)
_PUNCT_CATEGORIES = ("P", "S", "Z", "C")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

# What a customer says when they want a person, not the bot (checked on normalised text).
HANDOVER_PHRASES_ZH = (
    "转人工",
    "人工客服",
    "人工服务",
    "找人工",
    "要人工",
    "接人工",
    "找客服",
    "真人",
    "客服人员",
    "人工坐席",
)
HANDOVER_PHRASES_EN = (
    "human",
    "agent",
    "real person",
    "a person",
    "operator",
    "representative",
    "talk to someone",
    "speak to someone",
)
_EN_HANDOVER = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in HANDOVER_PHRASES_EN) + r")s?\b")

# Single characters of Chinese words are tokens of their own (marked, so that they never
# collide with a one-character word) and count this much of a word in a question.
CHAR_MARK = "·"
CHAR_WEIGHT = 0.5

# Field weights for the weighted term frequencies of an entry (a simple BM25F): a word in the
# question or the keywords says more about what the entry answers than a word in the answer.
FIELD_WEIGHTS = {"question": 3.0, "alternates": 2.0, "keywords": 3.0, "answer": 1.0}


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), lower case, runs of space collapsed."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(text.split())


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def question_language(text: str) -> str:
    """``zh-hans`` when the text holds Chinese characters, else ``en``."""
    return "zh-hans" if has_cjk(text) else "en"


def _is_punctuation(token: str) -> bool:
    return all(unicodedata.category(ch)[0] in _PUNCT_CATEGORIES for ch in token)


def tokenize(text: str, cut: Cut) -> list[str]:
    """Tokens of ``text`` for matching: jieba words for Chinese (``cut``), plain words for
    English, and the Chinese characters of each word as extra tokens.

    The single characters make a typo or a colloquial word ("理陪", "钱啥时候到") still
    share most of its tokens with the entry; whole words keep their extra weight because a
    word is a token of its own. Stop words and punctuation are dropped.
    """
    text = normalise(text)
    tokens: list[str] = []
    for raw in cut(text):
        word = raw.strip()
        if not word or _is_punctuation(word):
            continue
        if has_cjk(word):
            if word in STOP_WORDS_ZH:
                continue
            tokens.append(word)
            if len(word) > 1:
                tokens.extend(
                    CHAR_MARK + ch for ch in word if _CJK.match(ch) and ch not in STOP_WORDS_ZH
                )
        else:
            for w in _WORD.findall(word):
                if w not in STOP_WORDS_EN:
                    tokens.append(_stem(w))
    return tokens


def _stem(word: str) -> str:
    """A light English stem (claims → claim, paid → pay is not attempted): plural -s only."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def wants_person(text: str) -> bool:
    """True when the customer asks for a person rather than an answer."""
    norm = normalise(text)
    compact = norm.replace(" ", "")
    if any(p in compact for p in HANDOVER_PHRASES_ZH):
        return True
    return bool(_EN_HANDOVER.search(norm))


# --- BM25 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One FAQ entry as the ranker sees it: the term frequencies of each field."""

    key: int
    fields: dict[str, Counter[str]]

    def length(self, name: str) -> int:
        return sum(self.fields.get(name, Counter()).values())


def document(key: int, fields: dict[str, Sequence[str]]) -> Document:
    """A document from tokenised fields (``FIELD_WEIGHTS`` names them)."""
    return Document(key, {name: Counter(tokens) for name, tokens in fields.items()})


class Bm25:
    """BM25F: Okapi BM25 where each field's term frequency is length-normalised within that
    field and weighted (``FIELD_WEIGHTS``) before saturation. A long answer then does not
    dilute a match on the question, as it would if all fields were one bag of words.

    IDF is Robertson's, floored at a small positive value so a word found in most entries
    still counts a little.
    """

    def __init__(
        self,
        docs: Sequence[Document],
        k1: float = 1.2,
        b: float = 0.75,
        weights: dict[str, float] | None = None,
    ):
        self.docs = list(docs)
        self.k1, self.b = k1, b
        self.weights = weights or FIELD_WEIGHTS
        n = len(self.docs)
        names = {name for d in self.docs for name in d.fields}
        self.avg_length = {
            name: (sum(d.length(name) for d in self.docs) / n) or 1.0 for name in names
        }
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update({t for counts in d.fields.values() for t in counts})
        self.idf = {t: self._idf(n, c) for t, c in df.items()}
        self._unseen_idf = self._idf(n, 0)

    @staticmethod
    def _idf(n: int, df: int) -> float:
        return max(math.log((n - df + 0.5) / (df + 0.5) + 1.0), 0.01)

    def _tf(self, d: Document, term: str) -> float:
        total = 0.0
        for name, counts in d.fields.items():
            tf = counts.get(term)
            if tf:
                norm = 1 - self.b + self.b * d.length(name) / self.avg_length[name]
                total += self.weights.get(name, 1.0) * tf / norm
        return total

    def scores(self, query: Sequence[str]) -> list[float]:
        """One score per document, in the order given."""
        terms = _query_terms(query)
        out = []
        for d in self.docs:
            s = 0.0
            for t, qtf in terms.items():
                if t not in self.idf:
                    continue
                tf = self._tf(d, t)
                if tf:
                    s += qtf * self.idf[t] * tf * (self.k1 + 1) / (tf + self.k1)
            out.append(s)
        return out

    def ideal(self, query: Sequence[str]) -> float:
        """The score of a perfect match (each query word saturated): the yardstick that
        turns a raw score (which grows with the question's length) into 0..1. Words no entry
        knows count too: a question mostly about something else is unsure."""
        return sum(
            qtf * self.idf.get(t, self._unseen_idf) * (self.k1 + 1)
            for t, qtf in _query_terms(query).items()
        )


def _query_terms(query: Sequence[str]) -> dict[str, float]:
    """Each query term with its weight: a word counts 1, a character of a word less."""
    terms: dict[str, float] = {}
    for t in query:
        terms[t] = terms.get(t, 0.0) + (CHAR_WEIGHT if t.startswith(CHAR_MARK) else 1.0)
    return terms


# --- ranking, fusion and confidence ---------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    key: int
    score: float  # the fused score used for ranking (BM25 share 0..1, or blend)
    bm25: float
    cosine: float | None = None


def rank(
    keys: Sequence[int],
    bm25_scores: Sequence[float],
    bm25_ideal: float,
    cosines: Sequence[float] | None = None,
    *,
    blend: float = 0.5,
    cosine_floor: float = 0.80,
) -> list[Ranked]:
    """Entries best first.

    Without embeddings the score is the BM25 share of a perfect match (0..1). With them it
    is a blend of that share and the cosine rescaled from its bunched range (multilingual-e5
    puts unrelated text near 0.8): ``(cos - floor) / (1 - floor)``.
    """
    out = []
    for i, key in enumerate(keys):
        share = bm25_scores[i] / bm25_ideal if bm25_ideal > 0 else 0.0
        if cosines is None:
            out.append(Ranked(key, share, bm25_scores[i]))
            continue
        cos = float(cosines[i])
        dense = max(0.0, (cos - cosine_floor) / (1.0 - cosine_floor))
        out.append(Ranked(key, (1 - blend) * share + blend * dense, bm25_scores[i], cos))
    out.sort(key=lambda r: (-r.score, r.key))
    return out


def confidence(ranked: Sequence[Ranked]) -> float:
    """0..1: how sure the best entry is the answer.

    The best score (already 0..1) discounted when the runner-up is nearly as good: with a
    gap of zero the two entries are a coin toss, so confidence falls to 70 % of the score.
    """
    if not ranked or ranked[0].score <= 0:
        return 0.0
    top = ranked[0].score
    second = ranked[1].score if len(ranked) > 1 else 0.0
    gap = (top - second) / top
    return round(min(1.0, top * (0.7 + 0.3 * gap)), 4)


def should_hand_over(conf: float, threshold: float) -> bool:
    return conf < threshold
