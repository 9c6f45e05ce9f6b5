"""Service-desk rules: pure Python, no ORM, no I/O.

Template rendering (话术 with ``{variables}``), which claims may use the green channel, what
a complete root-cause report holds, and the key that makes two root causes "the same".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from claimdesk.seeddata import seed_data

SCENARIO_LABELS = {
    "consultation": _("Consultation"),
    "purchase": _("Purchase"),
    "claim_report": _("Claim report"),
    "material_request": _("Material request"),
    "progress": _("Progress"),
    "decision": _("Decision"),
    "rejection": _("Rejection"),
    "payment": _("Payment"),
    "complaint": _("Complaint"),
    "objection": _("Objection"),
    "renewal": _("Renewal"),
    "follow_up": _("Follow-up"),
}

LANGUAGES = ("zh-hans", "en")

# Loss types whose claims may go through the green channel (重疾、意外绿色通道).
GREEN_LOSS_TYPES = frozenset({"critical_illness", "accident"})

# Ticket actions whose text reaches the customer and therefore passes the compliance gate.
CUSTOMER_TEXT_FIELDS = {"reply": "message", "ask_customer": "message", "resolve": "resolution"}

# How the agent sees a customer who uses the portal's elderly-friendly mode (适老化).
ELDERLY_BADGE = _("Elderly mode")

# The longest page address a call-back records (what the customer was looking at).
CALLBACK_PAGE_MAX = 300


def portal_page(path: str) -> str:
    """A page of this site (a path with its query) as a call-back records it, or "" for
    anything else (another site's address, control characters)."""
    path = (path or "").strip()
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return ""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        return ""
    return path[:CALLBACK_PAGE_MAX]


# Root-cause report fields that must all be filled before a complaint may be resolved.
RCA_FIELDS = (
    "category",
    "department",
    "root_cause",
    "corrective_action",
    "owner",
    "due_date",
    "verification",
)
RCA_FIELD_LABELS = {
    "category": _("category"),
    "department": _("responsible department"),
    "root_cause": _("root cause"),
    "corrective_action": _("corrective action"),
    "owner": _("owner"),
    "due_date": _("due date"),
    "verification": _("verification"),
}

_VARIABLE = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


class MissingVariables(ValueError):
    """The template names variables the caller did not give; ``missing`` lists them."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(_("Missing template variables: %(names)s") % {"names": ", ".join(missing)})


def template_variables(body: str) -> list[str]:
    """The ``{name}`` variables of a template body, in order of first use."""
    seen: list[str] = []
    for m in _VARIABLE.finditer(body):
        if m.group(1) and m.group(1) not in seen:
            seen.append(m.group(1))
    return seen


def render_text(body: str, variables: Mapping[str, Any]) -> str:
    """Fill ``{name}`` placeholders (``{{``/``}}`` are literal braces).

    Only plain names are substituted (no attribute or index access), so an admin-edited
    template can never reach into the objects it is given. Every missing or blank variable
    is named in one error.
    """
    missing = [
        name for name in template_variables(body) if str(variables.get(name) or "").strip() == ""
    ]
    if missing:
        raise MissingVariables(missing)

    def fill(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return str(variables[m.group(1)])

    return _VARIABLE.sub(fill, body)


def green_allowed(loss_type: str | None, green_reason: str) -> bool:
    """The green channel is for critical illness and accident: by the linked claim's loss
    type, or by the reason the agent records."""
    return (loss_type in GREEN_LOSS_TYPES) or green_reason in GREEN_LOSS_TYPES


def rca_missing(report: Mapping[str, Any] | None) -> list[str]:
    """The fields a root-cause report still lacks (all of them when there is none)."""
    if report is None:
        return list(RCA_FIELDS)
    return [f for f in RCA_FIELDS if not str(report.get(f) or "").strip()]


def root_cause_key(text: str) -> str:
    """Normalise a root cause so that spelling variants count as one cause: NFKC (full and
    half width), lower case, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    kept = [ch for ch in text if unicodedata.category(ch)[0] in ("L", "N")]
    return "".join(kept)[:200]


@dataclass(frozen=True)
class TemplateSeed:
    scenario: str
    title: str
    body_zh: str
    body_en: str


# One good template per scenario (data/reply_templates.json). No absolute promises (保证, 一定,
# 100%, 最快 …): they are what the compliance check forbids.
DEFAULT_TEMPLATES: tuple[TemplateSeed, ...] = tuple(
    TemplateSeed(**t) for t in seed_data("claimdesk.service", "reply_templates.json")
)
