from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "claimdesk.partners"
    verbose_name = _("Partners and direct settlement")

    def ready(self) -> None:
        from claimdesk.cases.events import subscribe
        from claimdesk.cases.timeline import register_event_kinds
        from claimdesk.claims.events import ClaimDecided
        from claimdesk.claims.services.accumulators import register_holds
        from claimdesk.partners.events import PartnerEventKind
        from claimdesk.partners.services import (
            preauthorisation_holds,
            preauthorisation_on_decided,
            settlement_account_of,
        )
        from claimdesk.payments.services import register_settlement_payee

        register_event_kinds(PartnerEventKind)
        # A pre-authorisation holds room in the policy year until a claim uses it.
        register_holds(preauthorisation_holds)
        subscribe(ClaimDecided, preauthorisation_on_decided)
        # A direct-settlement claim is paid to its partner's settlement account.
        register_settlement_payee(settlement_account_of)
