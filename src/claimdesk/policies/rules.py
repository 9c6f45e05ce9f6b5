"""Pure rules about policies: cover at a date, waiting periods, masking of personal data, and
the policy as its versions (endorsements) leave it on a date."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class PremiumFrequency(StrEnum):
    """How often a product's premium is paid (缴费频率): once at issue, or renewal premiums
    (续期保费) every year, half-year, quarter or month of the term."""

    SINGLE = "single"
    ANNUAL = "annual"
    SEMIANNUAL = "semiannual"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"


# Months between two due dates; a single premium has no renewal premiums.
PERIOD_MONTHS: dict[str, int] = {
    PremiumFrequency.ANNUAL: 12,
    PremiumFrequency.SEMIANNUAL: 6,
    PremiumFrequency.QUARTERLY: 3,
    PremiumFrequency.MONTHLY: 1,
}

# 核保资格: only holders of this staff certificate sign underwriting decisions (new business
# and the health declaration of a reinstatement).
UNDERWRITING_CERTIFICATE = "underwriting"

# The health questionnaire (健康告知): each question answered yes or no; a "yes" needs
# details. Asked of new business (underwriting) and of a reinstatement (servicing).
HEALTH_QUESTIONS: Mapping[str, Promise] = {
    "hospitalised": _("In the last 5 years, have you been in hospital or advised to have surgery?"),
    "chronic": _(
        "Do you have, or have you been told you have, hypertension, diabetes, heart "
        "disease, hepatitis, a tumour or nodule, or another chronic illness?"
    ),
    "abnormal_exam": _("In the last 2 years, has a medical check-up shown an abnormal result?"),
    "medication": _("Do you take medication regularly?"),
    "declined_before": _("Has an insurer ever declined, postponed or rated your application?"),
}


class LossType(StrEnum):
    AUTO = "auto"
    MEDICAL = "medical"
    CRITICAL_ILLNESS = "critical_illness"
    ACCIDENT = "accident"
    PROPERTY = "property"


def in_force(start: date, end: date, day: date) -> bool:
    """Cover runs from the start date to the end date, both inclusive."""
    return start <= day <= end


def waiting_period_ends(start: date, waiting_days: int) -> date:
    """The first day the cover of a waiting-period coverage applies."""
    return start + timedelta(days=waiting_days)


def mask(value: str, keep_start: int, keep_end: int) -> str:
    """Keep the ends of a personal identifier, star the middle (e.g. 310***********1234)."""
    value = value or ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end :]


def mask_id_number(value: str) -> str:
    return mask(value, 3, 4)


def mask_phone(value: str) -> str:
    return mask(value, 3, 4)


def mask_account(value: str) -> str:
    return mask(value, 0, 4)


# A phone number as stored: digits only, from a short service number to a landline with
# its area code.
PHONE_DIGITS = re.compile(r"^[0-9]{5,14}$")
_PHONE_NOISE = re.compile(r"[\s\-()（）·.]")


def normalize_phone(value: str) -> str:
    """A phone number as typed or read out (``+86 138-0013-8000``, full-width digits) as
    the digits it is stored as (``13800138000``); anything that is not a phone stays as it
    is, so the caller can refuse it."""
    text = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", value or ""))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text


# --- policy history: the policy as it stood on a date ---------------------------------------

FEN = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class BeneficiaryShare:
    """A beneficiary with their share of a benefit, in per cent."""

    name: str
    share: Decimal
    relation: str = ""
    id_number: str = ""
    # The account a death benefit is paid to (the beneficiary's own; empty: not given yet).
    bank_name: str = ""
    account_number: str = ""


@dataclass(frozen=True)
class BankDetails:
    bank_name: str
    account_name: str
    account_number: str


@dataclass(frozen=True)
class HolderDetails:
    """The policyholder (投保人) named by a change of policyholder: who they are and their
    relation to the insured. A version without one has the policy's own account holder."""

    name: str
    id_number: str
    relation_to_insured: str
    phone: str = ""


@dataclass(frozen=True)
class PolicyAsOf:
    """A policy as one version (批改 / endorsement) left it, from ``effective_on`` until the
    next version takes effect. Version 1 is the policy as issued."""

    version: int
    endorsement: str
    effective_on: date
    start: date
    end: date
    status: str
    sum_insured: Decimal
    premium: Decimal
    coverages: tuple[str, ...]
    beneficiaries: tuple[BeneficiaryShare, ...] = ()
    contact_phone: str = ""
    contact_address: str = ""
    bank: BankDetails | None = None
    # 保单贷款: the policy loan's principal outstanding from this version on.
    loan_balance: Decimal = Decimal(0)
    holder: HolderDetails | None = None

    def in_force_on(self, day: date) -> bool:
        return self.status == "active" and in_force(self.start, self.end, day)


# The parts of a policy an endorsement may change (the keys of its ``changes``).
CHANGEABLE = frozenset(
    {
        "end",
        "status",
        "sum_insured",
        "premium",
        "coverages",
        "beneficiaries",
        "contact_phone",
        "contact_address",
        "bank",
        "loan_balance",
        "holder",
    }
)


def terms_as_json(t: PolicyAsOf) -> dict[str, Any]:
    """A version's terms as stored (JSON): everything but its number and date."""
    return {
        "start": t.start.isoformat(),
        "end": t.end.isoformat(),
        "status": t.status,
        "sum_insured": str(t.sum_insured),
        "premium": str(t.premium),
        "coverages": list(t.coverages),
        "beneficiaries": [
            {
                "name": b.name,
                "share": str(b.share),
                "relation": b.relation,
                "id_number": b.id_number,
                **(
                    {"bank_name": b.bank_name, "account_number": b.account_number}
                    if b.account_number
                    else {}
                ),
            }
            for b in t.beneficiaries
        ],
        "contact_phone": t.contact_phone,
        "contact_address": t.contact_address,
        "loan_balance": str(t.loan_balance.quantize(FEN)),
        "bank": None
        if t.bank is None
        else {
            "bank_name": t.bank.bank_name,
            "account_name": t.bank.account_name,
            "account_number": t.bank.account_number,
        },
        **(
            {}
            if t.holder is None
            else {
                "holder": {
                    "name": t.holder.name,
                    "id_number": t.holder.id_number,
                    "relation_to_insured": t.holder.relation_to_insured,
                    "phone": t.holder.phone,
                }
            }
        ),
    }


def beneficiaries_from_json(rows: Sequence[Mapping[str, Any]]) -> tuple[BeneficiaryShare, ...]:
    return tuple(
        BeneficiaryShare(
            name=str(b["name"]),
            share=Decimal(str(b["share"])),
            relation=str(b.get("relation") or ""),
            id_number=str(b.get("id_number") or ""),
            bank_name=str(b.get("bank_name") or ""),
            account_number=str(b.get("account_number") or ""),
        )
        for b in rows
    )


def terms_from_json(
    data: Mapping[str, Any], *, version: int, endorsement: str, effective_on: date
) -> PolicyAsOf:
    bank = data.get("bank")
    holder = data.get("holder")
    return PolicyAsOf(
        version=version,
        endorsement=endorsement,
        effective_on=effective_on,
        start=date.fromisoformat(data["start"]),
        end=date.fromisoformat(data["end"]),
        status=str(data["status"]),
        sum_insured=Decimal(str(data["sum_insured"])),
        premium=Decimal(str(data["premium"])),
        coverages=tuple(data.get("coverages") or ()),
        beneficiaries=beneficiaries_from_json(data.get("beneficiaries") or ()),
        contact_phone=str(data.get("contact_phone") or ""),
        contact_address=str(data.get("contact_address") or ""),
        bank=BankDetails(**bank) if bank else None,
        loan_balance=Decimal(str(data.get("loan_balance") or 0)),
        holder=HolderDetails(**holder) if holder else None,
    )


def terms_changed(before: PolicyAsOf, after: PolicyAsOf) -> dict[str, dict[str, Any]]:
    """What an endorsement changed, field by field: ``{field: {"from": …, "to": …}}``."""
    old, new = terms_as_json(before), terms_as_json(after)
    return {k: {"from": old.get(k), "to": new[k]} for k in new if old.get(k) != new[k]}


def in_effect(effective_dates: Sequence[date], day: date) -> int | None:
    """The index of the version in effect on ``day`` among versions listed in issue order
    with their effective dates (never decreasing): the last that took effect on or before
    ``day``; None before the first."""
    found = None
    for i, effective_on in enumerate(effective_dates):
        if effective_on <= day:
            found = i
    return found


def endorsement_refusal(
    *, effective_on: date, latest_effective_on: date, start: date, end: date
) -> str | None:
    """Why an endorsement may not take effect on ``effective_on``, or None. Versions take
    effect in the order they are issued: none before the latest one's date (so each version
    is the one before it plus its own change), none outside the policy's term."""
    if effective_on < start or effective_on > end:
        return str(
            _("The change must take effect within the policy term (%(start)s to %(end)s).")
            % {"start": start.isoformat(), "end": end.isoformat()}
        )
    if effective_on < latest_effective_on:
        return str(
            _(
                "The policy already has a change effective %(day)s: a new one cannot take effect before it."
            )
            % {"day": latest_effective_on.isoformat()}
        )
    return None


def shares_refusal(shares: Sequence[Decimal]) -> str | None:
    """Beneficiaries' shares: each above 0 and at most 100 %, with at most two decimals,
    together exactly 100 % (Decimal, no rounding). None when they are right."""
    if not shares:
        return str(_("Name at least one beneficiary."))
    for share in shares:
        if not share.is_finite() or share <= 0 or share > HUNDRED or share != share.quantize(FEN):
            return str(
                _("Each share must be above 0 and at most 100 %, with at most two decimals.")
            )
    total = sum(shares, Decimal(0))
    if total != HUNDRED:
        return str(
            _("The shares add up to %(total)s %%; they must add up to exactly 100 %%.")
            % {"total": format(total.normalize(), "f")}
        )
    return None


def split_by_shares(total: Decimal, shares: Sequence[Decimal]) -> list[Decimal]:
    """``total`` split by per-cent ``shares`` (which add up to 100): each part rounded to the
    fen half up, the last taking what is left so that the parts add up to the total."""
    parts: list[Decimal] = []
    for share in shares[:-1]:
        parts.append((total * share / HUNDRED).quantize(FEN, rounding=ROUND_HALF_UP))
    if shares:
        parts.append(total - sum(parts, Decimal(0)))
    return parts


# --- an endorsement's changes in words (the 批单) --------------------------------------------

CHANGE_LABELS: Mapping[str, Promise] = {
    "end": _("End of cover"),
    "status": _("Status of the policy"),
    "sum_insured": _("Sum insured"),
    "premium": _("Annual premium"),
    "coverages": _("Coverages"),
    "beneficiaries": _("Beneficiaries"),
    "contact_phone": _("Contact phone"),
    "contact_address": _("Contact address"),
    "bank": _("Designated bank account"),
    "holder": _("Policyholder"),
    "loan_balance": _("Loan balance"),
}
STATUS_WORDS: Mapping[str, Promise] = {
    "active": _("in force"),
    "lapsed": _("lapsed"),
    "surrendered": _("surrendered"),
    "expired": _("expired"),
}


def money_words(value: Any) -> str:
    """``"500000"`` → ``¥500,000.00``."""
    try:
        return f"¥{Decimal(str(value)):,.2f}"
    except ArithmeticError:
        return str(value)


def _value_words(field: str, value: Any, *, holder_name: str) -> str:
    """One side (before or after) of a change as a reader says it; never a field code."""
    if field == "holder":
        if not value:
            return holder_name or str(_("the policyholder as issued"))
        return str(
            _("%(name)s (relation to the insured: %(relation)s; ID %(id)s)")
            % {
                "name": value.get("name", ""),
                "relation": value.get("relation_to_insured", ""),
                "id": mask_id_number(str(value.get("id_number") or "")),
            }
        )
    if value in (None, "", [], {}):
        return str(_("none"))
    if field in ("sum_insured", "premium", "loan_balance"):
        return money_words(value)
    if field == "status":
        return str(STATUS_WORDS.get(str(value), value))
    if field == "beneficiaries":
        return "；".join(
            f"{b.get('name', '')}"
            + (f"（{b['relation']}）" if b.get("relation") else "")
            + f" {Decimal(str(b.get('share', 0))).normalize():f}%"
            for b in value
        )
    if field == "bank":
        return " · ".join(
            [
                str(value.get("bank_name", "")),
                str(value.get("account_name", "")),
                mask_account(str(value.get("account_number", ""))),
            ]
        )
    if field == "coverages":
        return "、".join(str(c) for c in value)
    return str(value)


def describe_changes(
    changes: Mapping[str, Mapping[str, Any]], *, holder_name: str = ""
) -> list[dict[str, str]]:
    """An endorsement's ``changes`` (``{field: {from, to}}``) as the 批单 prints them: each
    a label and both sides in words (amounts in yuan, statuses and accounts as people say
    them, ID and account numbers masked). ``holder_name`` names the account holder where a
    version before any change of policyholder has none of its own."""
    order = list(CHANGE_LABELS)
    rows = []
    for field in sorted(changes, key=lambda f: order.index(f) if f in order else len(order)):
        change = changes[field]
        rows.append(
            {
                "label": str(CHANGE_LABELS.get(field, field)),
                "from": _value_words(field, change.get("from"), holder_name=holder_name),
                "to": _value_words(field, change.get("to"), holder_name=holder_name),
            }
        )
    return rows
