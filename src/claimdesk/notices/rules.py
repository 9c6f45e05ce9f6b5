"""What each kind of notice must be given, checked before anything is rendered or stored.

Pure Python (no ORM, no I/O): ``context_errors`` names every missing or malformed key at
once, so a caller fixes its data in one go and no half-made notice is ever written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CENT = Decimal("0.01")
DECISIONS = ("approve", "partial", "reject")

_CLAIM_HEADER = ("claim_no", "customer_name", "policy_no", "product", "insured_name", "loss_time")
# Keys each kind must carry (non-empty). Letters about a survey or an objection take their
# claim number and addressee from the case when the caller leaves them out.
REQUIRED: Mapping[str, tuple[str, ...]] = {
    "claim_report": (*_CLAIM_HEADER, "decision", "calculation"),
    "rejection": (*_CLAIM_HEADER, "decision", "reason", "clauses"),
    "survey_result": ("findings", "assessed_loss", "method", "basis", "surveyor"),
    "objection_reply": ("objection", "answer", "reviewer"),
    "endorsement": (
        "customer_name",
        "policy_no",
        "item_label",
        "endorsement_no",
        "effective_on",
        "changes",
        "approved_by",
    ),
    "service_refusal": ("customer_name", "policy_no", "item_label", "reason"),
    "uw_decision": (
        "customer_name",
        "product",
        "insured_name",
        "outcome",
        "outcome_text",
        "reason",
    ),
}
TEXT_KEYS = (
    *_CLAIM_HEADER,
    "reason",
    "findings",
    "method",
    "basis",
    "surveyor",
    "objection",
    "answer",
    "reviewer",
    "item_label",
    "endorsement_no",
    "approved_by",
    "clause",
    "outcome",
    "outcome_text",
    "exclusion",
)
# Who may issue each kind (any one of the permissions, on a case the actor works on).
PERMISSIONS: Mapping[str, tuple[str, ...]] = {
    "claim_report": ("claims.decide_claim",),
    "rejection": ("claims.decide_claim",),
    "survey_result": ("claims.handle_survey", "claims.decide_claim"),
    "objection_reply": ("claims.decide_claim", "service.handle_ticket", "claims.handle_survey"),
    "endorsement": ("policies.handle_policy_service",),
    "service_refusal": ("policies.handle_policy_service",),
    "uw_decision": ("policies.decide_underwriting",),
}
DEFAULT_FOLLOW_UP = (
    gettext_lazy(
        "Check that the payment reaches your designated account; if it has not arrived by "
        "the expected date, call us on 95500."
    ),
    gettext_lazy(
        "The amount paid reduces the remaining sum insured of your policy; ask us or your "
        "agent whether your cover still fits your needs."
    ),
    gettext_lazy(
        "Within 3 working days after closure we will ask you for a short satisfaction "
        "survey; your answer helps us improve."
    ),
)


class ContextInvalid(ValueError):
    """The context cannot make this notice; ``errors`` maps each key to what is wrong."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__(
            _("The notice cannot be issued; fix: %(errors)s")
            % {"errors": "; ".join(f"{k}: {v}" for k, v in sorted(self.errors.items()))}
        )


def money(value: Any) -> Decimal | None:
    """A money amount as Decimal to the fen, or None when it is not a finite number."""
    if isinstance(value, float | bool):
        return None  # floats lose fen; money travels as strings
    try:
        amount = Decimal(str(value).strip())
        return amount.quantize(CENT) if amount.is_finite() else None
    except (InvalidOperation, ValueError):  # unreadable, or too large to quantize (1e30)
        return None


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _clause_errors(clauses: Any, key: str, errors: dict[str, str]) -> None:
    if not isinstance(clauses, list) or not clauses:
        errors[key] = _("a non-empty list of clauses {article, title, text}")
        return
    for i, clause in enumerate(clauses):
        if not isinstance(clause, Mapping):
            errors[f"{key}[{i}]"] = _("must be an object {article, title, text}")
            continue
        missing = [f for f in ("article", "title", "text") if not _text(clause.get(f))]
        if missing:
            errors[f"{key}[{i}]"] = _("missing %(fields)s") % {"fields": ", ".join(missing)}


def _calculation_errors(calc: Any, errors: dict[str, str]) -> None:
    if not isinstance(calc, Mapping):
        errors["calculation"] = _("must be the calculator's result (an object)")
        return
    if money(calc.get("total")) is None:
        errors["calculation.total"] = _("a money amount such as 8160.00")
    lines = calc.get("lines")
    if not isinstance(lines, list):
        errors["calculation.lines"] = _("a list of lines {label, amount, clause}")
        lines = []
    for i, line in enumerate(lines):
        if not isinstance(line, Mapping) or not _text(line.get("label")):
            errors[f"calculation.lines[{i}]"] = _("each line needs a label")
        elif money(line.get("amount")) is None:
            errors[f"calculation.lines[{i}].amount"] = _("a money amount such as 8160.00")
    exclusions = calc.get("exclusions", [])
    if not isinstance(exclusions, list):
        errors["calculation.exclusions"] = _("a list of exclusions {reason, clause}")
        exclusions = []
    for i, exclusion in enumerate(exclusions):
        if not isinstance(exclusion, Mapping) or not _text(exclusion.get("reason")):
            errors[f"calculation.exclusions[{i}]"] = _("each exclusion needs a reason")


def context_errors(kind: str, context: Any) -> dict[str, str]:
    """Every problem of ``context`` for a notice of ``kind`` (empty: it can be rendered)."""
    if kind not in REQUIRED:
        return {"kind": _("unknown kind; one of %(kinds)s") % {"kinds": ", ".join(REQUIRED)}}
    if not isinstance(context, Mapping):
        return {"context": _("must be an object")}
    errors: dict[str, str] = {}
    for key in REQUIRED[kind]:
        value = context.get(key)
        empty = isinstance(value, str) and not value.strip()
        if value is None or empty or (isinstance(value, list | dict) and not value):
            errors[key] = _("required")
    for key in TEXT_KEYS:
        if key in context and key not in errors and not isinstance(context[key], str):
            errors[key] = _("must be text")
    if "loss_time" in context and "loss_time" not in errors:
        try:
            datetime.fromisoformat(context["loss_time"])
        except ValueError:
            errors["loss_time"] = _("an ISO 8601 date-time such as 2026-09-29T18:00:00+08:00")
    if "decision" in context and "decision" not in errors:
        allowed = ("reject", "partial") if kind == "rejection" else DECISIONS
        if context["decision"] not in allowed:
            errors["decision"] = _("one of %(values)s") % {"values": ", ".join(allowed)}
    if "assessed_loss" in context and "assessed_loss" not in errors:
        amount = money(context["assessed_loss"])
        if amount is None or amount < 0:
            errors["assessed_loss"] = _("a money amount such as 3200.00")
    if "effective_on" in context and "effective_on" not in errors:
        try:
            date.fromisoformat(str(context["effective_on"]))
        except ValueError:
            errors["effective_on"] = _("a date such as 2026-10-01")
    if "changes" in context and "changes" not in errors:
        changes = context["changes"]
        if not isinstance(changes, list) or not all(
            isinstance(c, Mapping) and _text(c.get("label")) for c in changes
        ):
            errors["changes"] = _("a list of changes {label, from, to}")
    if context.get("calculation") is not None and "calculation" not in errors:
        _calculation_errors(context["calculation"], errors)
    if "clauses" in context and "clauses" not in errors:
        _clause_errors(context["clauses"], "clauses", errors)
    follow_up = context.get("follow_up")
    if follow_up is not None and not (
        isinstance(follow_up, list) and all(_text(s) for s in follow_up)
    ):
        errors["follow_up"] = _("a list of suggestions (text)")
    try:
        json.dumps(context, cls=DjangoJSONEncoder)
    except (TypeError, ValueError):
        errors["context"] = _("must be plain JSON data")
    return errors


def as_json(context: Mapping[str, Any]) -> dict[str, Any]:
    """The context as it is stored (Decimals and datetimes as strings): what is rendered is
    exactly what is kept, so a re-render gives the same letter."""
    stored: dict[str, Any] = json.loads(json.dumps(context, cls=DjangoJSONEncoder))
    return stored


def fmt_money(value: Any) -> str:
    """``8160`` → ``8,160.00``: the way amounts are printed in letters."""
    amount = money(value)
    return "" if amount is None else f"{amount:,.2f}"


def cited_clauses(calculation: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """Every clause the calculation rests on, once each, in the order first cited."""
    seen: dict[str, dict[str, str]] = {}
    if not calculation:
        return []
    for row in [*calculation.get("lines", []), *calculation.get("exclusions", [])]:
        article = str(row.get("clause") or "").strip()
        if article and article not in seen:
            seen[article] = {
                "article": article,
                "title": str(row.get("clause_title") or ""),
                "text": str(row.get("clause_text") or ""),
            }
    return list(seen.values())


def decision_label(decision: str) -> str:
    return {
        "approve": _("Approved in full"),
        "partial": _("Partly approved"),
        "reject": _("Not payable (rejected)"),
    }.get(decision, decision)
