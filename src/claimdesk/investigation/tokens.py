"""jieba, set up once per process: its cache under VAR_DIR (not /tmp), and the claim words
it would otherwise split badly, so the text checks match whole terms on token boundaries."""

from __future__ import annotations

import threading
from collections.abc import Iterable

import jieba
from django.conf import settings

# Words of claim texts jieba's dictionary lacks or cuts apart (``张三于`` / ``日因``).
CLAIM_WORDS = (
    "既往史",
    "既往症",
    "既往",
    "病史",
    "复发",
    "多年",
    "确诊",
    "酒后驾驶",
    "醉酒",
    "饮酒",
    "美容",
    "整形",
    "先天性",
    "遗传性",
    "恶性肿瘤",
    "甲状腺癌",
    "急性心肌梗死",
    "脑卒中后遗症",
    "冠状动脉搭桥术",
    "终末期肾病",
    "重大器官移植术",
    "无证驾驶",
    "高风险运动",
)

_lock = threading.Lock()
_ready = False
_added: set[str] = set()


def _tokenizer() -> jieba.Tokenizer:
    global _ready
    if not _ready:
        with _lock:
            if not _ready:
                cache = settings.VAR_DIR / "jieba"
                cache.mkdir(parents=True, exist_ok=True)
                jieba.dt.tmp_dir = str(cache)
                jieba.setLogLevel(30)
                jieba.dt.initialize()
                for word in CLAIM_WORDS:
                    jieba.dt.add_word(word, freq=100000)
                    _added.add(word)
                _ready = True
    return jieba.dt


def add_words(words: Iterable[str]) -> None:
    """Teach jieba the admin's terms (each once per process)."""
    tok = _tokenizer()
    new = [w for w in words if w and w not in _added]
    if new:
        with _lock:
            for word in new:
                tok.add_word(word, freq=100000)
                _added.add(word)


def spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of every token of ``text``."""
    return [(start, end) for _word, start, end in _tokenizer().tokenize(text)]
