from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "claimdesk.payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from claimdesk.cases.timeline import register_event_kinds
        from claimdesk.payments.events import PaymentEventKind

        register_event_kinds(PaymentEventKind)
        from claimdesk.cases.events import CaseTransitioned, subscribe
        from claimdesk.cases.timeline import register_customer_text
        from claimdesk.claims.events import ClaimDecided, InterimDecided
        from claimdesk.payments.selectors import payment_event_text
        from claimdesk.payments.services import (
            payment_on_claim_decided,
            payment_on_claim_withdrawn,
            payment_on_interim_decided,
            payout_on_due,
        )
        from claimdesk.policies.events import PayoutDue

        # An approved claim goes to finance, after its letter is issued (notices: order 0).
        subscribe(ClaimDecided, payment_on_claim_decided, order=10)
        subscribe(InterimDecided, payment_on_interim_decided, order=10)
        # What a policy-service request pays out (a surrender, a loan, a survival benefit).
        subscribe(PayoutDue, payout_on_due)
        # A claim withdrawn after its decision gives back the limits it no longer needs.
        subscribe(CaseTransitioned, payment_on_claim_withdrawn, kinds=("claim",))
        register_customer_text(payment_event_text)
        from claimdesk.payments.work import register as register_work

        register_work()  # what is due on its rows of the work queues
        from claimdesk.ledger.chained import Chained, chain_model

        # A payment's amount and split, and each transfer's amount and account, chain into
        # the ledger of the case that pays (a claim, a policy-service request); a retry may
        # move the payment to a new account: not hashed.
        chain_model(
            Chained(
                record_type="payment",
                label="payment",
                model_label="payments.Payment",
                fields=(
                    "reference",
                    "case",
                    "purpose",
                    "sequence",
                    "amount",
                    "by_coverage",
                    "instructed_at",
                    "instructed_by",
                ),
                case_path="case_id",
                at_field="instructed_at",
            )
        )
        chain_model(
            Chained(
                record_type="transfer",
                label="transfer",
                model_label="payments.PaymentAttempt",
                fields=("payment", "number", "account", "amount", "sent_at", "sent_by"),
                case_path="payment__case_id",
                at_field="sent_at",
            )
        )
