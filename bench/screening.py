#!/usr/bin/env python
"""Forbidden-promise screening quality on the labelled corpus: precision, recall, counts and
every misclassified phrase.

    python bench/screening.py [--runs R] [--terms-only]

Reads ``tests/compliance/data/promise_corpus.jsonl`` (see ``tests/compliance/promise_corpus.py``:
realistic claims customer-service texts — SMS, chat replies, letters — labelled by hand before
any tuning) and runs the default screen over it: the word list (``forbidden_promises.json``)
and the promise classes (``promise_classes.json``), no database. A phrase counts as flagged
when the screen would stop it (a blocking hit; warnings do not stop a text).

Figures are printed for the whole corpus (the target, ≥ 0.95 precision and recall, applies
to it), for the tuning part the word lists were tuned on, and for the held-out third they were
never tuned on (every third line), which is the honest estimate for new texts. For comparison
it also prints the word list alone, as the screen was before the classes. The median time to
screen one phrase is measured over R passes. Exits 1 when the whole corpus misses the target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimdesk.settings")


def _line(name: str, result) -> str:
    return (
        f"{name:<22} {result.total:>5} {result.tp:>4} {result.fp:>4} {result.fn:>4} "
        f"{result.tn:>4}   {result.precision:>9.3f} {result.recall:>6.3f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed passes over the corpus")
    parser.add_argument("--terms-only", action="store_true", help="screen with the word list alone")
    args = parser.parse_args()

    import django

    django.setup()
    from django.utils import translation
    from tests.compliance.promise_corpus import CORPUS, TARGET, phrases, score

    from claimdesk.compliance import rules

    translation.activate("zh-hans")
    screen = rules.DEFAULT_RULES if args.terms_only else rules.DEFAULT_SCREEN
    items = phrases()
    tuning = [p for p in items if not p.held_out]
    held_out = [p for p in items if p.held_out]
    whole = score(items, screen)

    print(f"corpus: {CORPUS.relative_to(ROOT)}")
    print(
        f"{len(items)} phrases: {sum(p.violation for p in items)} violations, "
        f"{sum(not p.violation for p in items)} clean; held out: {len(held_out)}"
    )
    print(f"screen: {'word list only' if args.terms_only else 'word list + promise classes'}")
    print()
    print(f"{'part':<22} {'n':>5} {'tp':>4} {'fp':>4} {'fn':>4} {'tn':>4}   precision recall")
    print(_line("whole corpus", whole))
    print(_line("tuning part", score(tuning, screen)))
    print(_line("held-out third", score(held_out, screen)))
    if not args.terms_only:
        print(_line("word list alone", score(items, rules.DEFAULT_RULES)))

    rule_counts: Counter[str] = Counter()
    for phrase in items:
        for hit in rules.blocking(rules.check(phrase.text, screen)):
            rule_counts[hit.rule] += 1
    print()
    print("blocking hits by rule or class:")
    for rule, count in rule_counts.most_common():
        kind = "class" if rule in rules.PROMISE_CLASSES else "term"
        print(f"  {rule:<24} {kind:<6} {count:>4}")

    print()
    print(f"misclassified ({whole.fp + whole.fn}):")
    for phrase, hits in whole.false_positives:
        part = "held-out" if phrase.held_out else "tuning"
        found = ", ".join(f"{v.rule} “{phrase.text[v.start : v.end]}”" for v in hits)
        print(f"  FP [{part}] {phrase.text}  ← {found}  ({phrase.note})")
    for phrase in whole.false_negatives:
        part = "held-out" if phrase.held_out else "tuning"
        print(f"  FN [{part}] {phrase.text}  ({phrase.note})")

    timings = []
    for _ in range(max(args.runs, 1)):
        started = time.perf_counter()
        for phrase in items:
            rules.check(phrase.text, screen)
        timings.append((time.perf_counter() - started) / len(items))
    print()
    print(f"median time per phrase: {statistics.median(timings) * 1e6:.0f} µs ({args.runs} runs)")

    met = whole.precision >= TARGET and whole.recall >= TARGET
    print(
        f"target precision and recall ≥ {TARGET} on the whole corpus: {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
