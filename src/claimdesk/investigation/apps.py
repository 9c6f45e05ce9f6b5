from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class InvestigationConfig(AppConfig):
    name = "claimdesk.investigation"
    verbose_name = _("Investigation and loss assessment")

    def ready(self) -> None:
        from claimdesk.cases.timeline import register_event_kinds
        from claimdesk.investigation.events import InvestigationEventKind

        register_event_kinds(InvestigationEventKind)
        from claimdesk.claims.selectors import register_review_flags
        from claimdesk.investigation.selectors import claim_red_flags

        # An adjuster weighs investigation's red flags beside intake's.
        register_review_flags(claim_red_flags)
        from claimdesk.investigation.work import register as register_work

        register_work()  # what is due on its rows of the work queues
        # The data migration seeds the defaults once; a ``flush`` (every transactional
        # test) empties the tables, so put them back, only into empty tables.
        post_migrate.connect(_ensure_defaults, sender=self, dispatch_uid="claimdesk-investigation")


def _ensure_defaults(using: str = "default", apps=None, **kwargs) -> None:
    from claimdesk.investigation.defaults import seed

    if apps is None:  # ``flush`` sends post_migrate without the migration state
        from django.apps import apps
    try:
        apps.get_model("investigation", "ExclusionTerm")
        apps.get_model("cases", "SlaRule")
    except LookupError:
        return
    seed(apps, using)
