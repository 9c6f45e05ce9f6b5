"""Reads of payments for the API and the workbench: who may see which payment."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from claimdesk.cases.models import CaseEvent
from claimdesk.cases.selectors import cases_visible_to
from claimdesk.claims.models import Claim, ClaimDecision, DecisionStage, DecisionStatus
from claimdesk.claims.workflow import ClaimState
from claimdesk.payments.models import Payment
from claimdesk.payments.rules import PaymentPurpose, PaymentState
from claimdesk.types import Actor


def payments_visible_to(user: Actor) -> QuerySet[Payment]:
    """A customer sees the payments of their own claims and requests, staff those of the
    cases they may see (finance: the cases handed to them), oversight all."""
    return Payment.objects.filter(case__in=cases_visible_to(user)).select_related(
        "case", "claim__case", "claim__policy__holder", "account", "instructed_by", "escalated_to"
    )


def payment_for_claim(user: Actor, claim: Claim) -> Payment | None:
    """The claim's latest payment (the balance once there is one)."""
    return payments_visible_to(user).filter(claim=claim).order_by("-instructed_at", "-id").first()


def payments_for_claim(user: Actor, claim: Claim) -> list[Payment]:
    """Every payment of the claim, first made first (interim payment, then the balance)."""
    return list(payments_visible_to(user).filter(claim=claim).order_by("instructed_at", "id"))


def payment_find(user: Actor, reference: str) -> Payment | None:
    """The payment with ``reference`` if ``user`` may see it (else None: a 404)."""
    if "\x00" in reference:
        return None
    return payments_visible_to(user).filter(reference=reference).first()


def payments_by_state(user: Actor) -> dict[str, list[Payment]]:
    """The finance workbench: the payments the user may see, grouped by state, oldest first."""
    groups: dict[str, list[Payment]] = {s.value: [] for s in PaymentState}
    for p in payments_visible_to(user).order_by("instructed_at"):
        groups[p.state].append(p)
    return groups


def claims_awaiting_payment(user: Actor) -> QuerySet[Claim]:
    """Claims the user may see with a payment due but not instructed: in ``paying``
    without their payment (or balance), or with an interim payment decided (先予支付) and
    not yet instructed."""
    final_paid = Exists(
        Payment.objects.filter(
            claim=OuterRef("pk"), purpose__in=[PaymentPurpose.FULL, PaymentPurpose.BALANCE]
        )
    )
    interim_due = Exists(
        ClaimDecision.objects.filter(
            claim=OuterRef("pk"), stage=DecisionStage.INTERIM, status=DecisionStatus.APPROVED
        )
    ) & ~Exists(Payment.objects.filter(claim=OuterRef("pk"), purpose=PaymentPurpose.INTERIM))
    return (
        Claim.objects.filter(case__in=cases_visible_to(user))
        .filter(
            (Q(case__status=ClaimState.PAYING) & ~final_paid)
            | (
                Q(case__status__in=[ClaimState.INVESTIGATING, ClaimState.ADJUDICATING])
                & interim_due
            )
        )
        .select_related("case", "policy__holder")
        .order_by("decided_at", "case__opened_at")
    )


PAYMENT_EVENTS = frozenset(
    {
        "payment_instructed",
        "payment_sent",
        "payment_retried",
        "payment_failed",
        "payment_confirmed",
        "payment_escalated",
    }
)


def payment_event_text(event: CaseEvent) -> str | None:
    """A payment event of the timeline in words (None for other events), for
    ``claims.selectors.event_text``; customers see only sent, retried and confirmed."""
    if event.kind not in PAYMENT_EVENTS:
        return None
    data = event.data or {}
    values = {
        "amount": data.get("amount", ""),
        "account": data.get("account", ""),
        "reference": data.get("reference", ""),
        "attempt": data.get("attempt", ""),
        "reason": data.get("reason", ""),
        "to": data.get("to", ""),
    }
    if data.get("payee"):
        payee = {
            "payment_sent": _("We sent ¥%(amount)s to the account %(account)s of %(payee)s."),
            "payment_confirmed": _("¥%(amount)s has reached the account %(account)s of %(payee)s."),
        }
        if event.kind in payee:
            return payee[event.kind] % {**values, "payee": data["payee"]}
    if data.get("purpose") == PaymentPurpose.INTERIM:
        interim = {
            "payment_sent": _(
                "We sent the interim payment of ¥%(amount)s to your account %(account)s."
            ),
            "payment_confirmed": _(
                "The interim payment of ¥%(amount)s has reached your account %(account)s."
            ),
        }
        if event.kind in interim:
            return interim[event.kind] % values
    if data.get("purpose") == PaymentPurpose.BALANCE:
        balance = {
            "payment_sent": _("We sent the balance of ¥%(amount)s to your account %(account)s."),
            "payment_confirmed": _(
                "The balance of ¥%(amount)s has reached your account %(account)s."
            ),
        }
        if event.kind in balance:
            return balance[event.kind] % values
    texts = {
        "payment_instructed": _("Payment %(reference)s of ¥%(amount)s instructed."),
        "payment_sent": _("We sent ¥%(amount)s to your account %(account)s."),
        "payment_retried": _(
            "The transfer did not go through; we are sending ¥%(amount)s to your account "
            "%(account)s again."
        ),
        "payment_failed": _("Transfer %(attempt)s of payment %(reference)s failed: %(reason)s"),
        "payment_confirmed": _("¥%(amount)s has reached your account %(account)s."),
        "payment_escalated": _("Payment %(reference)s escalated to %(to)s."),
    }
    return texts[event.kind] % values
