"""The labelled corpus of customer-service texts for the promise screen, and how it is scored.

``data/promise_corpus.jsonl`` holds one phrase a line: ``text``, ``violation`` (does the text
make an absolute promise, or use a banned certainty word, in the insurer's voice?) and a
``note``. Every third phrase (lines 3, 6, 9, …) is *held out*: the word lists were tuned on
the other two thirds only, so the held-out figures are the honest ones. The bench
(``bench/screening.py``) and the tests read it through here.

It was written in two batches, each before the screen saw it. Lines 1–371 came first; the
classes were tuned on their tuning part (held-out then: precision 1.000, recall 0.962). Lines
372–455 (more colloquial, traditional characters, letters) were added later and screened
untouched: held-out precision 0.983, recall 0.877, whole corpus 0.989 / 0.910. The words were
then tuned on their tuning part only (held-out after: 0.983 / 0.908). Lines 456–525 (call
transcripts, WeChat style, travel, home and motor claims) followed the same way: untouched,
whole corpus 0.995 / 0.914 and held-out 0.984 / 0.840; after tuning on their tuning part,
whole 0.996 / 0.953 and held-out 0.985 / 0.853. What the held-out third still misses is
mostly a definite amount with no certainty word ("全额给您报", "全包了"; the word list only
warns on 全额赔付, as "审核通过后全额赔付" is honest) and promises of another shape ("要是不
赔我自己掏钱", "从没失败过", "肯定让您满意").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from claimdesk.compliance import rules

CORPUS = Path(__file__).resolve().parent / "data" / "promise_corpus.jsonl"
TARGET = 0.95


@dataclass(frozen=True)
class Phrase:
    text: str
    violation: bool
    note: str
    held_out: bool


@dataclass
class Score:
    """Counts of one run of the screen over some phrases, and what it got wrong."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    false_positives: list[tuple[Phrase, list[rules.Violation]]] = field(default_factory=list)
    false_negatives: list[Phrase] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn


def phrases() -> list[Phrase]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [
        Phrase(r["text"], bool(r["violation"]), r.get("note", ""), held_out=i % 3 == 2)
        for i, r in enumerate(rows)
    ]


def flagged(text: str, screen=rules.DEFAULT_SCREEN) -> list[rules.Violation]:
    """What would stop the text: the blocking hits of the default terms and classes."""
    return rules.blocking(rules.check(text, screen))


def score(items: list[Phrase], screen=rules.DEFAULT_SCREEN) -> Score:
    result = Score()
    for phrase in items:
        hits = flagged(phrase.text, screen)
        if hits and phrase.violation:
            result.tp += 1
        elif hits:
            result.fp += 1
            result.false_positives.append((phrase, hits))
        elif phrase.violation:
            result.fn += 1
            result.false_negatives.append(phrase)
        else:
            result.tn += 1
    return result
