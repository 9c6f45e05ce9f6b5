"""Seed reference data kept as data files (``<app>/data/*.json``), not Python literals: the
knowledge base, reply templates, proactive-service rules and the like that data migrations
load and admins edit afterwards. A migration that already ran reads the same rows from the
file it once read from code, so the file's content must only grow by new migrations."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def seed_data(package: str, name: str) -> Any:
    """The parsed JSON file ``data/<name>`` shipped inside ``package`` (e.g.
    ``seed_data("claimdesk.assistant", "faq.json")``)."""
    text = resources.files(package).joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)
