"""The access matrix of ``docs/access-matrix.md``, read from the document itself (the test's
data), and what a refused action must leave as it was."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claimdesk.staff.roles import Role
from claimdesk.staff.services import certification_grant, user_create
from tests.conftest import PASSWORD

DOC = Path(__file__).resolve().parents[2] / "docs" / "access-matrix.md"
ALLOWED, REFUSED = "✓", "—"


@dataclass(frozen=True)
class Row:
    action: str
    permissions: tuple[str, ...]  # "a or b" in the document: holding either allows it
    method: str
    path: str
    cells: dict[str, bool]


def matrix() -> tuple[list[str], list[Row]]:
    """The roles (column order) and the rows of the document's matrix table."""
    lines = [ln.strip() for ln in DOC.read_text(encoding="utf-8").splitlines()]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| action | permission |"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    roles = header[3:]
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == len(header), f"malformed matrix row: {line}"
        assert set(cells[3:]) <= {ALLOWED, REFUSED}, f"a cell is neither ✓ nor —: {line}"
        method, path = cells[2].split(" ", 1)
        rows.append(
            Row(
                action=cells[0],
                permissions=tuple(p.strip() for p in cells[1].split(" or ")),
                method=method,
                path=path,
                cells={r: c == ALLOWED for r, c in zip(roles, cells[3:], strict=True)},
            )
        )
    return roles, rows


def person(role: Role, username: str | None = None, **extra):
    """Someone holding just ``role``, with everything else an act could ask for: a high
    approval limit and the licences (so a refusal can only come from the role)."""
    staff = role is not Role.CUSTOMER
    user = user_create(
        username=username or f"m_{role.value}",
        password=PASSWORD,
        role=role,
        first_name=role.value,
        approval_limit=Decimal("5000000") if staff else None,
        **extra,
    )
    if staff:
        for code, grade in (("adjuster", 3), ("surveyor", 0), ("underwriting", 0)):
            certification_grant(
                user=user,
                code=code,
                name=code,
                grade=grade,
                issued_on=date(2020, 1, 1),
                expires_on=date(2035, 12, 31),
            )
    return user


# Rows that a request changes without changing anything in the business: the token's
# "last used" mark and the session.
_NOT_BUSINESS = {"staff.apitoken", "sessions.session"}


def fingerprint() -> dict[str, str]:
    """Every row of every table (but the tokens' use marks), hashed per table."""
    out = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in _NOT_BUSINESS or model._meta.proxy or not model._meta.managed:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        out[label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return out


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|COPY)\b", re.IGNORECASE)
_QUIET_TABLES = ("staff_apitoken", "django_session")


class Writes:
    """The write statements run inside the block (but the token's use mark and the
    session): a refused request runs none. Whatever it wrote is compared row by row with
    ``baseline`` to say which tables changed."""

    def __init__(self, baseline: dict[str, str] | None = None):
        self.baseline = baseline
        self.tables: list[str] = []

    def __enter__(self) -> Writes:
        self._ctx = CaptureQueriesContext(connection)
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._ctx.__exit__(*exc)
        writes = [
            q["sql"]
            for q in self._ctx.captured_queries
            if _WRITE.match(q["sql"]) and not any(t in q["sql"] for t in _QUIET_TABLES)
        ]
        if writes and self.baseline is not None and not connection.needs_rollback:
            self.tables = changed(self.baseline, fingerprint())
        if writes and not self.tables:
            self.tables = [f"(written, then undone) {writes[0][:160]}"]


def fill(path: str, **values: object) -> str:
    """``/claims/{no}/payment`` with ``no`` filled in; the /api/v1 prefix dropped."""
    filled = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
    return filled.removeprefix("/api/v1")
