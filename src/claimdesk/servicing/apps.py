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
