from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claimdesk.claims"
    verbose_name = _("Claims")

    def ready(self) -> None:
        from claimdesk.cases.services import register_transition_check
        from claimdesk.claims.services import claim_transition_check

        register_transition_check("claim", claim_transition_check)
