"""Recoveries: open one on a motor or property claim, write to the counterparty (every
letter through the compliance gate), record amounts received (each bank reference once),
settle or close. What is received lowers the claim's net cost and, while the claim is open,
its reserve (``claims.services.reserve_on_recovery``), in the same transaction.

Lock order: the recovery's case, then its claim's case.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db.models import Sum
from django.utils import translation
from django.utils.translation import gettext as _

from claimdesk.cases.models import Case
from claimdesk.cases.services import (
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    can_act,
    case_open,
    case_transition,
)
from claimdesk.cases.timeline import case_action, timeline_record
from claimdesk.claims.models import Claim
from claimdesk.claims.services import reserve_on_recovery
from claimdesk.compliance.services import message_gate
from claimdesk.recoveries import rules
from claimdesk.recoveries.models import (
    LetterKind,
    Recovery,
    RecoveryKind,
    RecoveryLetter,
    RecoveryReceipt,
)
from claimdesk.recoveries.workflow import KIND, PERMISSION, RecoveryState
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local


def _money(value) -> Decimal:
    try:
        amount = Decimal(str(value).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise GuardFailed(_("Enter an amount in yuan, e.g. 1200.00.")) from None
    if not amount.is_finite():
        raise GuardFailed(_("Enter an amount in yuan, e.g. 1200.00."))
    return amount


def received_total(recovery: Recovery) -> Decimal:
    return recovery.receipts.aggregate(s=Sum("amount"))["s"] or Decimal(0)


def recovery_open(
    *,
    claim: Claim,
    kind: str,
    counterparty: str,
    expected: object,
    basis: str,
    actor: Actor,
    now: datetime,
    contact: str = "",
) -> Recovery:
    """Open a recovery on ``claim`` (its own case, owned by whoever opens it); the claim's
    timeline says so."""
    amount = _money(expected)
    if kind not in rules.OPENED_BY_HAND:
        raise GuardFailed(_("Choose subrogation or salvage."))
    with case_action():
        claim_case = Case.objects.select_for_update(no_key=True).get(pk=claim.pk)
        if not can_act(actor, claim_case, PERMISSION):
            raise NotAllowed(
                _("You may not pursue recoveries on claim %(number)s.")
                % {"number": claim_case.number}
            )
        refusal = rules.open_refusal(
            line=claim.loss_type,
            decision=claim.decision,
            expected=amount,
            counterparty=counterparty,
        ) or (None if basis.strip() else _("Say why the counterparty owes it."))
        if refusal:
            raise GuardFailed(refusal)
        recovery = _open(
            claim,
            claim_case,
            kind=kind,
            counterparty=counterparty,
            contact=contact,
            basis=basis,
            amount=amount,
            owner=actor,
            actor=actor,
            now=now,
        )
    return recovery


def recovery_open_overpayment(
    *, claim: Claim, amount: Decimal, basis: str, actor: Actor, now: datetime
) -> Recovery:
    """The customer owes back what a revised decision no longer pays (an overpayment): a
    recovery against the policy holder, opened as part of the revision's approval (its
    authority), owned by the claim's owner when they pursue recoveries, else the approver.
    The caller holds the claim's case lock."""
    if amount <= 0:
        raise GuardFailed(_("Say how much is expected to be recovered."))
    claim_case = Case.objects.select_for_update(no_key=True).get(pk=claim.pk)
    owner = (
        claim_case.owner if claim_case.owner and claim_case.owner.has_perm(PERMISSION) else actor
    )
    holder = claim.policy.holder
    return _open(
        claim,
        claim_case,
        kind=RecoveryKind.OVERPAYMENT,
        counterparty=holder.get_full_name() or holder.username,
        contact=claim.contact_phone,
        basis=basis,
        amount=amount,
        owner=owner,
        actor=actor,
        now=now,
    )


def _open(
    claim: Claim,
    claim_case: Case,
    *,
    kind: str,
    counterparty: str,
    contact: str,
    basis: str,
    amount: Decimal,
    owner: Actor,
    actor: Actor,
    now: datetime,
) -> Recovery:
    label = RecoveryKind(kind).label
    case = case_open(
        kind=KIND,
        title=f"{claim_case.number} {label}: {counterparty.strip()}"[:200],
        actor=actor,
        now=now,
        owner=owner,
        customer=None,  # the insurer's business with a third party: not the customer's case
    )
    recovery = Recovery.objects.create(
        case=case,
        claim=claim,
        kind=kind,
        counterparty=counterparty.strip()[:120],
        counterparty_contact=contact.strip()[:200],
        basis=basis.strip()[:300],
        expected_amount=amount,
        opened_at=now,
    )
    timeline_record(
        claim_case,
        now=now,
        actor=actor,
        kind="recovery_opened",
        data={
            "recovery": case.number,
            "kind": kind,
            "counterparty": recovery.counterparty,
            "expected": str(amount),
        },
    )
    return recovery


def _lock(recovery: Recovery, actor: Actor) -> tuple[Case, Recovery]:
    case = Case.objects.select_for_update(no_key=True).get(pk=recovery.pk)
    if not can_act(actor, case, PERMISSION):
        raise NotAllowed(_("You may not work on recovery %(number)s.") % {"number": case.number})
    if not case.is_open:
        raise IllegalTransition(
            _("Recovery %(number)s is %(status)s.")
            % {"number": case.number, "status": case.status_label()}
        )
    return case, Recovery.objects.select_related("claim__case").get(pk=recovery.pk)


def recovery_letter(
    *, recovery: Recovery, actor: Actor, now: datetime, override_by: Actor | None = None
) -> RecoveryLetter:
    """Write the demand (first) or a reminder to the counterparty; it goes out only through
    the compliance gate. The first demand takes the recovery to 'demand sent'."""
    with case_action():
        case, recovery = _lock(recovery, actor)
        claim = recovery.claim
        first = not recovery.letters.exists()
        kind = LetterKind.DEMAND if first else LetterKind.REMINDER
        with translation.override("zh-hans"):  # letters go out in the product's language
            text = rules.letter_text(
                kind=kind,
                counterparty=recovery.counterparty,
                claim_no=claim.number,
                recovery_no=case.number,
                loss_date=to_local(claim.loss_time).date(),
                basis=recovery.basis,
                outstanding=max(recovery.expected_amount - received_total(recovery), Decimal(0)),
                salvage=recovery.kind == RecoveryKind.SALVAGE,
            )
        gate = message_gate(
            text=text,
            actor=actor,
            now=now,
            context=f"recovery:{case.number}:{kind}",
            override_by=override_by,
        )
        if not gate.ok:
            hits = "、".join(v.term for v in gate.violations)
            raise GuardFailed(
                _("The letter was not issued: it contains %(hits)s.") % {"hits": hits}
            )
        letter = RecoveryLetter.objects.create(
            recovery=recovery,
            kind=kind,
            text=text,
            issued_by=actor,
            issued_at=now,
            overridden=gate.overridden,
        )
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="recovery_letter",
            data={"letter": letter.pk, "kind": kind, "to": recovery.counterparty},
        )
        if case.status == RecoveryState.OPEN:
            case_transition(
                case=case, action="demand", actor=actor, now=now, data={"letter": letter.pk}
            )
    return letter


def recovery_receive(
    *,
    recovery: Recovery,
    amount: object,
    reference: str,
    received_on: date,
    actor: Actor,
    now: datetime,
) -> RecoveryReceipt:
    """Record an amount received; a bank reference counts once. It lowers the claim's net
    cost and open reserve; received in full, the recovery is settled."""
    value = _money(amount)
    reference = reference.strip()
    if value <= 0:
        raise GuardFailed(_("The amount received must be more than 0."))
    if not reference:
        raise GuardFailed(_("Give the bank reference of the amount received."))
    with case_action():
        case, recovery = _lock(recovery, actor)
        if recovery.receipts.filter(reference=reference).exists():
            raise IllegalTransition(
                _("%(reference)s is already recorded on recovery %(number)s.")
                % {"reference": reference, "number": case.number}
            )
        claim_case = Case.objects.select_for_update(no_key=True).get(pk=recovery.claim_id)
        receipt = RecoveryReceipt.objects.create(
            recovery=recovery,
            amount=value,
            reference=reference[:64],
            received_on=received_on,
            recorded_by=actor,
            recorded_at=now,
        )
        total = received_total(recovery)
        timeline_record(
            case,
            now=now,
            actor=actor,
            kind="recovery_received",
            data={"amount": str(value), "reference": reference, "total": str(total)},
        )
        claim = Claim.objects.select_related("case").get(pk=claim_case.pk)
        reserve_on_recovery(
            claim,
            amount=value,
            source=f"{case.number} {recovery.counterparty}",
            actor=actor,
            now=now,
        )
        if total >= recovery.expected_amount:
            case_transition(case=case, action="settle", actor=actor, now=now, data={})
    return receipt


def recovery_close(*, recovery: Recovery, reason: str, actor: Actor, now: datetime) -> Recovery:
    """Close a recovery short of the full amount (written off, settled for less), saying why."""
    with case_action():
        case, recovery = _lock(recovery, actor)
        case_transition(
            case=case, action="close", actor=actor, now=now, data={"reason": reason.strip()}
        )
    return recovery
