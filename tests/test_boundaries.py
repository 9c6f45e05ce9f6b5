"""Boundaries the import contracts (``lint-imports``, pyproject.toml) cannot state: no app
takes another app's private names, and the timeline has one writer."""

from __future__ import annotations

import ast
from pathlib import Path

import claimdesk

SRC = Path(claimdesk.__file__).parent


def _modules() -> list[tuple[str, ast.Module]]:
    return [
        (str(path.relative_to(SRC)), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _app(relative: str) -> str:
    return relative.split("/", 1)[0].removesuffix(".py")


def test_no_app_imports_another_apps_private_names():
    crossings = []
    for relative, tree in _modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith(
                "claimdesk."
            ):
                continue
            other = node.module.split(".")[1]
            private = [a.name for a in node.names if a.name.startswith("_")]
            if other != _app(relative) and private:
                crossings.append(f"{relative}: {node.module} {private}")
    assert crossings == []


def test_only_the_kernel_writes_timeline_events():
    writers = []
    for relative, tree in _modules():
        if relative.startswith("cases/"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                called = ast.unparse(node.func)
                if called in (
                    "CaseEvent",
                    "CaseEvent.objects.create",
                    "CaseEvent.objects.bulk_create",
                ):
                    writers.append(f"{relative}:{node.lineno} {called}")
    assert writers == []
