"""Loading the slow parts of a process before its first request needs them.

The assistant's segmenter, embedding model and knowledge-base vectors (seconds on a busy
machine) and the OCR engine (about one) are loaded lazily, once per process. A web or Celery
worker calls ``warm_up`` when it starts, so that no customer's first question pays for the
load; management commands (migrate, sweep) never do, so they stay quick.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)


def _assistant() -> None:
    from claimdesk.assistant.services import faq_index

    faq_index()  # jieba, the model, one vector per knowledge-base passage


def _ocr() -> None:
    from claimdesk.documents.ocr import engine

    engine()


STEPS = {"assistant": _assistant, "ocr": _ocr}
WEB = ("assistant",)  # a web worker answers the assistant; OCR runs in Celery tasks
TASKS = ("ocr",)  # a Celery worker reads uploads


def warm_up(parts=tuple(STEPS)) -> dict[str, float]:
    """Load the named slow components (all by default); seconds each took. A part that fails
    is logged and left to load on first use: warming never stops a worker from serving.
    The database connection it may open stays with the caller's thread, to close or reuse."""
    took = {}
    for name in parts:
        start = time.monotonic()
        try:
            STEPS[name]()
        except Exception:
            log.exception("warming up %s failed; it will load on first use", name)
            continue
        took[name] = round(time.monotonic() - start, 2)
    log.info("warmed up: %s", ", ".join(f"{k} {v:.1f} s" for k, v in took.items()))
    return took
