"""Every kind of timeline line that the product writes has a registered name (no raw code on
a page), found by reading the code that writes them."""

import ast
from pathlib import Path

from django.utils import translation

import claimdesk
from claimdesk.cases.timeline import event_kinds, event_label
from claimdesk.claims.models import ItemState
from claimdesk.documents.models import OcrStatus

WRITERS = {"timeline_record", "timeline_event", "_event", "_item_event"}
SRC = Path(claimdesk.__file__).parent


def _kinds_written() -> set[str]:
    """Literal kinds and the f-string kinds spelled out for every value they can take."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or ast.unparse(node.func) not in WRITERS:
                continue
            for kw in node.keywords:
                if kw.arg == "kind":
                    for value in ast.walk(kw.value):
                        if isinstance(value, ast.Constant) and isinstance(value.value, str):
                            found.add(value.value)
    found |= {f"item_{s}" for s in ItemState.values}
    found |= {f"document_ocr_{s}" for s in OcrStatus.values if s != "pending"}
    found |= {"task_done", "task_cancelled", "reminder", "overdue", "escalation"}
    # f-string stems ("item_", "task_", "document_ocr_") are not kinds themselves
    return {k for k in found if not k.endswith("_")}


def test_every_kind_written_is_registered():
    assert _kinds_written() - event_kinds() == set()


def test_every_registered_kind_is_named_in_both_languages():
    with translation.override("en"):
        english = {k: event_label(k) for k in event_kinds()}
    with translation.override("zh-hans"):
        chinese = {k: event_label(k) for k in event_kinds()}
    assert {k for k, name in english.items() if name == k} == set()
    assert {k for k, name in chinese.items() if name == english[k]} == set()
