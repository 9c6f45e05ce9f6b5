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
    # Never sent to the bank, or returned by it, when the claim's decision was revised
    # below it: replaced by a payment of the revised amount (no action leads out of it).
    CANCELLED = "cancelled"


STATE_LABELS = {
    PaymentState.INSTRUCTED: _("instructed"),
    PaymentState.SENT: _("sent to the bank"),
    PaymentState.CONFIRMED: _("confirmed"),
    PaymentState.FAILED: _("failed"),
    PaymentState.ESCALATED: _("escalated"),
    PaymentState.CANCELLED: _("cancelled (decision revised)"),
}


class PaymentPurpose(StrEnum):
    FULL = "full"
    INTERIM = "interim"
    BALANCE = "balance"
    # What a decision reopened on review pays beyond what was already paid.
    REVISION = "revision"
    # Payments of a policy-service request (no claim): what the policy pays out.
    SURRENDER = "surrender"
    LOAN = "loan"
    SURVIVAL = "survival"
    REFUND = "refund"


PURPOSE_LABELS = {
    PaymentPurpose.FULL: _("claim payment"),
    PaymentPurpose.INTERIM: _("interim payment (先予支付)"),
    PaymentPurpose.BALANCE: _("balance after the final decision"),
    PaymentPurpose.REVISION: _("supplementary payment after a revised decision"),
    PaymentPurpose.SURRENDER: _("surrender value (退保金)"),
    PaymentPurpose.LOAN: _("policy loan (保单贷款)"),
    PaymentPurpose.SURVIVAL: _("survival benefit"),
    PaymentPurpose.REFUND: _("refund of the cash value given up"),
}

# The purposes of a claim's payments; the others pay a policy-service request.
CLAIM_PURPOSES = frozenset(
    {
        PaymentPurpose.FULL,
        PaymentPurpose.INTERIM,
        PaymentPurpose.BALANCE,
        PaymentPurpose.REVISION,
    }
)
SERVICE_PURPOSES = frozenset(
    {PaymentPurpose.SURRENDER, PaymentPurpose.LOAN, PaymentPurpose.SURVIVAL, PaymentPurpose.REFUND}
)


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


# The letter that tells an interim payment or a balance from a claim's single payment, and
# a service request's payments from each other.
PURPOSE_SUFFIX = {
    PaymentPurpose.FULL: "",
    PaymentPurpose.INTERIM: "I",
    PaymentPurpose.BALANCE: "B",
    PaymentPurpose.REVISION: "A",
    PaymentPurpose.SURRENDER: "S",
    PaymentPurpose.LOAN: "L",
    PaymentPurpose.SURVIVAL: "V",
    PaymentPurpose.REFUND: "R",
}
# A claim's payment split between beneficiaries: P1, P2, … (one per payee).
PAYEE_SUFFIX = "P"


def payment_reference(
    case_number: str,
    purpose: str = PaymentPurpose.FULL,
    sequence: int = 1,
    *,
    payees: int = 1,
) -> str:
    """PY + the claim number's date and sequence (CL20260930000001 → PY20260930000001),
    then I1 for the first interim payment or B1 for the balance; a death benefit paid to
    several beneficiaries adds P1, P2, … per payee. A service request's payment is PY + its
    case number + S1 (surrender), L1 (loan), V1 (survival benefit) or R1 (the refund of a
    decrease of the sum insured).

    Unique because each purpose of a case is paid at most once per sequence, and finance
    reads the case straight off the bank statement.
    """
    purpose = PaymentPurpose(purpose)
    if purpose in SERVICE_PURPOSES:
        return f"{REFERENCE_PREFIX}{case_number}{PURPOSE_SUFFIX[purpose]}{sequence}"
    base = REFERENCE_PREFIX + case_number.removeprefix(CLAIM_PREFIX)
    suffix = PURPOSE_SUFFIX[purpose]
    if payees > 1:
        return f"{base}{suffix}{PAYEE_SUFFIX}{sequence}"
    return f"{base}{suffix}{sequence}" if suffix else base


# --- who a claim pays (the payee per beneficiary) -----------------------------------------

# Words that name a death benefit (身故保险金) in a loss item: it is paid to the
# beneficiaries of the policy at the loss date; every other benefit to the insured.
DEATH_WORDS = ("身故", "死亡", "death")


def pays_beneficiaries(item_labels: list[str], beneficiaries: int) -> bool:
    """Whether a claim's payment goes to the policy's beneficiaries (a death benefit with
    beneficiaries named) rather than to the insured's own account (medical, disability,
    critical illness, property: 保险法第三十九条/第四十二条 — the beneficiary is who receives the
    death benefit; living benefits are the insured's)."""
    if beneficiaries <= 0:
        return False
    return any(word in label.lower() for label in item_labels for word in DEATH_WORDS)


def balance_due(decided: Decimal, paid_before: Decimal) -> Decimal:
    """What the final decision still pays after the interim payments: never below 0, so
    the payments of a claim never add up to more than its decided amount."""
    return max(decided - paid_before, Decimal(0))


# A payment whose money has not reached the bank (or came back from it): a revision below
# the amount cancels it rather than asking the customer to repay.
UNSENT_STATES = frozenset({PaymentState.INSTRUCTED, PaymentState.FAILED, PaymentState.ESCALATED})


def revision_settlement(
    decided: Decimal, sent: Decimal, unsent: Decimal
) -> tuple[bool, Decimal, Decimal]:
    """How a revised decision of ``decided`` is settled against the claim's payments
    (``sent``: at the bank or paid; ``unsent``: instructed, failed or escalated):
    (cancel the unsent ones, the supplementary payment, the overpayment to recover).

    Higher: the unsent payments stay and a supplement pays the rest. Lower: the unsent
    payments are cancelled and a payment of what is still due replaces them; what was
    already sent beyond the new amount is an overpayment. Nothing is ever paid twice.
    """
    if decided >= sent + unsent:
        return False, decided - sent - unsent, Decimal(0)
    return True, max(decided - sent, Decimal(0)), max(sent - decided, Decimal(0))


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
