from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnderwritingConfig(AppConfig):
    name = "claimdesk.underwriting"
    verbose_name = _("Underwriting")

    def ready(self) -> None:
        from claimdesk.cases.timeline import register_customer_text, register_event_kinds
        from claimdesk.cases.workflow import register
        from claimdesk.underwriting.events import UnderwritingEventKind
        from claimdesk.underwriting.selectors import underwriting_event_text
        from claimdesk.underwriting.work import register as register_work
        from claimdesk.underwriting.workflow import WORKFLOW

        register_event_kinds(UnderwritingEventKind)
        register(WORKFLOW)
        register_customer_text(underwriting_event_text)
        register_work()  # what is due on its rows of the work queues
        from claimdesk.cases.events import subscribe
        from claimdesk.policies.events import RiskChangeRequested
        from claimdesk.underwriting.services import risk_change_requested

        # An increase of the sum insured asked for in servicing is underwritten here.
        subscribe(RiskChangeRequested, risk_change_requested, kinds=("policy_service",))
