from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicingConfig(AppConfig):
    name = "claimdesk.servicing"
    verbose_name = _("Policy servicing")

    def ready(self) -> None:
        from claimdesk.cases.timeline import register_customer_text, register_event_kinds
        from claimdesk.cases.workflow import register
        from claimdesk.servicing.events import ServiceEventKind
        from claimdesk.servicing.selectors import service_event_text
        from claimdesk.servicing.work import register as register_work
        from claimdesk.servicing.workflow import WORKFLOW

        register(WORKFLOW)
        from claimdesk.cases.events import subscribe
        from claimdesk.policies.events import RiskDecided
        from claimdesk.servicing.services import risk_decided

        # Underwriting's decision on an increase of the sum insured comes back to the request.
        subscribe(RiskDecided, risk_decided, kinds=("policy_service",))
        register_event_kinds(ServiceEventKind)
        register_customer_text(service_event_text)
        register_work()  # what is due on its rows of the work queues
        from claimdesk.ledger.chained import Chained, chain_model

        # Each endorsement chains into the request's ledger; the policy as issued (version
        # 1, stored with the first change) chains just before it.
        chain_model(
            Chained(
                record_type="endorsement",
                label="endorsement",
                model_label="policies.Endorsement",
                fields=(
                    "policy",
                    "version",
                    "number",
                    "effective_on",
                    "kind",
                    "changes",
                    "terms",
                    "issued_at",
                    "issued_by",
                ),
                case_path="case_id",
                at_field="issued_at",
                earlier=_issued_version,
            )
        )


def _issued_version(endorsement, model):
    return model.objects.filter(policy_id=endorsement.policy_id, case__isnull=True).order_by(
        "version"
    )
