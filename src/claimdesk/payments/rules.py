"""Payment rules as data: the states a payment goes through, which action leads where, and
how a bank's reconciliation line is read. Pure Python, no ORM."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class PaymentState(StrEnum):
    INSTRUCTED = "instructed"
    SENT = "sent"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    ESCALATED = "escalated"


STATE_LABELS = {
    PaymentState.INSTRUCTED: _("instructed"),
    PaymentState.SENT: _("sent to the bank"),
    PaymentState.CONFIRMED: _("confirmed"),
    PaymentState.FAILED: _("failed"),
    PaymentState.ESCALATED: _("escalated"),
}


class PaymentPurpose(StrEnum):
    FULL = "full"
    INTERIM = "interim"
    BALANCE = "balance"


PURPOSE_LABELS = {
    PaymentPurpose.FULL: _("claim payment"),
    PaymentPurpose.INTERIM: _("interim payment (先予支付)"),
    PaymentPurpose.BALANCE: _("balance after the final decision"),
}


class PaymentAction(StrEnum):
    SEND = "send"
    CONFIRM = "confirm"
    FAIL = "fail"
    RETRY = "retry"
    ESCALATE = "escalate"


ACTION_LABELS = {
    PaymentAction.SEND: _("Send to the bank"),
    PaymentAction.CONFIRM: _("Confirm receipt"),
    PaymentAction.FAIL: _("Mark failed"),
    PaymentAction.RETRY: _("Retry"),
    PaymentAction.ESCALATE: _("Escalate"),
}

# (state, action) → the state it leads to. A failed transfer is sent again (retry) or handed
# up (escalate); after an escalation the payment can still be sent again, e.g. once the
# manager has sorted out the account.
TRANSITIONS: dict[tuple[PaymentState, PaymentAction], PaymentState] = {
    (PaymentState.INSTRUCTED, PaymentAction.SEND): PaymentState.SENT,
    (PaymentState.SENT, PaymentAction.CONFIRM): PaymentState.CONFIRMED,
    (PaymentState.SENT, PaymentAction.FAIL): PaymentState.FAILED,
    (PaymentState.FAILED, PaymentAction.RETRY): PaymentState.SENT,
    (PaymentState.FAILED, PaymentAction.ESCALATE): PaymentState.ESCALATED,
    (PaymentState.ESCALATED, PaymentAction.RETRY): PaymentState.SENT,
}


def next_state(state: str, action: str) -> PaymentState | None:
    """Where ``action`` leads from ``state``; None when the table has no such row."""
    try:
        return TRANSITIONS.get((PaymentState(state), PaymentAction(action)))
    except ValueError:
        return None


def actions_from(state: str) -> list[PaymentAction]:
    """The actions a payment in ``state`` allows, in table order."""
    return [a for (s, a) in TRANSITIONS if s == state]


# Decisions that pay something: a rejection never reaches payment.
PAYING_DECISIONS = frozenset({"approve", "partial"})
CLAIM_PREFIX = "CL"
REFERENCE_PREFIX = "PY"


# The letter that tells an interim payment or a balance from a claim's single payment.
PURPOSE_SUFFIX = {PaymentPurpose.FULL: "", PaymentPurpose.INTERIM: "I", PaymentPurpose.BALANCE: "B"}


def payment_reference(
    claim_number: str, purpose: str = PaymentPurpose.FULL, sequence: int = 1
) -> str:
    """PY + the claim number's date and sequence (CL20260930000001 → PY20260930000001),
    then I1 for the first interim payment or B1 for the balance.

    Unique because each purpose of a claim is paid at most once per sequence, and finance
    reads the claim straight off the bank statement.
    """
    base = REFERENCE_PREFIX + claim_number.removeprefix(CLAIM_PREFIX)
    suffix = PURPOSE_SUFFIX[PaymentPurpose(purpose)]
    return f"{base}{suffix}{sequence}" if suffix else base


def balance_due(decided: Decimal, paid_before: Decimal) -> Decimal:
    """What the final decision still pays after the interim payments: never below 0, so
    the payments of a claim never add up to more than its decided amount."""
    return max(decided - paid_before, Decimal(0))


def split_balance(
    final: dict[str, str] | dict[str, Decimal], interim: dict[str, str] | dict[str, Decimal]
) -> dict[str, str]:
    """The balance's part of each coverage: the final decision's less the interim's."""
    codes = list(dict.fromkeys([*final, *interim]))
    parts = {c: Decimal(str(final.get(c, 0))) - Decimal(str(interim.get(c, 0))) for c in codes}
    return {c: str(v) for c, v in parts.items() if v}


# --- bank reconciliation lines ---------------------------------------------------------------

RECONCILE_COLUMNS = ("reference", "status", "amount", "bank_ref", "reason")
SUCCESS_WORDS = frozenset({"success", "succeeded", "ok", "paid", "成功", "已到账", "到账"})
FAILURE_WORDS = frozenset({"failed", "failure", "fail", "rejected", "失败", "退回", "退票"})


def bank_outcome(raw: str) -> PaymentState | None:
    """A bank's status word as confirmed / failed; None when it is neither."""
    word = (raw or "").strip().lower()
    if word in SUCCESS_WORDS:
        return PaymentState.CONFIRMED
    if word in FAILURE_WORDS:
        return PaymentState.FAILED
    return None


# The largest bank reconciliation file accepted (page and API).
MAX_RECONCILE_BYTES = 5 * 1024 * 1024


def bank_amount(raw: str) -> Decimal | None:
    """A bank amount (``1,234.50``, ``¥1234.5``) in yuan to the fen; None when unreadable."""
    text = (raw or "").strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    try:
        value = Decimal(text)
        # quantize itself refuses a number too large for the context (e.g. 1e30)
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            return None
        return value.quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
