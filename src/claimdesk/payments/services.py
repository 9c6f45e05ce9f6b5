"""Every write of the payments app: instruct, send, confirm, fail, retry, escalate, reconcile.

A claim is paid in one payment (``full``), or, under 先予支付 (§25), an ``interim`` payment of
the part fixed first and the ``balance`` after the final decision: the payments never add
up to more than the decided amount, and each is made once (unique per claim, purpose and
sequence). A failed transfer gives its amount back to the policy-year accumulators, a
retried one takes it again (``claims.services.accumulators``).

Each action is one transaction that locks the claim's case row first (the kernel's lock
order: case, then what hangs off it) and then the payment, so two finance people acting on
one claim at once are serialised: the second sees the first's result and is refused
clearly, never paying twice. Only ``claims.handle_payment`` with a reason to touch the case
(the payment task handed to finance, see ``payment_handover``) may act.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from claimdesk.cases.events import CaseTransitioned
from claimdesk.cases.models import Case, Deadline, DeadlineState, Task, TaskStatus
from claimdesk.cases.services import (
    CaseError,
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    can_act,
    case_lock,
    case_transition,
    deadline_stop,
    escalation_recipient,
    open_tasks_locked,
    task_assign,
    task_complete,
)
from claimdesk.cases.timeline import case_action, timeline_record
from claimdesk.claims.events import ClaimDecided, InterimDecided
from claimdesk.claims.held import claim_held, claim_keep
from claimdesk.claims.models import Claim, ClaimDecision, DecisionStage, DecisionStatus
from claimdesk.claims.services import (
    accumulators_release,
    accumulators_release_unpaid,
    accumulators_retake,
    interim_decided,
    reserve_on_payment,
)
from claimdesk.claims.workflow import ClaimState
from claimdesk.notify.services import notification_queue
from claimdesk.payments.models import AttemptOutcome, Payment, PaymentAttempt
from claimdesk.payments.rules import (
    ACTION_LABELS,
    PAYING_DECISIONS,
    RECONCILE_COLUMNS,
    SERVICE_PURPOSES,
    UNSENT_STATES,
    PaymentAction,
    PaymentPurpose,
    PaymentState,
    actions_from,
    balance_due,
    bank_amount,
    bank_outcome,
    next_state,
    payment_reference,
    pays_beneficiaries,
    revision_settlement,
    split_balance,
)
from claimdesk.policies.events import PayoutDue
from claimdesk.policies.models import BankAccount
from claimdesk.policies.rules import split_by_shares
from claimdesk.policies.selectors import policy_as_of
from claimdesk.staff.roles import Role
from claimdesk.staff.services import role_pool
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local

User = get_user_model()

PAY_PERMISSION = "claims.handle_payment"
PAYMENT_TASK = "payment"


class PaymentExists(IllegalTransition):
    """The claim already has this payment: a payment is never made twice (409)."""


# While a claim may still be decided, only its interim payment moves; once decided, any.
INTERIM_PAYABLE = frozenset({ClaimState.INVESTIGATING, ClaimState.ADJUDICATING, ClaimState.PAYING})
# A revised decision's supplementary payment: while the claim is paid, or after it closed.
REVISION_PAYABLE = frozenset({ClaimState.PAYING, ClaimState.CLOSED})


# --- helpers ------------------------------------------------------------------------------


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _refuse(case: Case) -> NotAllowed:
    return NotAllowed(
        _("You may not handle the payment of claim %(number)s.") % {"number": case.number}
    )


def _finance_only(actor: Actor, case: Case) -> None:
    if not actor.is_authenticated or not actor.has_perm(PAY_PERMISSION):
        raise _refuse(case)


def _may_pay(
    actor: Actor, case: Case, payment: Payment | None = None, action: PaymentAction | None = None
) -> None:
    """Finance only; then (for an action) the payment's state, so that finance hears
    "already confirmed" rather than "not yours" once the payment task is done; then a
    reason to touch this case (the payment task, ownership or oversight)."""
    _finance_only(actor, case)
    if payment is not None and action is not None:
        _step(payment, action)
    if not can_act(actor, case, PAY_PERMISSION):
        raise _refuse(case)


def _lock_case(claim_pk: int) -> Case:
    """The claim's case row, locked: every payment write on a claim queues here."""
    return case_lock(claim_pk)


def _lock(payment: Payment) -> Payment:
    """The payment as it is now, locked after its case (the kernel's lock order)."""
    case = _lock_case(payment.case_id)
    locked = (
        Payment.objects.select_for_update(of=("self",), no_key=True)
        .select_related("claim__policy__holder", "claim__policy__product", "account")
        .get(pk=payment.pk)
    )
    locked.case = case
    if locked.claim is not None:
        locked.claim.case = case
        locked.claim = claim_keep(locked.claim)  # the action's one object of the claim
    return locked


def _step(payment: Payment, action: PaymentAction) -> PaymentState:
    target = next_state(payment.state, action)
    if target is None:
        raise IllegalTransition(
            _("%(action)s is not possible while payment %(reference)s is %(state)s.")
            % {
                "action": ACTION_LABELS[action],
                "reference": payment.reference,
                "state": payment.state_label(),
            },
            allowed=[a.value for a in actions_from(payment.state)],
        )
    return target


def _require_paying(case: Case, payment: Payment | None = None) -> None:
    if payment is not None and payment.claim_id is None:
        # A service request's payment: its own state says what may happen; the request
        # waits for it in its workflow's paying step.
        if not case.is_open:
            raise IllegalTransition(
                _("Request %(number)s is %(status)s, not awaiting payment.")
                % {"number": case.number, "status": case.status_label()}
            )
        return
    interim = payment is not None and payment.purpose == PaymentPurpose.INTERIM
    if interim and case.status in INTERIM_PAYABLE:
        return
    revision = payment is not None and payment.purpose == PaymentPurpose.REVISION
    if revision and case.status in REVISION_PAYABLE:
        return  # a revised decision's supplement is paid on a claim closed meanwhile
    if case.status != ClaimState.PAYING:
        raise IllegalTransition(
            _("Claim %(number)s is %(status)s, not awaiting payment.")
            % {"number": case.number, "status": case.status_label()}
        )


# Who settles a claim instead of its holder (a partner hospital's or repair shop's direct
# settlement): readers registered by higher apps from their ``ready``, each answering the
# claim's settlement account or None.
SettlementPayee = Callable[[Claim], BankAccount | None]
_SETTLEMENT_PAYEES: list[SettlementPayee] = []


def register_settlement_payee(reader: SettlementPayee) -> None:
    if reader not in _SETTLEMENT_PAYEES:
        _SETTLEMENT_PAYEES.append(reader)


def settlement_account(claim: Claim) -> BankAccount | None:
    """The account a registered settlement pays the claim to, if any."""
    for reader in _SETTLEMENT_PAYEES:
        if (found := reader(claim)) is not None:
            return found
    return None


def payee_account(claim: Claim, account: BankAccount | None = None) -> BankAccount:
    """The account a claim is paid to: a direct settlement's partner account (nobody picks
    another); else the one finance picked, which must be the policy holder's own, else the
    holder's designated (default) account."""
    settled = settlement_account(claim)
    if settled is not None:
        if account is not None and account.pk != settled.pk:
            raise GuardFailed(_("A direct-settlement claim is paid only to its partner."))
        return settled
    holder_id = claim.policy.holder_id
    if account is not None:
        if account.owner_id != holder_id:
            raise GuardFailed(_("Payments go only to an account of the policy holder."))
        return account
    accounts = list(BankAccount.objects.filter(owner_id=holder_id))
    default = next((a for a in accounts if a.is_default), None)
    if default is not None:
        return default
    if len(accounts) == 1:
        return accounts[0]
    if not accounts:
        raise GuardFailed(_("The policy holder has no bank account on file."))
    raise GuardFailed(_("The policy holder has no designated account: choose one."))


@dataclass(frozen=True)
class PayeePart:
    """One payee's part of a claim's payment: its amount, coverage split and account."""

    amount: Decimal
    by_coverage: dict[str, str]
    account: BankAccount


def beneficiary_account(name: str, bank_name: str, account_number: str) -> BankAccount:
    """The account a beneficiary named (not a user's: no owner), made once per number."""
    found = BankAccount.objects.filter(
        owner__isnull=True, account_number=account_number, account_name=name
    ).first()
    if found is not None:
        return found
    return BankAccount.objects.create(
        owner=None, account_name=name, bank_name=bank_name, account_number=account_number
    )


def claim_payees(
    claim: Claim,
    due: Due,
    account: BankAccount | None = None,
    beneficiary_accounts: Mapping[str, Mapping[str, str]] | None = None,
) -> list[PayeePart]:
    """Who a claim's payment goes to. A death benefit (``rules.pays_beneficiaries``) goes
    to the beneficiaries of the policy **as it stood at the loss date** (``policy_as_of``),
    one payment each, split by their shares (each part rounded to the fen half up, the last
    taking the remainder — the calculation's split); every other benefit in one payment to
    the policy holder's designated account (``payee_account``).

    A beneficiary's account is the one on the version (named with a beneficiary change),
    else the one finance records from the claim's materials (the beneficiary's bank card:
    ``beneficiary_accounts`` by name, ``{"bank_name", "account_number"}``)."""
    as_of = policy_as_of(claim.policy, to_local(claim.loss_time).date())
    labels = list(claim.loss_items.filter(exclusion__isnull=True).values_list("label", flat=True))
    if not pays_beneficiaries(labels, len(as_of.beneficiaries)):
        return [PayeePart(due.amount, due.by_coverage, payee_account(claim, account))]
    if account is not None:
        raise GuardFailed(
            _("A death benefit is paid to each beneficiary's own account, not one chosen here.")
        )
    given = beneficiary_accounts or {}
    people = tuple(
        b
        if b.account_number
        else replace(
            b,
            bank_name=str((given.get(b.name) or {}).get("bank_name") or "").strip()[:60],
            account_number=_account_number(
                str((given.get(b.name) or {}).get("account_number") or "")
            ),
        )
        for b in as_of.beneficiaries
    )
    missing = [b.name for b in people if not b.account_number or not b.bank_name]
    if missing:
        raise GuardFailed(
            _(
                "The beneficiaries %(names)s of policy version %(version)s have no account "
                "on file: record each one's bank and account number from their bank card."
            )
            % {"names": "、".join(missing), "version": as_of.endorsement}
        )
    shares = [b.share for b in people]
    amounts = split_by_shares(due.amount, shares)
    coverage_parts = {
        code: split_by_shares(Decimal(str(v)), shares) for code, v in due.by_coverage.items()
    }
    return [
        PayeePart(
            amount,
            {code: str(parts[i]) for code, parts in coverage_parts.items() if parts[i]},
            beneficiary_account(b.name, b.bank_name, b.account_number),
        )
        for i, (b, amount) in enumerate(zip(people, amounts, strict=True))
    ]


def _account_number(raw: str) -> str:
    number = raw.replace(" ", "").strip()
    if number and (not number.isdigit() or not 12 <= len(number) <= 30):
        raise GuardFailed(_("An account number has 12 to 30 digits."))
    return number


def _retry_account(payment: Payment, account: BankAccount) -> BankAccount:
    """Another account for a failed payment: a claim's holder's (``payee_account``); a
    beneficiary's or a service request's payment goes only to its payee's own account."""
    if payment.claim is not None and payment.account.owner_id is not None:
        return payee_account(payment.claim, account)
    if account.owner_id is None or account.owner_id != payment.account.owner_id:
        raise GuardFailed(_("This payment goes only to an account of its payee."))
    return account


def _current_transfer(payment: Payment) -> PaymentAttempt | None:
    return payment.transfers.filter(number=payment.attempts).first()


def _event_data(payment: Payment, **extra: Any) -> dict[str, Any]:
    return {
        "reference": payment.reference,
        "purpose": payment.purpose,
        "amount": str(payment.amount),
        "account": payment.masked_account,
        "attempt": payment.attempts,
        # A beneficiary's account (no owner): the customer reads whose it is.
        **({"payee": payment.account.account_name} if payment.account.owner_id is None else {}),
        **extra,
    }


def _send(payment: Payment, *, actor: Actor, now: datetime, bank_ref: str) -> PaymentAttempt:
    """A new transfer of the payment's amount to its account."""
    payment.attempts += 1
    payment.state = PaymentState.SENT
    payment.sent_at = now
    payment.bank_ref = bank_ref.strip()[:64]
    payment.updated_at = now
    payment.save(update_fields=["attempts", "state", "sent_at", "bank_ref", "updated_at"])
    return PaymentAttempt.objects.create(
        payment=payment,
        number=payment.attempts,
        account=payment.account,
        amount=payment.amount,
        sent_at=now,
        sent_by=actor,
        bank_ref=payment.bank_ref,
    )


# --- handing the payment to finance -----------------------------------------------------------


def finance_assignee(claim: Claim) -> Actor | None:
    """Who pays a claim: the active finance person with the fewest open payment tasks,
    someone in the case owner's region first."""
    case = claim.case
    if not Case.owner.is_cached(case):  # read once, with the profile, for the task's return
        case.owner = User.objects.select_related("staff_profile").get(pk=case.owner_id)
    region = getattr(getattr(case.owner, "staff_profile", None), "region", "")
    people = (
        role_pool(Role.FINANCE)
        .select_related("staff_profile")
        .annotate(
            load=Count(
                "tasks",
                filter=Q(tasks__kind=PAYMENT_TASK, tasks__status=TaskStatus.OPEN),
            )
        )
        .order_by("load", "id")
    )
    candidates = list(people)
    local = [
        p
        for p in candidates
        if region and getattr(getattr(p, "staff_profile", None), "region", "") == region
    ]
    pool = local or candidates
    return pool[0] if pool else None


def payment_handover(
    *, claim: Claim, actor: Actor, now: datetime, assignee: Actor | None = None
) -> Task:
    """Hand the payment of an approved claim to finance as a task (it returns to the case
    owner when the payment is confirmed). Already handed over: that task comes back."""
    open_task = (
        claim.case.tasks.filter(kind=PAYMENT_TASK, status=TaskStatus.OPEN)
        .order_by("created_at")
        .first()
    )
    if open_task is not None:
        return open_task
    assignee = assignee or finance_assignee(claim)
    if assignee is None:
        raise GuardFailed(_("No finance person is available to pay the claim."))
    if not assignee.has_perm(PAY_PERMISSION):
        raise GuardFailed(_("Payments go to members of finance."))
    return task_assign(
        case=claim.case,
        kind=PAYMENT_TASK,
        title=_("Pay claim %(number)s") % {"number": claim.number},
        assignee=assignee,
        actor=actor,
        now=now,
    )


# --- payments of a policy-service request -----------------------------------------------------


def payout_on_due(event: PayoutDue) -> None:
    """The subscriber of ``PayoutDue`` (a handler returns nothing)."""
    payout_handover(event)


def payout_handover(event: PayoutDue) -> Payment:
    """A servicing request's approval owes money (``policies.events.PayoutDue``): the
    payment is instructed at once — the approver's signature within their authority is the
    instruction, the amount is the request's, never typed — and handed to finance as a task,
    who sends it and records the bank's answer as for a claim. Made once per case and purpose
    (the unique constraint; the publisher holds the case lock)."""
    try:
        purpose = PaymentPurpose(event.purpose)
    except ValueError as exc:
        raise GuardFailed(_("Unknown payment purpose %(p)s.") % {"p": event.purpose}) from exc
    if purpose not in SERVICE_PURPOSES:
        raise GuardFailed(_("Unknown payment purpose %(p)s.") % {"p": event.purpose})
    if event.account is None:
        raise GuardFailed(
            _("The policyholder has no bank account on file: change the bank account first.")
        )
    if event.amount is None or event.amount <= 0:
        raise GuardFailed(_("Nothing is payable."))
    case = event.case
    existing = Payment.objects.filter(case=case, purpose=purpose).first()
    if existing is not None:
        return existing
    payment = Payment.objects.create(
        reference=payment_reference(case.number, purpose),
        case=case,
        claim=None,
        purpose=purpose,
        amount=event.amount,
        account=event.account,
        instructed_at=event.now,
        instructed_by=event.actor,
        updated_at=event.now,
    )
    timeline_record(
        case, now=event.now, actor=event.actor, kind="payment_instructed",
        data=_event_data(payment),
    )  # fmt: skip
    assignee = _finance_for(case)
    if assignee is not None:
        task_assign(
            case=case,
            kind=PAYMENT_TASK,
            title=_("Pay %(purpose)s of %(number)s: ¥%(amount)s")
            % {
                "purpose": payment.purpose_label(),
                "number": case.number,
                "amount": _money(payment.amount),
            },
            assignee=assignee,
            actor=event.actor,
            now=event.now,
        )
    return payment


def _finance_for(case: Case) -> Actor | None:
    """The active finance person with the fewest open payment tasks (the case owner's
    region first), as for a claim."""
    region = getattr(getattr(case.owner, "staff_profile", None), "region", "")
    people = list(
        role_pool(Role.FINANCE)
        .select_related("staff_profile")
        .annotate(
            load=Count("tasks", filter=Q(tasks__kind=PAYMENT_TASK, tasks__status=TaskStatus.OPEN))
        )
        .order_by("load", "id")
    )
    local = [
        p
        for p in people
        if region and getattr(getattr(p, "staff_profile", None), "region", "") == region
    ]
    pool = local or people
    return pool[0] if pool else None


def _confirm_service(
    payment: Payment,
    transfer: PaymentAttempt | None,
    *,
    actor: Actor,
    now: datetime,
    bank_ref: str,
    via_reconciliation: bool,
) -> None:
    """The bank confirmed a service request's payment: the request's ``confirm_payment``
    step (its workflow stops its payment clock and records it), then the payment, its
    transfer and the finance task; the policyholder is told."""
    case = payment.case
    case_transition(
        case=case,
        action="confirm_payment",
        actor=actor,
        now=now,
        data={
            "reference": payment.reference,
            "bank_ref": bank_ref or payment.reference,
            "amount": str(payment.amount),
            "account": payment.masked_account,
            "purpose": payment.purpose,
        },
    )
    _mark_confirmed(
        payment, transfer, actor=actor, now=now, bank_ref=bank_ref,
        via_reconciliation=via_reconciliation,
    )  # fmt: skip
    for task in case.tasks.filter(kind=PAYMENT_TASK, status=TaskStatus.OPEN):
        if task.assignee_id != actor.pk and not actor.has_perm("cases.view_all_cases"):
            continue  # as for a claim: only the holder (or oversight) completes it
        task_complete(
            task=task,
            actor=actor,
            now=now,
            result=_("Paid ¥%(amount)s (%(reference)s).")
            % {"amount": _money(payment.amount), "reference": payment.reference},
        )
    if case.customer is not None:
        notification_queue(
            recipient=case.customer,
            case=case,
            kind="payment_confirmed",
            now=now,
            subject=_("%(number)s: ¥%(amount)s paid to your account %(account)s")
            % {
                "number": case.number,
                "amount": _money(payment.amount),
                "account": payment.masked_account,
            },
            body=_(
                "The %(purpose)s of ¥%(amount)s (%(reference)s) has reached your account "
                "%(account)s at %(bank)s."
            )
            % {
                "purpose": payment.purpose_label(),
                "amount": _money(payment.amount),
                "reference": payment.reference,
                "account": payment.masked_account,
                "bank": payment.account.bank_name,
            },
        )


# --- the actions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """The payment a claim is due next: what for, how much, and its part of each coverage."""

    purpose: PaymentPurpose
    amount: Decimal
    by_coverage: dict[str, str]


def _by_coverage(decision: ClaimDecision) -> dict[str, str]:
    return dict((decision.calculation or {}).get("by_coverage") or {})


def payment_due(claim: Claim, case: Case) -> Due:
    """What the claim is to be paid now: after an interim decision its interim payment;
    after the final decision the full amount, or the balance over the interim payment.
    Refused when nothing is due (already instructed, or nothing approved)."""
    payments = {p.purpose: p for p in Payment.objects.filter(claim_id=claim.pk)}
    interim = interim_decided(claim)
    if case.status != ClaimState.PAYING:
        if interim is None or case.status not in INTERIM_PAYABLE:
            _require_paying(case)
        assert interim is not None
        return Due(PaymentPurpose.INTERIM, interim.amount, _by_coverage(interim))
    amount = claim.approved_amount
    if claim.decision not in PAYING_DECISIONS or amount is None or amount <= 0:
        raise GuardFailed(
            _("Claim %(number)s has no approved amount to pay.") % {"number": case.number}
        )
    final = claim.decisions.filter(
        status=DecisionStatus.APPROVED, stage=DecisionStage.FINAL
    ).first()
    final_split = _by_coverage(final) if final is not None else {}
    if interim is None:
        return Due(PaymentPurpose.FULL, amount, final_split)
    first = payments.get(PaymentPurpose.INTERIM)
    if first is not None and first.state != PaymentState.CONFIRMED:
        raise IllegalTransition(
            _("The interim payment %(reference)s is not confirmed yet: pay the balance after it.")
            % {"reference": first.reference}
        )
    paid_before = first.amount if first is not None else Decimal(0)
    balance = balance_due(amount, paid_before)
    if balance <= 0:
        raise GuardFailed(
            _("The interim payment already paid the decided amount: no balance is due.")
        )
    interim_split = _by_coverage(interim) if first is not None else {}
    return Due(PaymentPurpose.BALANCE, balance, split_balance(final_split, interim_split))


def _refuse_a_second(claim: Claim, case: Case) -> None:
    """The payment the claim's decisions call for next exists already: 409 (before any
    other check, so a second click hears "already paid", whoever clicks)."""
    interim = interim_decided(claim)
    if claim.decision and interim is not None:
        purpose = PaymentPurpose.BALANCE
    elif claim.decision or interim is None:
        purpose = PaymentPurpose.FULL
    else:
        purpose = PaymentPurpose.INTERIM
    instructed = list(Payment.objects.filter(claim_id=claim.pk).values_list("purpose", "amount"))
    if any(made == purpose for made, _amount in instructed):
        texts = {
            PaymentPurpose.FULL: _("Claim %(number)s already has its payment."),
            PaymentPurpose.INTERIM: _("Claim %(number)s already has its interim payment."),
            PaymentPurpose.BALANCE: _("Claim %(number)s already has its balance payment."),
        }
        raise PaymentExists(texts[purpose] % {"number": case.number})
    if claim.approved_amount is not None and sum(
        (amount for _purpose, amount in instructed), Decimal(0)
    ) >= max(claim.approved_amount, Decimal("0.01")):
        raise PaymentExists(
            _("Claim %(number)s is paid in full: nothing is left to instruct.")
            % {"number": case.number}
        )


def payment_instruct(
    *,
    claim: Claim,
    actor: Actor,
    now: datetime,
    account: BankAccount | None = None,
    beneficiary_accounts: Mapping[str, Mapping[str, str]] | None = None,
) -> Payment:
    """Instruct the payment a claim is due (``payment_due``): the approved amount, the
    interim payment or the balance (never the caller's amount), to the holder's designated
    account unless finance picks another of theirs — or, for a death benefit, one payment
    per beneficiary of the policy at the loss date (``claim_payees``). Returns the first.

    A second instruction of the same payment is refused (409) and never creates a second
    one: the case row lock queues concurrent callers, the unique constraint backs it.
    """
    with case_action():
        claim = claim_held(claim.pk)
        case = claim.case
        _finance_only(actor, case)
        _refuse_a_second(claim, case)
        _may_pay(actor, case)
        due = payment_due(claim, case)
        parts = claim_payees(claim, due, account, beneficiary_accounts)
        payments = []
        try:
            with case_action(savepoint=True):
                for sequence, part in enumerate(parts, start=1):
                    payments.append(
                        Payment.objects.create(
                            reference=payment_reference(
                                case.number, due.purpose, sequence, payees=len(parts)
                            ),
                            case=case,
                            claim=claim,
                            purpose=due.purpose,
                            sequence=sequence,
                            amount=part.amount,
                            by_coverage=part.by_coverage,
                            account=part.account,
                            instructed_at=now,
                            instructed_by=actor,
                            updated_at=now,
                        )
                    )
        except IntegrityError as exc:
            raise PaymentExists(
                _("Claim %(number)s already has its payment.") % {"number": case.number}
            ) from exc
        for payment in payments:
            timeline_record(
                case,
                now=now,
                actor=actor,
                kind="payment_instructed",
                data=_event_data(payment, decision=claim.decision),
            )
    return payments[0]


def payment_settle(*, claim: Claim, actor: Actor, now: datetime) -> Claim:
    """Close a claim whose confirmed payments already pay its decided amount — the
    interim payment covered the final decision, so no balance is due (finance records it;
    the payment clock stops as for any last payment)."""
    with case_action():
        case = _lock_case(claim.pk)
        _finance_only(actor, case)
        _require_paying(case)  # a second click hears "closed" (409), not "not yours"
        _may_pay(actor, case)
        claim = Claim.objects.select_related("policy__holder").get(pk=claim.pk)
        confirmed = list(
            Payment.objects.filter(claim_id=claim.pk, state=PaymentState.CONFIRMED).order_by(
                "confirmed_at", "id"
            )
        )
        paid = sum((p.amount for p in confirmed), Decimal(0))
        if claim.approved_amount is None or not confirmed or paid < claim.approved_amount:
            raise GuardFailed(
                _("Claim %(number)s still has ¥%(amount)s to pay.")
                % {
                    "number": case.number,
                    "amount": _money((claim.approved_amount or Decimal(0)) - paid),
                }
            )
        last = confirmed[-1]
        case_transition(
            case=case,
            action="confirm_payment",
            actor=actor,
            now=now,
            data={
                "reference": last.reference,
                "amount": str(paid),
                "account": last.masked_account,
            },
        )
        for task in case.tasks.filter(kind=PAYMENT_TASK, status=TaskStatus.OPEN, assignee=actor):
            task_complete(
                task=task,
                actor=actor,
                now=now,
                result=_("Paid in full by the interim payment (%(reference)s).")
                % {"reference": last.reference},
            )
    claim.case = case
    return claim


def payment_send(*, payment: Payment, actor: Actor, now: datetime, bank_ref: str = "") -> Payment:
    """Send the instructed payment to the bank (the first transfer)."""
    with case_action():
        payment = _lock(payment)
        case = payment.case
        _may_pay(actor, case, payment, PaymentAction.SEND)
        _require_paying(case, payment)
        _send(payment, actor=actor, now=now, bank_ref=bank_ref)
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="payment_sent",
            customer_visible=True,
            data=_event_data(payment),
        )
    return payment


def _pays_off(payment: Payment, case: Case) -> bool:
    """The payment whose confirmation completes what the claim is paid (its only payment,
    the balance, the last beneficiary's part, or an interim payment after the final
    decision that leaves no balance): it closes the claim."""
    claim = payment.claim
    if claim is None or case.status != ClaimState.PAYING or claim.approved_amount is None:
        return False
    before = sum(
        Payment.objects.filter(claim_id=claim.pk, state=PaymentState.CONFIRMED)
        .exclude(pk=payment.pk)
        .values_list("amount", flat=True),
        Decimal(0),
    )
    return before + payment.amount >= claim.approved_amount


def _confirm(
    payment: Payment, *, actor: Actor, now: datetime, bank_ref: str, via_reconciliation: bool
) -> None:
    """Record the bank's confirmation on a locked payment; the claim's last payment
    closes the claim, an interim payment before it stops the 先予支付 clock; a service
    request's payment moves its request on (its ``confirm_payment`` step stops its clock)."""
    case = payment.case
    _step(payment, PaymentAction.CONFIRM)
    transfer = _current_transfer(payment)
    bank_ref = bank_ref.strip()[:64] or payment.bank_ref
    if payment.claim is None:
        _confirm_service(payment, transfer, actor=actor, now=now, bank_ref=bank_ref,
                         via_reconciliation=via_reconciliation)  # fmt: skip
        return
    interim = payment.purpose == PaymentPurpose.INTERIM
    closes = _pays_off(payment, case)
    # After the final decision the payment task stays open for the balance (or the other
    # beneficiaries' parts).
    balance_to_come = not closes and case.status == ClaimState.PAYING
    # Paid is no longer outstanding: the case reserve drops by the amount (before the
    # claim's closing step, which then finds nothing left to release).
    reserve_on_payment(
        payment.claim, amount=payment.amount, reference=payment.reference, actor=actor, now=now
    )
    if interim and not closes:
        # 先予支付 made: its clock stops (met or breached); the claim goes on being decided.
        for clock in Deadline.objects.filter(
            case=case, rule__code="interim_payment", state=DeadlineState.RUNNING, task=None
        ):
            deadline_stop(deadline=clock, now=now, actor=actor)
    elif closes:
        # The claim transition first: it takes the case's clocks before any event is
        # written (the kernel's lock order); it stops the payment clock as met or breached.
        case_transition(
            case=case,
            action="confirm_payment",
            actor=actor,
            now=now,
            data={
                "reference": payment.reference,
                "amount": str(payment.amount),
                "account": payment.masked_account,
            },
        )
    _mark_confirmed(
        payment, transfer, actor=actor, now=now, bank_ref=bank_ref,
        via_reconciliation=via_reconciliation,
    )  # fmt: skip
    tasks = [] if balance_to_come else open_tasks_locked(case, kind=PAYMENT_TASK, assignee=actor)
    for task in tasks:
        task_complete(
            task=task,
            actor=actor,
            now=now,
            result=_("Paid ¥%(amount)s (%(reference)s).")
            % {"amount": _money(payment.amount), "reference": payment.reference},
        )
    claim = payment.claim
    beneficiary = payment.account.owner_id is None
    notification_queue(
        recipient=case.customer or claim.policy.holder,
        case=case,
        kind="payment_confirmed",
        now=now,
        phone=claim.contact_phone,
        subject=(
            _("Claim %(number)s: ¥%(amount)s paid to %(payee)s's account %(account)s")
            if beneficiary
            else _("Claim %(number)s: ¥%(amount)s paid to your account %(account)s")
        )
        % {
            "number": case.number,
            "amount": _money(payment.amount),
            "account": payment.masked_account,
            "payee": payment.account.account_name,
        },
        body=(
            _(
                "The payment %(reference)s of ¥%(amount)s for claim %(number)s has reached "
                "the account %(account)s of the beneficiary %(payee)s at %(bank)s."
            )
            if beneficiary
            else _(
                "The interim payment %(reference)s of ¥%(amount)s for claim %(number)s has "
                "reached your account %(account)s at %(bank)s. The balance follows the final "
                "decision."
            )
            if not closes
            else _(
                "The payment %(reference)s of ¥%(amount)s for claim %(number)s has reached "
                "your account %(account)s at %(bank)s. The claim is closed."
            )
        )
        % {
            "reference": payment.reference,
            "amount": _money(payment.amount),
            "number": case.number,
            "account": payment.masked_account,
            "bank": payment.account.bank_name,
            "payee": payment.account.account_name,
        },
    )


def payment_confirm(
    *,
    payment: Payment,
    actor: Actor,
    now: datetime,
    bank_ref: str = "",
    via_reconciliation: bool = False,
) -> Payment:
    """The bank confirms the transfer: the payment clock stops, the claim closes
    (``confirm_payment``), the payment task returns to the owner, the customer is told."""
    with case_action():
        payment = _lock(payment)
        _may_pay(actor, payment.case, payment, PaymentAction.CONFIRM)
        _confirm(
            payment,
            actor=actor,
            now=now,
            bank_ref=bank_ref,
            via_reconciliation=via_reconciliation,
        )
    return payment


def _fail(
    payment: Payment,
    *,
    actor: Actor,
    now: datetime,
    reason: str,
    bank_ref: str,
    via_reconciliation: bool,
) -> None:
    _step(payment, PaymentAction.FAIL)
    reason = reason.strip()[:300]
    if not reason:
        raise GuardFailed(_("Say why the transfer failed."))
    transfer = _current_transfer(payment)
    bank_ref = bank_ref.strip()[:64] or payment.bank_ref
    payment.state = PaymentState.FAILED
    payment.failed_at = now
    payment.failure_reason = reason
    payment.bank_ref = bank_ref
    payment.updated_at = now
    payment.save(update_fields=["state", "failed_at", "failure_reason", "bank_ref", "updated_at"])
    _transfer_outcome(
        transfer, AttemptOutcome.FAILED, actor=actor, now=now, bank_ref=bank_ref,
        via_reconciliation=via_reconciliation, reason=reason,
    )  # fmt: skip
    if payment.claim is not None:
        accumulators_release(
            claim=payment.claim,
            payment_reference=payment.reference,
            by_coverage=payment.by_coverage,
            now=now,
        )
    timeline_record(
        payment.case,
        now=now,
        actor=actor,
        kind="payment_failed",
        data=_event_data(payment, reason=reason, bank_ref=bank_ref),
    )


def payment_fail(
    *,
    payment: Payment,
    actor: Actor,
    now: datetime,
    reason: str,
    bank_ref: str = "",
    via_reconciliation: bool = False,
) -> Payment:
    """The bank returned the transfer: record why; finance then retries or escalates."""
    with case_action():
        payment = _lock(payment)
        _may_pay(actor, payment.case, payment, PaymentAction.FAIL)
        _fail(
            payment,
            actor=actor,
            now=now,
            reason=reason,
            bank_ref=bank_ref,
            via_reconciliation=via_reconciliation,
        )
    return payment


def payment_retry(
    *,
    payment: Payment,
    actor: Actor,
    now: datetime,
    account: BankAccount | None = None,
    bank_ref: str = "",
) -> Payment:
    """Send a failed (or escalated) payment again, to another account of the holder if
    finance picks one; the customer sees that we are trying again."""
    with case_action():
        payment = _lock(payment)
        case = payment.case
        _may_pay(actor, case, payment, PaymentAction.RETRY)
        _require_paying(case, payment)
        if account is not None:
            payment.account = _retry_account(payment, account)
            payment.save(update_fields=["account"])
        if payment.claim is not None:
            accumulators_retake(
                claim=payment.claim,
                payment_reference=payment.reference,
                by_coverage=payment.by_coverage,
                now=now,
            )
        _send(payment, actor=actor, now=now, bank_ref=bank_ref)
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="payment_retried",
            customer_visible=True,
            data=_event_data(payment),
        )
    return payment


def payment_escalate(*, payment: Payment, actor: Actor, now: datetime, note: str = "") -> Payment:
    """Hand a failed payment up to the finance person's manager, who is told why."""
    with case_action():
        payment = _lock(payment)
        case = payment.case
        _may_pay(actor, case, payment, PaymentAction.ESCALATE)
        recipient = escalation_recipient(actor)
        payment.state = PaymentState.ESCALATED
        payment.escalated_at = now
        payment.escalated_to = recipient
        payment.updated_at = now
        payment.save(update_fields=["state", "escalated_at", "escalated_to", "updated_at"])
        note = note.strip()[:300]
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="payment_escalated",
            data=_event_data(
                payment, to=recipient.username, reason=payment.failure_reason, note=note
            ),
        )
        notification_queue(
            recipient=recipient,
            case=case,
            kind="payment_escalated",
            now=now,
            subject=_("Payment %(reference)s for claim %(number)s failed and needs you")
            % {"reference": payment.reference, "number": case.number},
            body=_("¥%(amount)s to %(account)s failed %(attempts)s time(s): %(reason)s. %(note)s")
            % {
                "amount": _money(payment.amount),
                "account": payment.masked_account,
                "attempts": payment.attempts,
                "reason": payment.failure_reason,
                "note": note,
            },
        )
    return payment


def payment_act(
    *,
    payment: Payment,
    action: str,
    actor: Actor,
    now: datetime,
    data: Mapping[str, Any] | None = None,
) -> Payment:
    """One action by its code, for the API and the pages (their inputs in ``data``)."""
    data = data or {}
    bank_ref = str(data.get("bank_ref") or "")
    try:
        action = PaymentAction(action)
    except ValueError as exc:
        raise GuardFailed(_("Unknown payment action %(action)s.") % {"action": action}) from exc
    if action is PaymentAction.SEND:
        return payment_send(payment=payment, actor=actor, now=now, bank_ref=bank_ref)
    if action is PaymentAction.CONFIRM:
        return payment_confirm(payment=payment, actor=actor, now=now, bank_ref=bank_ref)
    if action is PaymentAction.FAIL:
        reason = str(data.get("reason") or "")
        return payment_fail(payment=payment, actor=actor, now=now, reason=reason, bank_ref=bank_ref)
    if action is PaymentAction.RETRY:
        account = None
        if data.get("account_id"):
            account = BankAccount.objects.filter(pk=data["account_id"]).first()
            if account is None:
                raise GuardFailed(_("No such bank account."))
        return payment_retry(
            payment=payment, actor=actor, now=now, account=account, bank_ref=bank_ref
        )
    return payment_escalate(payment=payment, actor=actor, now=now, note=str(data.get("note") or ""))


# --- a revised decision ----------------------------------------------------------------------


def _split_sum(payments: Iterable[Payment]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for p in payments:
        for code, value in (p.by_coverage or {}).items():
            total[code] = total.get(code, Decimal(0)) + Decimal(str(value))
    return total


def payment_revise(
    *, claim: Claim, decision: ClaimDecision, actor: Actor, now: datetime
) -> Decimal:
    """Settle a revised decision against the claim's payments (``revision_settlement``):
    cancel the payments that never reached the customer when the amount fell below them,
    instruct a supplementary payment (``A1``, ``A2``…) of what is still due, handed to
    finance; return the overpayment to recover (0 when none). Runs under the case lock
    of the approval, so two revisions are settled one after the other."""
    payments = list(
        Payment.objects.filter(claim_id=claim.pk)
        .exclude(state=PaymentState.CANCELLED)
        .select_related("account")
        .order_by("id")
    )
    unsent = [p for p in payments if p.state in UNSENT_STATES]
    sent = [p for p in payments if p not in unsent]
    cancel, pay, recover = revision_settlement(
        decision.amount,
        sum((p.amount for p in sent), Decimal(0)),
        sum((p.amount for p in unsent), Decimal(0)),
    )
    kept = sent if cancel else payments
    for payment in unsent if cancel else []:
        payment.state = PaymentState.CANCELLED
        payment.updated_at = now
        payment.save(update_fields=["state", "updated_at"])
        timeline_record(
            claim.case, now=now, actor=actor, kind="payment_cancelled",
            data=_event_data(payment, decision=decision.decision),
        )  # fmt: skip
    if pay > 0:
        _instruct_revision(claim, decision, kept, amount=pay, actor=actor, now=now)
    return recover


def _instruct_revision(
    claim: Claim,
    decision: ClaimDecision,
    kept: list[Payment],
    *,
    amount: Decimal,
    actor: Actor,
    now: datetime,
) -> Payment:
    """The supplementary payment of a revised decision, to the holder's designated account,
    its split the revised decision's less what the kept payments carry."""
    sequence = (
        Payment.objects.filter(claim_id=claim.pk, purpose=PaymentPurpose.REVISION).count() + 1
    )
    split = split_balance(_by_coverage(decision), _split_sum(kept))
    payment = Payment.objects.create(
        reference=payment_reference(claim.case.number, PaymentPurpose.REVISION, sequence),
        case=claim.case,
        claim=claim,
        purpose=PaymentPurpose.REVISION,
        sequence=sequence,
        amount=amount,
        by_coverage=split,
        account=payee_account(claim),
        instructed_at=now,
        instructed_by=actor,
        updated_at=now,
    )
    timeline_record(
        claim.case, now=now, actor=actor, kind="payment_instructed",
        data=_event_data(payment, decision=decision.decision),
    )  # fmt: skip
    assignee = finance_assignee(claim)
    if assignee is not None:
        open_task = claim.case.tasks.filter(kind=PAYMENT_TASK, status=TaskStatus.OPEN).first()
        if open_task is None:
            task_assign(
                case=claim.case,
                kind=PAYMENT_TASK,
                title=_("Pay %(purpose)s of %(number)s: ¥%(amount)s")
                % {
                    "purpose": payment.purpose_label(),
                    "number": claim.case.number,
                    "amount": _money(amount),
                },
                assignee=assignee,
                actor=actor,
                now=now,
            )
    return payment


# --- bank reconciliation ----------------------------------------------------------------------

# Headings a bank file may use for each column (English or Chinese).
COLUMN_ALIASES = {
    "reference": ("reference", "ref", "payment reference", "支付编号", "付款编号", "参考号"),
    "status": ("status", "result", "状态", "结果"),
    "amount": ("amount", "金额"),
    "bank_ref": ("bank_ref", "bank reference", "银行流水号", "流水号"),
    "reason": ("reason", "failure reason", "原因", "失败原因"),
}
_HEADING = {alias: column for column, aliases in COLUMN_ALIASES.items() for alias in aliases}


@dataclass(frozen=True)
class RowError:
    row: int
    reference: str
    message: str


@dataclass
class ReconcileResult:
    """What one reconciliation file did, row by row (rows are file line numbers)."""

    confirmed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.confirmed) + len(self.failed) + len(self.unchanged) + len(self.errors)

    def __str__(self) -> str:
        return (
            f"{self.rows} rows: {len(self.confirmed)} confirmed, {len(self.failed)} failed, "
            f"{len(self.unchanged)} unchanged, {len(self.errors)} errors"
        )


def reconcile_rows_read(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """A bank's CSV (UTF-8 or GB18030) as (line number, row) pairs, columns by heading."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise GuardFailed(_("The file is not text."))
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise GuardFailed(_("The file is empty."))
    columns = [_HEADING.get(h.strip().lower(), "") for h in header]
    missing = [c for c in ("reference", "status", "amount") if c not in columns]
    if missing:
        raise GuardFailed(
            _("The file lacks the columns: %(columns)s (expected %(expected)s).")
            % {"columns": ", ".join(missing), "expected": ", ".join(RECONCILE_COLUMNS)}
        )
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        row = {c: "" for c in RECONCILE_COLUMNS}
        for column, value in zip(columns, cells, strict=False):
            if column:
                row[column] = value.strip()
        rows.append((line, row))
    return rows


def _reconcile_row(raw: Mapping[str, str], *, actor: Actor, now: datetime) -> tuple[str, str]:
    """Apply one bank line; (what happened, reference). Refusals raise ``CaseError``."""
    reference = str(raw.get("reference") or "").strip()
    if not reference:
        raise GuardFailed(_("The row has no payment reference."))
    outcome = bank_outcome(str(raw.get("status") or ""))
    if outcome is None:
        raise GuardFailed(
            _("Status %(status)r is neither success nor failed.") % {"status": raw.get("status")}
        )
    amount = bank_amount(str(raw.get("amount") or ""))
    if amount is None:
        raise GuardFailed(_("Amount %(amount)r is unreadable.") % {"amount": raw.get("amount")})
    bank_ref = str(raw.get("bank_ref") or "").strip()[:64]
    if not bank_ref:
        raise GuardFailed(_("The row has no bank reference to match the transfer."))
    found = Payment.objects.filter(reference=reference).first()
    if found is None:
        raise GuardFailed(_("No payment %(reference)s.") % {"reference": reference})
    with case_action():
        payment = _lock(found)
        done = (
            payment.transfers.filter(bank_ref=bank_ref)
            .exclude(outcome=AttemptOutcome.PENDING)
            .first()
        )
        if done is not None and done.outcome == outcome.value and done.amount == amount:
            # Applied before (the same file again): nothing to do, whoever imports it.
            return "unchanged", reference
        if done is not None:
            raise GuardFailed(
                _("Bank reference %(ref)s is already recorded as %(outcome)s.")
                % {"ref": bank_ref, "outcome": done.get_outcome_display()}
            )
        transfer = _current_transfer(payment)
        if (
            transfer is not None
            and not transfer.bank_ref
            and transfer.outcome == outcome.value
            and transfer.amount == amount
            and payment.state != PaymentState.SENT
        ):
            # Recorded by hand before the bank's file came: the file adds its reference.
            transfer.bank_ref = bank_ref
            transfer.save(update_fields=["bank_ref"])
            if not payment.bank_ref:
                payment.bank_ref = bank_ref
                payment.save(update_fields=["bank_ref"])
            return "unchanged", reference
        _may_pay(actor, payment.case)
        if amount != payment.amount:
            raise GuardFailed(
                _("The bank's amount ¥%(bank)s differs from the payment's ¥%(ours)s.")
                % {"bank": _money(amount), "ours": _money(payment.amount)}
            )
        if payment.state != PaymentState.SENT:
            raise IllegalTransition(
                _("Payment %(reference)s is %(state)s: no transfer awaits the bank's answer.")
                % {"reference": reference, "state": payment.state_label()}
            )
        if transfer is not None and transfer.bank_ref and transfer.bank_ref != bank_ref:
            raise GuardFailed(
                _("Bank reference %(ref)s does not match the transfer sent (%(sent)s).")
                % {"ref": bank_ref, "sent": transfer.bank_ref}
            )
        if outcome is PaymentState.CONFIRMED:
            _confirm(payment, actor=actor, now=now, bank_ref=bank_ref, via_reconciliation=True)
            return "confirmed", reference
        reason = str(raw.get("reason") or "").strip() or _("Returned by the bank.")
        _fail(
            payment,
            actor=actor,
            now=now,
            reason=reason,
            bank_ref=bank_ref,
            via_reconciliation=True,
        )
        return "failed", reference


def payments_reconcile(
    *,
    actor: Actor,
    now: datetime,
    rows: Iterable[tuple[int, Mapping[str, str]]] | None = None,
    file: bytes | None = None,
) -> ReconcileResult:
    """Apply a bank reconciliation: each line confirms or fails one transfer on its own
    (a bad line is listed, the others still apply). Importing the same file again changes
    nothing: a transfer the bank already answered for is recognised by its bank reference.
    """
    if not actor.has_perm(PAY_PERMISSION):
        raise NotAllowed(_("You may not reconcile payments."))
    if rows is None:
        if file is None:
            raise GuardFailed(_("Give the rows or the file to reconcile."))
        rows = reconcile_rows_read(file)
    result = ReconcileResult()
    for line, raw in rows:
        try:
            outcome, reference = _reconcile_row(raw, actor=actor, now=now)
        except CaseError as exc:
            reference = str(raw.get("reference") or "").strip()
            result.errors.append(RowError(line, reference, exc.message))
            continue
        getattr(result, outcome).append(reference)
    return result


def payment_on_claim_decided(event: ClaimDecided) -> None:
    """An approved claim becomes a task for finance; with nobody in finance the claim still
    waits on their queue."""
    if event.approved and (assignee := finance_assignee(event.claim)) is not None:
        payment_handover(claim=event.claim, actor=event.actor, now=event.now, assignee=assignee)


def payment_on_interim_decided(event: InterimDecided) -> None:
    """An approved interim decision becomes a payment task for finance (先予支付)."""
    if (assignee := finance_assignee(event.claim)) is not None:
        payment_handover(claim=event.claim, actor=event.actor, now=event.now, assignee=assignee)


def payment_on_claim_withdrawn(event: CaseTransitioned) -> None:
    """A claim withdrawn after a decision gives back the limits its payments do not hold
    (failed ones gave theirs back already)."""
    if event.transition.action != "withdraw":
        return
    claim = Claim.objects.select_related("policy").filter(pk=event.case.pk).first()
    if claim is None:
        return
    kept: dict[str, Decimal] = {}
    live = Payment.objects.filter(claim_id=claim.pk).exclude(
        state__in=[PaymentState.FAILED, PaymentState.ESCALATED, PaymentState.CANCELLED]
    )
    for payment in live:
        for code, amount in (payment.by_coverage or {}).items():
            kept[code] = kept.get(code, Decimal(0)) + Decimal(amount)
    accumulators_release_unpaid(claim=claim, kept=kept, now=event.now, reason="withdrawn")


def _mark_confirmed(
    payment: Payment,
    transfer: PaymentAttempt | None,
    *,
    actor: Actor,
    now: datetime,
    bank_ref: str,
    via_reconciliation: bool,
) -> None:
    """The bank's confirmation on the payment, its transfer and the timeline: the same for a
    claim's payment and a policy-service request's."""
    payment.state = PaymentState.CONFIRMED
    payment.confirmed_at = now
    payment.confirmed_by = actor
    payment.bank_ref = bank_ref
    payment.updated_at = now
    payment.save(update_fields=["state", "confirmed_at", "confirmed_by", "bank_ref", "updated_at"])
    _transfer_outcome(
        transfer, AttemptOutcome.CONFIRMED, actor=actor, now=now, bank_ref=bank_ref,
        via_reconciliation=via_reconciliation,
    )  # fmt: skip
    timeline_record(
        payment.case,
        now=now,
        actor=actor,
        kind="payment_confirmed",
        customer_visible=True,
        data=_event_data(payment, bank_ref=bank_ref),
    )


def _transfer_outcome(
    transfer: PaymentAttempt | None,
    outcome: str,
    *,
    actor: Actor,
    now: datetime,
    bank_ref: str,
    via_reconciliation: bool,
    reason: str = "",
) -> None:
    """What the bank said of the payment's current transfer (confirmed or failed)."""
    if transfer is None:
        return
    transfer.outcome = outcome
    transfer.outcome_at = now
    transfer.outcome_by = actor
    transfer.bank_ref = bank_ref
    if reason:
        transfer.failure_reason = reason
    transfer.via_reconciliation = via_reconciliation
    transfer.save()
