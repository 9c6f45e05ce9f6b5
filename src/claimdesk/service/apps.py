from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "claimdesk.service"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from claimdesk.cases.timeline import register_event_kinds
        from claimdesk.service.events import TicketEventKind

        register_event_kinds(TicketEventKind)
        from claimdesk.cases.workflow import register
        from claimdesk.service.workflow import WORKFLOW

        register(WORKFLOW)
        from claimdesk.service.work import register as register_work

        register_work()  # what is due on its rows of the work queues
        # A ``flush`` (every transactional test) empties the template table the data
        # migration seeded; put the defaults back, only into an empty table so that an
        # admin's edits are never undone.
        post_migrate.connect(_ensure_templates, sender=self, dispatch_uid="claimdesk-templates")


def _ensure_templates(using: str = "default", apps=None, **kwargs) -> None:
    if apps is None:  # ``flush`` sends post_migrate without the migration state
        from django.apps import apps
    try:
        Template = apps.get_model("service", "ReplyTemplate")
    except LookupError:
        return
    if not Template.objects.using(using).exists():
        seed_default_templates(Template, using)


def seed_default_templates(Template, using: str = "default") -> None:
    """One Chinese + English template per core scenario (rules.DEFAULT_TEMPLATES)."""
    from claimdesk.service.rules import DEFAULT_TEMPLATES

    for seed in DEFAULT_TEMPLATES:
        Template.objects.using(using).get_or_create(
            scenario=seed.scenario,
            title=seed.title,
            defaults={"body_zh": seed.body_zh, "body_en": seed.body_en},
        )
