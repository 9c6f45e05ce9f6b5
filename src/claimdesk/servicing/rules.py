"""Rules of policy-service requests (保全), as data and pure functions: the items a customer
may ask for, the materials each needs, what each changes on the policy, the surrender value
and the approver's authority. No ORM.

Rounding: every amount is rounded once, to the fen (0.01), half up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from claimdesk.policies.rules import (
    HEALTH_QUESTIONS,
    PERIOD_MONTHS,
    PHONE_DIGITS,
    BankDetails,
    BeneficiaryShare,
    HolderDetails,
    normalize_phone,
    shares_refusal,
)

FEN = Decimal("0.01")
ZERO = Decimal(0)
# The largest sum insured a request may ask for (as underwriting's applications).
MAX_SUM_INSURED = Decimal("100000000")
# A mainland resident ID: 15 digits, or 17 digits and a check digit or X.
ID_NUMBER = re.compile(r"^(\d{15}|\d{17}[\dX])$")
# A request may take effect from the day it is received up to this many days later.
MAX_DAYS_AHEAD = 30


def fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


class ServiceItem(StrEnum):
    CONTACT = "contact"
    BANK_ACCOUNT = "bank_account"
    BENEFICIARY = "beneficiary"
    SURRENDER = "surrender"
    REINSTATEMENT = "reinstatement"
    LOAN = "loan"
    LOAN_REPAYMENT = "loan_repayment"
    SURVIVAL = "survival_benefit"
    POLICYHOLDER = "policyholder"
    SUM_INCREASE = "sum_increase"
    SUM_DECREASE = "sum_decrease"


# Items whose approval pays money out of the policy through the payment flow (the payments
# app's purpose for each).
PAYOUT_PURPOSES: Mapping[str, str] = {
    ServiceItem.SURRENDER: "surrender",
    ServiceItem.LOAN: "loan",
    ServiceItem.SURVIVAL: "survival",
    ServiceItem.SUM_DECREASE: "refund",  # the cash value of the part given up, if any
}
# Items only the company opens (a survival benefit falls due; nobody asks for it).
SYSTEM_ITEMS = frozenset({ServiceItem.SURVIVAL})


ITEM_LABELS: Mapping[str, Promise] = {
    ServiceItem.CONTACT: _("Change contact details or address"),
    ServiceItem.BANK_ACCOUNT: _("Change bank account"),
    ServiceItem.BENEFICIARY: _("Change beneficiaries"),
    ServiceItem.SURRENDER: _("Surrender the policy"),
    ServiceItem.REINSTATEMENT: _("Reinstate a lapsed policy"),
    ServiceItem.LOAN: _("Take a policy loan"),
    ServiceItem.LOAN_REPAYMENT: _("Repay the policy loan"),
    ServiceItem.SURVIVAL: _("Survival benefit"),
    ServiceItem.POLICYHOLDER: _("Change the policyholder"),
    ServiceItem.SUM_INCREASE: _("Increase the sum insured"),
    ServiceItem.SUM_DECREASE: _("Decrease the sum insured"),
}
# Items whose request changes the risk: underwriting decides before the clerk may approve.
UNDERWRITTEN_ITEMS = frozenset({ServiceItem.SUM_INCREASE})
SUM_ITEMS = (ServiceItem.SUM_INCREASE, ServiceItem.SUM_DECREASE)


@dataclass(frozen=True)
class Material:
    code: str
    name: Promise


_APPLICATION = Material("application", _("Signed policy-service application form"))
_HOLDER_ID = Material("holder_id", _("Policyholder's ID document"))
_BANK_CARD = Material("bank_card", _("Copy of the bank card of the receiving account"))
_HEALTH = Material("health_declaration", _("The insured's signed health declaration"))

# The materials each item needs before it can be decided (资料齐全).
CHECKLISTS: Mapping[str, tuple[Material, ...]] = {
    ServiceItem.CONTACT: (_APPLICATION, _HOLDER_ID),
    ServiceItem.BANK_ACCOUNT: (_APPLICATION, _HOLDER_ID, _BANK_CARD),
    ServiceItem.BENEFICIARY: (
        _APPLICATION,
        _HOLDER_ID,
        Material("insured_consent", _("The insured's written consent to the change")),
        Material("beneficiary_ids", _("ID documents of the new beneficiaries")),
        Material("relation_proof", _("Proof of each beneficiary's relation to the insured")),
    ),
    ServiceItem.SURRENDER: (
        Material("surrender_form", _("Signed application to end the contract")),
        _HOLDER_ID,
        Material("policy_contract", _("The policy contract (or a statement that it is lost)")),
        _BANK_CARD,
    ),
    ServiceItem.REINSTATEMENT: (
        _APPLICATION,
        _HOLDER_ID,
        _HEALTH,
        Material("arrears_paid", _("Receipt of the premiums in arrears with interest")),
    ),
    ServiceItem.LOAN: (
        Material("loan_application", _("Signed policy loan application")),
        _HOLDER_ID,
        _BANK_CARD,
    ),
    ServiceItem.LOAN_REPAYMENT: (
        _APPLICATION,
        Material("repayment_receipt", _("Receipt of the repayment with interest")),
    ),
    # Paid to the designated account on file when it falls due: nothing to send.
    ServiceItem.SURVIVAL: (),
    # 变更投保人: the new policyholder's identity, their insurable interest (保险法第三十一条)
    # and the insured's written consent; both policyholders sign the application.
    ServiceItem.POLICYHOLDER: (
        Material(
            "holder_change_form", _("Application signed by the current and the new policyholder")
        ),
        _HOLDER_ID,
        Material("new_holder_id", _("The new policyholder's ID document")),
        Material(
            "holder_relation_proof", _("Proof of the new policyholder's relation to the insured")
        ),
        Material(
            "insured_consent_holder", _("The insured's written consent to the new policyholder")
        ),
    ),
    ServiceItem.SUM_INCREASE: (_APPLICATION, _HOLDER_ID, _HEALTH),
    ServiceItem.SUM_DECREASE: (_APPLICATION, _HOLDER_ID),
}

# Whom the new policyholder may be, by their relation to the insured (保险法第三十一条:
# insurable interest); any of them only with the insured's written consent.
HOLDER_RELATIONS: Mapping[str, Promise] = {
    "self": _("the insured themself"),
    "spouse": _("spouse"),
    "parent": _("parent"),
    "child": _("child"),
    "family": _("other family member the insured supports or who supports the insured"),
    "employer": _("employer"),
}


def item_label(item: str) -> str:
    label = ITEM_LABELS.get(item)
    return str(label) if label is not None else item


def missing_materials(item: str, received: Sequence[str]) -> list[Material]:
    return [m for m in CHECKLISTS[item] if m.code not in received]


class RequestInvalid(ValueError):
    """What the customer asked for cannot be done as asked; the message says why."""


def effective_date_refusal(effective_on: date, received_on: date) -> str | None:
    """A change takes effect from the day the request is received (never earlier: nothing
    is changed retroactively) up to ``MAX_DAYS_AHEAD`` days later."""
    if effective_on < received_on:
        return str(_("A change cannot take effect before the day we receive the request."))
    if effective_on > received_on + timedelta(days=MAX_DAYS_AHEAD):
        return str(
            _("A change can take effect at most %(days)s days after the request.")
            % {"days": MAX_DAYS_AHEAD}
        )
    return None


def _text(details: Mapping[str, Any], key: str, limit: int) -> str:
    return str(details.get(key) or "").strip()[:limit]


def _share(raw: Any) -> Decimal:
    try:
        return Decimal(str(raw).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        raise RequestInvalid(_("Each share must be a number of per cent.")) from None


def item_changes(item: str, details: Mapping[str, Any], effective_on: date) -> dict[str, Any]:
    """What an approved request of ``item`` changes on the policy (the endorsement's
    ``changes``), from what the customer asked for; ``RequestInvalid`` says what is wrong."""
    if item == ServiceItem.CONTACT:
        phone = normalize_phone(_text(details, "phone", 30))
        address = _text(details, "address", 200)
        if not phone and not address:
            raise RequestInvalid(_("Give the new phone number or the new address."))
        if phone and not PHONE_DIGITS.match(phone):
            raise RequestInvalid(_("The phone number is not valid."))
        changes: dict[str, Any] = {}
        if phone:
            changes["contact_phone"] = phone
        if address:
            changes["contact_address"] = address
        return changes
    if item == ServiceItem.BANK_ACCOUNT:
        bank = _text(details, "bank_name", 60)
        name = _text(details, "account_name", 60)
        number = _text(details, "account_number", 34).replace(" ", "")
        if not (bank and name and number):
            raise RequestInvalid(_("Give the bank, the account name and the account number."))
        if not number.isdigit() or not 12 <= len(number) <= 30:
            raise RequestInvalid(_("An account number has 12 to 30 digits."))
        return {"bank": BankDetails(bank, name, number)}
    if item == ServiceItem.BENEFICIARY:
        rows = details.get("beneficiaries")
        if not isinstance(rows, list) or not rows:
            raise RequestInvalid(_("Name at least one beneficiary."))
        people = []
        for row in rows:
            if not isinstance(row, Mapping) or not str(row.get("name") or "").strip():
                raise RequestInvalid(_("Each beneficiary needs a name."))
            account = str(row.get("account_number") or "").replace(" ", "")
            if account and (not account.isdigit() or not 12 <= len(account) <= 30):
                raise RequestInvalid(_("An account number has 12 to 30 digits."))
            people.append(
                BeneficiaryShare(
                    name=str(row["name"]).strip()[:60],
                    share=_share(row.get("share")),
                    relation=str(row.get("relation") or "").strip()[:20],
                    id_number=str(row.get("id_number") or "").strip()[:30],
                    bank_name=str(row.get("bank_name") or "").strip()[:60] if account else "",
                    account_number=account,
                )
            )
        if why := shares_refusal([p.share for p in people]):
            raise RequestInvalid(why)
        return {"beneficiaries": tuple(replace(p, share=p.share.quantize(FEN)) for p in people)}
    if item == ServiceItem.POLICYHOLDER:
        return {"holder": new_holder(details)}
    if item in (ServiceItem.SUM_INCREASE, ServiceItem.SUM_DECREASE):
        if item == ServiceItem.SUM_INCREASE:
            health_declaration(details)
            if not _text(details, "occupation", 60):
                raise RequestInvalid(_("Give the insured's occupation."))
            if str(details.get("occupation_class") or "") not in {str(n) for n in range(1, 7)}:
                raise RequestInvalid(_("Choose the occupation class (1 to 6)."))
        changes = {"sum_insured": new_sum_insured(details)}
        if details.get("premium") not in (None, ""):
            changes["premium"] = Decimal(str(details["premium"]))
        return changes
    if item == ServiceItem.SURRENDER:
        # 退保: the contract ends on the effective date.
        return {"status": "surrendered", "end": effective_on}
    if item == ServiceItem.REINSTATEMENT:
        health_declaration(details)
        # 复效: cover runs again from the effective date.
        return {"status": "active"}
    if item in (ServiceItem.LOAN, ServiceItem.LOAN_REPAYMENT):
        # The new balance depends on the policy: the services compute it (``loan_balance``).
        money_amount(details)
        return {}
    if item == ServiceItem.SURVIVAL:
        return {}
    raise RequestInvalid(_("Choose what you want to change."))


def new_holder(details: Mapping[str, Any]) -> HolderDetails:
    """The new policyholder of a change of policyholder: name, an ID number, a relation to
    the insured from ``HOLDER_RELATIONS`` and the insured's consent (保险法第三十一条)."""
    name = _text(details, "name", 60)
    id_number = _text(details, "id_number", 30).upper()
    relation = _text(details, "relation", 20)
    if not name or not id_number:
        raise RequestInvalid(_("Give the new policyholder's name and ID number."))
    if not ID_NUMBER.match(id_number):
        raise RequestInvalid(_("The new policyholder's ID number is not valid."))
    if relation not in HOLDER_RELATIONS:
        raise RequestInvalid(_("Say how the new policyholder is related to the insured."))
    if details.get("insured_consent") is not True:
        raise RequestInvalid(
            _("The insured must consent in writing to the new policyholder (保险法第三十一条).")
        )
    phone = normalize_phone(_text(details, "phone", 30))
    if phone and not PHONE_DIGITS.match(phone):
        raise RequestInvalid(_("The phone number is not valid."))
    return HolderDetails(name, id_number, str(HOLDER_RELATIONS[relation]), phone)


def new_sum_insured(details: Mapping[str, Any]) -> Decimal:
    """The sum insured asked for: a positive amount in yuan with at most two decimals."""
    try:
        amount = Decimal(str(details.get("sum_insured") or "").strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise RequestInvalid(_("Give the new sum insured as an amount in yuan.")) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(FEN):
        raise RequestInvalid(_("Give the new sum insured as an amount in yuan."))
    if amount > MAX_SUM_INSURED:
        raise RequestInvalid(_("The sum insured can be at most ¥100,000,000."))
    return amount


def sum_change_refusal(item: str, current: Decimal, new: Decimal) -> str | None:
    """An increase must raise the sum insured and a decrease lower it (and leave some)."""
    if item == ServiceItem.SUM_INCREASE and new <= current:
        return str(
            _("The new sum insured must be above the current ¥%(current)s.")
            % {"current": f"{current:,.2f}"}
        )
    if item == ServiceItem.SUM_DECREASE and new >= current:
        return str(
            _(
                "The new sum insured must be below the current ¥%(current)s; to end the cover, surrender the policy."
            )
            % {"current": f"{current:,.2f}"}
        )
    return None


def premium_for_sum(premium: Decimal, current: Decimal, new: Decimal) -> Decimal:
    """The annual premium at standard rates for a sum insured of ``new``: the current premium
    in proportion, to the fen, half up (¥1,200 on ¥100,000 → ¥960 on ¥80,000)."""
    return fen(premium * new / current)


def added_premium(premium: Decimal, current: Decimal, new: Decimal) -> Decimal:
    """The standard annual premium of the part added by an increase (what underwriting
    rates): the current premium × added / current, to the fen, half up."""
    return fen(premium * (new - current) / current)


# --- surrender (退保) ---------------------------------------------------------------------------


def completed_months(start: date, day: date) -> int:
    """Whole policy months from ``start`` to ``day`` (a month completes on the same day of
    the month; a shorter month completes on its last day)."""
    months = (day.year - start.year) * 12 + day.month - start.month
    if day.day < start.day and not _last_day(day):
        months -= 1
    return max(months, 0)


def _last_day(day: date) -> bool:
    return (day + timedelta(days=1)).month != day.month


def cash_value_per_mille(table: Sequence[Mapping[str, Any]], months: int) -> Decimal:
    """The table's cash value per 1,000 of sum insured after ``months`` completed months:
    the row of the latest month reached (0 when the table is empty or not yet reached)."""
    value = ZERO
    for row in sorted(table, key=lambda r: int(r["month"])):
        if int(row["month"]) <= months:
            value = Decimal(str(row["per_mille"]))
    return value


@dataclass(frozen=True)
class SurrenderQuote:
    effective_on: date
    within_cooling_off: bool
    cooling_off_ends: date
    months: int
    per_mille: Decimal
    cash_value: Decimal
    premium_refund: Decimal
    loans: Decimal
    amount: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "effective_on": self.effective_on.isoformat(),
            "within_cooling_off": self.within_cooling_off,
            "cooling_off_ends": self.cooling_off_ends.isoformat(),
            "months": self.months,
            "per_mille": str(self.per_mille),
            "cash_value": str(self.cash_value),
            "premium_refund": str(self.premium_refund),
            "loans": str(self.loans),
            "amount": str(self.amount),
        }


def surrender_quote(
    *,
    start: date,
    effective_on: date,
    sum_insured: Decimal,
    premium: Decimal,
    loans: Decimal,
    table: Sequence[Mapping[str, Any]],
    cooling_off_days: int,
) -> SurrenderQuote:
    """What a surrender effective ``effective_on`` pays. Within the cooling-off period (犹豫期:
    ``cooling_off_days`` calendar days counted from the start day, which is day 1) the whole
    premium comes back; after it, the cash value of the product's table at the completed
    policy months. Outstanding policy loans are deducted either way; never below 0."""
    cooling_off_ends = start + timedelta(days=cooling_off_days - 1)
    within = effective_on <= cooling_off_ends
    months = completed_months(start, effective_on)
    per_mille = cash_value_per_mille(table, months)
    cash_value = fen(sum_insured * per_mille / 1000)
    refund = fen(premium) if within else ZERO
    gross = refund if within else cash_value
    loans = fen(loans)
    return SurrenderQuote(
        effective_on=effective_on,
        within_cooling_off=within,
        cooling_off_ends=cooling_off_ends,
        months=months,
        per_mille=per_mille,
        cash_value=cash_value,
        premium_refund=refund,
        loans=loans,
        amount=max(gross - loans, ZERO),
    )


# --- policy loan (保单贷款) -----------------------------------------------------------------------


def money_amount(details: Mapping[str, Any]) -> Decimal:
    """The amount a loan or a repayment asks for: a positive number of yuan, to the fen."""
    try:
        amount = Decimal(str(details.get("amount") or "").strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise RequestInvalid(_("Give the amount in yuan.")) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(FEN):
        raise RequestInvalid(_("Give the amount in yuan, more than 0, to the fen."))
    return amount.quantize(FEN)


@dataclass(frozen=True)
class LoanQuote:
    """What a policy loan effective ``effective_on`` may be: up to ``ratio`` % of the cash
    value, less the loan already outstanding; interest at ``rate`` % a year."""

    effective_on: date
    cash_value: Decimal
    ratio: Decimal
    balance: Decimal
    available: Decimal
    rate: Decimal
    amount: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "effective_on": self.effective_on.isoformat(),
            "cash_value": str(self.cash_value),
            "ratio": str(self.ratio),
            "balance": str(self.balance),
            "available": str(self.available),
            "rate": str(self.rate),
            "amount": str(self.amount),
        }


def loan_quote(
    *,
    effective_on: date,
    cash_value: Decimal,
    ratio: Decimal,
    balance: Decimal,
    rate: Decimal,
    amount: Decimal,
) -> LoanQuote:
    """The most a policy may lend (``ratio`` % of the cash value at the effective date, to
    the fen half up, less the balance outstanding; never below 0) and what is asked."""
    available = max(fen(cash_value * ratio / 100) - fen(balance), ZERO)
    return LoanQuote(effective_on, cash_value, ratio, fen(balance), available, rate, amount)


def loan_refusal(quote: LoanQuote) -> str | None:
    if quote.amount > quote.available:
        return str(
            _(
                "A policy loan can be at most ¥%(available)s: %(ratio)s %% of the cash value "
                "¥%(cash)s less ¥%(balance)s already lent."
            )
            % {
                "available": f"{quote.available:,.2f}",
                "ratio": f"{quote.ratio.normalize():f}",
                "cash": f"{quote.cash_value:,.2f}",
                "balance": f"{quote.balance:,.2f}",
            }
        )
    return None


@dataclass(frozen=True)
class RepaymentQuote:
    """A repayment effective ``effective_on``: the interest on the whole balance since
    ``since`` (actual days / 365, simple, rounded once to the fen half up) is paid with the
    principal repaid; the balance after it is what is left of the principal."""

    effective_on: date
    balance: Decimal
    since: date
    days: int
    rate: Decimal
    interest: Decimal
    principal: Decimal
    total: Decimal
    balance_after: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "effective_on": self.effective_on.isoformat(),
            "balance": str(self.balance),
            "since": self.since.isoformat(),
            "days": self.days,
            "rate": str(self.rate),
            "interest": str(self.interest),
            "principal": str(self.principal),
            "total": str(self.total),
            "balance_after": str(self.balance_after),
        }


def loan_interest(balance: Decimal, rate: Decimal, since: date, until: date) -> Decimal:
    days = max((until - since).days, 0)
    return fen(balance * rate / 100 * days / 365)


def repayment_quote(
    *, effective_on: date, balance: Decimal, since: date, rate: Decimal, principal: Decimal
) -> RepaymentQuote:
    """What repaying ``principal`` of the loan on ``effective_on`` costs; refused (the
    message says why) when there is no loan or more than the balance is repaid."""
    if balance <= 0:
        raise RequestInvalid(_("The policy has no loan to repay."))
    if principal > balance:
        raise RequestInvalid(
            _("The loan balance is ¥%(balance)s: repay at most that.")
            % {"balance": f"{balance:,.2f}"}
        )
    interest = loan_interest(balance, rate, since, effective_on)
    return RepaymentQuote(
        effective_on=effective_on,
        balance=fen(balance),
        since=since,
        days=max((effective_on - since).days, 0),
        rate=rate,
        interest=interest,
        principal=principal,
        total=principal + interest,
        balance_after=fen(balance - principal),
    )


# --- survival benefit (生存给付) --------------------------------------------------------------


@dataclass(frozen=True)
class SurvivalDue:
    """One survival benefit of a policy: due ``months`` policy months after the start."""

    number: int
    due_on: date
    amount: Decimal


def survival_schedule(
    *, start: date, end: date, sum_insured: Decimal, schedule: Sequence[Mapping[str, Any]]
) -> list[SurvivalDue]:
    """The survival benefits of a policy from its product's schedule: each row's month after
    the start (a day the month lacks becomes its last day), while it falls within the term;
    the benefit is per 1,000 of the sum insured, to the fen half up."""
    out: list[SurvivalDue] = []
    for row in sorted(schedule, key=lambda r: int(r["month"])):
        due_on = add_months(start, int(row["month"]))
        if due_on > end:
            continue
        amount = fen(sum_insured * Decimal(str(row["per_mille"])) / 1000)
        if amount > 0:
            out.append(SurvivalDue(len(out) + 1, due_on, amount))
    return out


# --- authority ----------------------------------------------------------------------------------


def authority_refusal(amount: Decimal | None, limit: Decimal | None) -> str | None:
    """An approver decides a request that pays money only within their approval limit
    (StaffProfile.approval_limit); above it, or without a limit, it goes up. Requests that
    pay nothing need the servicing permission only."""
    if amount is None or amount <= 0:
        return None
    if limit is not None and amount <= limit:
        return None
    if limit is None:
        return str(_("You have no approval limit for ¥%(amount)s.") % {"amount": f"{amount:,.2f}"})
    return str(
        _("¥%(amount)s is above your approval limit of ¥%(limit)s.")
        % {"amount": f"{amount:,.2f}", "limit": f"{limit:,.2f}"}
    )


# --- renewal premium (续期收费), grace and lapse ---------------------------------------------

# The customer is reminded this many days before a renewal premium falls due.
PREMIUM_REMINDER_DAYS_BEFORE = 10


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months; a day the month lacks becomes its last day (31 Jan + 1
    month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


@dataclass(frozen=True)
class Instalment:
    number: int
    due_on: date
    amount: Decimal


def premium_schedule(
    *, start: date, end: date, annual_premium: Decimal, frequency: str
) -> list[Instalment]:
    """The premiums of a policy paid at ``frequency``: one every period from the start date
    (the first, number 1, is paid at issue) while the due date falls within the term. Each is
    the yearly premium × months of the period / 12, to the fen, half up. A single premium
    has only the first."""
    months = PERIOD_MONTHS.get(frequency)
    if months is None:
        return [Instalment(1, start, fen(annual_premium))]
    amount = fen(annual_premium * months / 12)
    out: list[Instalment] = []
    due_on = start
    while due_on <= end:
        out.append(Instalment(len(out) + 1, due_on, amount))
        due_on = add_months(start, months * len(out))
    return out


def grace_ends(due_on: date, grace_days: int) -> date:
    """The last day of the grace period (宽限期): ``grace_days`` calendar days counted from the
    day after the due date. Cover continues meanwhile."""
    return due_on + timedelta(days=grace_days)


def lapse_day(grace_ends_on: date) -> date:
    """The first day without cover (效力中止) when the premium is still unpaid at the end of
    grace: the day after the grace period's last day."""
    return grace_ends_on + timedelta(days=1)


class PremiumState(StrEnum):
    PAID = "paid"
    UPCOMING = "upcoming"
    IN_GRACE = "in_grace"
    LAPSED = "lapsed"

    @property
    def label(self) -> str:
        return str(PREMIUM_STATE_LABELS[self])


PREMIUM_STATE_LABELS: Mapping[str, Promise] = {
    PremiumState.PAID: pgettext_lazy("premium", "paid"),
    PremiumState.UPCOMING: _("to be paid"),
    PremiumState.IN_GRACE: _("unpaid, in the grace period"),
    PremiumState.LAPSED: _("unpaid: the policy lapsed"),
}


def premium_state(
    *, paid: bool, lapsed: bool, due_on: date, grace_ends_on: date, today: date
) -> str:
    """Where a premium stands on ``today`` (for the schedule the customer and staff see)."""
    if paid:
        return PremiumState.PAID
    if lapsed or today > grace_ends_on:
        return PremiumState.LAPSED
    if today > due_on:
        return PremiumState.IN_GRACE
    return PremiumState.UPCOMING


def premium_payable(*, state: str, earlier_unpaid: bool) -> bool:
    """Premiums are received in order: only the earliest unpaid one, and only while it may
    still be paid (up to the end of its grace period); never on a lapsed policy."""
    return not earlier_unpaid and state in (PremiumState.UPCOMING, PremiumState.IN_GRACE)


def before_due_reminder_on(due_on: date) -> date:
    return due_on - timedelta(days=PREMIUM_REMINDER_DAYS_BEFORE)


def grace_reminder_on(due_on: date, grace_days: int, reminder_percent: int) -> date:
    """The day of the reminder during grace: the SLA rule's reminder point (a per cent of the
    grace period, 75 % by default: day 45 of 60), never later than its last day."""
    return due_on + timedelta(days=max(1, grace_days * reminder_percent // 100))


# --- reinstatement (复效) -------------------------------------------------------------------

# 保险法第三十七条: a lapsed contract may be reinstated within two years of the lapse.
REINSTATEMENT_YEARS = 2
# Interest on premiums in arrears: simple interest at this rate a year, actual days / 365,
# from each premium's due date to the reinstatement's effective date.
ARREARS_INTEREST_RATE = Decimal("0.05")


def reinstatement_refusal(*, lapsed_on: date, effective_on: date) -> str | None:
    """A lapsed policy is reinstated only within two years from its lapse date (the last day
    is the day before the second anniversary of the lapse)."""
    last = add_months(lapsed_on, 12 * REINSTATEMENT_YEARS) - timedelta(days=1)
    if effective_on > last:
        return str(
            _(
                "The policy lapsed on %(lapsed)s: it can be reinstated only until %(last)s "
                "(two years, 保险法第三十七条)."
            )
            % {"lapsed": lapsed_on.isoformat(), "last": last.isoformat()}
        )
    return None


def health_declaration(details: Mapping[str, Any]) -> tuple[dict[str, bool], str]:
    """The insured's health declaration of a reinstatement: every question answered yes or
    no, details for every yes. ``RequestInvalid`` says what is missing."""
    answers = details.get("health")
    if not isinstance(answers, Mapping) or any(
        not isinstance(answers.get(code), bool) for code in HEALTH_QUESTIONS
    ):
        raise RequestInvalid(_("Answer every question of the health declaration yes or no."))
    text = str(details.get("health_details") or "").strip()
    if any(answers[code] for code in HEALTH_QUESTIONS) and not text:
        raise RequestInvalid(
            _("Tell us the diagnosis, the treatment and the condition today for each yes.")
        )
    return {code: bool(answers[code]) for code in HEALTH_QUESTIONS}, text


def needs_underwriting(details: Mapping[str, Any]) -> bool:
    """A reinstatement whose health declaration has a yes needs an underwriter's decision
    (核保); a clean declaration is accepted on the declaration."""
    answers, _text = health_declaration(details)
    return any(answers.values())


@dataclass(frozen=True)
class ArrearsLine:
    due_on: date
    premium: Decimal
    days: int
    interest: Decimal


@dataclass(frozen=True)
class ArrearsQuote:
    effective_on: date
    rate: Decimal
    lines: tuple[ArrearsLine, ...]
    premiums: Decimal
    interest: Decimal
    total: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "effective_on": self.effective_on.isoformat(),
            "rate": str(self.rate),
            "lines": [
                {
                    "due_on": line.due_on.isoformat(),
                    "premium": str(line.premium),
                    "days": line.days,
                    "interest": str(line.interest),
                }
                for line in self.lines
            ],
            "premiums": str(self.premiums),
            "interest": str(self.interest),
            "total": str(self.total),
        }


def arrears_quote(
    unpaid: Sequence[tuple[date, Decimal]],
    effective_on: date,
    rate: Decimal = ARREARS_INTEREST_RATE,
) -> ArrearsQuote:
    """What a reinstatement effective ``effective_on`` costs: every unpaid premium due on or
    before that day, each with simple interest at ``rate`` a year for the days from its due
    date (actual / 365), each interest rounded once to the fen, half up."""
    lines = []
    for due_on, premium in sorted(unpaid):
        if due_on > effective_on:
            continue
        days = (effective_on - due_on).days
        lines.append(ArrearsLine(due_on, premium, days, fen(premium * rate * days / 365)))
    premiums = sum((line.premium for line in lines), ZERO)
    interest = sum((line.interest for line in lines), ZERO)
    return ArrearsQuote(effective_on, rate, tuple(lines), premiums, interest, premiums + interest)
