from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    name = "claimdesk.assistant"
    verbose_name = _("FAQ assistant")

    def ready(self) -> None:
        # A ``flush`` (every transactional test) empties the knowledge base that the data
        # migration seeded; put the seed back, but only into an empty table so that an
        # admin's edits (or deliberate deletions of single entries) are never undone.
        post_migrate.connect(_ensure_faq, sender=self, dispatch_uid="claimdesk-assistant-faq")


def _ensure_faq(using: str = "default", apps=None, **kwargs) -> None:
    if apps is None:  # ``flush`` sends post_migrate without the migration state
        from django.apps import apps
    try:
        Entry = apps.get_model("assistant", "FaqEntry")
        Settings = apps.get_model("assistant", "AssistantSettings")
    except LookupError:
        return
    if not Entry.objects.using(using).exists():
        from claimdesk.assistant.services import seed_faq

        seed_faq(Entry, Settings, using)
