from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claimdesk.claims"
    verbose_name = _("Claims")

    def ready(self) -> None:
        from claimdesk.cases.timeline import register_event_kinds
        from claimdesk.claims.events import ClaimEventKind

        register_event_kinds(ClaimEventKind)
        from claimdesk.cases.workflow import register
        from claimdesk.claims.workflow import WORKFLOW

        register(WORKFLOW)
        from claimdesk.claims.work import register as register_work

        register_work()  # what is due on its rows of the work queues
        # A ``flush`` (every transactional test) empties the checklist table that the data
        # migration seeded; put the defaults back, but only into an empty table so that an
        # admin's edits are never undone.
        post_migrate.connect(_ensure_checklists, sender=self, dispatch_uid="claimdesk-checklists")


def _ensure_checklists(using: str = "default", apps=None, **kwargs) -> None:
    if apps is None:  # ``flush`` sends post_migrate without the migration state
        from django.apps import apps
    try:
        Item = apps.get_model("claims", "ChecklistTemplateItem")
    except LookupError:
        return
    if not Item.objects.using(using).exists():
        seed_default_checklists(Item, using)


def seed_default_checklists(Item, using: str = "default") -> None:
    from claimdesk.claims.rules import DEFAULT_CHECKLISTS

    for spec in DEFAULT_CHECKLISTS:
        for position, item in enumerate(spec.items):
            Item.objects.using(using).get_or_create(
                loss_type=spec.loss_type.value,
                product=None,
                code=item.code,
                defaults={
                    "name": item.name,
                    "core": item.core,
                    "lasting": item.lasting,
                    "position": position,
                },
            )
