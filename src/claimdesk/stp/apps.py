from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StpConfig(AppConfig):
    name = "claimdesk.stp"
    verbose_name = _("Straight-through claims")

    def ready(self) -> None:
        from claimdesk.cases.committed import subscribe_committed
        from claimdesk.cases.timeline import register_customer_text, register_event_kinds
        from claimdesk.stp.events import StpEventKind
        from claimdesk.stp.selectors import stp_customer_text
        from claimdesk.stp.services import on_committed

        register_event_kinds(StpEventKind)
        register_customer_text(stp_customer_text)
        # A claim's document was read: check it for straight-through processing.
        subscribe_committed(on_committed)
        from claimdesk.cases.events import subscribe
        from claimdesk.claims.events import DecisionRevised
        from claimdesk.stp.services import on_decision_revised

        # A reopened automatic decision, once its revision is approved: pay or recover.
        subscribe(DecisionRevised, on_decision_revised)
        post_migrate.connect(_ensure_defaults, sender=self, dispatch_uid="claimdesk-stp")


def _ensure_defaults(using: str = "default", apps=None, **kwargs) -> None:
    """The lines' defaults, only into an empty table (a ``flush`` empties it)."""
    from claimdesk.stp.defaults import seed

    if apps is None:
        from django.apps import apps
    try:
        apps.get_model("stp", "StpLine")
    except LookupError:
        return
    seed(apps, using)
