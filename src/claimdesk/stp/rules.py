"""The straight-through rules as pure functions: each answers passed or not with the reason a
person reads. No ORM, no I/O; ``services`` gathers the facts and applies them."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from claimdesk.policies.rules import LossType

# 保险小额理赔服务指引: motor claims up to ¥5,000 and medical claims up to ¥3,000 are small.
DEFAULT_SMALL_CLAIM_LIMITS: Mapping[str, Decimal] = {
    LossType.AUTO: Decimal("5000"),
    LossType.MEDICAL: Decimal("3000"),
}
# Invoice fields every line checks against the report; medical invoices also name a hospital.
INVOICE_FIELDS = ("amount", "date", "name")
FIELD_LABELS: Mapping[str, Promise] = {
    "amount": _("amount"),
    "date": _("date"),
    "name": _("name"),
    "hospital": _("hospital"),
}
HOSPITAL_LINES = frozenset({LossType.MEDICAL, LossType.ACCIDENT, LossType.CRITICAL_ILLNESS})
HOSPITAL_WORDS = ("医院", "卫生院", "诊所")
INVOICE_ITEMS = frozenset({"medical_invoice", "repair_invoice", "invoice", "purchase_proof"})


class Rule:
    """The rule codes, in the order they are checked and shown."""

    ENABLED = "enabled"
    IN_FORCE = "in_force"
    WAITING_PERIOD = "waiting_period"
    INSURED = "insured"
    SMALL = "small"
    MATERIALS = "materials"
    OCR_CONFIDENCE = "ocr_confidence"
    CONSISTENT = "consistent"
    RED_FLAGS = "red_flags"
    TEXT_HITS = "text_hits"
    DUPLICATE = "duplicate"
    INVESTIGATION = "investigation"
    ACCOUNT = "account"
    CALCULATION = "calculation"


RULE_LABELS: Mapping[str, Promise] = {
    Rule.ENABLED: _("Straight-through processing is on for the product and line"),
    Rule.IN_FORCE: _("Policy in force at the loss date"),
    Rule.WAITING_PERIOD: _("Loss after the waiting period"),
    Rule.INSURED: _("Insured person matches the policy"),
    Rule.SMALL: _("Amount within the small-claim limit"),
    Rule.MATERIALS: _("Materials received"),
    Rule.OCR_CONFIDENCE: _("Invoice read with enough confidence"),
    Rule.CONSISTENT: _("Invoice consistent with the report"),
    Rule.RED_FLAGS: _("No red flag"),
    Rule.TEXT_HITS: _("No exclusion or pre-existing-condition hit"),
    Rule.DUPLICATE: _("No duplicate report"),
    Rule.INVESTIGATION: _("Customer not under investigation"),
    Rule.ACCOUNT: _("Payee account on file"),
    Rule.CALCULATION: _("Calculation approves the claim in full"),
}


@dataclass(frozen=True)
class Result:
    code: str
    passed: bool
    detail: str = ""

    @property
    def label(self) -> str:
        return str(RULE_LABELS.get(self.code, self.code))

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"label": self.label}


def passed(code: str, detail: str = "") -> Result:
    return Result(code, True, detail)


def failed(code: str, detail: str) -> Result:
    return Result(code, False, detail)


def small_claim_limit(loss_type: str, configured: Decimal | None) -> Decimal | None:
    """The line's small-claim limit: the admin's, else the guideline's default, else none."""
    return configured if configured is not None else DEFAULT_SMALL_CLAIM_LIMITS.get(loss_type)


def check_small(amount: Decimal | None, limit: Decimal | None) -> Result:
    if limit is None:
        return failed(Rule.SMALL, str(_("The line has no small-claim limit.")))
    if amount is None or amount <= 0:
        return failed(Rule.SMALL, str(_("No amount was reported.")))
    if amount > limit:
        return failed(
            Rule.SMALL,
            str(_("¥%(amount)s is above the line's limit of ¥%(limit)s."))
            % {"amount": amount, "limit": limit},
        )
    return passed(Rule.SMALL, f"¥{amount} ≤ ¥{limit}")


@dataclass(frozen=True)
class Invoice:
    """What OCR read from one invoice: the fields and how sure it was of each."""

    label: str
    fields: Mapping[str, str]
    confidence: Mapping[str, float] = field(default_factory=dict)


def needed_fields(loss_type: str) -> tuple[str, ...]:
    return INVOICE_FIELDS + (("hospital",) if loss_type in HOSPITAL_LINES else ())


def check_confidence(invoices: Sequence[Invoice], loss_type: str, minimum: Decimal) -> Result:
    """Every field the consistency check reads was read, at least ``minimum`` sure."""
    if not invoices:
        return failed(Rule.OCR_CONFIDENCE, str(_("No invoice was read.")))
    problems = []
    for invoice in invoices:
        for name in needed_fields(loss_type):
            if not invoice.fields.get(name):
                problems.append(
                    str(_("%(doc)s: %(field)s not found"))
                    % {"doc": invoice.label, "field": FIELD_LABELS[name]}
                )
                continue
            sure = Decimal(str(invoice.confidence.get(name, 0)))
            if sure < minimum:
                problems.append(
                    str(_("%(doc)s: %(field)s read %(sure)s sure (below %(min)s)"))
                    % {
                        "doc": invoice.label,
                        "field": FIELD_LABELS[name],
                        "sure": sure,
                        "min": minimum,
                    }
                )
    if problems:
        return failed(Rule.OCR_CONFIDENCE, "；".join(problems))
    return passed(Rule.OCR_CONFIDENCE, str(_("every field ≥ %(min)s")) % {"min": minimum})


def invoices_total(invoices: Sequence[Invoice]) -> Decimal:
    total = Decimal(0)
    for invoice in invoices:
        try:
            total += Decimal(str(invoice.fields.get("amount") or "0"))
        except ArithmeticError:
            continue
    return total


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


def check_consistent(
    invoices: Sequence[Invoice],
    *,
    loss_type: str,
    reported_amount: Decimal | None,
    loss_day: date,
    insured_name: str,
    report_text: str,
    invoice_days: int,
) -> Result:
    """The invoices agree with the report: their total is the amount reported, each is dated
    from the loss day to ``invoice_days`` after, names the insured person and (medical lines)
    a hospital the report names, when the report names one."""
    names_hospital = any(w in report_text for w in HOSPITAL_WORDS)
    problems = []
    total = invoices_total(invoices)
    if reported_amount is None or total != reported_amount:
        problems.append(
            str(_("invoices total ¥%(total)s, the report says ¥%(reported)s"))
            % {"total": total, "reported": reported_amount if reported_amount is not None else "—"}
        )
    for invoice in invoices:
        raw = str(invoice.fields.get("date") or "")
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            day = None
        if day is None or not 0 <= (day - loss_day).days <= invoice_days:
            problems.append(
                str(_("%(doc)s is dated %(day)s; the loss was on %(loss)s"))
                % {"doc": invoice.label, "day": raw or "—", "loss": loss_day.isoformat()}
            )
        name = str(invoice.fields.get("name") or "")
        if not _same_name(name, insured_name):
            problems.append(
                str(_("%(doc)s names %(name)s, the insured person is %(insured)s"))
                % {"doc": invoice.label, "name": name or "—", "insured": insured_name}
            )
        hospital = str(invoice.fields.get("hospital") or "")
        if (
            loss_type in HOSPITAL_LINES
            and names_hospital
            and (not hospital or hospital not in report_text)
        ):
            problems.append(
                str(_("%(doc)s is from %(hospital)s, not the hospital the report names"))
                % {"doc": invoice.label, "hospital": hospital or "—"}
            )
    if problems:
        return failed(Rule.CONSISTENT, "；".join(problems))
    return passed(Rule.CONSISTENT, f"¥{total}")


def sample_reason(
    amount: Decimal, *, percent: int, above: Decimal, draw: float | None = None
) -> str | None:
    """Why an automatic decision is reviewed: every one above ``above``, else a random
    ``percent`` share; None when it is not sampled."""
    if amount > above:
        return "above"
    value = random.random() if draw is None else draw
    return "share" if value * 100 < percent else None
