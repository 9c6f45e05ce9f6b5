"""Recovery rules, pure: which claims can have one, the recovery rate, the letters' text."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

# Lines with a third party to recover from or a salvage to sell: motor and property.
RECOVERABLE_LINES = frozenset({"auto", "property"})
# The kinds a person opens; an overpayment recovery is opened by a revised decision.
OPENED_BY_HAND = ("subrogation", "salvage")


def recovery_rate(expected: Decimal, received: Decimal) -> Decimal | None:
    """Received as a share of expected, in percent (one decimal); None when nothing was
    expected."""
    if expected <= 0:
        return None
    return (received / expected * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def open_refusal(*, line: str, decision: str, expected: Decimal, counterparty: str) -> str | None:
    """Why a recovery may not be opened on this claim, or None."""
    if line not in RECOVERABLE_LINES:
        return _("Recoveries are pursued on motor and property claims only.")
    if decision == "reject":
        return _("A rejected claim paid nothing: there is nothing to recover.")
    if expected <= 0:
        return _("Say how much is expected to be recovered.")
    if not counterparty.strip():
        return _("Name the counterparty.")
    return None


def letter_text(
    *,
    kind: str,
    counterparty: str,
    claim_no: str,
    recovery_no: str,
    loss_date: date,
    basis: str,
    outstanding: Decimal,
    salvage: bool,
) -> str:
    """The letter to the counterparty (in the language active when called)."""
    if salvage:
        body = _(
            "Regarding the salvage of the insured object under claim %(claim)s (loss of "
            "%(date)s): we ask you to pay the agreed salvage value of ¥%(amount)s within 15 "
            "days of this letter, quoting %(recovery)s."
        )
    elif kind == "reminder":
        body = _(
            "Our demand regarding claim %(claim)s (loss of %(date)s) remains unpaid: "
            "¥%(amount)s is outstanding. Basis: %(basis)s. Please pay within 15 days of this "
            "reminder, quoting %(recovery)s, or tell us your position in writing."
        )
    else:
        body = _(
            "Having indemnified our insured under claim %(claim)s for the loss of %(date)s, "
            "we are subrogated to the insured's rights against you to the extent of the "
            "indemnity (Insurance Law art. 60). Basis: %(basis)s. We ask you to pay "
            "¥%(amount)s within 15 days of this letter, quoting %(recovery)s, or tell us "
            "your position in writing."
        )
    values = {
        "claim": claim_no,
        "date": loss_date.isoformat(),
        "amount": outstanding,
        "recovery": recovery_no,
        "basis": basis,
    }
    return _("To %(counterparty)s:") % {"counterparty": counterparty} + "\n" + body % values
