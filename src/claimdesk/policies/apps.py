from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "claimdesk.policies"
    verbose_name = _("Policies")

    def ready(self) -> None:
        from claimdesk.cases.workflow import register
        from claimdesk.policies.workflow import POLICY_SERVICE_WORKFLOW

        register(POLICY_SERVICE_WORKFLOW)
