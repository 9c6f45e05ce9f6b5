from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecoveriesConfig(AppConfig):
    name = "claimdesk.recoveries"
    verbose_name = _("Recoveries")

    def ready(self) -> None:
        from claimdesk.cases.timeline import register_event_kinds
        from claimdesk.cases.workflow import register
        from claimdesk.recoveries.events import RecoveryEventKind
        from claimdesk.recoveries.workflow import WORKFLOW

        register(WORKFLOW)
        register_event_kinds(RecoveryEventKind)
